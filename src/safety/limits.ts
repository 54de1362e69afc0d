/** Building and validating the filter's limits and configuration (configure time: collect every problem, throw once). */
import type { JointLimits } from '../robot/types.ts';
import { SafetyConfigError, safetyProblem, type SafetyProblem } from './errors.ts';
import type { SafetyConfig, SafetyLimits } from './types.ts';

export interface SafetyLimitsConfig {
  /** rad (m for prismatic); hard limits are shrunk by it, soft limits are used when tighter */
  positionMarginRad: number;
  /** (0, 1], multiplies the URDF velocity limits */
  velocityScale: number;
  /** rad/s², used for joints whose limits give no acceleration; may be Infinity */
  defaultMaxAccRadS2: number;
  /** rad/s³, used for joints whose limits give no jerk; omit for no jerk limit */
  maxJerkRadS3?: number;
}

const isPositive = (x: number): boolean => x > 0; // NaN fails

/**
 * Per-joint limits the filter enforces:
 * lower = max(URDF lower + margin, soft lower), upper = min(URDF upper − margin, soft upper) (unset = ∓Infinity),
 * maxVel = URDF velocity · velocityScale (unset = Infinity), maxAcc = acceleration or the default,
 * maxJerk = jerk or the configured one (null when no joint has one).
 * Throws a SafetyConfigError listing every inconsistent limit.
 */
export function buildSafetyLimits(
  jointNames: readonly string[],
  limits: readonly JointLimits[],
  cfg: SafetyLimitsConfig,
): SafetyLimits {
  const problems: SafetyProblem[] = [];
  checkJointNames(jointNames, problems);
  if (limits.length !== jointNames.length) {
    problems.push(safetyProblem('limits', `expected ${jointNames.length} entries (one per joint), got ${limits.length}`, 'invalid_length'));
  }
  const margin = cfg.positionMarginRad;
  if (!(Number.isFinite(margin) && margin >= 0)) {
    problems.push(safetyProblem('positionMarginRad', `must be a finite number ≥ 0, got ${margin}`, 'invalid_value'));
  }
  if (!(cfg.velocityScale > 0 && cfg.velocityScale <= 1)) {
    problems.push(safetyProblem('velocityScale', `must be in (0, 1], got ${cfg.velocityScale}`, 'invalid_value'));
  }
  if (!isPositive(cfg.defaultMaxAccRadS2)) {
    problems.push(safetyProblem('defaultMaxAccRadS2', `must be positive, got ${cfg.defaultMaxAccRadS2}`, 'too_small'));
  }
  if (cfg.maxJerkRadS3 !== undefined && !isPositive(cfg.maxJerkRadS3)) {
    problems.push(safetyProblem('maxJerkRadS3', `must be positive, got ${cfg.maxJerkRadS3}`, 'too_small'));
  }

  const n = jointNames.length;
  const out: SafetyLimits = {
    lower: new Float64Array(n),
    upper: new Float64Array(n),
    maxVel: new Float64Array(n),
    maxAcc: new Float64Array(n),
    maxJerk: null,
  };
  const jerk = new Float64Array(n);
  let anyJerk = false;
  for (let i = 0; i < n; i++) {
    const name = jointNames[i] ?? `#${i}`;
    const lim = limits[i] ?? {};
    const at = (field: string): string => `limits.${name}.${field}`;

    const lo = lim.lower ?? -Infinity;
    const hi = lim.upper ?? Infinity;
    if (Number.isNaN(lo) || lo === Infinity) problems.push(safetyProblem(at('lower'), `must be a number below +Infinity, got ${lo}`, 'invalid_value'));
    if (Number.isNaN(hi) || hi === -Infinity) problems.push(safetyProblem(at('upper'), `must be a number above -Infinity, got ${hi}`, 'invalid_value'));
    if (lo > hi) problems.push(safetyProblem(at('lower'), `lower ${lo} is above upper ${hi}`, 'cross_field'));
    const softLo = lim.softLower ?? -Infinity;
    const softHi = lim.softUpper ?? Infinity;
    if (Number.isNaN(softLo)) problems.push(safetyProblem(at('softLower'), 'must be a number, got NaN', 'invalid_value'));
    if (Number.isNaN(softHi)) problems.push(safetyProblem(at('softUpper'), 'must be a number, got NaN', 'invalid_value'));
    if (softLo > softHi) problems.push(safetyProblem(at('softLower'), `soft lower ${softLo} is above soft upper ${softHi}`, 'cross_field'));
    const effLo = Math.max(lo + margin, softLo);
    const effHi = Math.min(hi - margin, softHi);
    // only reported when the inputs themselves were consistent, so each problem is listed once
    if (lo <= hi && softLo <= softHi && effLo > effHi) {
      problems.push(
        safetyProblem(at('lower'), `lower ${effLo} is above upper ${effHi} after the ${margin} margin and soft limits`, 'cross_field'),
      );
    }
    out.lower[i] = effLo;
    out.upper[i] = effHi;

    const vel = lim.velocity ?? Infinity;
    if (!isPositive(vel)) problems.push(safetyProblem(at('velocity'), `must be positive, got ${vel}`, 'too_small'));
    out.maxVel[i] = vel * cfg.velocityScale;

    const acc = lim.acceleration ?? cfg.defaultMaxAccRadS2;
    if (lim.acceleration !== undefined && !isPositive(acc)) problems.push(safetyProblem(at('acceleration'), `must be positive, got ${acc}`, 'too_small'));
    out.maxAcc[i] = acc;

    const j = lim.jerk ?? cfg.maxJerkRadS3;
    if (lim.jerk !== undefined && !isPositive(lim.jerk)) problems.push(safetyProblem(at('jerk'), `must be positive, got ${lim.jerk}`, 'too_small'));
    if (j !== undefined) anyJerk = true;
    jerk[i] = j ?? Infinity;
  }
  if (anyJerk) out.maxJerk = jerk;
  if (problems.length > 0) throw new SafetyConfigError(problems);
  return out;
}

/** Problems with already built limits (hand-made ones included); empty when consistent. */
export function validateSafetyLimits(jointNames: readonly string[], limits: SafetyLimits): SafetyProblem[] {
  const problems: SafetyProblem[] = [];
  checkJointNames(jointNames, problems);
  const n = jointNames.length;
  const arrays: [string, Float64Array | null][] = [
    ['lower', limits.lower],
    ['upper', limits.upper],
    ['maxVel', limits.maxVel],
    ['maxAcc', limits.maxAcc],
    ['maxJerk', limits.maxJerk],
  ];
  let shapeOk = true;
  for (const [field, arr] of arrays) {
    if (arr !== null && arr.length !== n) {
      problems.push(safetyProblem(`limits.${field}`, `expected length ${n} (one per joint), got ${arr.length}`, 'invalid_length'));
      shapeOk = false;
    }
  }
  if (!shapeOk) return problems;
  for (let i = 0; i < n; i++) {
    const at = (field: string): string => `limits.${jointNames[i] ?? `#${i}`}.${field}`;
    const lo = limits.lower[i] as number;
    const hi = limits.upper[i] as number;
    if (Number.isNaN(lo) || lo === Infinity) problems.push(safetyProblem(at('lower'), `must be a number below +Infinity, got ${lo}`, 'invalid_value'));
    if (Number.isNaN(hi) || hi === -Infinity) problems.push(safetyProblem(at('upper'), `must be a number above -Infinity, got ${hi}`, 'invalid_value'));
    if (lo > hi) problems.push(safetyProblem(at('lower'), `lower ${lo} is above upper ${hi}`, 'cross_field'));
    const vel = limits.maxVel[i] as number;
    if (!isPositive(vel)) problems.push(safetyProblem(at('maxVel'), `must be positive, got ${vel}`, 'too_small'));
    const acc = limits.maxAcc[i] as number;
    if (!isPositive(acc)) problems.push(safetyProblem(at('maxAcc'), `must be positive, got ${acc}`, 'too_small'));
    if (limits.maxJerk !== null) {
      const j = limits.maxJerk[i] as number;
      if (!isPositive(j)) problems.push(safetyProblem(at('maxJerk'), `must be positive, got ${j}`, 'too_small'));
    }
  }
  return problems;
}

/** Problems with a filter configuration (for a parameter veto); empty when valid. */
export function validateSafetyConfig(cfg: SafetyConfig): SafetyProblem[] {
  const problems: SafetyProblem[] = [];
  if (cfg.commandInterface !== 'position' && cfg.commandInterface !== 'velocity') {
    problems.push(safetyProblem('commandInterface', `must be 'position' or 'velocity', got ${String(cfg.commandInterface)}`, 'invalid_value'));
  }
  if (!(Number.isFinite(cfg.positionMarginRad) && cfg.positionMarginRad >= 0)) {
    problems.push(safetyProblem('positionMarginRad', `must be a finite number ≥ 0, got ${cfg.positionMarginRad}`, 'invalid_value'));
  }
  if (!(cfg.velocityScale > 0 && cfg.velocityScale <= 1)) {
    problems.push(safetyProblem('velocityScale', `must be in (0, 1], got ${cfg.velocityScale}`, 'invalid_value'));
  }
  if (!(Number.isFinite(cfg.jointStateMaxAgeS) && cfg.jointStateMaxAgeS > 0)) {
    problems.push(safetyProblem('jointStateMaxAgeS', `must be a finite number > 0, got ${cfg.jointStateMaxAgeS}`, 'invalid_value'));
  }
  const p = cfg.perceptionMaxAgeS;
  if (p !== null && !(Number.isFinite(p) && p > 0)) {
    problems.push(safetyProblem('perceptionMaxAgeS', `must be null (not required) or a finite number > 0, got ${p}`, 'invalid_value'));
  }
  return problems;
}

function checkJointNames(jointNames: readonly string[], problems: SafetyProblem[]): void {
  if (jointNames.length === 0) problems.push(safetyProblem('jointNames', 'must name at least one joint', 'invalid_length'));
  const seen = new Set<string>();
  for (let i = 0; i < jointNames.length; i++) {
    const name = jointNames[i] ?? '';
    if (name.length === 0) problems.push(safetyProblem(`jointNames[${i}]`, 'must be a non-empty name', 'invalid_value'));
    else if (seen.has(name)) problems.push(safetyProblem(`jointNames[${i}]`, `duplicate joint name '${name}'`, 'duplicate_name'));
    seen.add(name);
  }
}
