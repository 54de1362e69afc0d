/** The command line of `odra bench`. */
import { parseArgs } from 'node:util';
import { UsageError } from '../src/cli/command.ts';

export const SUITES = ['peak', 'planners', 'perception', 'tick', 'memory'] as const;
export type SuiteName = (typeof SUITES)[number];

export interface BenchArgs {
  /** in run order */
  suites: SuiteName[];
  quick: boolean;
  json: boolean;
  /** case-name substrings; a case runs when it contains any (empty = all) */
  filters: string[];
  /** agent ticks of the memory suite; null = the default (50,000; 500 with --quick) */
  ticks: number | null;
  /** cost worker threads for large planner batches; null = the default (cores − 1) */
  threads: number | null;
  help: boolean;
}

export const USAGE = `Usage: odra bench [--suite NAME...] [--quick] [--json] [--filter TEXT...] [--ticks N] [--threads N]

Measures odra's speed on this machine: every case is warmed up and repeated, and reported as
p50/p99 wall time. The run starts with the backends it uses (tfjs, ONNX Runtime providers) and the
machine (cpus, node version).

Suites (default: all, in this order):
  peak        measured GEMM throughput, GFLOP/s: ONNX Runtime MatMul and each tfjs backend present
  planners    every planner × world model (kinematic 6-DoF with the full FK cost; learned-size MLP)
              × sizes: plan ms, state-steps/s, MLP GFLOP/s and fraction of the ONNX peak; targets
  perception  encode ms at 64×64 (small CNN) and 224×224 (ResNet-18-sized), ONNX Runtime
  tick        camera frame → command latency through the simulator, perception and agent nodes
  memory      RSS and tfjs tensor count over many agent ticks (growth must stay under 5 %)

Options:
  --suite NAME     a suite to run (repeatable, or comma-separated)
  --quick          a smoke run for CI: few small cases, fewer repetitions (under a minute)
  --json           print one JSON object with every number on stdout (progress goes to stderr)
  --filter TEXT    run only cases whose name contains TEXT (repeatable), e.g. mppi/kinematic
  --ticks N        agent ticks of the memory suite (default 50000; 500 with --quick)
  --threads N      cost worker threads for planner batches of 8192+ state-steps (default: cores − 1;
                   0 = everything on one thread); results are the same, only the time changes
  -h, --help       show this help
`;

const OPTIONS = {
  suite: { type: 'string', multiple: true },
  quick: { type: 'boolean' },
  json: { type: 'boolean' },
  filter: { type: 'string', multiple: true },
  ticks: { type: 'string' },
  threads: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Throws UsageError naming the bad argument. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : String(e)} (see 'odra bench --help')`);
  }
  const v = parsed.values;
  const asked = (v.suite ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  const unknown = asked.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`--suite: unknown ${unknown.map((s) => `'${s}'`).join(', ')}; suites: ${SUITES.join(', ')}`);
  const suites = asked.length === 0 ? [...SUITES] : SUITES.filter((s) => asked.includes(s));
  let ticks: number | null = null;
  if (v.ticks !== undefined) {
    const n = Number(v.ticks);
    if (!/^\d+$/.test(v.ticks.trim()) || !Number.isSafeInteger(n) || n < 100) throw new UsageError(`--ticks: expected an integer ≥ 100, got '${v.ticks}'`);
    ticks = n;
  }
  let threads: number | null = null;
  if (v.threads !== undefined) {
    const n = Number(v.threads);
    if (!/^\d+$/.test(v.threads.trim()) || !Number.isSafeInteger(n) || n > 64) throw new UsageError(`--threads: expected an integer from 0 to 64, got '${v.threads}'`);
    threads = n;
  }
  return {
    suites,
    quick: v.quick === true,
    json: v.json === true,
    filters: (v.filter ?? []).filter((f) => f !== ''),
    ticks,
    threads,
    help: v.help === true,
  };
}

/** Whether a case runs under the --filter arguments. */
export function selected(name: string, filters: readonly string[]): boolean {
  return filters.length === 0 || filters.some((f) => name.includes(f));
}
