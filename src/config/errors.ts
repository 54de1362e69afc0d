/** Configuration problems: every one carries the dotted parameter name (or file:line) it concerns. */

export type ProblemCode =
  | 'unknown_parameter'
  | 'not_a_value'
  | 'invalid_type'
  | 'too_small'
  | 'too_big'
  | 'invalid_value'
  | 'invalid_length'
  | 'invalid_format'
  | 'cross_field'
  | 'read_only'
  | 'yaml_syntax'
  | 'invalid_file'
  | 'file_not_found'
  | 'no_matching_node'
  | 'invalid_override';

export interface ConfigProblem {
  /** Dotted parameter name (`planner.samples`), or `file:line:col` for a YAML syntax error. */
  readonly path: string;
  /** Full sentence that starts with the path: `planner.samples: must be ≥ 2, got 0`. */
  readonly message: string;
  readonly code: ProblemCode;
}

/** Thrown once at configure time with every problem found; never thrown from a tick. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], context = 'configuration') {
    const n = problems.length;
    super(`${context}: ${n} problem${n === 1 ? '' : 's'}\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

export function problem(path: string, detail: string, code: ProblemCode): ConfigProblem {
  return { path, message: `${path}: ${detail}`, code };
}
