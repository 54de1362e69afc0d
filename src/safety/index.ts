/** The hard safety filter and its watchdogs: always the last step before a command reaches the robot. */
export { SafetyFilter } from './filter.ts';
export { buildSafetyLimits, validateSafetyConfig, validateSafetyLimits, type SafetyLimitsConfig } from './limits.ts';
export { brakingSpeed } from './braking.ts';
export { Watchdog, freshness, stampAgeS, type Freshness } from './watchdog.ts';
export { SafetyConfigError, safetyProblem, type SafetyProblem, type SafetyProblemCode } from './errors.ts';
export {
  INTERVENTION_KINDS,
  type CommandInterface,
  type Intervention,
  type InterventionKind,
  type SafetyConfig,
  type SafetyInput,
  type SafetyLimits,
  type SafetyResult,
} from './types.ts';
