/**
 * ParamInfo → the plain shape of rcl_interfaces/msg/ParameterDescriptor. odra fills the ranges itself
 * because rclnodejs does not advertise them; clients (rqt_reconfigure, Foxglove, `ros2 param
 * describe`) show these bounds and this text.
 */
import { listParameters } from './catalog.ts';
import type { ParamInfo, ParamType } from './param.ts';

/** rcl_interfaces/msg/ParameterType constants. */
export const ParameterType = {
  PARAMETER_NOT_SET: 0,
  PARAMETER_BOOL: 1,
  PARAMETER_INTEGER: 2,
  PARAMETER_DOUBLE: 3,
  PARAMETER_STRING: 4,
  PARAMETER_BYTE_ARRAY: 5,
  PARAMETER_BOOL_ARRAY: 6,
  PARAMETER_INTEGER_ARRAY: 7,
  PARAMETER_DOUBLE_ARRAY: 8,
  PARAMETER_STRING_ARRAY: 9,
} as const;

const TYPE_CODES: Record<ParamType, number> = {
  bool: ParameterType.PARAMETER_BOOL,
  integer: ParameterType.PARAMETER_INTEGER,
  double: ParameterType.PARAMETER_DOUBLE,
  string: ParameterType.PARAMETER_STRING,
  bool_array: ParameterType.PARAMETER_BOOL_ARRAY,
  integer_array: ParameterType.PARAMETER_INTEGER_ARRAY,
  double_array: ParameterType.PARAMETER_DOUBLE_ARRAY,
  string_array: ParameterType.PARAMETER_STRING_ARRAY,
};

export interface FloatingPointRange {
  from_value: number;
  to_value: number;
  /** 0 = continuous. */
  step: number;
}

/** int64 fields as JS numbers; the transport converts them (e.g. to bigint) if it needs to. */
export interface IntegerRange {
  from_value: number;
  to_value: number;
  step: number;
}

export interface ParameterDescriptor {
  name: string;
  type: number;
  description: string;
  additional_constraints: string;
  read_only: boolean;
  dynamic_typing: boolean;
  floating_point_range: FloatingPointRange[];
  integer_range: IntegerRange[];
}

/** `2 ≤ value ≤ 128`, `0 < value ≤ 1`, `value ≥ 0`, or '' when unbounded. */
export function rangeText(info: ParamInfo, subject = 'value'): string {
  const lo = info.min === undefined ? '' : `${info.min} ${info.minExclusive ? '<' : '≤'} `;
  const hi = info.max === undefined ? '' : ` ${info.maxExclusive ? '<' : '≤'} ${info.max}`;
  return lo || hi ? `${lo}${subject}${hi}` : '';
}

function constraintsText(info: ParamInfo): string {
  const array = info.type.endsWith('_array');
  const parts: string[] = [];
  const range = rangeText(info, array ? 'each value' : 'value');
  if (range) parts.push(range);
  if (info.enum) parts.push(`${array ? 'each one of' : 'one of'}: ${info.enum.join(', ')}`);
  if (info.constraints) parts.push(info.constraints);
  if (info.live) parts.push('applied at the next control tick');
  return parts.join('; ');
}

/**
 * ParameterDescriptor for one parameter. Bounded scalars get a range; a missing side becomes
 * ±Number.MAX_VALUE (doubles) or ±Number.MAX_SAFE_INTEGER (integers).
 */
export function toParameterDescriptor(info: ParamInfo): ParameterDescriptor {
  const bounded = info.min !== undefined || info.max !== undefined;
  const floatingPointRange: FloatingPointRange[] = [];
  const integerRange: IntegerRange[] = [];
  if (bounded && info.type === 'double') {
    floatingPointRange.push({
      from_value: info.min ?? -Number.MAX_VALUE,
      to_value: info.max ?? Number.MAX_VALUE,
      step: info.step ?? 0,
    });
  } else if (bounded && info.type === 'integer') {
    // int64 cannot hold ±Number.MAX_VALUE; the widest exact JS integers stand in for "unbounded"
    integerRange.push({
      from_value: info.min === undefined ? Number.MIN_SAFE_INTEGER : Math.ceil(info.min + (info.minExclusive ? 1e-9 : 0)),
      to_value: info.max === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(info.max - (info.maxExclusive ? 1e-9 : 0)),
      step: info.step ?? 1,
    });
  }
  return {
    name: info.name,
    type: TYPE_CODES[info.type],
    description: info.units ? `${info.description} [${info.units}]` : info.description,
    additional_constraints: constraintsText(info),
    read_only: !info.live,
    dynamic_typing: false,
    floating_point_range: floatingPointRange,
    integer_range: integerRange,
  };
}

/** Descriptors of every odra parameter, in declaration order. */
export function parameterDescriptors(): ParameterDescriptor[] {
  return listParameters().map(toParameterDescriptor);
}
