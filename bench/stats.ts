/**
 * Timing of one benchmark case: warm-up runs, then repeated runs until both a minimum count and a
 * minimum time are reached (bounded by a maximum count), reported as percentiles, never a mean alone.
 */

export interface Timing {
  /** measured runs (after warm-up) */
  n: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

export interface RepeatOptions {
  warmup: number;
  minRuns: number;
  maxRuns: number;
  /** keep repeating until this much time was measured (or maxRuns) */
  minTimeMs: number;
}

/** Repetition policy of a full run and of --quick. */
export function repeatOptions(quick: boolean): RepeatOptions {
  return quick ? { warmup: 2, minRuns: 5, maxRuns: 30, minTimeMs: 150 } : { warmup: 5, minRuns: 30, maxRuns: 400, minTimeMs: 2000 };
}

/** Nearest-rank percentile of ascending `sorted` (q in [0, 1]). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sorted[rank - 1]!;
}

/** Summary of raw samples in ms. */
export function summarize(samplesMs: ArrayLike<number>): Timing {
  const sorted = Float64Array.from(samplesMs).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    n,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    meanMs: n > 0 ? sum / n : Number.NaN,
    minMs: n > 0 ? sorted[0]! : Number.NaN,
    maxMs: n > 0 ? sorted[n - 1]! : Number.NaN,
  };
}

/**
 * Runs `fn` warm-up times unmeasured, then measures each call. `fn` may return a value in ms to use
 * instead of the wall time around it (when the case times only part of what it does).
 */
export async function measure(fn: () => Promise<number | void> | number | void, opts: RepeatOptions): Promise<Timing> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  const samples: number[] = [];
  let total = 0;
  while (samples.length < opts.maxRuns && (samples.length < opts.minRuns || total < opts.minTimeMs)) {
    const t0 = performance.now();
    const own = await fn();
    const ms = typeof own === 'number' ? own : performance.now() - t0;
    samples.push(ms);
    total += performance.now() - t0;
  }
  return summarize(samples);
}

/**
 * A smaller policy for a case whose single run (the probe, which also warmed it up) takes
 * singleRunMs, so that it stays near budgetMs; at least 3 measured runs.
 */
export function scaledFor(opts: RepeatOptions, singleRunMs: number, budgetMs: number): RepeatOptions {
  if (!(singleRunMs > 0)) return opts;
  const fit = Math.floor(budgetMs / singleRunMs);
  const maxRuns = Math.max(3, Math.min(opts.maxRuns, fit));
  return {
    warmup: Math.min(opts.warmup, Math.floor(fit / 10)),
    minRuns: Math.min(opts.minRuns, maxRuns),
    maxRuns,
    minTimeMs: Math.min(opts.minTimeMs, budgetMs),
  };
}

/** Seeded uniform [0, 1) (mulberry32): random weights and inputs are the same in every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Float32 values uniform in [-scale, scale). */
export function randomF32(n: number, scale: number, next: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * next() - 1) * scale;
  return out;
}

/** How two versions compare when each round timed both (see bench/paired.ts). */
export interface PairedSummary {
  rounds: number;
  /** median of each version's per-round times */
  aMs: number;
  bMs: number;
  /** per-round b/a: median and the middle half (25th–75th percentile) */
  ratio: number;
  ratioLow: number;
  ratioHigh: number;
}

/**
 * Summarizes paired rounds: round i timed version a (a[i]) and version b (b[i]) back to back, so the
 * machine's drift, slow next to the rounds, divides out of b[i]/a[i] while it moves a and b alike.
 */
export function pairedSummary(a: readonly number[], b: readonly number[]): PairedSummary {
  if (a.length !== b.length || a.length === 0) throw new Error(`paired rounds: ${a.length} and ${b.length} times`);
  const sorted = (xs: readonly number[]): Float64Array => Float64Array.from(xs).sort();
  const ratios = sorted(a.map((x, i) => b[i]! / x));
  return {
    rounds: a.length,
    aMs: percentile(sorted(a), 0.5),
    bMs: percentile(sorted(b), 0.5),
    ratio: percentile(ratios, 0.5),
    ratioLow: percentile(ratios, 0.25),
    ratioHigh: percentile(ratios, 0.75),
  };
}
