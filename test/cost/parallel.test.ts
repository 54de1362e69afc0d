/**
 * Cost worker threads: the same costs as one thread (bit for bit), a deterministic planner whatever the
 * thread count, and no thread left behind (a process that used them exits on its own).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildCostTerms } from '../../src/agent/cost-terms.ts';
import { defaultCostSettings } from '../../src/agent/settings.ts';
import { CostEvaluator, sharedF64 } from '../../src/cost/evaluator.ts';
import { costThreads, lastCostJob, PARALLEL_MIN_STATE_STEPS, setCostThreads, startCostWorkers, stopCostWorkers } from '../../src/cost/parallel.ts';
import { MppiPlanner } from '../../src/planner/mppi.ts';
import { DEFAULT_PLANNER_SETTINGS } from '../../src/planner/planner.ts';
import { arm6, arm6PlanProblem, rng } from './helpers.ts';

after(() => {
  stopCostWorkers();
  setCostThreads(null);
});

/** Two workers started, the test arm's problem at horizon 16 and B random actions rolled out, in shared memory. */
async function sharedBatch(B: number, seed: number): Promise<{ p: ReturnType<typeof arm6PlanProblem>; T: number; A: number; actions: Float64Array; states: Float64Array }> {
  setCostThreads(2);
  assert.equal(await startCostWorkers(), 2, 'both workers start');
  const p = arm6PlanProblem(16);
  const T = p.horizon;
  const A = p.model.actionDim;
  assert.ok(T * B >= PARALLEL_MIN_STATE_STEPS, 'the batch is large enough to go to the workers');
  const next = rng(seed);
  const actions = sharedF64(T * B * A);
  for (let i = 0; i < actions.length; i++) actions[i] = 2 * (2 * next() - 1);
  const states = sharedF64((T + 1) * B * p.model.stateDim);
  await p.model.rollout(p.s0, actions, T, B, states);
  return { p, T, A, actions, states };
}

describe('cost worker threads', () => {
  test('a large shared batch gives bit-identical costs on workers and on one thread', async () => {
    const B = 700; // not a multiple of the chunk size
    const { p, T, A, actions, states } = await sharedBatch(B, 8);
    const chain = arm6();
    const one = new CostEvaluator(buildCostTerms(defaultCostSettings()), chain, { parallel: false }).evaluate(p, states, actions, T, B, A);
    const oneTotal = one.total.slice();
    const onePer = one.perTerm.slice();
    const par = new CostEvaluator(buildCostTerms(defaultCostSettings()), chain);
    for (let rep = 0; rep < 3; rep++) {
      const ev = par.evaluate(p, states, actions, T, B, A);
      assert.deepEqual(ev.total, oneTotal, `totals are bit-identical (repeat ${rep})`);
      assert.deepEqual(ev.perTerm, onePer, `per-term costs are bit-identical (repeat ${rep})`);
    }
  });

  test('a problem changed in place between evaluations reaches the workers', async () => {
    const B = 640;
    const { p, T, A, actions, states } = await sharedBatch(B, 9);
    const chain = arm6();
    const one = new CostEvaluator(buildCostTerms(defaultCostSettings()), chain, { parallel: false });
    const par = new CostEvaluator(buildCostTerms(defaultCostSettings()), chain);
    const before = par.evaluate(p, states, actions, T, B, A).total.slice();
    assert.deepEqual(par.evaluate(p, states, actions, T, B, A).total, before, 'the same problem again: the same costs');
    // the goal and the keep-out box move in place, as a caller reusing its arrays does
    p.goal.eePosition![0]! += 0.07;
    p.keepOut.boxes[2]! -= 0.05;
    const want = one.evaluate(p, states, actions, T, B, A).total.slice();
    assert.notDeepEqual(want, before, 'the change moves the costs');
    // repeated until the workers took chunks of one (a loaded machine may leave a job to the caller)
    let byWorkers = 0;
    for (let rep = 0; rep < 8 && byWorkers === 0; rep++) {
      assert.deepEqual(par.evaluate(p, states, actions, T, B, A).total, want, `the workers evaluate the changed problem (repeat ${rep})`);
      byWorkers = lastCostJob()?.byWorkers ?? 0;
    }
    assert.ok(byWorkers > 0, 'the workers took chunks of it');
  });

  test('MPPI plans the same with 0, 1 and 2 worker threads', async () => {
    const results: Float64Array[] = [];
    for (const threads of [0, 1, 2]) {
      setCostThreads(threads);
      assert.equal(await startCostWorkers(), threads, `${threads} workers start`);
      const planner = new MppiPlanner({ ...DEFAULT_PLANNER_SETTINGS, samples: 512 });
      const p = arm6PlanProblem(24);
      let warm: Float64Array | null = null;
      for (let tick = 0; tick < 3; tick++) warm = (await planner.plan(p, warm, { iterations: 3, timeMs: 0 })).actions;
      results.push(warm!);
    }
    assert.deepEqual(results[1], results[0], 'one worker: the same plan as none');
    assert.deepEqual(results[2], results[0], 'two workers: the same plan as none');
  });

  test('setCostThreads(0) keeps everything on the calling thread', async () => {
    setCostThreads(0);
    assert.equal(costThreads(), 0, 'no threads configured');
    assert.equal(await startCostWorkers(), 0, 'nothing starts');
  });

  test('a process that used the workers exits by itself', () => {
    const script = `
      import { setCostThreads, startCostWorkers } from ${JSON.stringify(fileURLToPath(new URL('../../src/cost/parallel.ts', import.meta.url)))};
      setCostThreads(2);
      const n = await startCostWorkers();
      console.log('ready ' + n);
    `;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(res.error, undefined, `the child ran and exited in time: ${String(res.error)}`);
    assert.equal(res.status, 0, `exit status 0; stderr: ${res.stderr}`);
    assert.match(res.stdout, /ready 2/, 'its workers had started');
  });
});
