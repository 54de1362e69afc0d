/**
 * What the agent needs to run, derived once from the configuration snapshot (config/) and frozen.
 * Keeping this separate from the zod schema lets tests build an agent from a few numbers.
 */
import type { NormKind } from '../cost/norms.ts';
import type { PlannerSettings } from '../planner/planner.ts';

export type CommandInterface = 'position' | 'velocity';

export interface TermSettings {
  weight: number;
  norm?: NormKind;
  normParam?: number;
}

export interface CostSettings {
  jointGoal: TermSettings;
  eePosition: TermSettings;
  eeOrientation: TermSettings;
  latentGoal: TermSettings;
  jointLimits: TermSettings & { marginRad: number };
  velocityLimits: TermSettings;
  accelerationLimits: TermSettings;
  keepOut: TermSettings & { marginM: number };
  selfCollision: TermSettings & { marginM: number };
  smoothness: TermSettings;
  effort: TermSettings;
  terminal: TermSettings;
  posture: TermSettings;
}

export interface AgentSettings {
  controlDtS: number;
  commandInterface: CommandInterface;
  planner: {
    name: string;
    horizon: number;
    /** 0 = control period */
    dtS: number;
    iterations: number;
    timeBudgetMs: number;
    warmStart: boolean;
    settings: PlannerSettings;
  };
  worldModel: { actuatorLagS: number };
  cost: CostSettings;
  /** [minX, minY, minZ, maxX, maxY, maxZ]* in the base frame, m */
  keepOutBoxes: readonly number[];
  /** [x, y, z, r]* */
  keepOutSpheres: readonly number[];
  safety: {
    positionMarginRad: number;
    velocityScale: number;
    maxAccelerationRadS2: number;
    maxJerkRadS3: number;
    jointStateMaxAgeS: number;
    /** 0 = perception not required */
    perceptionMaxAgeS: number;
  };
  memory: { capacity: number };
}

export function defaultCostSettings(): CostSettings {
  return {
    jointGoal: { weight: 10, norm: 'smooth_abs', normParam: 0.05 },
    eePosition: { weight: 40, norm: 'smooth_abs', normParam: 0.05 },
    eeOrientation: { weight: 2, norm: 'quadratic' },
    latentGoal: { weight: 1, norm: 'l1' },
    jointLimits: { weight: 1, marginRad: 0.1, norm: 'log_barrier' },
    velocityLimits: { weight: 10, norm: 'quadratic' },
    accelerationLimits: { weight: 0.01, norm: 'quadratic' },
    keepOut: { weight: 5, marginM: 0.05, norm: 'log_barrier' },
    selfCollision: { weight: 5, marginM: 0.02, norm: 'log_barrier' },
    smoothness: { weight: 0.05, norm: 'quadratic' },
    effort: { weight: 0.01, norm: 'quadratic' },
    terminal: { weight: 20, norm: 'quadratic' },
    posture: { weight: 2, norm: 'smooth_abs', normParam: 0.2 },
  };
}
