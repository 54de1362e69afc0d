/** CEM to find the basin, then Adam refinement of the best elite and the CEM mean through the model gradient. */
import { CemPlanner } from './cem.ts';
import { chooseBest } from './common.ts';
import { GradientPlanner } from './gradient.ts';
import type { PlanBudget, PlanProblem, PlanResult, PlannerSettings } from './planner.ts';

export class CemGradientPlanner extends CemPlanner {
  override readonly name = 'cem+gradient';
  private refiner: GradientPlanner;

  constructor(settings: PlannerSettings) {
    super(settings);
    this.refiner = new GradientPlanner(settings);
  }

  override configure(settings: PlannerSettings): void {
    super.configure(settings);
    this.refiner.configure(settings);
  }

  override async plan(problem: PlanProblem, warmStart: Float64Array | null, budget: PlanBudget): Promise<PlanResult> {
    const cem = await this.runCem(problem, warmStart, budget);
    const { stats } = cem;
    const steps = this.settings.hybrid.gradientSteps;
    if (steps <= 0 || !problem.model.differentiable) return chooseBest(problem, [cem.mean, cem.best], this.finalBuf, stats);
    const refined = await this.refiner.optimize(problem, [cem.best.slice(), cem.mean.slice()], steps, 0, performance.now());
    return chooseBest(problem, [cem.best, cem.mean, refined.best, ...refined.finals], this.finalBuf, {
      iterations: stats.iterations + refined.iterations,
      startMs: stats.startMs,
      rollouts: stats.rollouts + refined.rollouts,
    });
  }
}
