/**
 * The parameter catalog: every leaf of `configSchema` as a `ParamInfo`, computed once.
 * (Separate from param.ts so that param.ts never imports the schema that imports it.)
 */
import { listSchemaGroups, listSchemaParameters } from './param.ts';
import type { ParamInfo } from './param.ts';
import { configSchema } from './schema.ts';

let cache: { list: readonly ParamInfo[]; byName: ReadonlyMap<string, ParamInfo>; groups: ReadonlySet<string> } | undefined;

function catalog(): NonNullable<typeof cache> {
  if (!cache) {
    const list = Object.freeze(
      listSchemaParameters(configSchema).map((p) => {
        if (Array.isArray(p.default)) Object.freeze(p.default);
        return Object.freeze(p);
      }),
    );
    cache = {
      list,
      byName: new Map(list.map((p) => [p.name, p])),
      groups: new Set(listSchemaGroups(configSchema)),
    };
  }
  return cache;
}

/** Every parameter, in declaration order. */
export function listParameters(): readonly ParamInfo[] {
  return catalog().list;
}

export function paramInfo(name: string): ParamInfo | undefined {
  return catalog().byName.get(name);
}

/** True for a group name such as `planner` or `cost.keep_out`. */
export function isGroupName(name: string): boolean {
  return catalog().groups.has(name);
}

export function parameterNames(): string[] {
  return catalog().list.map((p) => p.name);
}

export function groupNames(): string[] {
  return [...catalog().groups];
}
