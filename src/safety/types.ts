/** The safety filter's contract: limits, configuration, per-tick input and output, interventions. */

/** What the command vector holds: joint position targets (rad, m) or joint velocities (rad/s, m/s). */
export type CommandInterface = 'position' | 'velocity';

/**
 * Final per-joint limits the filter enforces, arrays of length dof in the configured joint order.
 * Built by `buildSafetyLimits` from URDF limits and configuration (margin and velocity scale already applied).
 */
export interface SafetyLimits {
  /** rad or m; -Infinity for a continuous joint */
  lower: Float64Array;
  /** rad or m; +Infinity for a continuous joint */
  upper: Float64Array;
  /** rad/s or m/s, positive; Infinity = unlimited */
  maxVel: Float64Array;
  /** rad/s² or m/s², positive; Infinity = unlimited */
  maxAcc: Float64Array;
  /** rad/s³ or m/s³, positive; Infinity = unlimited for that joint; null = no jerk limit at all */
  maxJerk: Float64Array | null;
}

export interface SafetyConfig {
  commandInterface: CommandInterface;
  /** rad (m for prismatic joints); the URDF limits are shrunk by it (applied by buildSafetyLimits) */
  positionMarginRad: number;
  /** (0, 1], multiplies the URDF velocity limits (applied by buildSafetyLimits) */
  velocityScale: number;
  /** s; a joint state older than this on the steady clock holds the robot */
  jointStateMaxAgeS: number;
  /** s; null = perception not required */
  perceptionMaxAgeS: number | null;
}

export interface SafetyInput {
  /** planner output for this tick, positions or velocities per commandInterface; may hold anything */
  requested: Float64Array;
  /** latest measured joint positions (may be anything, even NaN) */
  measuredPosition: Float64Array;
  /** latest measured joint velocities; only read to seed the rate limits on the first tick */
  measuredVelocity: Float64Array | null;
  /** s, control period of this tick */
  dtS: number;
  /** s, steady clock */
  nowS: number;
  /** s, steady-clock receive time of the latest joint state; null = none yet */
  jointStateStampS: number | null;
  /** s, steady-clock receive time of the latest perception output; null = none yet */
  perceptionStampS: number | null;
}

export const INTERVENTION_KINDS = [
  'non_finite',
  'position_limit',
  'velocity_limit',
  'acceleration_limit',
  'jerk_limit',
  'estop',
  'stale_joint_state',
  'stale_perception',
  'no_joint_state',
  'invalid_measurement',
  'invalid_input',
] as const;

/**
 * Why the filter changed a command.
 * - `non_finite`: a requested value was NaN/±Inf (holds all joints).
 * - `position_limit`, `velocity_limit`, `acceleration_limit`, `jerk_limit`: one joint's value was limited.
 * - `estop`: the latched e-stop holds the robot.
 * - `stale_joint_state`, `no_joint_state`, `stale_perception`: a watchdog holds the robot.
 * - `invalid_measurement`: a measured position was not finite (holds all joints).
 * - `invalid_input`: the tick itself is malformed (bad dtS, wrong vector length; holds all joints).
 */
export type InterventionKind = (typeof INTERVENTION_KINDS)[number];

/**
 * One change the filter made.
 *
 * Per-joint limits (`*_limit`): `requested` is the joint's value entering that limiting step and `applied`
 * the value leaving it, in command units (rad/s for the velocity interface, rad for the position interface).
 * `non_finite` / `invalid_measurement`: `requested` is the offending value, `applied` the joint's hold command.
 * Whole-command events (`joint` null): `estop`: requested = seconds since the e-stop latched, applied = 0;
 * watchdogs: requested = age in s (Infinity when nothing was ever received), applied = the maximum age in s;
 * `invalid_input`: requested = the bad dtS or vector length (NaN when the input could not be read at all),
 * applied = 0 or the expected length.
 */
export interface Intervention {
  kind: InterventionKind;
  /** the joint whose command changed; null for whole-command events */
  joint: string | null;
  requested: number;
  applied: number;
  /**
   * the joint whose limit forced the change: the same as `joint` except for the uniform velocity scaling,
   * where every joint is scaled by the factor the most limiting joint needs; null for whole-command events
   */
  limitingJoint: string | null;
}

/** What `SafetyFilter.filter` returns. The object and its `command` buffer are reused by the next tick: copy to keep. */
export interface SafetyResult {
  /** always finite; positions or velocities per commandInterface, in the configured joint order */
  readonly command: Float64Array;
  /** true when this tick is a hold (stop) instead of the requested motion */
  readonly hold: boolean;
  /**
   * false only for a position-interface hold before any finite position was ever known (no previous output,
   * measured position not finite): `command` is then a placeholder inside the limits and must not be sent.
   */
  readonly publish: boolean;
  /** empty (a shared frozen array) when nothing was changed */
  readonly interventions: readonly Intervention[];
}
