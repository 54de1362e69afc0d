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
import { buildChain, type RobotChain } from '../../src/robot/kinematics.ts';
import { parseUrdf } from '../../src/robot/urdf.ts';
import { KinematicModel } from '../../src/world-model/kinematic.ts';
import { makeStateLayout } from '../../src/world-model/world-model.ts';
// @ts-expect-error: a plain ES module of the build scripts, without type declarations
import { nativeBuildUnavailable } from '../../scripts/build-native.mjs';

export const ARM6_PATH = fileURLToPath(new URL('../fixtures/arm6.urdf', import.meta.url));

let cached: RobotChain | null = null;
export function arm6(): RobotChain {
  cached ??= buildChain(parseUrdf(readFileSync(ARM6_PATH, 'utf8'), ARM6_PATH), { tipLink: 'tool0' });
  return cached;
}

/** The test arm up to its fifth joint: an odd joint and action count. */
export function arm5(): RobotChain {
  return buildChain(parseUrdf(readFileSync(ARM6_PATH, 'utf8'), ARM6_PATH), { tipLink: 'wrist_2_link' });
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
 * A planning problem on the 6-DoF test arm (or `chain`, a part of it) with the default cost: a pose goal with its posture, a
 * keep-out box, bounds of ±`actionBound`; the start moving when `moving`.
 */
export function arm6PlanProblem(horizon: number, opts: { lagS?: number; moving?: boolean; actionBound?: number; chain?: RobotChain } = {}): PlanProblem {
  const chain = opts.chain ?? arm6();
  const model = new KinematicModel({ dof: chain.dof, dtS: 0.05, actuatorLagS: opts.lagS ?? 0 });
  const goalQ = Float64Array.from([0.8, -0.3, 0.7, -0.4, 0.3, 0.2].slice(0, chain.dof));
  const fk = chain.createFkResult(1);
  chain.fk(goalQ, 1, fk);
  const s0 = new Float64Array(model.stateDim);
  s0.set([0, -0.5, 1.0, -0.5, 0, 0].slice(0, chain.dof), model.layout.qOffset);
  if (opts.moving === true) s0.set([0.2, -0.1, 0, 0.3, 0, 0].slice(0, chain.dof), model.layout.qdOffset);
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

/**
 * Random configurations over (and beyond) the joint range, keep-out boxes and zone spheres around the
 * arm's own sphere centres of some sampled configurations (so that spheres touch zones, some from inside
 * a box), goals for every term (a latent goal with `latentGoal`), and with `special` a few special rows:
 * NaN, −0, ±Infinity and angles beyond 2^19·π/2.
 */
export function randomCostBatch(chain: RobotChain, seed: number, T: number, B: number, opts: { latentDim: number; latentGoal: boolean; special: boolean }): CostBatch {
  const { latentDim, latentGoal, special } = opts;
  const next = rng(seed);
  const dof = chain.dof;
  const base = problemFor(chain);
  const layout = makeStateLayout(latentDim, dof);
  const D = layout.stateDim;
  const A = dof;
  const states = new Float64Array((T + 1) * B * D);
  const actions = new Float64Array(T * B * A);
  for (let row = 0; row < (T + 1) * B; row++) {
    for (let j = 0; j < latentDim; j++) states[row * D + j] = 2 * next() - 1;
    for (let j = 0; j < dof; j++) {
      const lo = base.limits.lower[j]!;
      const hi = base.limits.upper[j]!;
      states[row * D + layout.qOffset + j] = lo - 0.2 + (hi - lo + 0.4) * next();
      states[row * D + layout.qdOffset + j] = 5 * (2 * next() - 1);
    }
  }
  for (let i = 0; i < actions.length; i++) actions[i] = 3 * (2 * next() - 1);
  const probe = chain.createFkResult(4);
  const q = new Float64Array(4 * dof);
  for (let i = 0; i < 4; i++) q.set(states.subarray((B + i) * D + layout.qOffset, (B + i) * D + layout.qOffset + dof), i * dof);
  chain.fk(q, 4, probe);
  const S = chain.spheres.length;
  const at = (cfg: number, s: number): [number, number, number] => {
    const o = (cfg * S + s) * 3;
    return [probe.spheres[o]!, probe.spheres[o + 1]!, probe.spheres[o + 2]!];
  };
  const [x0, y0, z0] = at(0, S - 1);
  const [x1, y1, z1] = at(1, Math.floor(S / 2));
  const [x2, y2, z2] = at(2, S - 2);
  const [x3, y3, z3] = at(3, Math.floor((2 * S) / 3));
  const boxes = Float64Array.from([x0 - 0.1, y0 - 0.08, z0 - 0.12, x0 + 0.1, y0 + 0.08, z0 + 0.12, x1 - 0.3, y1 - 0.3, z1 - 0.02, x1 + 0.3, y1 + 0.3, z1 + 0.02]);
  const spheres = Float64Array.from([x2, y2, z2, 0.08, x3 + 0.05, y3, z3, 0.04]);
  if (special) {
    const set = (t: number, b: number, j: number, v: number): void => {
      if (b < B && t <= T) states[(t * B + b) * D + layout.qOffset + j] = v;
    };
    set(1, 5, 2, Number.NaN);
    set(T, 6, 0, Number.NaN);
    set(1, 7, 0, -0);
    set(1, 7, 3, -0);
    set(T, 8, 1, 1e6);
    set(1, 9, 4, Number.POSITIVE_INFINITY);
    set(T, 10, 5, -3e6);
    for (let j = 0; j < dof; j++) set(1, 11, j, -0);
  }
  const goalQ = new Float64Array(dof);
  const posture = new Float64Array(dof);
  for (let j = 0; j < dof; j++) {
    goalQ[j] = 0.5 * (2 * next() - 1);
    posture[j] = 0.5 * (2 * next() - 1);
  }
  const gfk = chain.createFkResult(1);
  chain.fk(goalQ, 1, gfk);
  let latent: Float64Array | undefined;
  if (latentGoal) {
    latent = new Float64Array(latentDim);
    for (let j = 0; j < latentDim; j++) latent[j] = 2 * next() - 1;
  }
  const prevAction = new Float64Array(A);
  for (let j = 0; j < A; j++) prevAction[j] = 2 * next() - 1;
  const problem: CostProblem = {
    ...base,
    layout,
    goal: { joints: goalQ, eePosition: gfk.eePos.slice(0, 3), eeRotation: gfk.eeRot.slice(0, 9), posture, ...(latent !== undefined ? { latent } : {}) },
    limits: { ...base.limits, maxVel: new Float64Array(dof).fill(2), maxAcc: new Float64Array(dof).fill(40) },
    keepOut: { boxes, spheres },
    prevAction,
  };
  return { problem, states, actions, T, B, A };
}

/**
 * Why the native kernel's tests are skipped in this process (printed once), or null when they run: the
 * machine cannot build it (no C compiler or Node headers: then the WebAssembly kernel is what runs), or
 * ODRA_NATIVE=0 / ODRA_FUSED_NATIVE=0 in the environment. Where it can be built it must be there: a
 * failed build fails the tests instead of leaving them on the other kernel.
 */
export function nativeKernelSkip(): string | null {
  const why =
    process.env.ODRA_NATIVE === '0' ? 'ODRA_NATIVE=0 in the environment'
    : process.env.ODRA_FUSED_NATIVE === '0' ? 'ODRA_FUSED_NATIVE=0 in the environment'
    : (nativeBuildUnavailable as () => string | null)();
  if (why !== null) console.log(`skipped: the native kernel's tests (${why})`);
  return why;
}
