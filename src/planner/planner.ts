/** The planner contract: find the action sequence that minimizes the cost through the world model. */
import type { CostEvaluator, TermCost } from '../cost/evaluator.ts';
import type { CostProblem } from '../cost/types.ts';
import type { WorldModel } from '../world-model/world-model.ts';

export interface PlanProblem extends CostProblem {
  model: WorldModel;
  cost: CostEvaluator;
  /** current state, length D */
  s0: Float64Array;
  horizon: number;
  /** per action dimension bounds, length A */
  actionLower: Float64Array;
  actionUpper: Float64Array;
}

export interface PlanBudget {
  /** iterations of the optimizer (CEM/MPPI iterations, Adam steps) */
  iterations: number;
  /** wall-clock budget in ms; 0 = none. At least one iteration always runs. */
  timeMs: number;
}

export interface PlanResult {
  /** [T, A] chosen action sequence (owned by the caller) */
  actions: Float64Array;
  /** [T+1, D] predicted states of that sequence */
  states: Float64Array;
  cost: number;
  breakdown: TermCost[];
  iterations: number;
  ms: number;
  /** trajectories evaluated (samples × iterations, or restarts × steps) */
  rollouts: number;
}

export interface PlannerSettings {
  samples: number;
  seed: number;
  /** AR(1) coefficient of the sampling noise along the horizon (cem, mppi); 0 = independent per step */
  noiseCorrelation: number;
  cem: { elites: number; momentum: number; stdInit: number; stdMin: number };
  mppi: { temperature: number; noiseStd: number; smoothing: number };
  /** steps: Adam steps per plan (0 = use the budget's iterations) */
  gradient: { restarts: number; steps: number; learningRate: number; noiseStd: number };
  hybrid: { gradientSteps: number };
}

export const DEFAULT_PLANNER_SETTINGS: PlannerSettings = {
  samples: 64,
  seed: 1,
  noiseCorrelation: 0.8,
  cem: { elites: 8, momentum: 0.1, stdInit: 0.5, stdMin: 0.02 },
  mppi: { temperature: 0.02, noiseStd: 0.4, smoothing: 0.2 },
  gradient: { restarts: 4, steps: 16, learningRate: 0.08, noiseStd: 0.3 },
  hybrid: { gradientSteps: 4 },
};

export interface Planner {
  readonly name: string;
  /**
   * warmStart: [T, A] sequence to start from (the agent passes the previous solution shifted by one
   * step), or null for a cold start.
   */
  plan(problem: PlanProblem, warmStart: Float64Array | null, budget: PlanBudget): Promise<PlanResult>;
  /** live retune (samples, temperatures, ...); takes effect on the next plan call */
  configure(settings: PlannerSettings): void;
}
