/** Builds the cost terms from settings, and retunes them in place when settings change live. */
import { AccelerationLimitsTerm } from '../cost/terms/acceleration-limits.ts';
import { EeOrientationTerm } from '../cost/terms/ee-orientation.ts';
import { EePositionTerm } from '../cost/terms/ee-position.ts';
import { EffortTerm } from '../cost/terms/effort.ts';
import { JointGoalTerm } from '../cost/terms/joint-goal.ts';
import { JointLimitsTerm } from '../cost/terms/joint-limits.ts';
import { KeepOutTerm } from '../cost/terms/keep-out.ts';
import { LatentGoalTerm } from '../cost/terms/latent-goal.ts';
import { PostureTerm } from '../cost/terms/posture.ts';
import { SelfCollisionTerm } from '../cost/terms/self-collision.ts';
import { SmoothnessTerm } from '../cost/terms/smoothness.ts';
import { TerminalTerm } from '../cost/terms/terminal.ts';
import { VelocityLimitsTerm } from '../cost/terms/velocity-limits.ts';
import type { CostTerm } from '../cost/types.ts';
import type { CostSettings, TermSettings } from './settings.ts';

/** settings key → term name, in evaluation order */
const TERM_NAMES: Record<keyof CostSettings, string> = {
  jointGoal: 'joint_goal',
  eePosition: 'ee_position',
  eeOrientation: 'ee_orientation',
  latentGoal: 'latent_goal',
  terminal: 'terminal',
  posture: 'posture',
  jointLimits: 'joint_limits',
  velocityLimits: 'velocity_limits',
  accelerationLimits: 'acceleration_limits',
  keepOut: 'keep_out',
  selfCollision: 'self_collision',
  smoothness: 'smoothness',
  effort: 'effort',
};

export function buildCostTerms(s: CostSettings): CostTerm[] {
  const terms: CostTerm[] = [
    new JointGoalTerm(s.jointGoal.weight),
    new EePositionTerm(s.eePosition.weight),
    new EeOrientationTerm(s.eeOrientation.weight),
    new LatentGoalTerm(s.latentGoal.weight),
    new TerminalTerm(s.terminal.weight),
    new PostureTerm(s.posture.weight),
    new JointLimitsTerm(s.jointLimits.weight, s.jointLimits.marginRad),
    new VelocityLimitsTerm(s.velocityLimits.weight),
    new AccelerationLimitsTerm(s.accelerationLimits.weight),
    new KeepOutTerm(s.keepOut.weight, s.keepOut.marginM),
    new SelfCollisionTerm(s.selfCollision.weight, s.selfCollision.marginM),
    new SmoothnessTerm(s.smoothness.weight),
    new EffortTerm(s.effort.weight),
  ];
  applyCostSettings(terms, s);
  return terms;
}

/** Retunes weights, norms and margins in place (called at a tick boundary). */
export function applyCostSettings(terms: readonly CostTerm[], s: CostSettings): void {
  for (const key of Object.keys(TERM_NAMES) as (keyof CostSettings)[]) {
    const term = terms.find((t) => t.name === TERM_NAMES[key]);
    if (!term) continue;
    const ts: TermSettings & { marginRad?: number; marginM?: number } = s[key];
    term.weight = ts.weight;
    if (ts.norm !== undefined) term.norm = ts.norm;
    const margin = ts.marginRad ?? ts.marginM;
    if (margin !== undefined) term.normParam = margin;
    else if (ts.normParam !== undefined) term.normParam = ts.normParam;
  }
}
