/**
 * Gradient-based MPC: Adam on the action sequence through the differentiable world model and cost,
 * with projection onto the action bounds after every step. Several restarts run in one batch: the warm
 * start, a hold (all zeros, clamped), and noisy copies of the warm start.
 */
import { BatchBuffers, chooseBest, clampInto, NoiseSource, readSample, writeSample } from './common.ts';
import type { PlanBudget, PlanProblem, PlanResult, Planner, PlannerSettings } from './planner.ts';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

export class GradientPlanner implements Planner {
  readonly name = 'gradient';
  private settings: PlannerSettings;
  private noise: NoiseSource;
  private buf = new BatchBuffers();
  private finalBuf = new BatchBuffers();
  private gStates = new Float64Array(0);
  private gActions = new Float64Array(0);
  private gModel = new Float64Array(0);
  private m = new Float64Array(0);
  private v = new Float64Array(0);
  private eps = new Float64Array(0);
  private best = new Float64Array(0);

  constructor(settings: PlannerSettings) {
    this.settings = settings;
    this.noise = new NoiseSource(settings.seed + 104729);
  }

  configure(settings: PlannerSettings): void {
    this.settings = settings;
  }

  async plan(problem: PlanProblem, warmStart: Float64Array | null, budget: PlanBudget): Promise<PlanResult> {
    const startMs = performance.now();
    const R = Math.max(1, this.settings.gradient.restarts);
    const inits: Float64Array[] = [];
    const T = problem.horizon;
    const A = problem.model.actionDim;
    const n = T * A;
    if (this.eps.length !== n) this.eps = new Float64Array(n);
    for (let r = 0; r < R; r++) {
      const seq = new Float64Array(n);
      if (r === 0 && warmStart) seq.set(warmStart.subarray(0, n));
      else if (r === 1 || (r === 0 && !warmStart)) seq.fill(0);
      else {
        this.noise.fill(this.eps, n);
        for (let i = 0; i < n; i++) seq[i] = (warmStart ? warmStart[i]! : 0) + this.settings.gradient.noiseStd * this.eps[i]!;
      }
      inits.push(seq);
    }
    const steps = this.settings.gradient.steps > 0 ? this.settings.gradient.steps : budget.iterations;
    const out = await this.optimize(problem, inits, steps, budget.timeMs, startMs);
    return chooseBest(problem, [out.best, ...out.finals], this.finalBuf, { iterations: out.iterations, startMs, rollouts: out.rollouts });
  }

  /**
   * Runs Adam from each initial sequence (one batch row each) for up to `steps` steps or `timeMs`.
   * Returns the best sequence seen and the final sequence of each row.
   */
  async optimize(
    problem: PlanProblem,
    inits: readonly Float64Array[],
    steps: number,
    timeMs: number,
    startMs: number,
  ): Promise<{ best: Float64Array; finals: Float64Array[]; iterations: number; rollouts: number }> {
    const model = problem.model;
    if (!model.differentiable || !model.rolloutVjp) throw new Error(`gradient planner: world model "${model.kind}" is not differentiable`);
    const T = problem.horizon;
    const A = model.actionDim;
    const D = model.stateDim;
    const B = inits.length;
    const n = T * B * A;
    this.buf.ensure(T, B, D, A);
    if (this.gActions.length !== n) {
      this.gActions = new Float64Array(n);
      this.gModel = new Float64Array(n);
      this.m = new Float64Array(n);
      this.v = new Float64Array(n);
    }
    if (this.gStates.length !== (T + 1) * B * D) this.gStates = new Float64Array((T + 1) * B * D);
    if (this.best.length !== T * A) {
      this.best = new Float64Array(T * A);
    }
    const { gStates, gActions, gModel, m, v, best } = this;
    const lo = problem.actionLower;
    const hi = problem.actionUpper;
    const acts = this.buf.actions;
    inits.forEach((s, b) => writeSample(s, T, A, B, b, acts, lo, hi));
    m.fill(0);
    v.fill(0);
    const lr = this.settings.gradient.learningRate;
    let bestCost = Infinity;
    let it = 0;
    const maxIt = Math.max(1, steps);
    while (it < maxIt) {
      await model.rollout(problem.s0, acts, T, B, this.buf.states);
      const ev = problem.cost.evaluate(problem, this.buf.states, acts, T, B, A, { gStates, gActions });
      for (let b = 0; b < B; b++) {
        if (ev.total[b]! < bestCost) {
          bestCost = ev.total[b]!;
          readSample(acts, T, A, B, b, best);
        }
      }
      await model.rolloutVjp!(acts, T, B, this.buf.states, gStates, gModel);
      it++;
      // linear decay to 10 % over the step budget: big moves first, fine adjustment last
      const lrIt = lr * (1 - (0.9 * (it - 1)) / maxIt);
      const c1 = 1 - Math.pow(BETA1, it);
      const c2 = 1 - Math.pow(BETA2, it);
      for (let i = 0; i < n; i++) {
        let g = gActions[i]! + gModel[i]!;
        if (!Number.isFinite(g)) g = 0;
        const mi = BETA1 * m[i]! + (1 - BETA1) * g;
        const vi = BETA2 * v[i]! + (1 - BETA2) * g * g;
        m[i] = mi;
        v[i] = vi;
        const j = i % A;
        acts[i] = clampInto(acts[i]! - (lrIt * (mi / c1)) / (Math.sqrt(vi / c2) + EPS), lo[j]!, hi[j]!);
      }
      if (timeMs > 0 && performance.now() - startMs >= timeMs) break;
    }
    const finals: Float64Array[] = [];
    for (let b = 0; b < B; b++) {
      const f = new Float64Array(T * A);
      readSample(acts, T, A, B, b, f);
      finals.push(f);
    }
    return { best: best.slice(), finals, iterations: it, rollouts: it * B };
  }
}
