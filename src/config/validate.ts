/**
 * Validation of parameter values given by dotted name: unknown names (with a suggestion), then the
 * schema with its cross-field rules. Every problem is collected; nothing throws here.
 */
import type { z } from 'zod';
import { groupNames, isGroupName, paramInfo, parameterNames } from './catalog.ts';
import { problem } from './errors.ts';
import type { ConfigProblem, ProblemCode } from './errors.ts';
import type { ParamType } from './param.ts';
import { flattenConfig, getAt, isPlainObject, unflatten } from './paths.ts';
import { crossFieldIssues } from './cross-field.ts';
import { defaultConfig, parameterTreeSchema } from './schema.ts';
import type { OdraConfig } from './schema.ts';
import { suggestName } from './suggest.ts';

export type ValidationResult = { ok: true; config: OdraConfig } | { ok: false; problems: ConfigProblem[] };

/**
 * Brings values from other transports to plain JS: bigint integers (rclnodejs, int64) become numbers
 * when exact, typed arrays become arrays. Anything else is returned as is for the schema to judge.
 */
export function normalizeInput(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return Array.from(v as unknown as ArrayLike<unknown>, normalizeInput);
  }
  if (Array.isArray(v) && v.some((x) => typeof x === 'bigint')) return v.map(normalizeInput);
  return v;
}

export function unknownParameter(name: string, includeGroups: boolean): ConfigProblem {
  const candidates = includeGroups ? [...parameterNames(), ...groupNames()] : parameterNames();
  const hint = suggestName(name, candidates);
  return problem(name, hint ? `unknown parameter; did you mean ${hint}?` : 'unknown parameter', 'unknown_parameter');
}

/**
 * Flattens a nested (or partly dotted) parameter tree such as a `ros__parameters` section into
 * `into`, keyed by dotted name; later keys win. Returns the structural problems.
 */
export function flattenTree(tree: unknown, into: Map<string, unknown>, prefix = ''): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!isPlainObject(tree)) {
    problems.push(problem(prefix || '(root)', `must be a mapping of parameters, got ${show(tree)}`, 'invalid_type'));
    return problems;
  }
  for (const [key, value] of Object.entries(tree)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (paramInfo(name)) into.set(name, value);
    else if (isGroupName(name)) {
      if (isPlainObject(value)) problems.push(...flattenTree(value, into, name));
      else problems.push(notAValue(name));
    } else problems.push(unknownParameter(name, isPlainObject(value)));
  }
  return problems;
}

export function notAValue(name: string): ConfigProblem {
  const example = parameterNames().find((n) => n.startsWith(`${name}.`));
  return problem(name, `is a group of parameters (such as ${example}), not a value`, 'not_a_value');
}

/** Validates values given by dotted name over the defaults; unknown names and group names are problems. */
export function validateParameters(values: Iterable<readonly [string, unknown]>): ValidationResult {
  const problems: ConfigProblem[] = [];
  const known: [string, unknown][] = [];
  for (const [name, value] of values) {
    if (paramInfo(name)) known.push([name, value]);
    else if (isGroupName(name)) problems.push(notAValue(name));
    else problems.push(unknownParameter(name, false));
  }
  const tree = unflatten(known);
  const result = parameterTreeSchema.safeParse(tree);
  if (!result.success) for (const issue of result.error.issues) problems.push(...issueProblems(issue, tree));
  // cross-field rules run even where other fields failed, on the values that passed their own checks
  let merged: unknown = result.success ? result.data : undefined;
  if (!result.success) {
    const failed = new Set(problems.map((p) => p.path));
    const usable = known.map(([name, v]): [string, unknown] => [name, failed.has(name) ? undefined : v]);
    merged = unflatten([...flattenConfig(defaultConfig(), parameterNames()), ...usable]);
  }
  for (const c of crossFieldIssues(merged)) problems.push(problem(c.path, c.message, 'cross_field'));
  if (problems.length > 0 || !result.success) return { ok: false, problems };
  return { ok: true, config: result.data };
}

// ---------------------------------------------------------------------------------------------------------

const TYPE_WORDS: Record<ParamType, string> = {
  bool: 'true or false',
  integer: 'an integer',
  double: 'a number',
  string: 'a string',
  bool_array: 'a list of true/false values',
  integer_array: 'a list of integers',
  double_array: 'a list of numbers',
  string_array: 'a list of strings',
};

const ELEMENT_WORDS: Record<string, string> = {
  bool_array: 'true or false',
  integer_array: 'an integer',
  double_array: 'a number',
  string_array: 'a string',
};

/** A value as it appears in a message. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) {
    const head = v.slice(0, 8).map(show).join(', ');
    return `[${head}${v.length > 8 ? `, … (${v.length} values)` : ''}]`;
  }
  return 'a mapping';
}

function issueProblems(issue: z.core.$ZodIssue, tree: unknown): ConfigProblem[] {
  let name = '';
  let element = '';
  const indices: number[] = [];
  for (const key of issue.path) {
    if (typeof key === 'number') {
      element += `[${key}]`;
      indices.push(key);
    } else name += (name ? '.' : '') + String(key);
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => unknownParameter(name ? `${name}.${k}` : k, true));
  }
  let value = getAt(tree, name);
  for (const i of indices) value = Array.isArray(value) ? (value[i] as unknown) : undefined;
  const info = paramInfo(name);
  const where = (name || '(root)') + element;
  const at = (detail: string, code: ProblemCode): ConfigProblem[] => [
    { path: name || '(root)', message: `${where}: ${detail}`, code },
  ];

  switch (issue.code) {
    case 'invalid_type': {
      let word: string = issue.expected;
      if (info) word = element ? (ELEMENT_WORDS[info.type] ?? TYPE_WORDS[info.type]) : TYPE_WORDS[info.type];
      if (issue.expected === 'int') word = 'an integer';
      if (issue.expected === 'number' && typeof value === 'number') word = 'a finite number';
      return at(`must be ${word}, got ${show(value)}`, 'invalid_type');
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
      if (issue.origin === 'array') {
        const n = Array.isArray(value) ? value.length : 0;
        const count = issue.exact ? 'exactly' : small ? 'at least' : 'at most';
        return at(`must hold ${count} ${limit} value${limit === 1 ? '' : 's'}, got ${n}`, 'invalid_length');
      }
      if (issue.origin === 'string') {
        if (small && limit === 1) return at('must not be empty', 'too_small');
        return at(`must be ${small ? 'at least' : 'at most'} ${limit} characters long`, small ? 'too_small' : 'too_big');
      }
      const op = small ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      return at(`must be ${op} ${limit}, got ${show(value)}`, small ? 'too_small' : 'too_big');
    }
    case 'invalid_value':
      return at(`must be one of ${issue.values.map((v) => show(v)).join(', ')}, got ${show(value)}`, 'invalid_value');
    case 'invalid_format':
      return at(`${issue.message}, got ${show(value)}`, 'invalid_format');
    case 'custom': {
      const code = (issue.params as { code?: ProblemCode } | undefined)?.code ?? 'invalid_value';
      return at(issue.message, code);
    }
    default:
      return at(issue.message, 'invalid_value');
  }
}
