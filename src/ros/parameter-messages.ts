/**
 * Parameters between odra and rclnodejs: type codes, values (rclnodejs holds integers as bigint),
 * and the descriptor message clients see.
 *
 * The workaround lives here. rclnodejs 2.2.0's `ParameterDescriptor.toMessage()` reads a range
 * field its constructor never sets, so describe_parameters answers with empty
 * `floating_point_range` / `integer_range` and rqt_reconfigure, Foxglove and `ros2 param
 * describe` show no bounds; a range violation it detects itself comes back with a garbled reason.
 * odra therefore (1) declares rclnodejs descriptors without ranges and validates every change
 * itself, and (2) replaces `toMessage` on each declared descriptor instance with odra's own
 * serialization, `{ from_value, to_value, step }` included.
 */

import type { NumericRange, ParameterDescriptor, ParameterType, ParameterValue } from '../bus/parameters.ts';
import type {
  RclIntegerRangeMsg,
  RclParameter,
  RclParameterDescriptor,
  RclParameterDescriptorMsg,
  RclParameterTypeEnum,
  RclParameterValue,
} from './rclnodejs-types.ts';

/** rcl_interfaces/msg/ParameterType codes (the same numbers on every distro). */
export const PARAMETER_TYPE_CODES: Readonly<Record<ParameterType, number>> = Object.freeze({
  bool: 1,
  integer: 2,
  double: 3,
  string: 4,
  bool_array: 6,
  integer_array: 7,
  double_array: 8,
  string_array: 9,
});

const TYPES_BY_CODE = new Map<number, ParameterType>(
  (Object.entries(PARAMETER_TYPE_CODES) as [ParameterType, number][]).map(([t, c]) => [c, t]),
);

/** The code rclnodejs uses for an odra type, read from its `ParameterType` enum when given. */
export function rclTypeCode(type: ParameterType, codes?: RclParameterTypeEnum): number {
  if (codes === undefined) return PARAMETER_TYPE_CODES[type];
  switch (type) {
    case 'bool':
      return codes.PARAMETER_BOOL;
    case 'integer':
      return codes.PARAMETER_INTEGER;
    case 'double':
      return codes.PARAMETER_DOUBLE;
    case 'string':
      return codes.PARAMETER_STRING;
    case 'bool_array':
      return codes.PARAMETER_BOOL_ARRAY;
    case 'integer_array':
      return codes.PARAMETER_INTEGER_ARRAY;
    case 'double_array':
      return codes.PARAMETER_DOUBLE_ARRAY;
    case 'string_array':
      return codes.PARAMETER_STRING_ARRAY;
  }
}

/** The odra type of a code, or undefined for NOT_SET (an undeclare) and byte arrays. */
export function parameterTypeOfCode(code: number): ParameterType | undefined {
  return TYPES_BY_CODE.get(code);
}

/** An odra value as an rclnodejs Parameter holds it: integers as bigint, arrays as plain copies. */
export function toRclValue(type: ParameterType, value: ParameterValue): RclParameterValue {
  switch (type) {
    case 'integer':
      return BigInt(value as number);
    case 'integer_array':
      return (value as number[]).map((v) => BigInt(v));
    case 'bool_array':
    case 'double_array':
    case 'string_array':
      return (value as readonly unknown[]).slice() as boolean[] | number[] | string[];
    default:
      return value as boolean | number | string;
  }
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : null;
  }
  return typeof v === 'number' ? v : null;
}

/**
 * An rclnodejs value (bigint integers, typed or plain arrays) as an odra value of `type`, or a
 * problem. Values are not range-checked here.
 */
export function fromRclValue(
  type: ParameterType,
  value: unknown,
): { ok: true; value: ParameterValue } | { ok: false; problem: string } {
  const isArray = type.endsWith('_array');
  if (isArray) {
    if (value === null || value === undefined) return { ok: true, value: [] as number[] };
    if (!Array.isArray(value) && !ArrayBuffer.isView(value)) return { ok: false, problem: `expected ${type}` };
    const items = Array.from(value as ArrayLike<unknown>);
    if (type === 'integer_array' || type === 'double_array') {
      const out: number[] = [];
      for (const item of items) {
        const n = toNumber(item);
        if (n === null) return { ok: false, problem: `expected ${type}, got an element ${String(item)}` };
        out.push(n);
      }
      return { ok: true, value: out };
    }
    return { ok: true, value: items as boolean[] | string[] };
  }
  if (type === 'integer' || type === 'double') {
    const n = toNumber(value);
    if (n === null) return { ok: false, problem: `expected ${type}, got ${String(value)}` };
    return { ok: true, value: n };
  }
  return { ok: true, value: value as boolean | string };
}

/** An odra range as a FloatingPointRange message (doubles). */
function floatRange(r: NumericRange): { from_value: number; to_value: number; step: number } {
  return { from_value: r.fromValue, to_value: r.toValue, step: r.step };
}

/** An odra range as an IntegerRange message; int64 fields are bigint, whole numbers only. */
function integerRange(r: NumericRange): RclIntegerRangeMsg {
  return {
    from_value: BigInt(Math.ceil(r.fromValue)),
    to_value: BigInt(Math.floor(r.toValue)),
    step: BigInt(Math.round(r.step)),
  };
}

/**
 * The rcl_interfaces/msg/ParameterDescriptor odra publishes for a declared parameter, ranges
 * included (what rclnodejs 2.2.0 leaves out).
 */
export function descriptorMessage(desc: ParameterDescriptor): RclParameterDescriptorMsg {
  return {
    name: desc.name,
    type: PARAMETER_TYPE_CODES[desc.type],
    description: desc.description,
    additional_constraints: desc.additionalConstraints,
    read_only: desc.readOnly,
    dynamic_typing: false,
    floating_point_range: desc.floatingPointRange === undefined ? [] : [floatRange(desc.floatingPointRange)],
    integer_range: desc.integerRange === undefined ? [] : [integerRange(desc.integerRange)],
  };
}

/** The plain descriptor shape `config/ros-descriptors.ts` produces (int64 fields as numbers). */
export interface PlainDescriptorMessage {
  name: string;
  type: number;
  description: string;
  additional_constraints: string;
  read_only: boolean;
  dynamic_typing: boolean;
  floating_point_range: readonly { from_value: number; to_value: number; step: number }[];
  integer_range: readonly { from_value: number; to_value: number; step: number }[];
}

/** A plain descriptor (numbers everywhere) as rclnodejs serializes it (int64 range fields as bigint). */
export function descriptorMessageFromPlain(d: PlainDescriptorMessage): RclParameterDescriptorMsg {
  return {
    name: d.name,
    type: d.type,
    description: d.description,
    additional_constraints: d.additional_constraints,
    read_only: d.read_only,
    dynamic_typing: d.dynamic_typing,
    floating_point_range: d.floating_point_range.map((r) => ({ from_value: r.from_value, to_value: r.to_value, step: r.step })),
    integer_range: d.integer_range.map((r) => ({
      from_value: BigInt(r.from_value),
      to_value: BigInt(r.to_value),
      step: BigInt(r.step),
    })),
  };
}

/**
 * Makes a declared rclnodejs descriptor (1) describe itself with `message` — ranges included —
 * and (2) leave validation to odra's set-parameters callback, which gives the reasons clients see.
 * Own properties shadow the class methods on this one instance; the class is left alone.
 */
export function patchDescriptor(descriptor: RclParameterDescriptor, message: () => RclParameterDescriptorMsg): void {
  Object.defineProperty(descriptor, 'toMessage', { value: message, configurable: true, writable: true });
  Object.defineProperty(descriptor, 'validateParameter', {
    value: (parameter: RclParameter): void => {
      // rclnodejs turns anything thrown here into "does not  readonly"; only the name is its business
      if (parameter.name !== descriptor.name) throw new Error('Name mismatch');
    },
    configurable: true,
    writable: true,
  });
}
