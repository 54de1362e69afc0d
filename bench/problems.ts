/**
 * The planning problems the benchmarks solve: the demo arm of `odra sim` (config/odra_agent.yaml and
 * its URDF) with the full default cost, and a learned-size MLP world model with random weights.
 * Built the way the agent builds them, so a planner sees exactly what it sees in a tick.
 */
import { buildCostTerms } from '../src/agent/cost-terms.ts';
import { agentSettingsFromConfig } from '../src/agent/from-config.ts';
import type { AgentSettings } from '../src/agent/settings.ts';
import { loadArm, loadSimConfig } from '../src/cli/sim-world.ts';
import { packageRoot } from '../src/cli/package-root.ts';
import type { OdraConfig } from '../src/config/schema.ts';
import { CostEvaluator } from '../src/cost/evaluator.ts';
import type { CostTerm, PlanLimits } from '../src/cost/types.ts';
import type { PlanProblem } from '../src/planner/planner.ts';
import type { RobotChain } from '../src/robot/index.ts';
import { buildSafetyLimits } from '../src/safety/limits.ts';
import { KinematicModel } from '../src/world-model/kinematic.ts';
import type { WorldModel } from '../src/world-model/world-model.ts';
import { rng } from './stats.ts';

export interface DemoArm {
  config: OdraConfig;
  configFile: string;
  chain: RobotChain;
  settings: AgentSettings;
  /** planner step, s (planner.dt_s, or the control period) */
  dtS: number;
  limits: PlanLimits;
  actionLower: Float64Array;
  actionUpper: Float64Array;
}

/** Start and goal configurations of the demo arm, rad: clear of the keep-out box and of self-collision. */
export const START_Q = [0, -0.5, 1.0, -0.5, 0, 0];
export const GOAL_Q = [0.8, -0.3, 0.7, -0.4, 0.3, 0.2];

/** The configuration `odra sim` runs with by default, and its robot as the agent sees it. */
export function loadDemoArm(): DemoArm {
  const root = packageRoot();
  const { config, file } = loadSimConfig({ cwd: root });
  const { chain } = loadArm(config, root);
  const settings = agentSettingsFromConfig(config);
  const safe = buildSafetyLimits(chain.jointNames, chain.limits, {
    positionMarginRad: settings.safety.positionMarginRad,
    velocityScale: settings.safety.velocityScale,
    defaultMaxAccRadS2: settings.safety.maxAccelerationRadS2,
  });
  const dof = chain.dof;
  const actionLower = new Float64Array(dof);
  const actionUpper = new Float64Array(dof);
  for (let j = 0; j < dof; j++) {
    const v = safe.maxVel[j]!;
    actionUpper[j] = Number.isFinite(v) ? v : 10;
    actionLower[j] = -actionUpper[j]!;
  }
  return {
    config,
    configFile: file,
    chain,
    settings,
    dtS: settings.planner.dtS > 0 ? settings.planner.dtS : settings.controlDtS,
    limits: { lower: safe.lower, upper: safe.upper, maxVel: safe.maxVel, maxAcc: safe.maxAcc },
    actionLower,
    actionUpper,
  };
}

/**
 * The kinematic 6-DoF problem: a pose goal (FK of GOAL_Q) with its posture, the configured keep-out
 * box, and every default cost term, so FK, keep-out and self-collision all run.
 */
export function kinematicProblem(arm: DemoArm, horizon: number, terms: CostTerm[] = buildCostTerms(arm.settings.cost)): PlanProblem {
  const { chain } = arm;
  const dof = chain.dof;
  const model = new KinematicModel({ dof, dtS: arm.dtS, actuatorLagS: arm.settings.worldModel.actuatorLagS });
  const goalQ = Float64Array.from(GOAL_Q);
  const fk = chain.createFkResult(1);
  chain.fk(goalQ, 1, fk);
  const s0 = new Float64Array(model.stateDim);
  s0.set(START_Q, model.layout.qOffset);
  return {
    layout: model.layout,
    dtS: model.dtS,
    goal: { eePosition: fk.eePos.slice(0, 3), eeRotation: fk.eeRot.slice(0, 9), posture: goalQ },
    limits: arm.limits,
    keepOut: { boxes: Float64Array.from(arm.settings.keepOutBoxes), spheres: Float64Array.from(arm.settings.keepOutSpheres) },
    prevAction: new Float64Array(dof),
    model,
    cost: new CostEvaluator(terms, chain),
    s0,
    horizon,
    actionLower: arm.actionLower,
    actionUpper: arm.actionUpper,
  };
}

/**
 * A problem on a world model with a latent (the MLP model): latent goal (L1) plus the joint-space
 * guardrails. No chain: FK-based terms stay off, so the time measured is the model's and the cost's.
 */
export function latentProblem(arm: DemoArm, model: WorldModel, horizon: number, seed = 7): PlanProblem {
  const { layout } = model;
  const next = rng(seed);
  const latent = new Float64Array(layout.latentDim);
  for (let i = 0; i < latent.length; i++) latent[i] = 2 * next() - 1;
  const s0 = new Float64Array(model.stateDim);
  for (let i = 0; i < layout.latentDim; i++) s0[i] = 2 * next() - 1;
  s0.set(START_Q, layout.qOffset);
  const guardrails = new Set(['latent_goal', 'joint_limits', 'velocity_limits', 'acceleration_limits', 'smoothness', 'effort']);
  const terms = buildCostTerms(arm.settings.cost).filter((t) => guardrails.has(t.name));
  return {
    layout,
    dtS: model.dtS,
    goal: { latent },
    limits: arm.limits,
    keepOut: { boxes: new Float64Array(0), spheres: new Float64Array(0) },
    prevAction: new Float64Array(layout.dof),
    model,
    cost: new CostEvaluator(terms, null),
    s0,
    horizon,
    actionLower: arm.actionLower,
    actionUpper: arm.actionUpper,
  };
}
