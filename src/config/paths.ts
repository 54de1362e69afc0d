/** Dotted names ↔ nested objects, and deep freezing. */
import type { ParamValue } from './param.ts';

export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `{ 'planner.horizon': 20 }` → `{ planner: { horizon: 20 } }`. Names must not collide with groups. */
export function unflatten(values: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of values) {
    const parts = name.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i]!;
      let next = node[key];
      if (!isPlainObject(next)) {
        next = {};
        node[key] = next;
      }
      node = next as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  return root;
}

/** The value at a dotted name in a nested object, or undefined. */
export function getAt(tree: unknown, name: string): unknown {
  let node: unknown = tree;
  for (const key of name.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Reads the given parameter names out of a config tree. */
export function flattenConfig(cfg: object, names: Iterable<string>): Map<string, ParamValue> {
  const out = new Map<string, ParamValue>();
  for (const name of names) out.set(name, getAt(cfg, name) as ParamValue);
  return out;
}

export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value as DeepReadonly<T>;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return a === b;
}
