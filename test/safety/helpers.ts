/** Shared builders for the safety filter tests. */
import { SafetyFilter, type SafetyConfig, type SafetyInput, type SafetyLimits } from '../../src/safety/index.ts';

export interface LimitSpec {
  lower?: number;
  upper?: number;
  maxVel?: number;
  maxAcc?: number;
  maxJerk?: number;
}

/** Hand-made limits; unset entries are unlimited (jerk null when no joint sets one). */
export function limitsOf(specs: readonly LimitSpec[]): SafetyLimits {
  const n = specs.length;
  const anyJerk = specs.some((s) => s.maxJerk !== undefined);
  return {
    lower: Float64Array.from(specs, (s) => s.lower ?? -Infinity),
    upper: Float64Array.from(specs, (s) => s.upper ?? Infinity),
    maxVel: Float64Array.from(specs, (s) => s.maxVel ?? Infinity),
    maxAcc: Float64Array.from(specs, (s) => s.maxAcc ?? Infinity),
    maxJerk: anyJerk ? Float64Array.from({ length: n }, (_, i) => specs[i]?.maxJerk ?? Infinity) : null,
  };
}

export function configOf(commandInterface: 'position' | 'velocity', over: Partial<SafetyConfig> = {}): SafetyConfig {
  return {
    commandInterface,
    positionMarginRad: 0,
    velocityScale: 1,
    jointStateMaxAgeS: 0.1,
    perceptionMaxAgeS: null,
    ...over,
  };
}

export const NAMES = ['j0', 'j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'j7'] as const;

export function filterOf(
  commandInterface: 'position' | 'velocity',
  specs: readonly LimitSpec[],
  over: Partial<SafetyConfig> = {},
): SafetyFilter {
  return new SafetyFilter(NAMES.slice(0, specs.length), limitsOf(specs), configOf(commandInterface, over));
}

/** A fresh, valid tick at time nowS with the joint state received at nowS. */
export function tick(
  requested: readonly number[],
  measuredPosition: readonly number[],
  over: Partial<Omit<SafetyInput, 'requested' | 'measuredPosition'>> = {},
): SafetyInput {
  const nowS = over.nowS ?? 10;
  return {
    requested: Float64Array.from(requested),
    measuredPosition: Float64Array.from(measuredPosition),
    measuredVelocity: null,
    dtS: 0.1,
    nowS,
    jointStateStampS: nowS,
    perceptionStampS: null,
    ...over,
  };
}

export function assertClose(actual: number, expected: number, what: string, tol = 1e-12): void {
  if (!(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)))) {
    throw new Error(`${what}: expected ${expected}, got ${actual}`);
  }
}
