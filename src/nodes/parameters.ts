/**
 * Node parameters from the config catalog: one declaration per odra parameter (type, description with
 * units, constraints, read-only or live, range), valued from the loaded configuration, and the
 * validator that routes every proposed change through `ParameterStore.propose` so clients see odra's
 * own reasons and nothing changes until the next tick commits it.
 */
import type { ParameterDeclaration, ParameterValidator, ParameterValue } from '../bus/parameters.ts';
import { listParameters } from '../config/catalog.ts';
import type { ParameterStore } from '../config/live.ts';
import type { ParamInfo, ParamValue } from '../config/param.ts';
import { toParameterDescriptor } from '../config/ros-descriptors.ts';

function busValue(v: ParamValue): ParameterValue {
  return (Array.isArray(v) ? [...(v as readonly unknown[])] : v) as ParameterValue;
}

/** Range advertised to clients; array bounds apply to each element. Exclusive bounds are checked by the validator. */
function rangeOf(info: ParamInfo): { fromValue: number; toValue: number; step: number } | undefined {
  if (info.min === undefined && info.max === undefined) return undefined;
  const scalar = toParameterDescriptor({ ...info, type: info.type === 'double_array' ? 'double' : info.type === 'integer_array' ? 'integer' : info.type });
  const r = scalar.floating_point_range[0] ?? scalar.integer_range[0];
  return r === undefined ? undefined : { fromValue: r.from_value, toValue: r.to_value, step: r.step };
}

/** One declaration per catalog parameter, valued from `values` (the loaded configuration). */
export function parameterDeclarations(values: ReadonlyMap<string, ParamValue>): ParameterDeclaration[] {
  return listParameters().map((info) => {
    const d = toParameterDescriptor(info);
    const range = rangeOf(info);
    return {
      name: info.name,
      type: info.type,
      defaultValue: busValue(values.get(info.name) ?? info.default),
      description: d.description,
      additionalConstraints: d.additional_constraints,
      readOnly: d.read_only,
      ...(range !== undefined ? { range } : {}),
    } as ParameterDeclaration;
  });
}

/**
 * Vetoes a change with every reason `propose` finds (joined with '; '), or accepts it as pending for
 * the next commit. A refused proposal leaves the store as it was.
 */
export function proposingValidator(store: ParameterStore): ParameterValidator {
  return (candidates) => {
    const changes: Record<string, unknown> = {};
    for (const p of candidates) changes[p.name] = p.value;
    const res = store.propose(changes);
    return res.successful ? { successful: true, reason: '' } : { successful: false, reason: res.reasons.join('; ') };
  };
}
