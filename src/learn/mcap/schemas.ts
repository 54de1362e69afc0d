/**
 * ROS 2 message schemas for MCAP: the `ros2msg` text that rosbag2 stores for a type (the type's
 * definition, then each dependency once, depth first in sorted order, each behind a line of 80 `=`
 * and `MSG: pkg/Name`), generated from the parsed definitions in @foxglove/rosmsg-msgs-common.
 * Those definitions carry no comments, so the text is rosbag2's without its comment lines.
 */
import { ros2humble, ros2jazzy } from '@foxglove/rosmsg-msgs-common';

/** A parsed message definition as @foxglove/rosmsg and the CDR (de)serializers use it. */
export type RosMsgDefinition = (typeof ros2jazzy)[keyof typeof ros2jazzy];
export type RosMsgField = RosMsgDefinition['definitions'][number];
/** Definitions keyed by `pkg/Name` (no `/msg/`). */
export type RosMsgDefinitions = Readonly<Record<string, RosMsgDefinition>>;

export type Ros2Distro = 'humble' | 'jazzy';

const DISTROS: Readonly<Record<Ros2Distro, RosMsgDefinitions>> = { humble: ros2humble, jazzy: ros2jazzy };

/** The message types odra records (ROS interface table in DESIGN.md plus the builtin types). */
export const ODRA_MESSAGE_TYPES = [
  'sensor_msgs/msg/Image',
  'sensor_msgs/msg/CompressedImage',
  'sensor_msgs/msg/CameraInfo',
  'sensor_msgs/msg/JointState',
  'std_msgs/msg/Float64MultiArray',
  'std_msgs/msg/Float32MultiArray',
  'std_msgs/msg/String',
  'std_msgs/msg/Bool',
  'std_msgs/msg/Header',
  'trajectory_msgs/msg/JointTrajectory',
  'geometry_msgs/msg/PoseStamped',
  'diagnostic_msgs/msg/DiagnosticArray',
  'visualization_msgs/msg/MarkerArray',
  'builtin_interfaces/msg/Time',
  'builtin_interfaces/msg/Duration',
] as const;

/** Separator line rosbag2 writes before each dependency. */
export const SCHEMA_SEPARATOR = '='.repeat(80);

export class SchemaError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(`${type}: ${message}`);
    this.name = 'SchemaError';
    this.type = type;
  }
}

export interface RosTypeName {
  pkg: string;
  name: string;
  /** `pkg/msg/Name`: the form rosbag2 uses for schema names and topic types */
  full: string;
  /** `pkg/Name`: the form used in `MSG:` lines and .msg field types */
  short: string;
}

const TYPE_RE = /^([A-Za-z][A-Za-z0-9_]*)\/(?:msg\/)?([A-Za-z][A-Za-z0-9_]*)$/;

/** Parses `pkg/msg/Name` or `pkg/Name`; undefined when it is neither. */
export function parseRosType(type: string): RosTypeName | undefined {
  const m = TYPE_RE.exec(type);
  if (!m) return undefined;
  const pkg = m[1] as string;
  const name = m[2] as string;
  return { pkg, name, full: `${pkg}/msg/${name}`, short: `${pkg}/${name}` };
}

/** The definition map of a distro (default jazzy; the types odra uses are the same in humble). */
export function distroDefinitions(distro: Ros2Distro = 'jazzy'): RosMsgDefinitions {
  return DISTROS[distro];
}

/** The package/Name a field refers to, or undefined for a primitive. time/duration are builtin_interfaces messages in ROS 2. */
function fieldMessageType(field: RosMsgField): string | undefined {
  if (field.type === 'time') return 'builtin_interfaces/Time';
  if (field.type === 'duration') return 'builtin_interfaces/Duration';
  return field.isComplex === true ? field.type : undefined;
}

function formatDefault(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => formatDefault(v)).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** One .msg line for a field or constant; same-package types are written short, as in the package's own files. */
function formatField(field: RosMsgField, pkg: string): string {
  const msgType = fieldMessageType(field);
  let type = msgType ?? field.type;
  if (msgType !== undefined && msgType.startsWith(`${pkg}/`)) type = msgType.slice(pkg.length + 1);
  if (field.upperBound !== undefined) type += `<=${field.upperBound}`;
  if (field.isConstant === true) {
    return `${type} ${field.name}=${field.valueText ?? String(field.value)}`;
  }
  if (field.isArray === true) {
    if (field.arrayLength !== undefined) type += `[${field.arrayLength}]`;
    else if (field.arrayUpperBound !== undefined) type += `[<=${field.arrayUpperBound}]`;
    else type += '[]';
  }
  const line = `${type} ${field.name}`;
  return field.defaultValue === undefined ? line : `${line} ${formatDefault(field.defaultValue)}`;
}

/** The .msg text of one definition (no dependencies), ending with a newline like a .msg file. */
export function msgText(def: RosMsgDefinition, pkg: string): string {
  return def.definitions.map((f) => `${formatField(f, pkg)}\n`).join('');
}

function lookup(defs: RosMsgDefinitions, short: string, root: string): RosMsgDefinition {
  const def = defs[short];
  if (def === undefined) throw new SchemaError(root, `no message definition for ${short}`);
  return def;
}

/** Dependencies of a definition as `pkg/Name`, sorted as rosbag2's std::set sorts them. */
function dependencies(def: RosMsgDefinition): string[] {
  const deps = new Set<string>();
  for (const f of def.definitions) {
    if (f.isConstant === true) continue;
    const t = fieldMessageType(f);
    if (t !== undefined) deps.add(t);
  }
  return [...deps].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The `ros2msg` schema text for `type` (`pkg/msg/Name` or `pkg/Name`), laid out as rosbag2's
 * LocalMessageDefinitionSource lays it out. Throws SchemaError for an unknown type or dependency.
 */
export function ros2msgSchema(type: string, defs: RosMsgDefinitions = ros2jazzy): string {
  const parsed = parseRosType(type);
  if (parsed === undefined) throw new SchemaError(type, 'not a ROS 2 message type (expected pkg/msg/Name)');
  const seen = new Set<string>();
  const append = (short: string, depth: number): string => {
    if (depth > 32) throw new SchemaError(type, `definition nests deeper than 32 levels at ${short}`);
    const def = lookup(defs, short, type);
    let out = msgText(def, short.slice(0, short.indexOf('/')));
    for (const dep of dependencies(def)) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      out += `\n${SCHEMA_SEPARATOR}\nMSG: ${dep}\n${append(dep, depth + 1)}`;
    }
    return out;
  };
  return append(parsed.short, 0);
}

/** True when `type` and all it depends on have definitions in `defs`. */
export function hasRos2Definition(type: string, defs: RosMsgDefinitions = ros2jazzy): boolean {
  try {
    ros2msgSchema(type, defs);
    return true;
  } catch {
    return false;
  }
}
