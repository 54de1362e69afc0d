/** Pieces every planner shares: warm-start shifting, bound projection, seeded noise, buffers. */
import { CostEvaluator, sharedF64 } from '../cost/evaluator.ts';
import type { PlanProblem, PlanResult } from './planner.ts';

/** Shift a [T, A] solution one step forward, repeating the last action. Writes into out (length T'·A). */
export function shiftWarmStart(prev: Float64Array | null, prevT: number, A: number, T: number, out: Float64Array): void {
  if (!prev || prevT === 0) {
    out.fill(0, 0, T * A);
    return;
  }
  for (let t = 0; t < T; t++) {
    const src = Math.min(t + 1, prevT - 1);
    for (let j = 0; j < A; j++) out[t * A + j] = prev[src * A + j]!;
  }
}

export function clampInto(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Copies the [T, A] sequence into batch row b of a [T, B, A] buffer, clamped into bounds. */
export function writeSample(seq: Float64Array, T: number, A: number, B: number, b: number, out: Float64Array, lo: Float64Array, hi: Float64Array): void {
  for (let t = 0; t < T; t++) {
    const o = (t * B + b) * A;
    for (let j = 0; j < A; j++) out[o + j] = clampInto(seq[t * A + j]!, lo[j]!, hi[j]!);
  }
}

/** Copies batch row b of a [T, B, A] buffer into a [T, A] sequence. */
export function readSample(batch: Float64Array, T: number, A: number, B: number, b: number, out: Float64Array): void {
  for (let t = 0; t < T; t++) {
    const o = (t * B + b) * A;
    for (let j = 0; j < A; j++) out[t * A + j] = batch[o + j]!;
  }
}

/** Copies batch row b of a [T+1, B, D] state buffer into a [T+1, D] sequence. */
export function readStates(batch: Float64Array, T: number, D: number, B: number, b: number, out: Float64Array): void {
  for (let t = 0; t <= T; t++) out.set(batch.subarray((t * B + b) * D, (t * B + b + 1) * D), t * D);
}

/**
 * Noise scale of sample b: samples cycle through 1, 1/4 and 1/16 of the configured std, so one batch both
 * explores and fine-tunes (a single isotropic std cannot do both in a T·A-dimensional action space).
 */
export function sampleScale(b: number): number {
  const k = b % 3;
  return k === 0 ? 1 : k === 1 ? 0.25 : 0.0625;
}

/**
 * Makes i.i.d. noise [T, A] time-correlated in place (AR(1) along the horizon with coefficient rho, unit
 * marginal variance): independent per-step noise averages out over a horizon and barely changes where a
 * sequence ends, while correlated noise explores "faster / slower / elsewhere" as a whole.
 */
export function correlate(eps: Float64Array, T: number, A: number, rho: number): void {
  if (rho <= 0) return;
  const c = Math.sqrt(1 - rho * rho);
  for (let t = 1; t < T; t++) {
    for (let j = 0; j < A; j++) eps[t * A + j] = rho * eps[(t - 1) * A + j]! + c * eps[t * A + j]!;
  }
}

/**
 * Writes one sampled sequence straight into batch row b of a [T, B, A] buffer: mean + scale·(std ⊙ ε),
 * clamped into bounds, where ε is eps [T, A] (i.i.d. normals, e.g. from NoiseSource.fill) made
 * time-correlated in place exactly as `correlate` does. std null = a scalar std of 1 (all of it in scale).
 * One pass instead of correlate + a sequence buffer + writeSample, with the same arithmetic.
 */
export function writeNoisySample(
  eps: Float64Array,
  T: number,
  A: number,
  rho: number,
  mean: Float64Array,
  std: Float64Array | null,
  scale: number,
  B: number,
  b: number,
  out: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
): void {
  const c = rho > 0 ? Math.sqrt(1 - rho * rho) : 0;
  for (let t = 0; t < T; t++) {
    const o = (t * B + b) * A;
    for (let j = 0; j < A; j++) {
      const i = t * A + j;
      let e = eps[i]!;
      if (rho > 0 && t > 0) {
        e = rho * eps[i - A]! + c * e;
        eps[i] = e;
      }
      const v = std === null ? mean[i]! + scale * e : mean[i]! + scale * std[i]! * e;
      out[o + j] = clampInto(v, lo[j]!, hi[j]!);
    }
  }
}

/** Indices of the k smallest costs (partial selection; ties broken by index). */
export function smallestK(costs: Float64Array, n: number, k: number, idx: Int32Array): Int32Array {
  for (let i = 0; i < n; i++) idx[i] = i;
  const view = idx.subarray(0, n);
  view.sort((a, b) => costs[a]! - costs[b]! || a - b);
  return idx.subarray(0, Math.min(k, n));
}

/**
 * Seeded standard-normal noise. A table of 2^18 normals is filled once (Box–Muller on xorshift128+);
 * each sample row then reads a contiguous run from a random offset, which costs a copy instead of a
 * transcendental per element and is indistinguishable from fresh noise for a few thousand rows.
 */
export class NoiseSource {
  private static readonly SIZE = 1 << 18;
  /** shared, so that worker threads can read runs of it (planner/batch-chunk.ts) */
  private readonly table = sharedF64(NoiseSource.SIZE);
  private s0: number;
  private s1: number;

  constructor(seed: number) {
    this.s0 = (seed ^ 0x9e3779b9) >>> 0 || 1;
    this.s1 = (Math.imul(seed, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0 || 2;
    for (let i = 0; i < NoiseSource.SIZE; i += 2) {
      const u1 = Math.max(this.uniform(), 1e-300);
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      this.table[i] = r * Math.cos(2 * Math.PI * u2);
      this.table[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
  }

  /** uniform in [0, 1) */
  uniform(): number {
    // xorshift32 pair, 32 bits of output
    let x = this.s0;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s0 = x >>> 0;
    let y = this.s1;
    y ^= y << 13;
    y ^= y >>> 17;
    y ^= y << 5;
    this.s1 = y >>> 0;
    return ((this.s0 + this.s1) >>> 0) / 4294967296;
  }

  /** The table the runs are read from (read-only for callers). */
  get values(): Float64Array {
    return this.table;
  }

  /** Start of the next run in `values`: the one draw `fill` makes. */
  offset(): number {
    return Math.floor(this.uniform() * NoiseSource.SIZE);
  }

  /** Fills out[0..n) with standard normals: the run of `values` from `offset()`, wrapping around. */
  fill(out: Float64Array, n: number): void {
    readRun(this.table, this.offset(), out, n);
  }
}

/** out[0..n) = table[off ..], wrapping around at the end of the table. */
export function readRun(table: Float64Array, off: number, out: Float64Array, n: number): void {
  const size = table.length;
  for (let i = 0; i < n; i++) {
    out[i] = table[off]!;
    off = off + 1 === size ? 0 : off + 1;
  }
}

/** Rollout and cost buffers for a batch of B trajectories of horizon T, reused across ticks. */
export class BatchBuffers {
  T = 0;
  B = 0;
  D = 0;
  A = 0;
  actions: Float64Array = sharedF64(0);
  states: Float64Array = sharedF64(0);

  ensure(T: number, B: number, D: number, A: number): void {
    if (T === this.T && B === this.B && D === this.D && A === this.A) return;
    this.T = T;
    this.B = B;
    this.D = D;
    this.A = A;
    // shared, so that large cost evaluations can run on the cost worker threads without a copy
    this.actions = sharedF64(T * B * A);
    this.states = sharedF64((T + 1) * B * D);
  }
}

/** Evaluates B candidate sequences in one batch: rollout then cost. Returns the per-sample costs. */
export async function rolloutAndCost(problem: PlanProblem, buf: BatchBuffers, B: number): Promise<Float64Array> {
  const T = problem.horizon;
  await problem.model.rollout(problem.s0, buf.actions, T, B, buf.states);
  return problem.cost.evaluate(problem, buf.states, buf.actions, T, B, problem.model.actionDim).total;
}

/**
 * Rolls out a few candidate [T, A] sequences together, picks the cheapest and returns it with its
 * predicted states and per-term breakdown: every planner reports its choice the same way.
 */
export async function chooseBest(
  problem: PlanProblem,
  candidates: readonly Float64Array[],
  buf: BatchBuffers,
  stats: { iterations: number; startMs: number; rollouts: number },
): Promise<PlanResult> {
  const T = problem.horizon;
  const A = problem.model.actionDim;
  const D = problem.model.stateDim;
  const B = candidates.length;
  buf.ensure(T, B, D, A);
  candidates.forEach((c, b) => writeSample(c, T, A, B, b, buf.actions, problem.actionLower, problem.actionUpper));
  await problem.model.rollout(problem.s0, buf.actions, T, B, buf.states);
  const ev = problem.cost.evaluate(problem, buf.states, buf.actions, T, B, A);
  let best = 0;
  for (let b = 1; b < B; b++) if (ev.total[b]! < ev.total[best]!) best = b;
  const actions = new Float64Array(T * A);
  const states = new Float64Array((T + 1) * D);
  readSample(buf.actions, T, A, B, best, actions);
  readStates(buf.states, T, D, B, best, states);
  return {
    actions,
    states,
    cost: ev.total[best]!,
    breakdown: CostEvaluator.breakdown(ev, best, B),
    iterations: stats.iterations,
    ms: performance.now() - stats.startMs,
    rollouts: stats.rollouts + B,
  };
}
