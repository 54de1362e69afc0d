/**
 * The world model contract: s_{t+1} = f(s_t, a_t), batched on flat Float64Arrays.
 * State rows are [latent (latentDim) | q (dof) | qd (dof)]; sequences are [T, B, D] row-major.
 */

export interface StateLayout {
  latentDim: number;
  dof: number;
  /** offset of joint positions in a state row */
  qOffset: number;
  /** offset of joint velocities in a state row */
  qdOffset: number;
  stateDim: number;
}

export function makeStateLayout(latentDim: number, dof: number): StateLayout {
  return { latentDim, dof, qOffset: latentDim, qdOffset: latentDim + dof, stateDim: latentDim + 2 * dof };
}

export interface WorldModel {
  readonly kind: string;
  readonly layout: StateLayout;
  readonly stateDim: number;
  readonly actionDim: number;
  readonly dtS: number;
  /** true when rolloutVjp is available */
  readonly differentiable: boolean;
  /** One step for n rows: s [n, D], a [n, A] -> out [n, D]. */
  step(s: Float64Array, a: Float64Array, n: number, out: Float64Array): void | Promise<void>;
  /**
   * states[0] = s0 broadcast to B rows; states[t+1] = f(states[t], actions[t]).
   * s0: [D]; actions: [T, B, A]; states: [T+1, B, D].
   */
  rollout(s0: Float64Array, actions: Float64Array, T: number, B: number, states: Float64Array): void | Promise<void>;
  /**
   * Backpropagates through a rollout: gStates [T+1, B, D] holds dL/d(states) from the cost (it is
   * consumed: overwritten with total derivatives); writes dL/d(actions) into gActions [T, B, A].
   */
  rolloutVjp?(
    actions: Float64Array,
    T: number,
    B: number,
    states: Float64Array,
    gStates: Float64Array,
    gActions: Float64Array,
  ): void | Promise<void>;
  /** Update live-tunable settings (e.g. actuator lag); applied between ticks. */
  setDt?(dtS: number): void;
}
