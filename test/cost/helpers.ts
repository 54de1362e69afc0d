/** Shared fixtures for cost and planner tests: the 6-DoF arm, a cost problem, a trajectory. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildCostTerms } from '../../src/agent/cost-terms.ts';
import { defaultCostSettings } from '../../src/agent/settings.ts';
import { CostEvaluator } from '../../src/cost/evaluator.ts';
import type { NormKind } from '../../src/cost/norms.ts';
import { AccelerationLimitsTerm } from '../../src/cost/terms/acceleration-limits.ts';
import { EeOrientationTerm } from '../../src/cost/terms/ee-orientation.ts';
import { EePositionTerm } from '../../src/cost/terms/ee-position.ts';
import { EffortTerm } from '../../src/cost/terms/effort.ts';
import { JointGoalTerm } from '../../src/cost/terms/joint-goal.ts';
import { JointLimitsTerm } from '../../src/cost/terms/joint-limits.ts';
import { KeepOutTerm } from '../../src/cost/terms/keep-out.ts';
import { LatentGoalTerm } from '../../src/cost/terms/latent-goal.ts';
import { PostureTerm } from '../../src/cost/terms/posture.ts';
import { SelfCollisionTerm } from '../../src/cost/terms/self-collision.ts';
import { SmoothnessTerm } from '../../src/cost/terms/smoothness.ts';
import { TerminalTerm } from '../../src/cost/terms/terminal.ts';
import { VelocityLimitsTerm } from '../../src/cost/terms/velocity-limits.ts';
import type { CostProblem, CostTerm } from '../../src/cost/types.ts';
import type { PlanProblem } from '../../src/planner/planner.ts';
import { KinematicModel } from '../../src/world-model/kinematic.ts';
import { buildChain, type RobotChain } from '../../src/robot/kinematics.ts';
import { parseUrdf } from '../../src/robot/urdf.ts';
import { makeStateLayout } from '../../src/world-model/world-model.ts';

export const ARM6_PATH = fileURLToPath(new URL('../fixtures/arm6.urdf', import.meta.url));

let cached: RobotChain | null = null;
export function arm6(): RobotChain {
  cached ??= buildChain(parseUrdf(readFileSync(ARM6_PATH, 'utf8'), ARM6_PATH), { tipLink: 'tool0' });
  return cached;
}

export function problemFor(chain: RobotChain, overrides: Partial<CostProblem> = {}): CostProblem {
  const dof = chain.dof;
  const lower = new Float64Array(dof);
  const upper = new Float64Array(dof);
  chain.limits.forEach((l, j) => {
    lower[j] = l.lower ?? -Math.PI;
    upper[j] = l.upper ?? Math.PI;
  });
  return {
    layout: makeStateLayout(0, dof),
    dtS: 0.05,
    goal: {},
    limits: { lower, upper, maxVel: new Float64Array(dof).fill(2), maxAcc: new Float64Array(dof).fill(10) },
    keepOut: { boxes: new Float64Array(0), spheres: new Float64Array(0) },
    prevAction: new Float64Array(dof),
    ...overrides,
  };
}

/** mulberry32 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every built-in term (the latent goal too when `latent`), weights and margins chosen so that each one
 * contributes; every term on `norm` when given.
 */
export function builtInTerms(norm: NormKind | null, latent: boolean): CostTerm[] {
  const terms: CostTerm[] = [
    new JointGoalTerm(3),
    new EePositionTerm(4),
    new EeOrientationTerm(2),
    ...(latent ? [new LatentGoalTerm(1.5)] : []),
    new TerminalTerm(5, 'quadratic', 0.05, 0.02),
    new PostureTerm(0.7),
    new JointLimitsTerm(1, 0.3),
    new VelocityLimitsTerm(2),
    new AccelerationLimitsTerm(0.5),
    new KeepOutTerm(5, 0.05),
    new SelfCollisionTerm(5, 0.03),
    new SmoothnessTerm(0.2),
    new EffortTerm(0.1),
  ];
  if (norm !== null) for (const t of terms) t.norm = norm;
  return terms;
}

/** A batch of trajectories to evaluate: states [T+1, B, D], actions [T, B, A]. */
export interface CostBatch {
  problem: CostProblem;
  states: Float64Array;
  actions: Float64Array;
  T: number;
  B: number;
  A: number;
}

/**
 * A planning problem on the 6-DoF test arm with the default cost: a pose goal with its posture, a
 * keep-out box, bounds of ±`actionBound`; the start moving when `moving`.
 */
export function arm6PlanProblem(horizon: number, opts: { lagS?: number; moving?: boolean; actionBound?: number } = {}): PlanProblem {
  const chain = arm6();
  const model = new KinematicModel({ dof: chain.dof, dtS: 0.05, actuatorLagS: opts.lagS ?? 0 });
  const goalQ = Float64Array.from([0.8, -0.3, 0.7, -0.4, 0.3, 0.2]);
  const fk = chain.createFkResult(1);
  chain.fk(goalQ, 1, fk);
  const s0 = new Float64Array(model.stateDim);
  s0.set([0, -0.5, 1.0, -0.5, 0, 0], model.layout.qOffset);
  if (opts.moving === true) s0.set([0.2, -0.1, 0, 0.3, 0, 0], model.layout.qdOffset);
  const bound = opts.actionBound ?? 2;
  return {
    ...problemFor(chain),
    layout: model.layout,
    goal: { eePosition: fk.eePos.slice(0, 3), eeRotation: fk.eeRot.slice(0, 9), posture: goalQ },
    keepOut: { boxes: Float64Array.from([0.39, -0.31, 0, 0.51, -0.19, 0.3]), spheres: new Float64Array(0) },
    model,
    cost: new CostEvaluator(buildCostTerms(defaultCostSettings()), chain),
    s0,
    horizon,
    actionLower: new Float64Array(chain.dof).fill(-bound),
    actionUpper: new Float64Array(chain.dof).fill(bound),
  };
}
