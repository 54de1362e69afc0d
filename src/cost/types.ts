/** Cost contracts: terms are data (name, kind, weight, norm) plus the physics in their residual. */
import type { FkResult, KinematicChain } from '../robot/chain.ts';
import type { StateLayout } from '../world-model/world-model.ts';
import type { NormKind } from './norms.ts';

export type TermKind = 'task' | 'guardrail';

/** Keep-out zones in the base frame: boxes as [minX, minY, minZ, maxX, maxY, maxZ]*, spheres as [x, y, z, r]*. */
export interface KeepOutZones {
  boxes: Float64Array;
  spheres: Float64Array;
}

export interface Goal {
  /** joint positions, rad, length dof */
  joints?: Float64Array;
  /** end-effector position in the base frame, m */
  eePosition?: Float64Array;
  /** end-effector rotation, row-major 3×3 */
  eeRotation?: Float64Array;
  /** goal latent, length latentDim */
  latent?: Float64Array;
  /** preferred configuration (e.g. an IK solution of a pose goal), rad, length dof */
  posture?: Float64Array;
}

/** Joint limits as the planner sees them (already shrunk by the safety margin). */
export interface PlanLimits {
  lower: Float64Array;
  upper: Float64Array;
  maxVel: Float64Array;
  maxAcc: Float64Array;
}

/** Everything a cost term may read, frozen for one planning call. */
export interface CostProblem {
  layout: StateLayout;
  dtS: number;
  goal: Goal;
  limits: PlanLimits;
  keepOut: KeepOutZones;
  /** the action executed last tick (for smoothness at t = 0), length A */
  prevAction: Float64Array;
}

/** One evaluation: a batch of B trajectories of horizon T plus optional gradient buffers. */
export interface CostContext extends CostProblem {
  T: number;
  B: number;
  actionDim: number;
  /** [T+1, B, D] */
  states: Float64Array;
  /** [T, B, A] */
  actions: Float64Array;
  chain: KinematicChain | null;
  /** FK of state rows t = 1..T: configuration index (t−1)·B + b; null when no term needs it */
  fk: FkResult | null;
  /** gradient buffers (null when only values are wanted); terms ADD into them */
  gStates: Float64Array | null;
  gActions: Float64Array | null;
  gEePos: Float64Array | null;
  gEeRot: Float64Array | null;
  gSpheres: Float64Array | null;
}

export interface CostTerm {
  readonly name: string;
  readonly kind: TermKind;
  weight: number;
  norm: NormKind;
  /** parameter of the norm (smooth_abs width, log_barrier band); terms with a margin use the margin */
  normParam: number;
  /** reads ctx.fk */
  readonly needsFk: boolean;
  /** false when the term has nothing to do for this problem (no goal of its kind, no zones, ...) */
  active(problem: CostProblem, chain: KinematicChain | null): boolean;
  /** ADDS weight · Σ_t norm(residual_t) into out[b] (unweighted terms are not allowed); adds gradients when ctx.g* are set */
  evaluate(ctx: CostContext, out: Float64Array): void;
}
