import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCostTerms } from '../../src/agent/cost-terms.ts';
import { defaultCostSettings } from '../../src/agent/settings.ts';
import { CostEvaluator } from '../../src/cost/evaluator.ts';
import { shiftWarmStart } from '../../src/planner/common.ts';
import { DEFAULT_PLANNER_SETTINGS, type PlanProblem } from '../../src/planner/planner.ts';
import { createPlanner, plannerNames } from '../../src/planner/registry.ts';
import { KinematicModel } from '../../src/world-model/kinematic.ts';
import type { WorldModel } from '../../src/world-model/world-model.ts';
import { arm6, problemFor } from '../cost/helpers.ts';

const chain = arm6();
const dof = chain.dof;
const T = 10;

function problem(goal: Float64Array, model: WorldModel = new KinematicModel({ dof, dtS: 0.05 })): PlanProblem {
  return {
    ...problemFor(chain, { goal: { joints: goal } }),
    model,
    cost: new CostEvaluator(buildCostTerms(defaultCostSettings()), chain),
    s0: new Float64Array(2 * dof),
    horizon: T,
    actionLower: new Float64Array(dof).fill(-1),
    actionUpper: new Float64Array(dof).fill(1),
  };
}

describe('every registered planner', () => {
  test('the registry holds the four planners', () => {
    assert.deepEqual(plannerNames().sort(), ['cem', 'cem+gradient', 'gradient', 'mppi']);
    assert.throws(() => createPlanner('nope', DEFAULT_PLANNER_SETTINGS), /unknown planner "nope"/);
  });

  for (const name of plannerNames()) {
    test(`${name}: lowers the cost, stays in bounds, reports its choice`, async () => {
      const planner = createPlanner(name, DEFAULT_PLANNER_SETTINGS);
      const goal = Float64Array.from([0.5, -0.3, 0.4, 0.2, -0.2, 0.1]);
      const p = problem(goal);
      const zero = await createPlanner('cem', { ...DEFAULT_PLANNER_SETTINGS, samples: 2 }).plan(p, null, { iterations: 1, timeMs: 0 });
      const res = await planner.plan(p, null, { iterations: 4, timeMs: 0 });
      assert.equal(res.actions.length, T * dof, 'actions are [T, A]');
      assert.equal(res.states.length, (T + 1) * 2 * dof, 'states are [T+1, D]');
      for (const a of res.actions) assert.ok(a >= -1 && a <= 1, `action ${a} within bounds`);
      assert.ok(Number.isFinite(res.cost) && res.cost < zero.cost, `${name}: cost ${res.cost} below a 1-iteration baseline ${zero.cost}`);
      const total = res.breakdown.reduce((s, b) => s + b.cost, 0);
      assert.ok(Math.abs(total - res.cost) < 1e-9 * Math.max(1, res.cost), 'breakdown sums to the total');
      assert.ok(res.breakdown.some((b) => b.name === 'joint_goal'), 'joint_goal reported');
      assert.ok(res.iterations >= 1 && res.ms >= 0 && res.rollouts > 0, 'iterations, time and rollouts reported');
      // the predicted end of the plan is closer to the goal than the start (|goal| ≈ 0.79 rad; at ≤ 1 rad/s the 0.5 s horizon cannot reach it)
      const D = 2 * dof;
      let err = 0;
      for (let j = 0; j < dof; j++) err += (res.states[T * D + j]! - goal[j]!) ** 2;
      assert.ok(Math.sqrt(err) < 0.7 * Math.hypot(...goal), `${name}: predicted final error ${Math.sqrt(err)}`);
    });

    test(`${name}: a warm start at the optimum is kept`, async () => {
      const planner = createPlanner(name, DEFAULT_PLANNER_SETTINGS);
      const p = problem(new Float64Array(dof)); // already at the goal, at rest
      const warm = new Float64Array(T * dof);
      const res = await planner.plan(p, warm, { iterations: 2, timeMs: 0 });
      for (const a of res.actions) assert.ok(Math.abs(a) < 0.05, `${name}: action ${a} stays near the zero optimum`);
    });

    test(`${name}: the time budget stops iterating`, async () => {
      const planner = createPlanner(name, { ...DEFAULT_PLANNER_SETTINGS, gradient: { ...DEFAULT_PLANNER_SETTINGS.gradient, steps: 0 } });
      const p = problem(Float64Array.from([1, 1, 1, 1, 1, 1]));
      const res = await planner.plan(p, null, { iterations: 100000, timeMs: 5 });
      assert.ok(res.iterations < 100000, `${name}: stopped after ${res.iterations} iterations`);
    });

    test(`${name}: NaN costs never become the plan`, async () => {
      const inner = new KinematicModel({ dof, dtS: 0.05 });
      // a world model that predicts NaN for any sequence whose first action on joint 0 is positive
      const poisoned: WorldModel = {
        kind: 'poisoned',
        layout: inner.layout,
        stateDim: inner.stateDim,
        actionDim: inner.actionDim,
        dtS: inner.dtS,
        differentiable: true,
        step: (s, a, n, out) => inner.step(s, a, n, out),
        rollout(s0, actions, TT, B, states) {
          inner.rollout(s0, actions, TT, B, states);
          const D = inner.stateDim;
          for (let b = 0; b < B; b++) if (actions[b * dof]! > 0) for (let t = 1; t <= TT; t++) states[(t * B + b) * D] = Number.NaN;
        },
        rolloutVjp: (...args) => inner.rolloutVjp(...args),
      };
      const res = await createPlanner(name, DEFAULT_PLANNER_SETTINGS).plan(problem(Float64Array.from([1, 0, 0, 0, 0, 0]), poisoned), null, { iterations: 3, timeMs: 0 });
      assert.ok(Number.isFinite(res.cost), `${name}: chosen cost ${res.cost} is finite`);
      assert.ok(res.actions[0]! <= 0, `${name}: the chosen first action avoids the NaN region`);
    });
  }
});

describe('warm start shifting', () => {
  test('shifts by one step and repeats the last action; resizes to a new horizon', () => {
    const prev = Float64Array.from([1, 2, 3, 4, 5, 6]); // T = 3, A = 2
    const out = new Float64Array(8);
    shiftWarmStart(prev, 3, 2, 4, out);
    assert.deepEqual(Array.from(out), [3, 4, 5, 6, 5, 6, 5, 6]);
    shiftWarmStart(null, 0, 2, 4, out);
    assert.deepEqual(Array.from(out), new Array(8).fill(0));
  });
});
