/**
 * The kinematic chain contract used by costs and planners: batched forward kinematics on flat
 * Float64Arrays with an exact vector-Jacobian product, so that FK-based costs are differentiable
 * without a tensor library in the hot path. Implemented in `robot/kinematics.ts`.
 */
import type { JointLimits, RobotModel, Vec3 } from './types.ts';

/** A sphere rigidly attached to one moving body of the chain, used by keep-out and self-collision costs. */
export interface LinkSphere {
  link: string;
  /** 0 = fixed to the base; k = moves with actuated joint k-1 (and all before it) */
  body: number;
  /** centre in the link frame, m */
  center: Vec3;
  radiusM: number;
}

/** Batched FK output for n configurations. Arrays are sized for `capacity` configurations. */
export interface FkResult {
  capacity: number;
  /** [n, 3] end-effector (tip) position in the base frame, m */
  eePos: Float64Array;
  /** [n, 9] end-effector rotation, row-major */
  eeRot: Float64Array;
  /** [n, S, 3] sphere centres in the base frame, m */
  spheres: Float64Array;
  /** [n, dof, 3] joint origins in the base frame (cached for the VJP) */
  jointPos: Float64Array;
  /** [n, dof, 3] joint axes in the base frame (cached for the VJP) */
  jointAxis: Float64Array;
}

export interface KinematicChain {
  readonly robot: RobotModel;
  readonly baseLink: string;
  readonly tipLink: string;
  /** actuated joints from base to tip */
  readonly jointNames: readonly string[];
  readonly dof: number;
  /** per actuated joint, same order as jointNames */
  readonly limits: readonly JointLimits[];
  readonly spheres: readonly LinkSphere[];
  /** flattened sphere index pairs [i0, j0, i1, j1, ...] on non-adjacent bodies, for self-collision */
  readonly collisionPairs: Int32Array;
  createFkResult(capacity: number): FkResult;
  /** q: [n, dof] joint positions; fills out for the first n rows. */
  fk(q: Float64Array, n: number, out: FkResult): void;
  /**
   * Vector-Jacobian product: given upstream gradients w.r.t. eePos [n,3], eeRot [n,9] and
   * spheres [n,S,3] (any may be null), ADDS dL/dq into gq [n, dof]. `fk` must hold the result of
   * `fk(q, n, fk)`.
   */
  fkVjp(
    q: Float64Array,
    n: number,
    fk: FkResult,
    gEePos: Float64Array | null,
    gEeRot: Float64Array | null,
    gSpheres: Float64Array | null,
    gq: Float64Array,
  ): void;
}
