/** Configuration-time errors of the safety filter: every problem is collected, then thrown once. */

export type SafetyProblemCode =
  | 'invalid_value'
  | 'too_small'
  | 'too_big'
  | 'invalid_length'
  | 'duplicate_name'
  | 'cross_field';

/** Same shape as config/'s ConfigProblem so the parameter system can merge them. */
export interface SafetyProblem {
  /** dotted path: `limits.elbow.velocity`, `velocityScale` */
  readonly path: string;
  /** full sentence that starts with the path */
  readonly message: string;
  readonly code: SafetyProblemCode;
}

export function safetyProblem(path: string, detail: string, code: SafetyProblemCode): SafetyProblem {
  return { path, message: `${path}: ${detail}`, code };
}

/** Thrown at configure time only (building limits, constructing or reconfiguring a filter); never from a tick. */
export class SafetyConfigError extends Error {
  readonly code = 'SAFETY_CONFIG_INVALID';
  readonly problems: readonly SafetyProblem[];

  constructor(problems: readonly SafetyProblem[]) {
    const n = problems.length;
    super(`safety configuration: ${n} problem${n === 1 ? '' : 's'}\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.name = 'SafetyConfigError';
    this.problems = Object.freeze([...problems]);
  }
}
