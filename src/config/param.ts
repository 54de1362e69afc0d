/**
 * The parameter helper: a zod leaf schema plus typed metadata (default, description, units, live),
 * and the walker that turns a schema tree into one `ParamInfo` per leaf. Nested objects are groups;
 * their keys joined by dots are the ROS 2 parameter names.
 */
import { z } from 'zod';

export type ParamType =
  | 'bool'
  | 'integer'
  | 'double'
  | 'string'
  | 'bool_array'
  | 'integer_array'
  | 'double_array'
  | 'string_array';

/** A parameter value as ROS 2 can hold it. */
export type ParamValue = boolean | number | string | readonly boolean[] | readonly number[] | readonly string[];

export interface ParamMeta<T> {
  default: T;
  /** One sentence; units go in `units`, not here. */
  description: string;
  /** SI units or what is counted (`rad/s`, `m`, `steps`, `1` for dimensionless); required for numbers. */
  units?: string;
  /** true: tunable at runtime (validated, applied at a tick boundary); false: read-only topology. */
  live: boolean;
  /** Slider step advertised to ROS clients. */
  step?: number;
  /** Rules the walker cannot read from the schema: lengths, cross-field checks. Shown to clients and in the docs. */
  constraints?: string;
}

export type StoredMeta = Omit<ParamMeta<unknown>, 'default'>;

/** Leaf schemas made by `param()` are registered here; anything unregistered in the tree is a group. */
export const paramRegistry = z.registry<StoredMeta>();

/** Declare a parameter: the schema validates, the metadata documents, `.default()` fills it in. */
export function param<S extends z.ZodType>(schema: S, meta: ParamMeta<z.output<S>>): z.ZodDefault<S> {
  const { default: defaultValue, ...stored } = meta;
  const leaf = schema.default(defaultValue as never) as z.ZodDefault<S>;
  paramRegistry.add(leaf, stored);
  return leaf;
}

export interface ParamInfo {
  /** ROS 2 parameter name, dotted (`planner.cem.elites`). */
  name: string;
  type: ParamType;
  default: ParamValue;
  description: string;
  /** Empty for strings and booleans. */
  units: string;
  live: boolean;
  /** Bounds of the value (of each element for arrays). */
  min?: number;
  max?: number;
  /** true when the bound itself is not allowed (`> 0` rather than `≥ 0`). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  step?: number;
  /** Allowed values of a string (or of each string of a string array). */
  enum?: readonly string[];
  constraints?: string;
}

interface BoundCheckDef {
  check: string;
  value?: unknown;
  inclusive?: boolean;
}

type ScalarKind = 'bool' | 'integer' | 'double' | 'string';

interface ScalarDescription {
  kind: ScalarKind;
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  enum?: readonly string[];
}

function describeScalar(name: string, s: z.ZodType): ScalarDescription {
  if (s instanceof z.ZodBoolean) return { kind: 'bool' };
  if (s instanceof z.ZodString) return { kind: 'string' };
  if (s instanceof z.ZodEnum) return { kind: 'string', enum: s.options.map(String) };
  if (s instanceof z.ZodNumber) {
    const out: ScalarDescription = { kind: s.isInt ? 'integer' : 'double' };
    for (const check of s.def.checks ?? []) {
      const def = check._zod.def as BoundCheckDef;
      if (typeof def.value !== 'number') continue;
      if (def.check === 'greater_than') {
        out.min = def.value;
        out.minExclusive = def.inclusive !== true;
      } else if (def.check === 'less_than') {
        out.max = def.value;
        out.maxExclusive = def.inclusive !== true;
      }
    }
    return out;
  }
  throw new Error(`${name}: unsupported parameter schema type '${s.def.type}'`);
}

function describeLeaf(name: string, leaf: z.ZodType, meta: StoredMeta): ParamInfo {
  if (!(leaf instanceof z.ZodDefault)) throw new Error(`${name}: a parameter needs a default (use param())`);
  const inner = leaf.unwrap() as z.ZodType;
  const isArray = inner instanceof z.ZodArray;
  const scalar = describeScalar(name, isArray ? (inner.element as z.ZodType) : inner);
  const info: ParamInfo = {
    name,
    type: isArray ? (`${scalar.kind}_array` as ParamType) : scalar.kind,
    default: leaf.def.defaultValue as ParamValue,
    description: meta.description,
    units: meta.units ?? '',
    live: meta.live,
  };
  if (scalar.min !== undefined) {
    info.min = scalar.min;
    info.minExclusive = scalar.minExclusive === true;
  }
  if (scalar.max !== undefined) {
    info.max = scalar.max;
    info.maxExclusive = scalar.maxExclusive === true;
  }
  if (meta.step !== undefined) info.step = meta.step;
  if (scalar.enum) info.enum = scalar.enum;
  if (meta.constraints !== undefined) info.constraints = meta.constraints;
  return info;
}

/** Unwraps the group wrappers (`.prefault({})`, `.default()`) to reach a nested object, if there is one. */
export function groupShape(s: z.ZodType): Record<string, z.ZodType> | undefined {
  let cur: z.ZodType = s;
  for (;;) {
    if (cur instanceof z.ZodObject) return cur.shape as Record<string, z.ZodType>;
    if (cur instanceof z.ZodPrefault || cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) {
      cur = cur.unwrap() as z.ZodType;
      continue;
    }
    return undefined;
  }
}

/** Every leaf of a schema tree, depth first in declaration order. Throws on a leaf without metadata. */
export function listSchemaParameters(root: z.ZodType): ParamInfo[] {
  const out: ParamInfo[] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string): void => {
    for (const [key, s] of Object.entries(shape)) {
      const name = prefix + key;
      const meta = paramRegistry.get(s);
      if (meta) {
        out.push(describeLeaf(name, s, meta));
        continue;
      }
      const inner = groupShape(s);
      if (!inner) throw new Error(`${name}: schema leaf without param() metadata`);
      walk(inner, `${name}.`);
    }
  };
  const shape = groupShape(root);
  if (!shape) throw new Error('parameter schema root must be an object');
  walk(shape, '');
  return out;
}

/** Group names of a schema tree (`planner`, `planner.cem`, ...). */
export function listSchemaGroups(root: z.ZodType): string[] {
  const out: string[] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string): void => {
    for (const [key, s] of Object.entries(shape)) {
      if (paramRegistry.has(s)) continue;
      const inner = groupShape(s);
      if (!inner) continue;
      out.push(prefix + key);
      walk(inner, `${prefix}${key}.`);
    }
  };
  const shape = groupShape(root);
  if (shape) walk(shape, '');
  return out;
}
