import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCostTerms } from '../../src/agent/cost-terms.ts';
import { defaultCostSettings } from '../../src/agent/settings.ts';
import { CostEvaluator } from '../../src/cost/evaluator.ts';
import { AccelerationLimitsTerm } from '../../src/cost/terms/acceleration-limits.ts';
import { EeOrientationTerm } from '../../src/cost/terms/ee-orientation.ts';
import { EePositionTerm } from '../../src/cost/terms/ee-position.ts';
import { EffortTerm } from '../../src/cost/terms/effort.ts';
import { JointGoalTerm } from '../../src/cost/terms/joint-goal.ts';
import { JointLimitsTerm } from '../../src/cost/terms/joint-limits.ts';
import { KeepOutTerm } from '../../src/cost/terms/keep-out.ts';
import { LatentGoalTerm } from '../../src/cost/terms/latent-goal.ts';
import { SelfCollisionTerm } from '../../src/cost/terms/self-collision.ts';
import { SmoothnessTerm } from '../../src/cost/terms/smoothness.ts';
import { VelocityLimitsTerm } from '../../src/cost/terms/velocity-limits.ts';
import type { CostProblem, CostTerm } from '../../src/cost/types.ts';
import { KinematicModel } from '../../src/world-model/kinematic.ts';
import { makeStateLayout } from '../../src/world-model/world-model.ts';
import { arm6, problemFor, rng } from './helpers.ts';

const chain = arm6();
const dof = chain.dof;

/** A one-step, one-sample trajectory: state 0 then state 1 = [q1 | qd1], action a0. */
function oneStep(q1: number[], qd1: number[] = new Array(dof).fill(0), a0: number[] = new Array(dof).fill(0), qd0: number[] = new Array(dof).fill(0)) {
  const D = 2 * dof;
  const states = new Float64Array(2 * D);
  states.set(qd0, dof);
  states.set(q1, D);
  states.set(qd1, D + dof);
  return { states, actions: Float64Array.from(a0) };
}

function evalTerm(term: CostTerm, problem: CostProblem, traj: { states: Float64Array; actions: Float64Array }): number {
  const ev = new CostEvaluator([term], chain).evaluate(problem, traj.states, traj.actions, 1, 1, dof);
  return ev.total[0]!;
}

const zeros = new Array(dof).fill(0);

describe('cost terms: zero inside their limits, exact values for a known violation', () => {
  test('joint_goal', () => {
    const p = problemFor(chain, { goal: { joints: Float64Array.from([0.1, 0, 0, 0, 0, 0]) } });
    assert.equal(evalTerm(new JointGoalTerm(2), p, oneStep([0.1, 0, 0, 0, 0, 0])), 0);
    // 2 weight × ½ × (0.3² + 0.4²) = 0.25
    assert.ok(Math.abs(evalTerm(new JointGoalTerm(2), p, oneStep([0.4, 0.4, 0, 0, 0, 0])) - 0.25) < 1e-12);
  });

  test('ee_position', () => {
    // zero configuration: the arm stands straight up; tip height 0.15+0.1+0.35+0.3+0.1+0.08+0.06 = 1.14 m
    const p = problemFor(chain, { goal: { eePosition: Float64Array.from([0, 0, 1.14]) } });
    const term = new EePositionTerm(3, 'quadratic');
    assert.ok(evalTerm(term, p, oneStep(zeros)) < 1e-20);
    // goal 0.1 m lower: 3 × ½ × 0.1² = 0.015
    const p2 = problemFor(chain, { goal: { eePosition: Float64Array.from([0, 0, 1.04]) } });
    assert.ok(Math.abs(evalTerm(term, p2, oneStep(zeros)) - 0.015) < 1e-12);
  });

  test('ee_orientation', () => {
    const fk = chain.createFkResult(1);
    chain.fk(new Float64Array(dof), 1, fk);
    const p = problemFor(chain, { goal: { eeRotation: fk.eeRot.slice(0, 9) } });
    const term = new EeOrientationTerm(1, 'quadratic');
    assert.ok(evalTerm(term, p, oneStep(zeros)) < 1e-20);
    // rotating wrist_2 (about the tool's z axis) by θ: e = ½Σ R_c×G_c = sin θ · z, cost ½ sin²θ
    const th = 0.2;
    const v = evalTerm(term, p, oneStep([0, 0, 0, 0, th, 0]));
    assert.ok(Math.abs(v - 0.5 * Math.sin(th) ** 2) < 1e-12, `${v}`);
  });

  test('latent_goal (L1)', () => {
    const layout = makeStateLayout(2, dof);
    const p = problemFor(chain, { layout, goal: { latent: Float64Array.from([1, -1]) } });
    const D = layout.stateDim;
    const states = new Float64Array(2 * D);
    states.set([1.5, -1.25], D);
    // 2 × (|0.5| + |−0.25|) = 1.5
    const ev = new CostEvaluator([new LatentGoalTerm(2)], chain).evaluate(p, states, new Float64Array(dof), 1, 1, dof);
    assert.ok(Math.abs(ev.total[0]! - 1.5) < 1e-12);
  });

  test('joint_limits (quadratic band)', () => {
    const p = problemFor(chain);
    const term = new JointLimitsTerm(4, 0.1, 'quadratic');
    assert.equal(evalTerm(term, p, oneStep([2.7, -2.7, 2.4, 0, 0, 0])), 0);
    // shoulder_pan upper 2.9, band starts at 2.8; q = 2.85 → r = 0.05: 4 × ½ × 0.05² = 0.005
    assert.ok(Math.abs(evalTerm(term, p, oneStep([2.85, 0, 0, 0, 0, 0])) - 0.005) < 1e-12);
  });

  test('velocity_limits', () => {
    const p = problemFor(chain);
    const term = new VelocityLimitsTerm(10);
    assert.equal(evalTerm(term, p, oneStep(zeros, [1.9, -1.9, 0, 0, 0, 0])), 0);
    // |−2.5| − 2 = 0.5 over: 10 × ½ × 0.25 = 1.25
    assert.ok(Math.abs(evalTerm(term, p, oneStep(zeros, [0, -2.5, 0, 0, 0, 0])) - 1.25) < 1e-12);
  });

  test('acceleration_limits', () => {
    const p = problemFor(chain);
    const term = new AccelerationLimitsTerm(1);
    // Δv 0.4 over 0.05 s = 8 rad/s² ≤ 10
    assert.equal(evalTerm(term, p, oneStep(zeros, [0.4, 0, 0, 0, 0, 0])), 0);
    // Δv 1.0 over 0.05 s = 20 rad/s²: 10 over, ½ × 10² = 50
    assert.ok(Math.abs(evalTerm(term, p, oneStep(zeros, [1.0, 0, 0, 0, 0, 0])) - 50) < 1e-9);
  });

  test('smoothness and effort', () => {
    const p = problemFor(chain, { prevAction: Float64Array.from([0.5, 0, 0, 0, 0, 0]) });
    assert.equal(evalTerm(new SmoothnessTerm(1), p, oneStep(zeros, zeros, [0.5, 0, 0, 0, 0, 0])), 0);
    // (0.5 − 0.2)² × ½ × 2 = 0.09
    assert.ok(Math.abs(evalTerm(new SmoothnessTerm(2), p, oneStep(zeros, zeros, [0.2, 0, 0, 0, 0, 0])) - 0.09) < 1e-12);
    assert.equal(evalTerm(new EffortTerm(1), p, oneStep(zeros, zeros, zeros)), 0);
    // ½ × (0.3² + 0.4²) = 0.125
    assert.ok(Math.abs(evalTerm(new EffortTerm(1), p, oneStep(zeros, zeros, [0.3, 0.4, 0, 0, 0, 0])) - 0.125) < 1e-12);
  });

  test('keep_out: box and sphere zones', () => {
    // a box far from the upright arm
    const far = problemFor(chain, { keepOut: { boxes: Float64Array.from([0.6, 0.6, 0, 0.8, 0.8, 0.3]), spheres: new Float64Array(0) } });
    assert.equal(evalTerm(new KeepOutTerm(1, 0.05, 'quadratic'), far, oneStep(zeros)), 0);
    // a sphere zone exactly at the tip position with radius 0: every sphere within 0.05 m of the tip adds
    // its penetration; compare against a direct computation from the FK sphere centres
    const fk = chain.createFkResult(1);
    chain.fk(new Float64Array(dof), 1, fk);
    const tip = [fk.eePos[0]!, fk.eePos[1]!, fk.eePos[2]!];
    const zone = Float64Array.from([...tip, 0]);
    const p = problemFor(chain, { keepOut: { boxes: new Float64Array(0), spheres: zone } });
    let expected = 0;
    chain.spheres.forEach((s, i) => {
      if (s.body === 0) return;
      const d = Math.hypot(fk.spheres[i * 3]! - tip[0]!, fk.spheres[i * 3 + 1]! - tip[1]!, fk.spheres[i * 3 + 2]! - tip[2]!) - s.radiusM;
      const r = 0.05 - d;
      if (r > 0) expected += 0.5 * r * r;
    });
    assert.ok(expected > 0);
    assert.ok(Math.abs(evalTerm(new KeepOutTerm(1, 0.05, 'quadratic'), p, oneStep(zeros)) - expected) < 1e-12);
  });

  test('self_collision: zero when upright, positive when folded onto itself', () => {
    const p = problemFor(chain);
    const term = new SelfCollisionTerm(1, 0.02, 'quadratic');
    assert.equal(evalTerm(term, p, oneStep(zeros)), 0);
    assert.ok(evalTerm(term, p, oneStep([0, 0, 2.6, 2.0, 0, 0])) > 0);
  });
});

describe('cost evaluator gradient', () => {
  test('matches finite differences through rollout, FK, and every term', () => {
    const rand = rng(7);
    const T = 4;
    const B = 3;
    const model = new KinematicModel({ dof, dtS: 0.05, actuatorLagS: 0.08 });
    const fk = chain.createFkResult(1);
    chain.fk(Float64Array.from([0.3, -0.4, 0.8, 0.2, -0.3, 0.1]), 1, fk);
    const s = defaultCostSettings();
    for (const k of Object.keys(s) as (keyof typeof s)[]) s[k].norm = s[k].norm ?? 'quadratic';
    s.selfCollision.marginM = 0.3; // make self-collision active
    s.keepOut.marginM = 0.3;
    s.jointLimits.marginRad = 2.8; // every joint inside the band
    s.velocityLimits.weight = 1;
    s.accelerationLimits.weight = 0.1;
    const terms = buildCostTerms(s);
    const ev = new CostEvaluator(terms, chain);
    const tipNear = [fk.eePos[0]!, fk.eePos[1]!, fk.eePos[2]!];
    const problem = problemFor(chain, {
      goal: { joints: Float64Array.from([0.5, -0.2, 0.4, 0, 0.1, 0]), eePosition: Float64Array.from([0.3, 0.2, 0.6]), eeRotation: fk.eeRot.slice(0, 9) },
      keepOut: {
        boxes: Float64Array.from([tipNear[0]! - 0.05, tipNear[1]! - 0.3, tipNear[2]! - 0.05, tipNear[0]! + 0.3, tipNear[1]! + 0.3, tipNear[2]! + 0.3]),
        spheres: Float64Array.from([0.2, 0.1, 0.7, 0.1]),
      },
      prevAction: Float64Array.from([0.1, 0, -0.1, 0, 0, 0.2]),
    });
    problem.limits.maxVel.fill(0.3);
    const s0 = new Float64Array(2 * dof);
    [0.3, -0.4, 0.8, 0.2, -0.3, 0.1].forEach((v, j) => (s0[j] = v));
    s0[dof] = 0.2;
    const actions = new Float64Array(T * B * dof).map(() => (rand() - 0.5) * 1.2);
    const states = new Float64Array((T + 1) * B * 2 * dof);
    const total = (a: Float64Array): number => {
      model.rollout(s0, a, T, B, states);
      const e = ev.evaluate(problem, states, a, T, B, dof);
      let sum = 0;
      for (let b = 0; b < B; b++) sum += e.total[b]!;
      return sum;
    };
    model.rollout(s0, actions, T, B, states);
    const gStates = new Float64Array(states.length);
    const gActions = new Float64Array(actions.length);
    const e = ev.evaluate(problem, states, actions, T, B, dof, { gStates, gActions });
    assert.ok(e.termNames.length >= 11, `active terms: ${e.termNames.join(',')}`);
    for (const name of ['keep_out', 'self_collision', 'joint_limits', 'velocity_limits']) {
      const k = e.termNames.indexOf(name);
      let c = 0;
      for (let b = 0; b < B; b++) c += e.perTerm[k * B + b]!;
      assert.ok(c > 0, `${name} must be active in this check`);
    }
    const gModel = new Float64Array(actions.length);
    model.rolloutVjp(actions, T, B, states, gStates, gModel);
    const h = 1e-6;
    for (let i = 0; i < actions.length; i++) {
      const a1 = actions.slice();
      const a2 = actions.slice();
      a1[i]! += h;
      a2[i]! -= h;
      const num = (total(a1) - total(a2)) / (2 * h);
      const ana = gActions[i]! + gModel[i]!;
      assert.ok(Math.abs(num - ana) <= 1e-4 * Math.max(1, Math.abs(num)), `action ${i}: analytic ${ana} vs numeric ${num}`);
    }
  });
});

describe('terminal and posture terms', () => {
  test('terminal: zero at the goal at rest; exact value for a known error and final velocity', async () => {
    const { TerminalTerm } = await import('../../src/cost/terms/terminal.ts');
    const goal = Float64Array.from([0.1, 0, 0, 0, 0, 0]);
    const p = problemFor(chain, { goal: { joints: goal } });
    const term = new TerminalTerm(2, 'quadratic', 0.05, 0.01);
    assert.equal(evalTerm(term, p, oneStep([0.1, 0, 0, 0, 0, 0])), 0);
    // 2 × (½·0.3² + ½·0.01·0.5²) = 0.09 + 0.0025 = 0.0925
    const v = evalTerm(term, p, oneStep([0.4, 0, 0, 0, 0, 0], [0.5, 0, 0, 0, 0, 0]));
    assert.ok(Math.abs(v - 0.0925) < 1e-12, `${v}`);
  });

  test('posture: zero at the preferred configuration; smooth_abs value for a known offset', async () => {
    const { PostureTerm } = await import('../../src/cost/terms/posture.ts');
    const posture = Float64Array.from([0.2, 0.2, 0, 0, 0, 0]);
    const p = problemFor(chain, { goal: { posture } });
    const term = new PostureTerm(1, 'smooth_abs', 0.2);
    assert.equal(evalTerm(term, p, oneStep([0.2, 0.2, 0, 0, 0, 0])), 0);
    // ‖r‖ = 0.5 (0.3, 0.4): 0.2·(√(0.25 + 0.04) − 0.2)
    const v = evalTerm(term, p, oneStep([0.5, 0.6, 0, 0, 0, 0]));
    assert.ok(Math.abs(v - 0.2 * (Math.sqrt(0.29) - 0.2)) < 1e-12, `${v}`);
  });
});
