/**
 * Seeded randomness for the whole project: xoshiro128** (fast, 2^128 − 1 period, good statistical
 * quality) seeded through splitmix32, so equal seeds give equal streams on every platform.
 */
import type { JointLimits } from '../robot/types.ts';

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let t = state.s ^ (state.s >>> 16);
  t = Math.imul(t, 0x21f0aaad);
  t ^= t >>> 15;
  t = Math.imul(t, 0x735a2d97);
  t ^= t >>> 15;
  return t >>> 0;
}

const INV_2_32 = 1 / 4294967296;

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare = 0;
  private hasSpare = false;

  /** `seed`: any finite number (integers up to 2^53 keep all their bits). */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    const lo = Math.trunc(seed) >>> 0;
    const hi = Math.trunc(seed / 4294967296) >>> 0;
    const st = { s: lo ^ Math.imul(hi, 0x85ebca6b) };
    this.s0 = splitmix32(st);
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
    // the all-zero state is the one state xoshiro cannot leave
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() * INV_2_32;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hiExclusive). */
  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }

  /** Gaussian sample (Box–Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return mean + std * this.spare;
    }
    // 1 − u keeps the logarithm's argument in (0, 1]
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  fillUniform(out: Float64Array, lo = 0, hi = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.next();
    return out;
  }

  fillNormal(out: Float64Array, mean = 0, std = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** An independent generator seeded from this one (for per-episode or per-worker streams). */
  fork(): Rng {
    return new Rng(this.nextUint32() * 2097152 + (this.nextUint32() >>> 11));
  }

  /** The full state, to save and later restore exactly. */
  getState(): [number, number, number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3, this.spare, this.hasSpare ? 1 : 0];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 6) throw new RangeError(`Rng state needs 6 numbers, got ${state.length}`);
    this.s0 = state[0]! | 0;
    this.s1 = state[1]! | 0;
    this.s2 = state[2]! | 0;
    this.s3 = state[3]! | 0;
    this.spare = state[4]!;
    this.hasSpare = state[5] === 1;
  }
}

export interface SampleOptions {
  /** stay this far inside each (soft, where set) limit, rad or m; default 0.1 */
  marginRad?: number;
  /** sampling range for joints without position limits; default [-π, π] */
  unboundedRange?: [number, number];
}

export interface StartGoalOptions extends SampleOptions {
  /** minimum Euclidean joint-space distance between start and goal; default 0 */
  minDistanceRad?: number;
  /** maximum Euclidean joint-space distance between start and goal; default ∞ */
  maxDistanceRad?: number;
  /** extra test, e.g. "collision-free"; `q` is scratch memory, copy it to keep it */
  accept?: (q: Float64Array, which: 'start' | 'goal') => boolean;
  /** attempts per configuration before giving up; default 1000 */
  maxTries?: number;
}

/** The interval joint i is sampled from: inside hard and soft limits, less the margin. */
export function sampleInterval(limits: JointLimits, opts: SampleOptions = {}): [number, number] {
  const margin = opts.marginRad ?? 0.1;
  const [ulo, uhi] = opts.unboundedRange ?? [-Math.PI, Math.PI];
  let lo = limits.lower ?? ulo;
  let hi = limits.upper ?? uhi;
  if (limits.softLower !== undefined) lo = Math.max(lo, limits.softLower);
  if (limits.softUpper !== undefined) hi = Math.min(hi, limits.softUpper);
  lo += margin;
  hi -= margin;
  // a range narrower than twice the margin collapses to its midpoint
  if (lo > hi) {
    const mid = (lo + hi) / 2;
    return [mid, mid];
  }
  return [lo, hi];
}

/** Fills `out` with a configuration drawn uniformly inside the limits. */
export function sampleInLimits(
  rng: Rng,
  limits: readonly JointLimits[],
  out: Float64Array = new Float64Array(limits.length),
  opts: SampleOptions = {},
): Float64Array {
  for (let i = 0; i < limits.length; i++) {
    const [lo, hi] = sampleInterval(limits[i]!, opts);
    out[i] = rng.uniform(lo, hi);
  }
  return out;
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/**
 * A start and a goal configuration, each accepted by `opts.accept`, with their distance in
 * [minDistanceRad, maxDistanceRad]. Throws when `maxTries` attempts do not find one.
 */
export function sampleStartGoal(
  rng: Rng,
  limits: readonly JointLimits[],
  opts: StartGoalOptions = {},
): { start: Float64Array; goal: Float64Array; tries: number } {
  const maxTries = opts.maxTries ?? 1000;
  const minD = opts.minDistanceRad ?? 0;
  const maxD = opts.maxDistanceRad ?? Number.POSITIVE_INFINITY;
  const start = new Float64Array(limits.length);
  const goal = new Float64Array(limits.length);
  let tries = 0;
  let haveStart = false;
  for (let attempt = 0; attempt < maxTries && !haveStart; attempt++) {
    tries++;
    sampleInLimits(rng, limits, start, opts);
    haveStart = opts.accept === undefined || opts.accept(start, 'start');
  }
  if (!haveStart) throw new Error(`sampleStartGoal: no acceptable start in ${maxTries} tries`);
  for (let attempt = 0; attempt < maxTries; attempt++) {
    tries++;
    sampleInLimits(rng, limits, goal, opts);
    const d = distance(start, goal);
    if (d < minD || d > maxD) continue;
    if (opts.accept === undefined || opts.accept(goal, 'goal')) return { start, goal, tries };
  }
  throw new Error(
    `sampleStartGoal: no acceptable goal in ${maxTries} tries (distance in [${minD}, ${maxD}] rad)`,
  );
}
