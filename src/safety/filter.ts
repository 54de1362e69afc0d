/**
 * The hard safety filter: the last step before a command reaches the robot, on every path.
 *
 * Per tick, in order:
 * 1. Hold checks. A latched e-stop, a malformed tick (dtS not finite and > 0, wrong vector length), a missing
 *    or stale joint state, stale perception (when required), any non-finite requested value or any non-finite
 *    measured position makes the whole tick a hold: velocity interface → zero velocities; position interface →
 *    the previous output (else the measured position, else the last good position) clamped into the limits.
 *    A hold is always allowed, even when stopping exceeds the acceleration or jerk limit: a stop is never refused.
 * 2. Position limits, per joint: the position interface clamps the target into [lower, upper]; both interfaces
 *    then bound the speed toward each limit by `brakingSpeed` (the joint can still stop inside it, and its next
 *    position q + v·dt is inside). A joint outside a limit may only move back inward. The reference position is
 *    the measured one for the velocity interface and the previous output for the position interface.
 * 3. Velocity limit, direction-preserving: the whole velocity vector is scaled by the smallest factor any joint
 *    needs (each scaled joint is reported with the joint that set the factor).
 * 4. Acceleration, then jerk limits, per joint, relative to the previous output velocity (for the position
 *    interface the implied velocity (p − p_prev)/dt): each moves the command from the previous velocity toward
 *    the request by at most what it allows, so the filter never invents motion past the request.
 *    Priority when they conflict: position and velocity limits beat acceleration, which beats jerk.
 *    - The acceleration limit is exceeded only to slow a joint down, when the measured state leaves no other
 *      way to respect a position or velocity limit (the robot did not follow the previous command, or the
 *      limits were tightened). Following its own commands, a robot never needs this (see braking.ts).
 *    - The jerk limit yields when honouring it would push the command past the request (a planner that stops
 *      accelerating abruptly gets that jerk) and after a hold (the rate history restarts from rest).
 * 5. Position interface: the target is always inside the limits; if they were tightened past the previous
 *    output, it jumps inside (that one step may exceed the rate limits).
 * 6. A last guard: a non-finite output (possible only with absurd limits, e.g. maxVel 1e308 on a continuous
 *    joint) turns the tick into a hold.
 *
 * Never throws at runtime; allocates nothing on a tick where nothing is limited. Not configurable away.
 */
import { brakingSpeed } from './braking.ts';
import { SafetyConfigError } from './errors.ts';
import { validateSafetyConfig, validateSafetyLimits } from './limits.ts';
import {
  INTERVENTION_KINDS,
  type Intervention,
  type InterventionKind,
  type SafetyConfig,
  type SafetyInput,
  type SafetyLimits,
  type SafetyResult,
} from './types.ts';
import { freshness, stampAgeS } from './watchdog.ts';

const NO_INTERVENTIONS: readonly Intervention[] = Object.freeze([]);
const KIND_INDEX = Object.fromEntries(INTERVENTION_KINDS.map((k, i) => [k, i])) as Record<InterventionKind, number>;
const MAX = Number.MAX_VALUE;
/** What a hold reads when the real input cannot be trusted to be read at all. */
const NO_INPUT: SafetyInput = Object.freeze({
  requested: new Float64Array(0),
  measuredPosition: new Float64Array(0),
  measuredVelocity: null,
  dtS: NaN,
  nowS: NaN,
  jointStateStampS: null,
  perceptionStampS: null,
});

/** Keeps stored rates finite so that later sums never form Inf − Inf. */
function finiteOrClamped(x: number): number {
  return x > MAX ? MAX : x < -MAX ? -MAX : x;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** The filter keeps its own copy: a caller mutating its arrays cannot loosen the limits behind its back. */
function copyLimits(l: SafetyLimits): SafetyLimits {
  return {
    lower: Float64Array.from(l.lower),
    upper: Float64Array.from(l.upper),
    maxVel: Float64Array.from(l.maxVel),
    maxAcc: Float64Array.from(l.maxAcc),
    maxJerk: l.maxJerk === null ? null : Float64Array.from(l.maxJerk),
  };
}

interface MutableResult {
  command: Float64Array;
  hold: boolean;
  publish: boolean;
  interventions: readonly Intervention[];
}

export class SafetyFilter {
  readonly jointNames: readonly string[];
  readonly dof: number;
  private lim: SafetyLimits;
  private cfg: SafetyConfig;

  private readonly cmd: Float64Array;
  /** previous output (velocity or position per interface); valid when hasPrev */
  private readonly prevCmd: Float64Array;
  /** previous output velocity (position interface: implied), rad/s */
  private readonly prevVel: Float64Array;
  /** previous output acceleration, rad/s², for the jerk limit */
  private readonly prevAcc: Float64Array;
  /** position interface: last position known good, for a hold with nothing better */
  private readonly lastGood: Float64Array;
  private readonly lastGoodKnown: Uint8Array;
  // per-tick scratch
  private readonly vel: Float64Array;
  /** position interface: the step to the clamped target, rad/s, before any rate limit */
  private readonly step0: Float64Array;
  private readonly hiPos: Float64Array;
  private readonly loPos: Float64Array;
  private readonly target: Float64Array;
  private readonly base: Float64Array;

  private hasPrev = false;
  private latched = false;
  private estopSinceS = 0;
  private pending: Intervention[] | null = null;
  private readonly tally = new Float64Array(INTERVENTION_KINDS.length);
  private readonly result: MutableResult;

  /** Throws a SafetyConfigError (configure time) when the limits or the configuration are inconsistent. */
  constructor(jointNames: readonly string[], limits: SafetyLimits, cfg: SafetyConfig) {
    const problems = [...validateSafetyLimits(jointNames, limits), ...validateSafetyConfig(cfg)];
    if (problems.length > 0) throw new SafetyConfigError(problems);
    this.jointNames = Object.freeze([...jointNames]);
    const n = jointNames.length;
    this.dof = n;
    this.lim = copyLimits(limits);
    this.cfg = Object.freeze({ ...cfg });
    this.cmd = new Float64Array(n);
    this.prevCmd = new Float64Array(n);
    this.prevVel = new Float64Array(n);
    this.prevAcc = new Float64Array(n);
    this.lastGood = new Float64Array(n);
    this.lastGoodKnown = new Uint8Array(n);
    this.vel = new Float64Array(n);
    this.step0 = new Float64Array(n);
    this.hiPos = new Float64Array(n);
    this.loPos = new Float64Array(n);
    this.target = new Float64Array(n);
    this.base = new Float64Array(n);
    this.result = { command: this.cmd, hold: false, publish: true, interventions: NO_INTERVENTIONS };
  }

  get estopped(): boolean {
    return this.latched;
  }

  get config(): Readonly<SafetyConfig> {
    return this.cfg;
  }

  /** A copy of the limits in force. */
  get limits(): SafetyLimits {
    return copyLimits(this.lim);
  }

  /** Latches the e-stop: every tick holds until reset(). */
  estop(nowS: number): void {
    if (this.latched) return;
    this.latched = true;
    this.estopSinceS = nowS;
  }

  /**
   * Releases the e-stop and forgets previous commands: the next tick starts from the measured state. Only the
   * last good position survives, for a position-interface hold when the measurement is not finite either.
   */
  reset(): void {
    this.latched = false;
    this.forgetPrevious();
  }

  /**
   * Replaces the configuration (and limits) between ticks. positionMarginRad and velocityScale act through
   * buildSafetyLimits: pass limits rebuilt with them. Changing the command interface forgets previous commands.
   * Throws a SafetyConfigError (configure time) and changes nothing when invalid.
   */
  updateConfig(cfg: SafetyConfig, limits?: SafetyLimits): void {
    const problems = [...validateSafetyConfig(cfg), ...(limits ? validateSafetyLimits(this.jointNames, limits) : [])];
    if (problems.length > 0) throw new SafetyConfigError(problems);
    if (cfg.commandInterface !== this.cfg.commandInterface) this.forgetPrevious();
    this.cfg = Object.freeze({ ...cfg });
    if (limits) this.lim = copyLimits(limits);
  }

  /** Interventions counted by kind since construction. */
  counts(): Record<InterventionKind, number> {
    const out = {} as Record<InterventionKind, number>;
    for (const k of INTERVENTION_KINDS) out[k] = this.tally[KIND_INDEX[k]] as number;
    return out;
  }

  /** One tick. The result object and its command buffer are reused: copy to keep. Never throws. */
  filter(input: SafetyInput): SafetyResult {
    this.pending = null;
    try {
      return this.tick(input);
    } catch {
      // only a caller breaking the types gets here (e.g. a missing array): hold without reading the input
      this.report('invalid_input', -1, NaN, 0);
      this.holdTick(NO_INPUT, 0, 0);
      const res = this.result;
      res.interventions = this.pending ?? NO_INTERVENTIONS;
      return res;
    }
  }

  private tick(input: SafetyInput): SafetyResult {
    const n = this.dof;
    const cfg = this.cfg;
    const requested = input.requested;
    const q = input.measuredPosition;
    const dtS = input.dtS;
    const nowS = input.nowS;

    let hold = false;
    if (this.latched) {
      hold = true;
      this.report('estop', -1, nowS - this.estopSinceS, 0);
    }
    if (!(dtS > 0 && dtS < Infinity)) {
      hold = true;
      this.report('invalid_input', -1, dtS, 0);
    }
    if (requested.length !== n) {
      hold = true;
      this.report('invalid_input', -1, requested.length, n);
    }
    if (q.length !== n) {
      hold = true;
      this.report('invalid_input', -1, q.length, n);
    }
    const jsStamp = input.jointStateStampS;
    if (jsStamp === null) {
      hold = true;
      this.report('no_joint_state', -1, Infinity, cfg.jointStateMaxAgeS);
    } else if (freshness(jsStamp, nowS, cfg.jointStateMaxAgeS) !== 'fresh') {
      hold = true;
      this.report('stale_joint_state', -1, stampAgeS(jsStamp, nowS), cfg.jointStateMaxAgeS);
    }
    const perceptionMaxAgeS = cfg.perceptionMaxAgeS;
    if (perceptionMaxAgeS !== null && freshness(input.perceptionStampS, nowS, perceptionMaxAgeS) !== 'fresh') {
      hold = true;
      this.report('stale_perception', -1, stampAgeS(input.perceptionStampS, nowS), perceptionMaxAgeS);
    }
    const nReq = Math.min(n, requested.length);
    const nMeas = Math.min(n, q.length);
    let badValues = false;
    for (let i = 0; i < nReq; i++) if (!Number.isFinite(requested[i])) badValues = true;
    for (let i = 0; i < nMeas; i++) if (!Number.isFinite(q[i])) badValues = true;

    if (hold || badValues) this.holdTick(input, nReq, nMeas);
    else this.limitTick(input);
    const res = this.result;
    res.interventions = this.pending ?? NO_INTERVENTIONS;
    return res;
  }

  private forgetPrevious(): void {
    this.hasPrev = false;
    this.prevVel.fill(0);
    this.prevAcc.fill(0);
  }

  private report(kind: InterventionKind, joint: number, requested: number, applied: number, limitingJoint = joint): void {
    const names = this.jointNames;
    const item: Intervention = {
      kind,
      joint: joint < 0 ? null : (names[joint] ?? null),
      requested,
      applied,
      limitingJoint: limitingJoint < 0 ? null : (names[limitingJoint] ?? null),
    };
    if (this.pending === null) this.pending = [item];
    else this.pending.push(item);
    const k = KIND_INDEX[kind];
    this.tally[k] = (this.tally[k] as number) + 1;
  }

  /** Writes the hold command, resets the rate references and reports the per-joint causes. */
  private holdTick(input: SafetyInput, nReq: number, nMeas: number): void {
    const n = this.dof;
    const cmd = this.cmd;
    const res = this.result;
    const q = input.measuredPosition;
    res.hold = true;
    res.publish = true;
    if (this.cfg.commandInterface === 'velocity') {
      cmd.fill(0);
      this.prevCmd.fill(0);
      this.hasPrev = true;
    } else {
      const { lower, upper } = this.lim;
      let allKnown = true;
      for (let i = 0; i < n; i++) {
        const lo = lower[i] as number;
        const hi = upper[i] as number;
        let p: number;
        if (this.hasPrev) p = this.prevCmd[i] as number;
        else if (i < q.length && Number.isFinite(q[i])) p = q[i] as number;
        else if (this.lastGoodKnown[i] === 1) p = this.lastGood[i] as number;
        else {
          // nothing known: a placeholder inside the limits that the caller must not send
          p = 0;
          allKnown = false;
        }
        cmd[i] = clamp(p, lo, hi);
      }
      if (allKnown) {
        this.prevCmd.set(cmd);
        this.hasPrev = true;
        this.rememberGood();
      } else {
        res.publish = false;
      }
    }
    // a stop resets the rate history: the next motion ramps up from rest
    this.prevVel.fill(0);
    this.prevAcc.fill(0);
    const requested = input.requested;
    for (let i = 0; i < nReq; i++) {
      const r = requested[i] as number;
      if (!Number.isFinite(r)) this.report('non_finite', i, r, cmd[i] as number);
    }
    for (let i = 0; i < nMeas; i++) {
      const m = q[i] as number;
      if (!Number.isFinite(m)) this.report('invalid_measurement', i, m, cmd[i] as number);
    }
  }

  private rememberGood(): void {
    this.lastGood.set(this.cmd);
    this.lastGoodKnown.fill(1);
  }

  /** The normal tick: every input is finite and fresh. */
  private limitTick(input: SafetyInput): void {
    const n = this.dof;
    const dt = input.dtS;
    const { lower, upper, maxVel, maxAcc, maxJerk } = this.lim;
    const positionIface = this.cfg.commandInterface === 'position';
    const requested = input.requested;
    const q = input.measuredPosition;
    const vel = this.vel;
    const base = this.base;
    const hiPos = this.hiPos;
    const loPos = this.loPos;
    const target = this.target;
    const prevVel = this.prevVel;
    const prevAcc = this.prevAcc;

    if (!this.hasPrev) {
      // first tick (or after reset): start the rate limits from the measured velocity when it is usable
      const mv = input.measuredVelocity;
      const useMv = mv !== null && mv.length === n;
      for (let i = 0; i < n; i++) {
        const v = useMv ? (mv[i] as number) : 0;
        prevVel[i] = Number.isFinite(v) ? v : 0;
        prevAcc[i] = 0;
      }
    }

    // 2. position limits: target clamp (position interface) and braking distance
    for (let i = 0; i < n; i++) {
      const lo = lower[i] as number;
      const hi = upper[i] as number;
      const acc = maxAcc[i] as number;
      const r = requested[i] as number;
      let b: number;
      let v: number;
      if (positionIface) {
        // the reference is the previous output; the first one is the measured position pulled inside the limits
        b = this.hasPrev ? (this.prevCmd[i] as number) : clamp(q[i] as number, lo, hi);
        const pc = clamp(r, lo, hi);
        target[i] = pc;
        v = (pc - b) / dt;
        this.step0[i] = v;
      } else {
        b = q[i] as number;
        v = r;
      }
      base[i] = b;
      const vHi = brakingSpeed(hi - b, acc, dt);
      const vLo = 0 - brakingSpeed(b - lo, acc, dt); // 0 − x, not −x: a stop reads +0
      hiPos[i] = vHi;
      loPos[i] = vLo;
      let braked = false;
      if (v > vHi) {
        v = vHi;
        braked = true;
      } else if (v < vLo) {
        v = vLo;
        braked = true;
      }
      vel[i] = v;
      if (positionIface) {
        const applied = braked ? b + v * dt : (target[i] as number);
        if (applied !== r) this.report('position_limit', i, r, applied);
      } else if (braked) {
        this.report('position_limit', i, r, v);
      }
    }

    // 3. velocity limit: one factor for the whole vector keeps the direction of motion
    let scale = 1;
    let binder = -1;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(vel[i] as number);
      const vmax = maxVel[i] as number;
      if (a > vmax) {
        const f = vmax / a;
        if (f < scale) {
          scale = f;
          binder = i;
        }
      }
    }
    if (binder >= 0) {
      for (let i = 0; i < n; i++) {
        const before = vel[i] as number;
        const vmax = maxVel[i] as number;
        // scale 0 comes from an infinite step: everything stops rather than forming Inf·0
        let after = scale === 0 ? 0 : before * scale;
        if (after > vmax) after = vmax;
        else if (after < -vmax) after = -vmax;
        if (after !== before) {
          vel[i] = after;
          this.report('velocity_limit', i, this.inCommandUnits(i, before, dt), this.inCommandUnits(i, after, dt), binder);
        }
      }
    }

    // 4. acceleration, then jerk, each moving the command from the previous velocity toward the request
    for (let i = 0; i < n; i++) {
      const vp = prevVel[i] as number;
      const accStep = (maxAcc[i] as number) * dt;
      const vmax = maxVel[i] as number;
      const hHi = Math.min(hiPos[i] as number, vmax);
      const hLo = Math.max(loPos[i] as number, -vmax);
      const t = vel[i] as number;
      // the hard interval wins: when it lies beyond the rate limit this brakes as gently as it allows
      const vA = clamp(clamp(t, vp - accStep, vp + accStep), hLo, hHi);
      let v = vA;
      if (maxJerk !== null) {
        const jerkStep = (maxJerk[i] as number) * dt;
        if (jerkStep < Infinity) {
          const ap = prevAcc[i] as number;
          const vJ = clamp(vA, vp + (ap - jerkStep) * dt, vp + (ap + jerkStep) * dt);
          // jerk only shortens the step toward the request: it never pushes past the request or away from it
          v = clamp(clamp(vJ, Math.min(vp, vA), Math.max(vp, vA)), hLo, hHi);
        }
      }
      if (vA !== t) this.report('acceleration_limit', i, this.inCommandUnits(i, t, dt), this.inCommandUnits(i, vA, dt));
      if (v !== vA) this.report('jerk_limit', i, this.inCommandUnits(i, vA, dt), this.inCommandUnits(i, v, dt));
      vel[i] = v;
    }

    // output; commit the state only when every value is finite
    const cmd = this.cmd;
    let finite = true;
    if (positionIface) {
      for (let i = 0; i < n; i++) {
        const lo = lower[i] as number;
        const hi = upper[i] as number;
        const v = vel[i] as number;
        // an untouched step reproduces the (clamped) target exactly, without base + ((t − base)/dt)·dt rounding
        const raw = v === this.step0[i] ? (target[i] as number) : (base[i] as number) + v * dt;
        const p = clamp(raw, lo, hi);
        if (p !== raw && Number.isFinite(raw)) this.report('position_limit', i, raw, p);
        cmd[i] = p;
        if (!Number.isFinite(p)) finite = false;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = vel[i] as number;
        cmd[i] = v;
        if (!Number.isFinite(v)) finite = false;
      }
    }
    if (!finite) {
      for (let i = 0; i < n; i++) if (!Number.isFinite(cmd[i])) this.report('non_finite', i, cmd[i] as number, NaN);
      this.holdTick(input, 0, 0);
      this.patchNonFiniteApplied();
      return;
    }
    for (let i = 0; i < n; i++) {
      const c = cmd[i] as number;
      const v = positionIface ? finiteOrClamped((c - (base[i] as number)) / dt) : c;
      prevAcc[i] = finiteOrClamped((v - (prevVel[i] as number)) / dt);
      prevVel[i] = v;
      this.prevCmd[i] = c;
    }
    this.hasPrev = true;
    if (positionIface) this.rememberGood();
    const res = this.result;
    res.hold = false;
    res.publish = true;
  }

  /** The guard's non_finite reports are made before the hold command exists: fill in what was applied. */
  private patchNonFiniteApplied(): void {
    const list = this.pending;
    if (list === null) return;
    for (const it of list) {
      if (it.kind === 'non_finite' && Number.isNaN(it.applied) && it.joint !== null) {
        it.applied = this.cmd[this.jointNames.indexOf(it.joint)] as number;
      }
    }
  }

  /** Reports use command units: rad/s for the velocity interface, rad (the resulting target) for the position one. */
  private inCommandUnits(i: number, v: number, dt: number): number {
    return this.cfg.commandInterface === 'position' ? (this.base[i] as number) + v * dt : v;
  }
}
