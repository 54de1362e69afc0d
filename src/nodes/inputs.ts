/**
 * Input checks at the subscriber: every message the agent node receives is read here into the
 * configured joint order, or refused with a reason. Refused messages never reach the agent; the node
 * counts them per input and reason and warns (throttled).
 */
import type { Float32MultiArray, JointState, PoseStamped } from '../bus/messages.ts';
import type { JointLimits } from '../robot/types.ts';

export type JointStateDropReason = 'empty' | 'wrong_size' | 'non_finite' | 'duplicate_joint' | 'missing_joint';
export type JointGoalDropReason = JointStateDropReason | 'outside_limits';
export type PoseGoalDropReason = 'wrong_frame' | 'non_finite' | 'bad_quaternion';
export type GoalLatentDropReason = 'no_latent' | 'empty' | 'wrong_size' | 'non_finite';

export type ReadResult<T, R extends string> = { ok: true; value: T } | { ok: false; reason: R; detail: string };

/** A joint state in the configured order (copies the caller owns). */
export interface OrderedJointState {
  position: Float64Array;
  /** null when the message carried no velocities */
  velocity: Float64Array | null;
  /** null when the message carried no efforts */
  effort: Float64Array | null;
}

/** Name → index in the configured joint list. */
export function jointIndex(jointNames: readonly string[]): ReadonlyMap<string, number> {
  return new Map(jointNames.map((n, i) => [n, i] as const));
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

function fail<R extends string>(reason: R, detail: string): { ok: false; reason: R; detail: string } {
  return { ok: false, reason, detail };
}

/**
 * Maps `names[k] → values[k]` into configured order. Extra joints (not controlled) are ignored; a
 * missing or repeated controlled joint refuses the message.
 */
function mapByName(
  names: readonly string[],
  arrays: readonly (ArrayLike<number> | null)[],
  index: ReadonlyMap<string, number>,
  dof: number,
): ReadResult<Float64Array[], 'duplicate_joint' | 'missing_joint'> {
  const out = arrays.map((a) => (a === null ? new Float64Array(0) : new Float64Array(dof)));
  const seen = new Uint8Array(dof);
  let found = 0;
  for (let k = 0; k < names.length; k++) {
    const j = index.get(names[k]!);
    if (j === undefined) continue;
    if (seen[j] === 1) return fail('duplicate_joint', `joint '${names[k]}' appears twice`);
    seen[j] = 1;
    found++;
    for (let a = 0; a < arrays.length; a++) {
      const src = arrays[a];
      if (src !== null && src !== undefined) out[a]![j] = src[k]!;
    }
  }
  if (found < dof) {
    const missing = [...index.keys()].filter((n) => seen[index.get(n)!] === 0);
    return fail('missing_joint', `missing joint${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}`);
  }
  return { ok: true, value: out };
}

/** sensor_msgs/JointState → configured order. Velocity/effort arrays may be empty (not reported). */
export function readJointState(
  msg: JointState,
  index: ReadonlyMap<string, number>,
): ReadResult<OrderedJointState, JointStateDropReason> {
  const names = msg.name ?? [];
  const n = names.length;
  const position = msg.position ?? new Float64Array(0);
  const velocity = msg.velocity ?? new Float64Array(0);
  const effort = msg.effort ?? new Float64Array(0);
  if (n === 0) return fail('empty', 'no joint names');
  if (position.length !== n) return fail('wrong_size', `${n} names but ${position.length} positions`);
  if (velocity.length !== 0 && velocity.length !== n) return fail('wrong_size', `${n} names but ${velocity.length} velocities`);
  if (effort.length !== 0 && effort.length !== n) return fail('wrong_size', `${n} names but ${effort.length} efforts`);
  if (!allFinite(position) || !allFinite(velocity) || !allFinite(effort)) return fail('non_finite', 'a value is NaN or infinite');
  const hasVel = velocity.length > 0;
  const hasEff = effort.length > 0;
  const mapped = mapByName(names, [position, hasVel ? velocity : null, hasEff ? effort : null], index, index.size);
  if (!mapped.ok) return mapped;
  const [p, v, e] = mapped.value;
  return { ok: true, value: { position: p!, velocity: hasVel ? v! : null, effort: hasEff ? e! : null } };
}

/**
 * A joint goal: named joints mapped by name, or (no names) the positions in configured order.
 * Goals outside the URDF position limits are refused: the agent could never reach them.
 */
export function readJointGoal(
  msg: JointState,
  index: ReadonlyMap<string, number>,
  limits: readonly JointLimits[],
): ReadResult<Float64Array, JointGoalDropReason> {
  const dof = index.size;
  const names = msg.name ?? [];
  const position = msg.position ?? new Float64Array(0);
  let goal: Float64Array;
  if (names.length === 0) {
    if (position.length === 0) return fail('empty', 'no positions');
    if (position.length !== dof) return fail('wrong_size', `unnamed goal needs ${dof} positions, got ${position.length}`);
    if (!allFinite(position)) return fail('non_finite', 'a position is NaN or infinite');
    goal = Float64Array.from(position);
  } else {
    if (position.length !== names.length) return fail('wrong_size', `${names.length} names but ${position.length} positions`);
    if (!allFinite(position)) return fail('non_finite', 'a position is NaN or infinite');
    const mapped = mapByName(names, [position], index, dof);
    if (!mapped.ok) return mapped;
    goal = mapped.value[0]!;
  }
  // the index lists the joints in configured order
  const configured = [...index.keys()];
  for (let j = 0; j < dof; j++) {
    const l = limits[j];
    const q = goal[j]!;
    if (l !== undefined && ((l.lower !== undefined && q < l.lower) || (l.upper !== undefined && q > l.upper))) {
      return fail('outside_limits', `joint '${configured[j]}' goal ${q} is outside [${l.lower}, ${l.upper}]`);
    }
  }
  return { ok: true, value: goal };
}

/** A pose goal in the base frame: position, and a row-major rotation unless the quaternion is all zeros. */
export interface PoseGoal {
  position: Float64Array;
  rotation: Float64Array | null;
}

/** Quaternions whose norm is this close to 1 are normalized; others are refused. */
const QUATERNION_NORM_TOLERANCE = 0.01;

/** geometry_msgs/PoseStamped → base-frame goal. `frame_id` must be the base link or empty. */
export function readPoseGoal(msg: PoseStamped, baseLink: string): ReadResult<PoseGoal, PoseGoalDropReason> {
  const frame = msg.header?.frame_id ?? '';
  if (frame !== '' && frame !== baseLink && frame !== `/${baseLink}`) {
    return fail('wrong_frame', `frame '${frame}' is not the base link '${baseLink}' (odra does not transform goals)`);
  }
  const p = msg.pose?.position;
  const o = msg.pose?.orientation;
  if (p === undefined || o === undefined) return fail('non_finite', 'pose is missing');
  const position = Float64Array.of(p.x, p.y, p.z);
  const quat = [o.x, o.y, o.z, o.w];
  if (!allFinite(position) || !allFinite(quat)) return fail('non_finite', 'a pose value is NaN or infinite');
  if (quat.every((c) => c === 0)) return { ok: true, value: { position, rotation: null } };
  const norm = Math.hypot(o.x, o.y, o.z, o.w);
  if (Math.abs(norm - 1) > QUATERNION_NORM_TOLERANCE) {
    return fail('bad_quaternion', `orientation norm ${norm.toPrecision(4)} is not 1 (all zeros means position only)`);
  }
  return { ok: true, value: { position, rotation: quaternionToMatrix(o.x / norm, o.y / norm, o.z / norm, o.w / norm) } };
}

/**
 * A goal latent (e.g. an encoded goal image): exactly `latentDim` finite values. `latentDim` 0 (an
 * agent without a camera latent in its state) refuses every goal latent.
 */
export function readGoalLatent(values: ArrayLike<number> | null | undefined, latentDim: number): ReadResult<Float64Array, GoalLatentDropReason> {
  if (latentDim === 0) return fail('no_latent', 'the agent has no latent in its state (no camera encoder or learned world model)');
  if (values === null || values === undefined || typeof values.length !== 'number' || values.length === 0) return fail('empty', 'no values');
  if (values.length !== latentDim) return fail('wrong_size', `${values.length} values, the agent's latent has ${latentDim}`);
  const z = new Float64Array(latentDim);
  for (let i = 0; i < latentDim; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail('non_finite', `value ${i} is ${String(v)}`);
    z[i] = v;
  }
  return { ok: true, value: z };
}

/**
 * std_msgs/Float32MultiArray → goal latent. `data` is read as a plain 1-D array (the layout's label,
 * e.g. a perception node's `latent@<stamp>`, is not needed: a goal has no age); a layout that says
 * another size than `data` holds is refused.
 */
export function readGoalLatentMessage(msg: Float32MultiArray, latentDim: number): ReadResult<Float64Array, GoalLatentDropReason> {
  if (latentDim === 0) return readGoalLatent(null, 0);
  const data = msg?.data;
  const dim = msg?.layout?.dim?.[0];
  if (data !== undefined && data !== null && dim !== undefined && typeof dim.size === 'number' && dim.size !== data.length) {
    return fail('wrong_size', `layout says ${dim.size} values, data has ${data.length}`);
  }
  return readGoalLatent(data, latentDim);
}

/** Unit quaternion (x, y, z, w) → row-major 3×3 rotation. */
export function quaternionToMatrix(x: number, y: number, z: number, w: number): Float64Array {
  return Float64Array.of(
    1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
    2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
    2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
  );
}

/** Counts of refused messages: input name → reason → count. */
export class DropCounter {
  private readonly counts = new Map<string, Map<string, number>>();
  private totalCount = 0;

  add(input: string, reason: string): void {
    let byReason = this.counts.get(input);
    if (byReason === undefined) {
      byReason = new Map();
      this.counts.set(input, byReason);
    }
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    this.totalCount++;
  }

  get total(): number {
    return this.totalCount;
  }

  /** `{ joint_states: { non_finite: 2 }, goal_pose: { wrong_frame: 1 } }` */
  toJSON(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [input, byReason] of this.counts) out[input] = Object.fromEntries(byReason);
    return out;
  }
}
