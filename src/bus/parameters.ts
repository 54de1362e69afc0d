/**
 * Node parameters: typed values with descriptors (range, step, read-only), declared once, changed
 * through validators that may veto with a reason, then announced to listeners.
 *
 * Integers are JS numbers here (safe integers); a transport that carries int64 converts at its edge.
 * The reasons produced here are the ones clients should see, so they name the parameter, the rule
 * and the offending value.
 */

import { BusError } from './errors.ts';

export type ParameterType =
  | 'bool'
  | 'integer'
  | 'double'
  | 'string'
  | 'bool_array'
  | 'integer_array'
  | 'double_array'
  | 'string_array';

export interface ParameterValueMap {
  bool: boolean;
  integer: number;
  double: number;
  string: string;
  bool_array: boolean[];
  integer_array: number[];
  double_array: number[];
  string_array: string[];
}

export type ParameterValue = ParameterValueMap[ParameterType];

/** A parameter with its type; the type decides how `value` reads. */
export type Parameter = { [K in ParameterType]: { name: string; type: K; value: ParameterValueMap[K] } }[ParameterType];

/** Inclusive range; `step` 0 means any value in range. */
export interface NumericRange {
  fromValue: number;
  toValue: number;
  step: number;
}

export interface ParameterDescriptor {
  name: string;
  type: ParameterType;
  /** what it does, with units */
  description: string;
  additionalConstraints: string;
  readOnly: boolean;
  /** for double and double_array (every element) */
  floatingPointRange?: NumericRange;
  /** for integer and integer_array (every element) */
  integerRange?: NumericRange;
}

interface DeclarationExtras {
  description?: string;
  additionalConstraints?: string;
  readOnly?: boolean;
  /** bounds for integer / double parameters (and their arrays); `step` defaults to 0 */
  range?: { fromValue: number; toValue: number; step?: number };
}

export type ParameterDeclaration = {
  [K in ParameterType]: { name: string; type: K; defaultValue: ParameterValueMap[K] } & DeclarationExtras;
}[ParameterType];

/** A change a client asks for. Without `type` the declared type is assumed. */
export interface ParameterUpdate {
  name: string;
  value: ParameterValue;
  type?: ParameterType;
}

export interface SetParametersResult {
  successful: boolean;
  /** why it was refused; empty on success */
  reason: string;
}

/** Sees every candidate change (new values, already type- and range-checked) and may veto it. */
export type ParameterValidator = (candidates: readonly Parameter[]) => SetParametersResult;
/** Told of every accepted change, after it is applied. */
export type ParameterListener = (changed: readonly Parameter[]) => void;

function fail(reason: string): SetParametersResult {
  return { successful: false, reason };
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(describeValue).join(', ')}]`;
  return String(v);
}

function scalarProblem(kind: 'bool' | 'integer' | 'double' | 'string', v: unknown): string | null {
  switch (kind) {
    case 'bool':
      return typeof v === 'boolean' ? null : `expected a bool, got ${describeValue(v)}`;
    case 'string':
      return typeof v === 'string' ? null : `expected a string, got ${describeValue(v)}`;
    case 'integer':
      return typeof v === 'number' && Number.isSafeInteger(v) ? null : `expected an integer, got ${describeValue(v)}`;
    case 'double':
      if (typeof v !== 'number') return `expected a double, got ${describeValue(v)}`;
      return Number.isNaN(v) ? 'expected a double, got NaN' : null;
  }
}

function rangeProblem(range: NumericRange, v: number, integer: boolean): string | null {
  const { fromValue, toValue, step } = range;
  if (v < fromValue || v > toValue) return `${v} is outside [${fromValue}, ${toValue}]`;
  if (step > 0 && v !== toValue) {
    const n = (v - fromValue) / step;
    const onStep = integer ? Number.isInteger(n) : Math.abs(n - Math.round(n)) <= 1e-9 * Math.max(1, Math.abs(n));
    if (!onStep) return `${v} is not ${fromValue} + k·${step}`;
  }
  return null;
}

/** Why `value` does not fit `desc` (type, then range), or null. */
export function parameterValueProblem(desc: ParameterDescriptor, value: unknown): string | null {
  const t = desc.type;
  const isArray = t.endsWith('_array');
  const kind = (isArray ? t.slice(0, -'_array'.length) : t) as 'bool' | 'integer' | 'double' | 'string';
  const range = kind === 'double' ? desc.floatingPointRange : kind === 'integer' ? desc.integerRange : undefined;
  if (isArray && !Array.isArray(value)) return `expected ${t}, got ${describeValue(value)}`;
  const values: readonly unknown[] = isArray ? (value as unknown[]) : [value];
  for (let i = 0; i < values.length; i++) {
    const at = isArray ? `[${i}]: ` : '';
    const p = scalarProblem(kind, values[i]);
    if (p !== null) return at + p;
    if (range !== undefined) {
      const r = rangeProblem(range, values[i] as number, kind === 'integer');
      if (r !== null) return at + r;
    }
  }
  return null;
}

function descriptorFrom(decl: ParameterDeclaration): ParameterDescriptor {
  const desc: ParameterDescriptor = {
    name: decl.name,
    type: decl.type,
    description: decl.description ?? '',
    additionalConstraints: decl.additionalConstraints ?? '',
    readOnly: decl.readOnly ?? false,
  };
  if (decl.range !== undefined) {
    const range: NumericRange = { fromValue: decl.range.fromValue, toValue: decl.range.toValue, step: decl.range.step ?? 0 };
    if (decl.type === 'double' || decl.type === 'double_array') desc.floatingPointRange = range;
    else desc.integerRange = range;
  }
  return desc;
}

function copyValue<V extends ParameterValue>(v: V): V {
  return (Array.isArray(v) ? v.slice() : v) as V;
}

function makeParameter(desc: ParameterDescriptor, value: ParameterValue): Parameter {
  return { name: desc.name, type: desc.type, value: copyValue(value) } as Parameter;
}

/**
 * The parameters of one node. `owner` names the node in errors. `overrides` (e.g. from a ROS
 * parameter file) replace declared defaults.
 */
export class ParameterStore {
  private readonly owner: string;
  private readonly overrides: ReadonlyMap<string, ParameterValue>;
  private readonly descriptors = new Map<string, ParameterDescriptor>();
  private readonly values = new Map<string, ParameterValue>();
  private readonly validators: ParameterValidator[] = [];
  private readonly listeners: ParameterListener[] = [];

  constructor(owner: string, overrides: Readonly<Record<string, ParameterValue>> = {}) {
    this.owner = owner;
    this.overrides = new Map(Object.entries(overrides));
  }

  /**
   * Declares parameters, all or none: every problem (bad name, duplicate, bad range, default or
   * override of the wrong type or out of range) is collected and thrown once.
   */
  declare(decls: readonly ParameterDeclaration[]): Parameter[] {
    const problems: string[] = [];
    const batch = new Set<string>();
    const accepted: { desc: ParameterDescriptor; value: ParameterValue }[] = [];
    for (const decl of decls) {
      const name = decl.name;
      if (typeof name !== 'string' || name.length === 0 || /\s/.test(name)) {
        problems.push(`${describeValue(name)}: invalid parameter name`);
        continue;
      }
      if (this.descriptors.has(name) || batch.has(name)) {
        problems.push(`${name}: already declared`);
        continue;
      }
      batch.add(name);
      const desc = descriptorFrom(decl);
      const range = desc.floatingPointRange ?? desc.integerRange;
      if (decl.range !== undefined && !['integer', 'double', 'integer_array', 'double_array'].includes(decl.type)) {
        problems.push(`${name}: a range applies to integer or double parameters only, not ${decl.type}`);
      }
      if (range !== undefined) {
        if (!(range.fromValue <= range.toValue)) problems.push(`${name}: range from ${range.fromValue} exceeds to ${range.toValue}`);
        if (!(range.step >= 0)) problems.push(`${name}: range step must be ≥ 0, got ${range.step}`);
      }
      const defaultProblem = parameterValueProblem(desc, decl.defaultValue);
      if (defaultProblem !== null) problems.push(`${name}: default: ${defaultProblem}`);
      let value: ParameterValue = decl.defaultValue;
      if (this.overrides.has(name)) {
        const override = this.overrides.get(name) as ParameterValue;
        const overrideProblem = parameterValueProblem(desc, override);
        if (overrideProblem !== null) problems.push(`${name}: override: ${overrideProblem}`);
        value = override;
      }
      accepted.push({ desc, value });
    }
    if (problems.length > 0) {
      throw new BusError('PARAMETER_INVALID', this.owner, `cannot declare parameters:\n  ${problems.join('\n  ')}`);
    }
    for (const { desc, value } of accepted) {
      this.descriptors.set(desc.name, desc);
      this.values.set(desc.name, copyValue(value));
    }
    return accepted.map(({ desc, value }) => makeParameter(desc, value));
  }

  has(name: string): boolean {
    return this.descriptors.has(name);
  }

  /** A copy of the parameter, or undefined when not declared. */
  get(name: string): Parameter | undefined {
    const desc = this.descriptors.get(name);
    return desc === undefined ? undefined : makeParameter(desc, this.values.get(name) as ParameterValue);
  }

  /** The named parameters that are declared (all of them when `names` is omitted), in declaration order. */
  list(names?: readonly string[]): Parameter[] {
    const wanted = names ?? [...this.descriptors.keys()];
    const out: Parameter[] = [];
    for (const n of wanted) {
      const p = this.get(n);
      if (p !== undefined) out.push(p);
    }
    return out;
  }

  describe(names?: readonly string[]): ParameterDescriptor[] {
    const wanted = names ?? [...this.descriptors.keys()];
    const out: ParameterDescriptor[] = [];
    for (const n of wanted) {
      const d = this.descriptors.get(n);
      if (d !== undefined) out.push(structuredClone(d));
    }
    return out;
  }

  /** Adds a validator; returns its remover. Validators run in the order added; the first veto wins. */
  addValidator(v: ParameterValidator): () => void {
    this.validators.push(v);
    return () => removeFrom(this.validators, v);
  }

  addListener(l: ParameterListener): () => void {
    this.listeners.push(l);
    return () => removeFrom(this.listeners, l);
  }

  /** Sets each update on its own (like ROS `set_parameters`): one result per update. */
  set(updates: readonly ParameterUpdate[]): SetParametersResult[] {
    return updates.map((u) => this.setAtomically([u]));
  }

  /** Sets every update or none (like ROS `set_parameters_atomically`). */
  setAtomically(updates: readonly ParameterUpdate[]): SetParametersResult {
    const candidates: Parameter[] = [];
    const seen = new Set<string>();
    for (const u of updates) {
      const desc = this.descriptors.get(u.name);
      if (desc === undefined) return fail(`parameter '${u.name}' is not declared`);
      if (seen.has(u.name)) return fail(`parameter '${u.name}' is set twice in one request`);
      seen.add(u.name);
      if (desc.readOnly) return fail(`parameter '${u.name}' is read-only`);
      // An integer update widens to a double parameter (clients that infer types send whole numbers
      // as integers); anything else must name the declared type.
      if (u.type !== undefined && u.type !== desc.type && !(u.type === 'integer' && desc.type === 'double')) {
        return fail(`parameter '${u.name}' is of type ${desc.type}, got ${u.type}`);
      }
      const problem = parameterValueProblem(desc, u.value);
      if (problem !== null) return fail(`parameter '${u.name}': ${problem}`);
      candidates.push(makeParameter(desc, u.value));
    }
    for (const v of this.validators) {
      let res: SetParametersResult;
      try {
        res = v(candidates);
      } catch (e) {
        return fail(`validator failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (!res.successful) return fail(res.reason || 'rejected by a validator (no reason given)');
    }
    for (const p of candidates) this.values.set(p.name, copyValue(p.value));
    for (const l of this.listeners) l(candidates.map((p) => ({ ...p, value: copyValue(p.value) }) as Parameter));
    return { successful: true, reason: '' };
  }

  clear(): void {
    this.descriptors.clear();
    this.values.clear();
    this.validators.length = 0;
    this.listeners.length = 0;
  }
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
