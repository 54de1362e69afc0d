/**
 * Smoke test of `odra bench`: small cases through the command's `run`, checking the report's shape
 * and that every number is finite and positive. Timings are not compared with thresholds here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CliIo } from '../../src/cli/command.ts';
import { run, summary } from '../../src/cli/commands/bench.ts';

interface Captured {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

function capture(): Captured {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, cwd: process.cwd() },
    stdout: () => out,
    stderr: () => err,
  };
}

/** Every number under `value`, with its path. */
function numbers(value: unknown, path: string, out: [string, number][] = []): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => numbers(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) numbers(v, `${path}.${k}`, out);
  return out;
}

function assertPositive(value: unknown, path: string): void {
  const found = numbers(value, path);
  assert.ok(found.length > 0, `${path} holds numbers`);
  for (const [p, v] of found) assert.ok(Number.isFinite(v) && v > 0, `${p} = ${v} is finite and positive`);
}

async function benchJson(argv: string[]): Promise<{ report: Record<string, unknown>; stderr: string }> {
  const c = capture();
  const code = await run([...argv, '--quick', '--json'], c.io);
  assert.equal(code, 0, `exit code 0 (stderr: ${c.stderr().slice(-500)})`);
  const text = c.stdout();
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    assert.fail(`stdout is one JSON object: ${(e as Error).message}: ${text.slice(0, 200)}`);
  }
  return { report, stderr: c.stderr() };
}

function assertRunInfo(report: Record<string, unknown>): void {
  assert.equal(report['schema'], 'odra-bench/1', 'schema tag');
  assert.equal(report['quick'], true, 'quick flag recorded');
  const machine = report['machine'] as Record<string, unknown>;
  assert.ok(typeof machine['cpus'] === 'number' && machine['cpus'] > 0, 'machine.cpus');
  assert.equal(machine['node'], process.version, 'machine.node is the running node version');
  const backends = report['backends'] as { tfjs: { name: string }; onnx: { providers: string[] } };
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(backends.tfjs.name), `tfjs backend named: ${backends.tfjs.name}`);
  assert.ok(backends.onnx.providers.includes('cpu'), 'ONNX Runtime providers end with cpu');
  assert.ok(typeof report['durationS'] === 'number' && report['durationS'] > 0, 'durationS');
}

describe('odra bench', () => {
  test('the command has a summary and a help text; bad arguments are usage errors', async () => {
    assert.ok(summary.length > 10, 'summary for odra --help');
    const c = capture();
    assert.equal(await run(['--help'], c.io), 0, 'help exits 0');
    assert.match(c.stdout(), /Usage: odra bench/, 'usage on stdout');
    assert.match(c.stdout(), /--quick/, 'usage names --quick');
    await assert.rejects(run(['--suite', 'nope'], capture().io), (e: unknown) => (e as { exitCode?: number }).exitCode === 2 && /unknown 'nope'/.test((e as Error).message), 'unknown suite');
    await assert.rejects(run(['--ticks', '5'], capture().io), (e: unknown) => (e as { exitCode?: number }).exitCode === 2, 'too few ticks');
    await assert.rejects(run(['--bogus'], capture().io), (e: unknown) => (e as { exitCode?: number }).exitCode === 2, 'unknown option');
  });

  test('--quick --json --suite peak: one JSON object, GEMM numbers finite and positive, progress on stderr', async () => {
    const { report, stderr } = await benchJson(['--suite', 'peak']);
    assertRunInfo(report);
    assert.deepEqual(report['suites'], ['peak'], 'only the peak suite ran');
    assert.match(stderr, /bench: peak/, 'progress went to stderr');
    const peak = report['peak'] as { cases: { engine: string; threads: number; m: number; timing: object; gflops: number }[]; onnxPeakGflops: Record<string, number> };
    assert.ok(peak.cases.some((c) => c.engine === 'onnx'), 'an ONNX Runtime case');
    assert.ok(peak.cases.some((c) => c.engine.startsWith('tfjs-')), 'a tfjs case');
    for (const c of peak.cases) assertPositive({ threads: c.threads, m: c.m, timing: c.timing, gflops: c.gflops }, `peak.${c.engine}`);
    assertPositive(peak.onnxPeakGflops, 'peak.onnxPeakGflops');
    assert.ok((peak.onnxPeakGflops['1'] ?? 0) > 0, 'single-thread ONNX Runtime peak reported');
    assert.equal(report['planners'], undefined, 'no planners section');
  });

  test('--quick --json --suite planners with filters: a kinematic and an MLP case with throughput and utilization', async () => {
    const { report } = await benchJson(['--suite', 'planners', '--filter', 'cem+gradient/kinematic/64x12x3', '--filter', 'gradient/mlp/4x8x4']);
    assertRunInfo(report);
    const p = report['planners'] as {
      cases: { name: string; model: string; timing: object; stateStepsPerS: number; rollouts: number; gflops?: number; peakFraction?: number }[];
      targets: unknown[];
      peakReference: { gflops: number } | null;
      notes: string[];
    };
    assert.deepEqual(p.cases.map((c) => c.name).sort(), ['cem+gradient/kinematic/64x12x3', 'gradient/mlp/4x8x4'], 'exactly the filtered cases ran');
    for (const c of p.cases) {
      assertPositive({ timing: c.timing, stateStepsPerS: c.stateStepsPerS, rollouts: c.rollouts }, `planners.${c.name}`);
      if (c.model === 'mlp') assertPositive({ gflops: c.gflops, peakFraction: c.peakFraction }, `planners.${c.name}.utilization`);
      else assert.equal(c.gflops, undefined, 'no GFLOP/s for the kinematic model');
    }
    assert.ok(p.peakReference !== null && p.peakReference.gflops > 0, 'the MLP utilization has a peak reference from this run');
    assert.equal(p.targets.length, 0, 'no target case ran');
    assert.ok(p.notes.some((n) => n.includes('targets not measured')), 'the unmeasured targets are named');
  });

  test('with the peak and another suite, the peak is measured again at the end: the machine speed line', async () => {
    const { report } = await benchJson(['--suite', 'peak', '--suite', 'planners', '--filter', 'onnx/t', '--filter', 'sim-default']);
    const drift = report['drift'] as { case: string; startGflops: number; endGflops: number; change: number };
    assert.ok(drift !== undefined, 'a drift check');
    assert.match(drift.case, /^onnx\/t\d+\//, 'an ONNX Runtime case on every core');
    assertPositive({ start: drift.startGflops, end: drift.endGflops }, 'drift');
    assert.ok(Math.abs(drift.endGflops / drift.startGflops - 1 - drift.change) < 1e-12, 'change = end / start − 1');
    const c = capture();
    assert.equal(await run(['--quick', '--suite', 'peak', '--suite', 'planners', '--filter', 'onnx/t', '--filter', 'sim-default'], c.io), 0);
    assert.match(c.stdout(), /^machine speed: onnx\/t\d+\/\S+ [\d.]+ GFLOP\/s at the start, [\d.]+ at the end \([+-][\d.]+ %\)$/m, 'the machine speed line');
  });

  test('the table names the backends, the machine and each target with PASS or MISS', async () => {
    const c = capture();
    assert.equal(await run(['--quick', '--suite', 'planners', '--filter', 'sim-default'], c.io), 0, 'exit code 0');
    const text = c.stdout();
    assert.match(text, /^machine: \d+ × /m, 'machine line');
    assert.match(text, /^backends: tfjs '\w+', ONNX Runtime providers \[/m, 'backends line');
    assert.match(text, /sim-default\/kinematic\/64x12x3/, 'the default odra sim case');
    assert.match(text, /^(PASS|MISS) +[\d.]+ ms +≤ 5 ms/m, 'the plan-time target with its verdict');
  });
});
