/**
 * Model predictive path integral control: perturb the nominal sequence with Gaussian noise, weight each
 * sample by exp(−(S − S_min)/λ) and move the nominal to the weighted average; the update is low-pass
 * filtered over time (`smoothing`). The temperature is relative to the spread of costs in the batch
 * (λ = temperature · (mean S − min S)), so one setting works across cost scales. Sample 0 is the
 * noise-free nominal.
 */
import { sampleRolloutAndCost } from './batch-chunk.ts';
import { BatchBuffers, chooseBest, clampInto, NoiseSource, readSample, writeSample } from './common.ts';
import type { PlanBudget, PlanProblem, PlanResult, Planner, PlannerSettings } from './planner.ts';

export class MppiPlanner implements Planner {
  readonly name = 'mppi';
  private settings: PlannerSettings;
  private noise: NoiseSource;
  private buf = new BatchBuffers();
  private finalBuf = new BatchBuffers();
  private nominal = new Float64Array(0);
  private update = new Float64Array(0);
  private best = new Float64Array(0);
  private weights = new Float64Array(0);
  private used = new Int32Array(0);

  constructor(settings: PlannerSettings) {
    this.settings = settings;
    this.noise = new NoiseSource(settings.seed + 7919);
  }

  configure(settings: PlannerSettings): void {
    this.settings = settings;
  }

  async plan(problem: PlanProblem, warmStart: Float64Array | null, budget: PlanBudget): Promise<PlanResult> {
    const startMs = performance.now();
    const T = problem.horizon;
    const A = problem.model.actionDim;
    const D = problem.model.stateDim;
    const B = Math.max(2, this.settings.samples);
    const { temperature, noiseStd, smoothing } = this.settings.mppi;
    const n = T * A;
    if (this.nominal.length !== n) {
      this.nominal = new Float64Array(n);
      this.update = new Float64Array(n);
      this.best = new Float64Array(n);
    }
    if (this.weights.length < B) {
      this.weights = new Float64Array(B);
      this.used = new Int32Array(B);
    }
    this.buf.ensure(T, B, D, A);
    const { nominal, update, best, weights, used } = this;
    const lo = problem.actionLower;
    const hi = problem.actionUpper;
    for (let i = 0; i < n; i++) nominal[i] = clampInto(warmStart ? warmStart[i]! : 0, lo[i % A]!, hi[i % A]!);
    best.set(nominal);
    let bestCost = Infinity;
    let it = 0;
    let rollouts = 0;
    const maxIt = Math.max(1, budget.iterations);
    while (it < maxIt) {
      writeSample(nominal, T, A, B, 0, this.buf.actions, lo, hi);
      const costs = await sampleRolloutAndCost(problem, this.buf, B, { noise: this.noise, rho: this.settings.noiseCorrelation, mean: nominal, std: null, scale: noiseStd, keepStates: false });
      rollouts += B;
      let minS = Infinity;
      let minB = 0;
      let sum = 0;
      let finite = 0;
      for (let b = 0; b < B; b++) {
        const c = costs[b]!;
        if (!Number.isFinite(c)) continue;
        if (c < minS) {
          minS = c;
          minB = b;
        }
        sum += c;
        finite++;
      }
      if (finite === 0) break;
      if (minS < bestCost) {
        bestCost = minS;
        readSample(this.buf.actions, T, A, B, minB, best);
      }
      const spread = Math.max(1e-9, sum / finite - minS);
      const lambda = Math.max(1e-9, temperature) * spread;
      let wSum = 0;
      for (let b = 0; b < B; b++) {
        const c = costs[b]!;
        const w = Number.isFinite(c) ? Math.exp(-(c - minS) / lambda) : 0;
        weights[b] = w;
        wSum += w;
      }
      // weighted average of the (clamped) samples, expressed as an update of the nominal; samples whose
      // normalized weight is below 1e-12 are left out (most of them, at a low temperature)
      let nUsed = 0;
      for (let b = 0; b < B; b++) {
        const w = weights[b]! / wSum;
        if (w < 1e-12) continue;
        weights[nUsed] = w;
        used[nUsed++] = b;
      }
      weightedDeviations(this.buf.actions, T, B, A, weights, used, nUsed, nominal, update);
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < A; j++) {
          const i = t * A + j;
          const u = t > 0 ? (1 - smoothing) * update[i]! + smoothing * update[i - A]! : update[i]!;
          nominal[i] = clampInto(nominal[i]! + u, lo[j]!, hi[j]!);
        }
      }
      it++;
      if (budget.timeMs > 0 && performance.now() - startMs >= budget.timeMs) break;
    }
    return chooseBest(problem, [nominal, best], this.finalBuf, { iterations: it, startMs, rollouts });
  }
}

/**
 * update[t·A + j] = Σ_u weights[u] · (actions of sample used[u] at (t, j) − nominal[t·A + j]), summed in
 * the order of u from +0 for every (t, j). Up to six actions of a step are summed side by side (six
 * independent additions per sample instead of one chain), which leaves each sum's additions and their
 * order as they are: the same doubles as one (t, j) at a time, four times faster.
 */
export function weightedDeviations(
  acts: Float64Array, T: number, B: number, A: number, weights: Float64Array, used: Int32Array, nUsed: number, nominal: Float64Array, update: Float64Array,
): void {
  for (let t = 0; t < T; t++) {
    const row = t * A;
    const base = t * B * A;
    let j = 0;
    for (; j + 6 <= A; j += 6) {
      const n0 = nominal[row + j]!, n1 = nominal[row + j + 1]!, n2 = nominal[row + j + 2]!;
      const n3 = nominal[row + j + 3]!, n4 = nominal[row + j + 4]!, n5 = nominal[row + j + 5]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0;
      for (let u = 0; u < nUsed; u++) {
        const w = weights[u]!;
        const a = base + used[u]! * A + j;
        s0 += w * (acts[a]! - n0);
        s1 += w * (acts[a + 1]! - n1);
        s2 += w * (acts[a + 2]! - n2);
        s3 += w * (acts[a + 3]! - n3);
        s4 += w * (acts[a + 4]! - n4);
        s5 += w * (acts[a + 5]! - n5);
      }
      update[row + j] = s0;
      update[row + j + 1] = s1;
      update[row + j + 2] = s2;
      update[row + j + 3] = s3;
      update[row + j + 4] = s4;
      update[row + j + 5] = s5;
    }
    for (; j + 2 <= A; j += 2) {
      const n0 = nominal[row + j]!, n1 = nominal[row + j + 1]!;
      let s0 = 0, s1 = 0;
      for (let u = 0; u < nUsed; u++) {
        const w = weights[u]!;
        const a = base + used[u]! * A + j;
        s0 += w * (acts[a]! - n0);
        s1 += w * (acts[a + 1]! - n1);
      }
      update[row + j] = s0;
      update[row + j + 1] = s1;
    }
    for (; j < A; j++) {
      const n0 = nominal[row + j]!;
      let s0 = 0;
      for (let u = 0; u < nUsed; u++) s0 += weights[u]! * (acts[base + used[u]! * A + j]! - n0);
      update[row + j] = s0;
    }
  }
}
