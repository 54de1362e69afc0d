/**
 * Short-term memory: the recent past the agent plans from. Three timestamped streams (joint states,
 * perception latents, executed actions), each a preallocated ring buffer; a snapshot of the newest
 * of each with its age; context windows of the last k samples.
 *
 * Pushes never throw: a bad sample is dropped, counted by reason and stream, and the reason is
 * returned so the caller can report it.
 */

import {
  REJECT_REASONS,
  RingBuffer,
  createSampleWindow,
  zeroRejectCounts,
  type PushResult,
  type RejectReason,
  type SampleWindow,
} from './ring-buffer.ts';

export type MemoryStream = 'joints' | 'latents' | 'actions';
export const MEMORY_STREAMS: readonly MemoryStream[] = ['joints', 'latents', 'actions'];

/** A joint-state message that lacks a configured joint is dropped as `missing_joint`. */
export type MemoryRejectReason = RejectReason | 'missing_joint';
export type MemoryPushResult = PushResult | 'missing_joint';
export type MemoryRejectCounts = Record<MemoryRejectReason, number>;

/** Flags stored with each joint sample: which optional parts the message carried. */
export const JOINT_HAS_VELOCITY = 1;
export const JOINT_HAS_EFFORT = 2;

export interface ShortTermMemoryOptions {
  /** configured joint order; every joint vector in memory follows it */
  jointNames: readonly string[];
  /** latent size D_z; 0 when there is no camera */
  latentDim: number;
  /** action size A */
  actionDim: number;
  /** samples kept per stream */
  capacity: number;
}

/** Newest sample of one stream. When the stream is empty: present false, stamp NaN, age Infinity. */
export interface StreamSnapshot {
  present: boolean;
  stampS: number;
  ageS: number;
  readonly values: Float64Array;
}

/**
 * Newest joint state. `state` is `[position N | velocity N | effort N]`; the three named arrays are
 * views into it. A part the message did not carry reads 0 and its `has*` flag is false.
 */
export interface JointSnapshot {
  present: boolean;
  stampS: number;
  ageS: number;
  hasVelocity: boolean;
  hasEffort: boolean;
  readonly state: Float64Array;
  readonly position: Float64Array;
  readonly velocity: Float64Array;
  readonly effort: Float64Array;
}

export interface MemorySnapshot {
  nowS: number;
  readonly joints: JointSnapshot;
  readonly latent: StreamSnapshot;
  readonly action: StreamSnapshot;
}

export class ShortTermMemory {
  readonly jointNames: readonly string[];
  readonly jointCount: number;
  readonly latentDim: number;
  readonly actionDim: number;
  readonly capacity: number;
  private readonly joints: RingBuffer;
  private readonly latents: RingBuffer;
  private readonly actions: RingBuffer;
  /** joint sample being assembled, `[pos | vel | eff]` */
  private readonly jointScratch: Float64Array;
  private missingJoint = 0;
  /** name → configured index mapping of the last message layout seen (rebuilt when names change) */
  private lastNames: readonly string[] = [];
  private readonly nameIndex: Int32Array;
  private lastNamesComplete = false;

  constructor(opts: ShortTermMemoryOptions) {
    const problems: string[] = [];
    const names = opts.jointNames;
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (typeof n !== 'string' || n.length === 0) problems.push(`jointNames[${i}]: must be a non-empty string`);
      else if (seen.has(n)) problems.push(`jointNames[${i}]: duplicate joint '${n}'`);
      seen.add(n);
    });
    const dimOk = (v: number): boolean => Number.isInteger(v) && v >= 0;
    if (!dimOk(opts.latentDim)) problems.push(`latentDim: must be an integer ≥ 0, got ${opts.latentDim}`);
    if (!dimOk(opts.actionDim)) problems.push(`actionDim: must be an integer ≥ 0, got ${opts.actionDim}`);
    if (!Number.isInteger(opts.capacity) || opts.capacity < 1)
      problems.push(`capacity: must be an integer ≥ 1, got ${opts.capacity}`);
    if (problems.length > 0) throw new RangeError(`ShortTermMemory: ${problems.join('; ')}`);

    this.jointNames = Object.freeze([...names]);
    this.jointCount = names.length;
    this.latentDim = opts.latentDim;
    this.actionDim = opts.actionDim;
    this.capacity = opts.capacity;
    this.joints = new RingBuffer(opts.capacity, 3 * this.jointCount);
    this.latents = new RingBuffer(opts.capacity, opts.latentDim);
    this.actions = new RingBuffer(opts.capacity, opts.actionDim);
    this.jointScratch = new Float64Array(3 * this.jointCount);
    this.nameIndex = new Int32Array(this.jointCount);
  }

  /**
   * Joint state in configured order. `velocity` / `effort` may be null or empty when the source does
   * not report them (they then read 0 and are flagged absent). Any non-finite value drops the sample.
   */
  pushJointState(
    stampS: number,
    position: ArrayLike<number>,
    velocity: ArrayLike<number> | null,
    effort: ArrayLike<number> | null,
  ): PushResult {
    const n = this.jointCount;
    const hasVel = velocity !== null && velocity.length > 0;
    const hasEff = effort !== null && effort.length > 0;
    if (position.length !== n || (hasVel && velocity.length !== n) || (hasEff && effort.length !== n)) {
      return this.joints.countRejected('wrong_size');
    }
    const s = this.jointScratch;
    for (let i = 0; i < n; i++) {
      s[i] = position[i] as number;
      s[n + i] = hasVel ? (velocity[i] as number) : 0;
      s[2 * n + i] = hasEff ? (effort[i] as number) : 0;
    }
    return this.joints.push(stampS, s, (hasVel ? JOINT_HAS_VELOCITY : 0) | (hasEff ? JOINT_HAS_EFFORT : 0));
  }

  /**
   * Joint state as a `sensor_msgs/JointState` carries it: values keyed by `names`, any order, extra
   * joints ignored. A configured joint missing from `names` drops the sample as `missing_joint`.
   */
  pushJointStateByName(
    stampS: number,
    names: readonly string[],
    position: ArrayLike<number>,
    velocity: ArrayLike<number> | null,
    effort: ArrayLike<number> | null,
  ): MemoryPushResult {
    const m = names.length;
    const hasVel = velocity !== null && velocity.length > 0;
    const hasEff = effort !== null && effort.length > 0;
    if (position.length !== m || (hasVel && velocity.length !== m) || (hasEff && effort.length !== m)) {
      return this.joints.countRejected('wrong_size');
    }
    if (!this.resolveNames(names)) {
      this.missingJoint++;
      return 'missing_joint';
    }
    const n = this.jointCount;
    const s = this.jointScratch;
    const idx = this.nameIndex;
    for (let i = 0; i < n; i++) {
      const j = idx[i] as number;
      s[i] = position[j] as number;
      s[n + i] = hasVel ? (velocity[j] as number) : 0;
      s[2 * n + i] = hasEff ? (effort[j] as number) : 0;
    }
    return this.joints.push(stampS, s, (hasVel ? JOINT_HAS_VELOCITY : 0) | (hasEff ? JOINT_HAS_EFFORT : 0));
  }

  /** Perception latent (Float32Array or Float64Array) of size `latentDim`. */
  pushLatent(stampS: number, z: ArrayLike<number>): PushResult {
    return this.latents.push(stampS, z);
  }

  /** Action that was actually sent (after the safety filter), size `actionDim`. */
  pushAction(stampS: number, a: ArrayLike<number>): PushResult {
    return this.actions.push(stampS, a);
  }

  /** A snapshot object sized for this memory, to pass to `snapshot` every tick. */
  createSnapshot(): MemorySnapshot {
    const n = this.jointCount;
    const state = new Float64Array(3 * n);
    return {
      nowS: Number.NaN,
      joints: {
        present: false,
        stampS: Number.NaN,
        ageS: Number.POSITIVE_INFINITY,
        hasVelocity: false,
        hasEffort: false,
        state,
        position: state.subarray(0, n),
        velocity: state.subarray(n, 2 * n),
        effort: state.subarray(2 * n, 3 * n),
      },
      latent: emptyStream(this.latentDim),
      action: emptyStream(this.actionDim),
    };
  }

  /**
   * Newest sample of each stream with its age `nowS − stamp` (Infinity when none; negative when the
   * stamp is ahead of `nowS`, which points at a clock mismatch). Fills `out` without allocating.
   */
  snapshot(nowS: number, out: MemorySnapshot = this.createSnapshot()): MemorySnapshot {
    out.nowS = nowS;
    const j = out.joints;
    const jStamp = this.joints.latestInto(j.state);
    const flags = this.joints.flagsAt(this.joints.size - 1);
    fillPresence(j, jStamp, nowS);
    if (!j.present) j.state.fill(0);
    j.hasVelocity = j.present && (flags & JOINT_HAS_VELOCITY) !== 0;
    j.hasEffort = j.present && (flags & JOINT_HAS_EFFORT) !== 0;
    fillStream(out.latent, this.latents, nowS);
    fillStream(out.action, this.actions, nowS);
    return out;
  }

  /** A window sized for `k` samples of `kind`, to pass to `contextWindow` every tick. */
  createWindow(kind: MemoryStream, k: number): SampleWindow {
    return createSampleWindow(k, this.buffer(kind).dim);
  }

  /**
   * The last `k` samples of `kind`, oldest first, in rows `0 .. count-1` of a `k × dim` array
   * (joints: dim `3N`, rows `[pos | vel | eff]`, `flags` per row). Fills `out` without allocating.
   */
  contextWindow(kind: MemoryStream, k: number, out?: SampleWindow): SampleWindow {
    return this.buffer(kind).window(k, out);
  }

  /** The ring buffer behind `kind`, for time look-ups (`indexAtOrBefore`, `interpolate`). */
  buffer(kind: MemoryStream): RingBuffer {
    return kind === 'joints' ? this.joints : kind === 'latents' ? this.latents : this.actions;
  }

  size(kind: MemoryStream): number {
    return this.buffer(kind).size;
  }

  accepted(kind: MemoryStream): number {
    return this.buffer(kind).accepted;
  }

  /** Dropped samples by reason: for one stream, or summed over all when `kind` is omitted. */
  rejected(kind?: MemoryStream): MemoryRejectCounts {
    const acc: MemoryRejectCounts = { ...zeroRejectCounts(), missing_joint: 0 };
    for (const s of kind === undefined ? MEMORY_STREAMS : [kind]) this.buffer(s).addRejectedInto(acc);
    if (kind === undefined || kind === 'joints') acc.missing_joint = this.missingJoint;
    return acc;
  }

  /** Total dropped samples over every stream and reason. */
  rejectedTotal(): number {
    const r = this.rejected();
    let sum = r.missing_joint;
    for (const reason of REJECT_REASONS) sum += r[reason];
    return sum;
  }

  /** Forgets every sample (a reset or a jump back in time); rejection counts are kept for diagnostics. */
  clear(): void {
    this.joints.clear();
    this.latents.clear();
    this.actions.clear();
  }

  resetCounts(): void {
    this.joints.resetCounts();
    this.latents.resetCounts();
    this.actions.resetCounts();
    this.missingJoint = 0;
  }

  /** Maps each configured joint to its index in `names`; cached while the layout repeats. */
  private resolveNames(names: readonly string[]): boolean {
    const last = this.lastNames;
    let same = last.length === names.length;
    for (let i = 0; same && i < names.length; i++) same = last[i] === names[i];
    if (same) return this.lastNamesComplete;
    let complete = true;
    for (let c = 0; c < this.jointCount; c++) {
      const want = this.jointNames[c];
      let found = -1;
      for (let i = 0; i < names.length; i++) {
        if (names[i] === want) {
          found = i;
          break;
        }
      }
      this.nameIndex[c] = found;
      if (found < 0) complete = false;
    }
    this.lastNames = names.slice();
    this.lastNamesComplete = complete;
    return complete;
  }
}

function emptyStream(dim: number): StreamSnapshot {
  return { present: false, stampS: Number.NaN, ageS: Number.POSITIVE_INFINITY, values: new Float64Array(dim) };
}

function fillPresence(s: { present: boolean; stampS: number; ageS: number }, stampS: number, nowS: number): void {
  s.present = !Number.isNaN(stampS);
  s.stampS = stampS;
  s.ageS = s.present ? nowS - stampS : Number.POSITIVE_INFINITY;
}

function fillStream(s: StreamSnapshot, buf: RingBuffer, nowS: number): void {
  const stampS = buf.latestInto(s.values);
  fillPresence(s, stampS, nowS);
  if (!s.present) s.values.fill(0);
}
