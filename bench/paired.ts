/**
 * Compares two odra checkouts on one kinematic planning case, in one process, round by round:
 *
 *   node --import tsx bench/paired.ts BASE NEW [--planner mppi] [--samples 1024] [--horizon 32]
 *        [--iterations 3] [--threads N] [--rounds 30] [--plans 5]
 *
 * BASE and NEW are directories holding odra's src/ and bench/ (a git worktree, say) with their
 * WebAssembly kernel built and node_modules resolvable (a link to this checkout's). Both versions load
 * side by side (each its own modules, kernel instance and cost workers) and take turns: every round
 * times `plans` warm-started plans of each, the order swapped every other round. On a machine whose
 * speed drifts by more than the change being measured (a shared virtual machine), the per-round ratio
 * NEW/BASE still shows the change, where two separate `odra bench` runs would show the drift.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pairedSummary } from './stats.ts';

interface Options {
  dirs: [string, string];
  planner: string;
  samples: number;
  horizon: number;
  iterations: number;
  threads: number | null;
  rounds: number;
  plans: number;
}

const USAGE = 'usage: node --import tsx bench/paired.ts BASE NEW [--planner mppi] [--samples 1024] [--horizon 32] [--iterations 3] [--threads N] [--rounds 30] [--plans 5]';

function parse(argv: readonly string[]): Options {
  const dirs: string[] = [];
  const o = { planner: 'mppi', samples: 1024, horizon: 32, iterations: 3, threads: null as number | null, rounds: 30, plans: 5 };
  const ints: Record<string, 'samples' | 'horizon' | 'iterations' | 'threads' | 'rounds' | 'plans'> = {
    '--samples': 'samples', '--horizon': 'horizon', '--iterations': 'iterations', '--threads': 'threads', '--rounds': 'rounds', '--plans': 'plans',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--planner') o.planner = argv[++i] ?? '';
    else if (a in ints) {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === '--threads' ? 0 : 1)) throw new Error(`${a} takes a whole number${a === '--threads' ? '' : ' ≥ 1'}\n${USAGE}`);
      o[ints[a]!] = v;
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else dirs.push(resolve(a));
  }
  if (dirs.length !== 2) throw new Error(USAGE);
  for (const d of dirs) {
    for (const f of ['bench/problems.ts', 'src/planner/registry.ts', 'src/cost/parallel.ts']) {
      if (!existsSync(join(d, f))) throw new Error(`${d}: no ${f} (a checkout of odra with src/ and bench/ is needed)`);
    }
    // without its kernel a checkout would run the JavaScript cost and compare that instead
    if (existsSync(join(d, 'wasm')) && !existsSync(join(d, 'wasm/fused-fk.wasm'))) throw new Error(`${d}: wasm/fused-fk.wasm is not built (npm run build:wasm there)`);
    // nor would one without its native kernel run the same build as one with it (ODRA_FUSED_NATIVE=0 compares the wasm builds)
    if (process.env.ODRA_FUSED_NATIVE !== '0' && process.env.ODRA_NATIVE !== '0' && existsSync(join(d, 'native/fused-fk.c')) && !existsSync(join(d, 'native/fused-fk.node'))) {
      throw new Error(`${d}: native/fused-fk.node is not built (npm run build:native there, or ODRA_FUSED_NATIVE=0 to compare the WebAssembly builds)`);
    }
  }
  return { ...o, dirs: [dirs[0]!, dirs[1]!] };
}

interface Version {
  dir: string;
  plan: () => Promise<unknown>;
  times: number[];
}

async function load(dir: string, o: Options): Promise<Version> {
  const url = (f: string): string => pathToFileURL(join(dir, f)).href;
  const problems = (await import(url('bench/problems.ts'))) as typeof import('./problems.ts');
  const registry = (await import(url('src/planner/registry.ts'))) as typeof import('../src/planner/registry.ts');
  const parallel = (await import(url('src/cost/parallel.ts'))) as typeof import('../src/cost/parallel.ts');
  if (o.threads !== null) parallel.setCostThreads(o.threads);
  await parallel.startCostWorkers();
  const arm = problems.loadDemoArm();
  const problem = problems.kinematicProblem(arm, o.horizon);
  const planner = registry.createPlanner(o.planner, { ...arm.settings.planner.settings, samples: o.samples });
  let warm: Float64Array | null = null;
  const plan = async (): Promise<void> => {
    warm = (await planner.plan(problem, warm, { iterations: o.iterations, timeMs: 0 })).actions;
  };
  return { dir, plan, times: [] };
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const versions = [await load(o.dirs[0], o), await load(o.dirs[1], o)];
  for (const v of versions) for (let i = 0; i < 20; i++) await v.plan();
  for (let r = 0; r < o.rounds; r++) {
    const order = r % 2 === 0 ? versions : [...versions].reverse();
    for (const v of order) {
      const t0 = performance.now();
      for (let i = 0; i < o.plans; i++) await v.plan();
      v.times.push((performance.now() - t0) / o.plans);
    }
  }
  const s = pairedSummary(versions[0]!.times, versions[1]!.times);
  const steps = o.samples * o.horizon * o.iterations;
  const rate = (ms: number): string => `${(steps / ms / 1e3).toFixed(2)} M state-steps/s`;
  process.stdout.write(
    `${o.planner} ${o.samples} × ${o.horizon} × ${o.iterations}, ${s.rounds} rounds of ${o.plans} plans each\n` +
      `BASE ${o.dirs[0]}: ${s.aMs.toFixed(2)} ms per plan (${rate(s.aMs)})\n` +
      `NEW  ${o.dirs[1]}: ${s.bMs.toFixed(2)} ms per plan (${rate(s.bMs)})\n` +
      `NEW/BASE per round: ${s.ratio.toFixed(3)} (middle half ${s.ratioLow.toFixed(3)}–${s.ratioHigh.toFixed(3)})\n`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
