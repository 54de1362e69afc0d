/**
 * Chunked batches (planner/batch-chunk.ts): sampling, the kinematic rollout and the fused cost done chunk
 * by chunk, on the planner's thread and the cost workers, give the very plans of the sequential path.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCostTerms } from '../../src/agent/cost-terms.ts';
import { defaultCostSettings } from '../../src/agent/settings.ts';
import { CostEvaluator } from '../../src/cost/evaluator.ts';
import { lastCostJob, PARALLEL_MIN_STATE_STEPS, setCostThreads, startCostWorkers, stopCostWorkers } from '../../src/cost/parallel.ts';
import { setChunkedBatches } from '../../src/planner/batch-chunk.ts';
import { CemPlanner } from '../../src/planner/cem.ts';
import { MppiPlanner } from '../../src/planner/mppi.ts';
import { DEFAULT_PLANNER_SETTINGS, type Planner, type PlanProblem } from '../../src/planner/planner.ts';
import { KinematicModel } from '../../src/world-model/kinematic.ts';
import { arm6, problemFor } from '../cost/helpers.ts';

after(() => {
  setChunkedBatches(true);
  stopCostWorkers();
  setCostThreads(null);
});

function planProblem(horizon: number, lagS: number): PlanProblem {
  const chain = arm6();
  const model = new KinematicModel({ dof: chain.dof, dtS: 0.05, actuatorLagS: lagS });
  const goalQ = Float64Array.from([0.8, -0.3, 0.7, -0.4, 0.3, 0.2]);
  const fk = chain.createFkResult(1);
  chain.fk(goalQ, 1, fk);
  const s0 = new Float64Array(model.stateDim);
  s0.set([0, -0.5, 1.0, -0.5, 0, 0], model.layout.qOffset);
  s0.set([0.2, -0.1, 0, 0.3, 0, 0], model.layout.qdOffset);
  return {
    ...problemFor(chain),
    layout: model.layout,
    goal: { eePosition: fk.eePos.slice(0, 3), eeRotation: fk.eeRot.slice(0, 9), posture: goalQ },
    keepOut: { boxes: Float64Array.from([0.39, -0.31, 0, 0.51, -0.19, 0.3]), spheres: new Float64Array(0) },
    model,
    cost: new CostEvaluator(buildCostTerms(defaultCostSettings()), chain),
    s0,
    horizon,
    actionLower: new Float64Array(chain.dof).fill(-1.5),
    actionUpper: new Float64Array(chain.dof).fill(1.5),
  };
}

/** Three warm-started ticks; the actions and cost of each, and how many chunks the worker threads took. */
async function ticks(make: () => Planner, p: PlanProblem): Promise<{ actions: Float64Array[]; costs: number[]; workerChunks: number }> {
  const planner = make();
  const actions: Float64Array[] = [];
  const costs: number[] = [];
  let warm: Float64Array | null = null;
  let workerChunks = 0;
  for (let tick = 0; tick < 3; tick++) {
    const before = lastCostJob();
    const r = await planner.plan(p, warm, { iterations: 3, timeMs: 0 });
    const after = lastCostJob();
    if (after !== null && after !== before) workerChunks += after.byWorkers;
    warm = r.actions;
    actions.push(r.actions);
    costs.push(r.cost);
  }
  return { actions, costs, workerChunks };
}

function assertSamePlans(got: { actions: Float64Array[]; costs: number[] }, want: { actions: Float64Array[]; costs: number[] }, what: string): void {
  assert.equal(got.actions.length, want.actions.length);
  got.actions.forEach((a, i) => {
    assert.ok(Object.is(got.costs[i], want.costs[i]), `${what}: tick ${i} cost ${got.costs[i]} vs ${want.costs[i]}`);
    a.forEach((v, j) => assert.ok(Object.is(v, want.actions[i]![j]), `${what}: tick ${i} action ${j}: ${v} vs ${want.actions[i]![j]}`));
  });
}

const planners: [string, () => Planner][] = [
  ['mppi', () => new MppiPlanner({ ...DEFAULT_PLANNER_SETTINGS, samples: 401 })],
  ['cem', () => new CemPlanner({ ...DEFAULT_PLANNER_SETTINGS, samples: 400 })],
];

describe('chunked batches', () => {
  for (const [name, make] of planners) {
    test(`${name}: the same plans chunked as sequential, on 0 and 2 worker threads, with and without actuator lag`, async () => {
      for (const lagS of [0, 0.08]) {
        const horizon = 24;
        assert.ok(horizon * 400 >= PARALLEL_MIN_STATE_STEPS, 'the batch is large enough to go to the workers');
        setCostThreads(0);
        setChunkedBatches(false);
        const sequential = await ticks(make, planProblem(horizon, lagS));
        setChunkedBatches(true);
        for (const threads of [0, 2]) {
          setCostThreads(threads);
          assert.equal(await startCostWorkers(), threads, `${threads} workers start`);
          // the first jobs reach workers that are still loading the chunk module: until the workers have
          // taken chunks of a plan (a busy machine may leave them none for a while), and at least twice
          let tookPart = false;
          for (let round = 1; round <= 2 || (threads > 0 && !tookPart && round <= 20); round++) {
            const got = await ticks(make, planProblem(horizon, lagS));
            assertSamePlans(got, sequential, `${name}, lag ${lagS}, ${threads} threads, round ${round}`);
            if (got.workerChunks > 0) tookPart = true;
          }
          if (threads > 0) assert.ok(tookPart, `${name}: the worker threads took chunks of the batches`);
        }
      }
    });
  }

  test('a small batch (the sim default size) plans the same chunked as sequential', async () => {
    setCostThreads(2);
    await startCostWorkers();
    const make = (): Planner => new CemPlanner({ ...DEFAULT_PLANNER_SETTINGS, samples: 64 });
    setChunkedBatches(false);
    const sequential = await ticks(make, planProblem(12, 0));
    setChunkedBatches(true);
    assertSamePlans(await ticks(make, planProblem(12, 0)), sequential, 'cem 64 × 12');
  });
});
