import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCostTerms } from '../../src/agent/cost-terms.ts';
import { solveIk } from '../../src/agent/ik.ts';
import { densify, RouteChecker } from '../../src/agent/route.ts';
import { defaultCostSettings } from '../../src/agent/settings.ts';
import { arm6, problemFor } from '../cost/helpers.ts';

const chain = arm6();
const dof = chain.dof;

describe('IK for pose goals', () => {
  test('reaches a reachable target to well under a millimetre, inside the limits', () => {
    const target = Float64Array.from([0.4, -0.3, 0.2, 0.5, 0.3, -0.2]);
    const fk = chain.createFkResult(1);
    chain.fk(target, 1, fk);
    const goal = fk.eePos.slice(0, 3);
    const terms = buildCostTerms(defaultCostSettings()).filter((t) => ['ee_position', 'joint_limits', 'self_collision'].includes(t.name));
    const problem = problemFor(chain, { goal: { eePosition: goal } });
    const res = solveIk(chain, terms, problem, new Float64Array(dof));
    assert.ok(res.positionErrorM < 1e-4, `position error ${res.positionErrorM} m`);
    chain.fk(res.q, 1, fk);
    assert.ok(Math.hypot(fk.eePos[0]! - goal[0]!, fk.eePos[1]! - goal[1]!, fk.eePos[2]! - goal[2]!) < 1e-4, 'FK of the solution hits the goal');
    res.q.forEach((q, j) => assert.ok(q >= problem.limits.lower[j]! && q <= problem.limits.upper[j]!, `joint ${j} within limits`));
  });
});

describe('joint-space route', () => {
  test('densify spaces subgoals by at most the step and drops both ends', () => {
    const a = new Float64Array(2);
    const b = Float64Array.from([1, 0.5]);
    const pts = densify([a, b], 0.4);
    // span 1 rad at ≤ 0.4 rad → 3 segments → 2 interior subgoals
    assert.equal(pts.length, 2);
    assert.ok(Math.abs(pts[0]![0]! - 1 / 3) < 1e-12 && Math.abs(pts[1]![1]! - 1 / 3) < 1e-12, 'evenly spaced');
  });

  test('a box across the straight path forces a via configuration whose segments are clear', () => {
    const start = Float64Array.from([-1.2, 0.6, 0.6, 0, 0, 0]);
    const goal = Float64Array.from([1.2, 0.6, 0.6, 0, 0, 0]);
    // the tip sweeps through x > 0 at q0 = 0; put a box there at the tip's height
    const fk = chain.createFkResult(1);
    chain.fk(Float64Array.from([0, 0.6, 0.6, 0, 0, 0]), 1, fk);
    const [x, y, z] = [fk.eePos[0]!, fk.eePos[1]!, fk.eePos[2]!];
    const box = Float64Array.from([x - 0.08, y - 0.08, z - 0.08, x + 0.08, y + 0.08, z + 0.08]);
    const lower = new Float64Array(dof).fill(-2.8);
    const upper = new Float64Array(dof).fill(2.8);
    const checker = new RouteChecker(chain, { boxes: box, spheres: new Float64Array(0) }, lower, upper);
    const opts = { zoneClearanceM: 0.03, selfClearanceM: -1 };
    assert.equal(checker.segmentClear(start, goal, opts), false, 'the straight path is blocked');
    const route = checker.plan(start, goal, opts);
    assert.ok(route !== null && route.length > 0, 'a route was found');
    const pts = [start, ...route!, goal];
    for (let k = 0; k + 1 < pts.length; k++) assert.ok(checker.segmentClear(pts[k]!, pts[k + 1]!, opts), `segment ${k} is clear`);
  });
});
