/**
 * Cross-entropy method: sample Gaussian action sequences around a mean, keep the elites, refit the mean
 * and std (with momentum and a std floor), repeat. Sample 0 is always the current mean, so an iteration
 * never loses the best sequence it started from.
 */
import { sampleRolloutAndCost } from './batch-chunk.ts';
import { BatchBuffers, chooseBest, clampInto, NoiseSource, readSample, smallestK, writeSample } from './common.ts';
import type { PlanBudget, PlanProblem, PlanResult, Planner, PlannerSettings } from './planner.ts';

export class CemPlanner implements Planner {
  readonly name: string = 'cem';
  protected settings: PlannerSettings;
  protected noise: NoiseSource;
  protected buf = new BatchBuffers();
  protected finalBuf = new BatchBuffers();
  private mean = new Float64Array(0);
  private std = new Float64Array(0);
  private best = new Float64Array(0);
  private idx = new Int32Array(0);

  constructor(settings: PlannerSettings) {
    this.settings = settings;
    this.noise = new NoiseSource(settings.seed);
  }

  configure(settings: PlannerSettings): void {
    this.settings = settings;
  }

  plan(problem: PlanProblem, warmStart: Float64Array | null, budget: PlanBudget): Promise<PlanResult> {
    return this.runCem(problem, warmStart, budget).then(({ stats, mean, best }) => chooseBest(problem, [mean, best], this.finalBuf, stats));
  }

  /** The CEM loop; returns the final mean and the best sample seen. */
  protected async runCem(
    problem: PlanProblem,
    warmStart: Float64Array | null,
    budget: PlanBudget,
  ): Promise<{ stats: { iterations: number; startMs: number; rollouts: number }; mean: Float64Array; best: Float64Array; bestCost: number }> {
    const startMs = performance.now();
    const T = problem.horizon;
    const A = problem.model.actionDim;
    const D = problem.model.stateDim;
    const B = Math.max(2, this.settings.samples);
    const { elites, momentum, stdInit, stdMin } = this.settings.cem;
    const K = Math.max(1, Math.min(elites, B));
    const n = T * A;
    if (this.mean.length !== n) {
      this.mean = new Float64Array(n);
      this.std = new Float64Array(n);
      this.best = new Float64Array(n);
    }
    if (this.idx.length < B) this.idx = new Int32Array(B);
    this.buf.ensure(T, B, D, A);
    const { mean, std, best } = this;
    const lo = problem.actionLower;
    const hi = problem.actionUpper;
    for (let i = 0; i < n; i++) {
      const j = i % A;
      mean[i] = clampInto(warmStart ? warmStart[i]! : 0, lo[j]!, hi[j]!);
      std[i] = stdInit;
    }
    best.set(mean);
    let bestCost = Infinity;
    let it = 0;
    let rollouts = 0;
    const maxIt = Math.max(1, budget.iterations);
    while (it < maxIt) {
      writeSample(mean, T, A, B, 0, this.buf.actions, lo, hi);
      const costs = await sampleRolloutAndCost(problem, this.buf, B, { noise: this.noise, rho: this.settings.noiseCorrelation, mean, std, scale: 1, keepStates: false });
      rollouts += B;
      const elite = smallestK(costs, B, K, this.idx);
      if (costs[elite[0]!]! < bestCost) {
        bestCost = costs[elite[0]!]!;
        readSample(this.buf.actions, T, A, B, elite[0]!, best);
      }
      // refit mean and std to the elites
      const acts = this.buf.actions;
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < A; j++) {
          let s = 0;
          for (let e = 0; e < K; e++) s += acts[(t * B + elite[e]!) * A + j]!;
          const m = s / K;
          let v = 0;
          for (let e = 0; e < K; e++) {
            const d = acts[(t * B + elite[e]!) * A + j]! - m;
            v += d * d;
          }
          const i = t * A + j;
          mean[i] = momentum * mean[i]! + (1 - momentum) * m;
          std[i] = Math.max(stdMin, momentum * std[i]! + (1 - momentum) * Math.sqrt(v / K));
        }
      }
      it++;
      if (budget.timeMs > 0 && performance.now() - startMs >= budget.timeMs) break;
    }
    return { stats: { iterations: it, startMs, rollouts }, mean, best, bestCost };
  }
}
