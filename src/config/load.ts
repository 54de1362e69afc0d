/**
 * Loading ROS 2 parameter files (`node_name: { ros__parameters: { ... } }`) and overrides into a
 * validated `OdraConfig`. Every problem of every file is collected and thrown once as a ConfigError.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, parseDocument } from 'yaml';
import { isGroupName, paramInfo } from './catalog.ts';
import { ConfigError, problem } from './errors.ts';
import type { ConfigProblem } from './errors.ts';
import { isPlainObject } from './paths.ts';
import type { OdraConfig } from './schema.ts';
import { flattenTree, normalizeInput, notAValue, unknownParameter, validateParameters } from './validate.ts';
import type { ValidationResult } from './validate.ts';

export const DEFAULT_NODE_NAME = '/odra_agent';

export interface ParameterText {
  text: string;
  /** File name or label used in messages. */
  source: string;
}

export interface ParameterSection {
  /** Node name key as written (`/**`, `odra_agent`, `/ns/odra_agent`). */
  node: string;
  /** The `ros__parameters` mapping, nested or dotted. */
  parameters: unknown;
  source: string;
}

export interface LoadConfigOptions {
  /** Parameter files, applied in order (later files win). */
  files?: readonly string[];
  /** Parameter texts, applied after the files. */
  texts?: readonly ParameterText[];
  /** Node name, relative (`odra_agent`) or fully qualified (`/ns/odra_agent`); default `/odra_agent`. */
  nodeName?: string;
  /**
   * Dotted-name overrides applied last (e.g. from the command line). A string given for a
   * non-string parameter is read as YAML (`'30'` → 30, `'[1, 2]'` → [1, 2]), as `ros2 run -p` does.
   */
  overrides?: Readonly<Record<string, unknown>>;
}

/** `odra_agent` → `/odra_agent`; `ns/odra_agent` → `/ns/odra_agent` (as rcl reads keys of parameter files). */
export function fullyQualifiedName(nodeName: string): string {
  return nodeName.startsWith('/') ? nodeName : `/${nodeName}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** ROS node-name wildcards: `**` matches any number of name tokens (also none), `*` any part of one. */
export function nodeMatches(pattern: string, nodeFqn: string): boolean {
  const p = fullyQualifiedName(pattern);
  let re = '';
  for (let i = 0; i < p.length; i++) {
    if (p.startsWith('/**', i)) {
      re += '(?:/[^/]+)*';
      i += 2;
    } else if (p[i] === '*') re += '[^/]*';
    else re += escapeRegExp(p[i]!);
  }
  return new RegExp(`^${re}$`).test(fullyQualifiedName(nodeFqn));
}

/** The first line of a `yaml` error message, without its position (reported separately). */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

interface YamlErrorLike {
  message: string;
  linePos?: readonly { line: number; col: number }[];
}

function yamlProblem(source: string, err: YamlErrorLike): ConfigProblem {
  const pos = err.linePos?.[0];
  const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
  return { path: where, message: `${where}: ${firstLine(err.message)}`, code: 'yaml_syntax' };
}

/** Parses one parameter file into its node sections; syntax errors name the file, line and column. */
export function readParameterText(
  text: string,
  source: string,
): { sections: ParameterSection[]; problems: ConfigProblem[] } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { sections: [], problems: doc.errors.map((e) => yamlProblem(source, e)) };
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  const problems: ConfigProblem[] = [];
  const sections: ParameterSection[] = [];
  if (root === null || root === undefined) return { sections, problems };
  if (!isPlainObject(root)) {
    problems.push(problem(source, 'must be a mapping of node names to { ros__parameters: ... }', 'invalid_file'));
    return { sections, problems };
  }
  for (const [node, body] of Object.entries(root)) {
    if (!isPlainObject(body)) {
      problems.push(problem(`${source}: ${node}`, 'must be a mapping with a ros__parameters key', 'invalid_file'));
      continue;
    }
    for (const key of Object.keys(body)) {
      if (key !== 'ros__parameters') {
        const detail = 'unexpected key; parameters go under ros__parameters';
        problems.push(problem(`${source}: ${node}.${key}`, detail, 'invalid_file'));
      }
    }
    if ('ros__parameters' in body) sections.push({ node, parameters: body['ros__parameters'] ?? {}, source });
  }
  return { sections, problems };
}

/** The sections that apply to a node, in merge order: wildcard sections first, then the node's own. */
export function sectionsForNode(sections: readonly ParameterSection[], nodeName: string): ParameterSection[] {
  const fqn = fullyQualifiedName(nodeName);
  const matching = sections.filter((s) => nodeMatches(s.node, fqn));
  return [...matching.filter((s) => s.node.includes('*')), ...matching.filter((s) => !s.node.includes('*'))];
}

function coerceOverride(name: string, value: unknown): { value: unknown; problem?: ConfigProblem } {
  const info = paramInfo(name);
  if (!info || typeof value !== 'string') return { value };
  if (info.type === 'string' && !/^(['"]).*\1$/s.test(value)) return { value };
  try {
    return { value: parseYaml(value) as unknown };
  } catch (e) {
    const first = firstLine(e instanceof Error ? e.message : String(e));
    const detail = `cannot read override ${JSON.stringify(value)} as YAML: ${first}`;
    return { value, problem: problem(name, detail, 'invalid_override') };
  }
}

/** Merges parameter texts and overrides for one node and validates the result; never throws. */
export function resolveConfig(
  texts: readonly ParameterText[],
  options: Omit<LoadConfigOptions, 'files' | 'texts'> = {},
): ValidationResult {
  const nodeName = fullyQualifiedName(options.nodeName ?? DEFAULT_NODE_NAME);
  const values = new Map<string, unknown>();
  const origin = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  const note = (p: ConfigProblem, from: string): ConfigProblem => ({ ...p, message: `${p.message} (${from})` });

  for (const { text, source } of texts) {
    const read = readParameterText(text, source);
    problems.push(...read.problems);
    const own = sectionsForNode(read.sections, nodeName);
    if (read.sections.length > 0 && own.length === 0) {
      const names = read.sections.map((s) => s.node).join(', ');
      problems.push(problem(source, `no section for node ${nodeName} (found: ${names})`, 'no_matching_node'));
    }
    for (const section of own) {
      const fileValues = new Map<string, unknown>();
      for (const p of flattenTree(section.parameters, fileValues)) problems.push(note(p, source));
      for (const [name, v] of fileValues) {
        values.set(name, normalizeInput(v));
        origin.set(name, source);
      }
    }
  }

  for (const [name, raw] of Object.entries(options.overrides ?? {})) {
    if (!paramInfo(name)) {
      const p = isGroupName(name) ? notAValue(name) : unknownParameter(name, false);
      problems.push(note(p, 'override'));
      continue;
    }
    const c = coerceOverride(name, normalizeInput(raw));
    if (c.problem) {
      problems.push(c.problem);
      continue;
    }
    values.set(name, c.value);
    origin.set(name, 'override');
  }

  const result = validateParameters(values);
  if (!result.ok) {
    for (const p of result.problems) {
      const from = origin.get(p.path);
      problems.push(from ? note(p, from) : p);
    }
  }
  if (problems.length > 0 || !result.ok) return { ok: false, problems };
  return result;
}

/** Loads parameter files (then texts, then overrides) for one node; throws a ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): OdraConfig {
  const texts: ParameterText[] = [];
  const problems: ConfigProblem[] = [];
  for (const file of options.files ?? []) {
    try {
      texts.push({ text: readFileSync(file, 'utf8'), source: file });
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      const reason = missing ? 'file not found' : `cannot read: ${(e as Error).message}`;
      problems.push(problem(file, reason, 'file_not_found'));
    }
  }
  texts.push(...(options.texts ?? []));
  const result = resolveConfig(texts, options);
  if (!result.ok) problems.push(...result.problems);
  if (problems.length > 0 || !result.ok) throw new ConfigError(problems, 'odra parameters');
  return result.config;
}

/**
 * Splits command-line overrides `name:=value` (ROS style) or `name=value` into a record for
 * `LoadConfigOptions.overrides`; values stay text and are read as YAML by `resolveConfig`.
 */
export function parseOverrideArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  for (const arg of args) {
    const m = /^([^:=\s]+)(?::=|=)(.*)$/s.exec(arg);
    if (!m) {
      problems.push(problem(arg, 'expected name:=value or name=value', 'invalid_override'));
      continue;
    }
    out[m[1]!] = m[2]!;
  }
  if (problems.length > 0) throw new ConfigError(problems, 'parameter overrides');
  return out;
}
