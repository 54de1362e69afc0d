/**
 * Prints the functions with the most self time in a V8 CPU profile (`node --cpu-prof` output):
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx src/cli/main.ts bench --suite planners --filter mppi/kinematic/2048x64
 *   node --import tsx bench/profile-top.ts /tmp/prof/CPU.*.cpuprofile [--top 20]
 *
 * Self time is summed per function (name, file, line) from the sample time deltas.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  fn: string;
  where: string;
  ms: number;
  pct: number;
}

function location(url: string, line: number): string {
  if (url === '') return '(native)';
  let path = url;
  try {
    if (url.startsWith('file://')) path = relative(process.cwd(), fileURLToPath(url));
  } catch {
    path = url;
  }
  return `${path}:${line + 1}`;
}

/** Self time per function, largest first. */
export function selfTimes(profile: CpuProfile): SelfTime[] {
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n] as const));
  const ms = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const node = byNode.get(id);
    if (node === undefined) return;
    const fn = node.callFrame.functionName === '' ? '(anonymous)' : node.callFrame.functionName;
    const where = location(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${fn}@${where}`;
    const entry = ms.get(key) ?? { fn, where, us: 0 };
    entry.us += dt;
    ms.set(key, entry);
  });
  return [...ms.values()].map((e) => ({ fn: e.fn, where: e.where, ms: e.us / 1000, pct: total > 0 ? (100 * e.us) / total : 0 })).sort((a, b) => b.ms - a.ms);
}

function main(argv: readonly string[]): number {
  const files = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--top');
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 20;
  if (files.length === 0 || !(top > 0)) {
    process.stderr.write('usage: node --import tsx bench/profile-top.ts FILE.cpuprofile... [--top N]\n');
    return 2;
  }
  for (const file of files) {
    const rows = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile).slice(0, top);
    process.stdout.write(`${file}\n${'self ms'.padStart(10)}  ${'%'.padStart(5)}  function  (file:line)\n`);
    for (const r of rows) process.stdout.write(`${r.ms.toFixed(1).padStart(10)}  ${r.pct.toFixed(1).padStart(5)}  ${r.fn}  (${r.where})\n`);
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = main(process.argv.slice(2));
