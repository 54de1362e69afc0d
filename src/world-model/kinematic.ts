/**
 * Kinematic world model: a joint integrator with an optional first-order actuator lag.
 *   velocity actions:        qd' = qd + α (a − qd),  q' = q + dt·qd',   α = min(1, dt/τ) (α = 1 without lag)
 *   position_delta actions:  qd' = qd + α (a/dt − qd), q' = q + dt·qd'
 * Latent entries (if any) are carried unchanged.
 */
import { makeStateLayout, type StateLayout, type WorldModel } from './world-model.ts';

export type KinematicActionKind = 'velocity' | 'position_delta';

export interface KinematicModelOptions {
  dof: number;
  dtS: number;
  /** first-order actuator time constant, s; 0 = the joint follows the command at once */
  actuatorLagS?: number;
  actionKind?: KinematicActionKind;
  latentDim?: number;
}

/** Everything a kinematic rollout reads besides its inputs, as plain data (it crosses to worker threads). */
export interface KinematicRolloutSpec {
  layout: StateLayout;
  actionDim: number;
  /** blend factor of the actuator lag for one step (1 = no lag) */
  alpha: number;
  /** action units → velocity (1 for velocity actions, 1/dt for position deltas) */
  k: number;
  dtS: number;
}

/** One state row one step on: out[no..] from s[so..] under a[ao..] (the integrator of the file comment). */
function integrateRow(spec: KinematicRolloutSpec, s: Float64Array, so: number, a: Float64Array, ao: number, out: Float64Array, no: number): void {
  const { alpha, k, dtS: dt } = spec;
  const { latentDim, qOffset, qdOffset, dof } = spec.layout;
  for (let i = 0; i < latentDim; i++) out[no + i] = s[so + i]!;
  for (let j = 0; j < dof; j++) {
    const qd = s[so + qdOffset + j]!;
    const qdn = qd + alpha * (k * a[ao + j]! - qd);
    out[no + qdOffset + j] = qdn;
    out[no + qOffset + j] = s[so + qOffset + j]! + dt * qdn;
  }
}

/**
 * Rolls out samples b0 .. b1-1 of a [T, B] batch: states [T+1, B, D] (row 0 of each sample is s0),
 * actions [T, B, A]. Exactly KinematicModel.step's arithmetic, sample by sample, so any split of the
 * samples (worker threads, blocks) gives the same states as one rollout of the whole batch.
 */
export function kinematicRolloutRows(spec: KinematicRolloutSpec, s0: Float64Array, actions: Float64Array, T: number, B: number, b0: number, b1: number, states: Float64Array): void {
  const A = spec.actionDim;
  const D = spec.layout.stateDim;
  for (let b = b0; b < b1; b++) states.set(s0.subarray(0, D), b * D);
  for (let t = 0; t < T; t++) {
    for (let b = b0; b < b1; b++) {
      const so = (t * B + b) * D;
      integrateRow(spec, states, so, actions, (t * B + b) * A, states, so + B * D);
    }
  }
}

export class KinematicModel implements WorldModel {
  readonly kind = 'kinematic';
  readonly layout: StateLayout;
  readonly stateDim: number;
  readonly actionDim: number;
  readonly differentiable = true;
  readonly actionKind: KinematicActionKind;
  private dt: number;
  private lagS: number;

  constructor(opts: KinematicModelOptions) {
    if (!(opts.dof > 0) || !Number.isInteger(opts.dof)) throw new RangeError(`kinematic model: dof must be a positive integer, got ${opts.dof}`);
    if (!(opts.dtS > 0)) throw new RangeError(`kinematic model: dtS must be > 0, got ${opts.dtS}`);
    const lag = opts.actuatorLagS ?? 0;
    if (!(lag >= 0)) throw new RangeError(`kinematic model: actuatorLagS must be ≥ 0, got ${lag}`);
    this.layout = makeStateLayout(opts.latentDim ?? 0, opts.dof);
    this.stateDim = this.layout.stateDim;
    this.actionDim = opts.dof;
    this.dt = opts.dtS;
    this.lagS = lag;
    this.actionKind = opts.actionKind ?? 'velocity';
  }

  get dtS(): number {
    return this.dt;
  }

  setDt(dtS: number): void {
    if (dtS > 0) this.dt = dtS;
  }

  setActuatorLag(lagS: number): void {
    if (lagS >= 0) this.lagS = lagS;
  }

  /** blend factor of the first-order lag for one step */
  private alpha(): number {
    return this.lagS > 0 ? Math.min(1, this.dt / this.lagS) : 1;
  }

  /** scale from action units to velocity */
  private actionToVel(): number {
    return this.actionKind === 'velocity' ? 1 : 1 / this.dt;
  }

  step(s: Float64Array, a: Float64Array, n: number, out: Float64Array): void {
    const spec = this.rolloutSpec();
    const { stateDim: D, actionDim: A } = this;
    for (let b = 0; b < n; b++) integrateRow(spec, s, b * D, a, b * A, out, b * D);
  }

  /** The model's constants for kinematicRolloutRows (current dt and lag). */
  rolloutSpec(): KinematicRolloutSpec {
    return { layout: this.layout, actionDim: this.actionDim, alpha: this.alpha(), k: this.actionToVel(), dtS: this.dt };
  }

  rollout(s0: Float64Array, actions: Float64Array, T: number, B: number, states: Float64Array): void {
    kinematicRolloutRows(this.rolloutSpec(), s0, actions, T, B, 0, B, states);
  }

  rolloutVjp(_actions: Float64Array, T: number, B: number, _states: Float64Array, gStates: Float64Array, gActions: Float64Array): void {
    const D = this.stateDim;
    const A = this.actionDim;
    const { latentDim, qOffset, qdOffset, dof } = this.layout;
    const alpha = this.alpha();
    const k = this.actionToVel();
    const dt = this.dt;
    for (let t = T - 1; t >= 0; t--) {
      for (let b = 0; b < B; b++) {
        const next = ((t + 1) * B + b) * D;
        const cur = (t * B + b) * D;
        const ao = (t * B + b) * A;
        for (let i = 0; i < latentDim; i++) gStates[cur + i]! += gStates[next + i]!;
        for (let j = 0; j < dof; j++) {
          const gq = gStates[next + qOffset + j]!;
          // q' depends on qd' through dt, so qd' collects dt·g_q'
          const gqdn = gStates[next + qdOffset + j]! + dt * gq;
          gActions[ao + j] = alpha * k * gqdn;
          gStates[cur + qOffset + j]! += gq;
          gStates[cur + qdOffset + j]! += (1 - alpha) * gqdn;
        }
      }
    }
  }
}
