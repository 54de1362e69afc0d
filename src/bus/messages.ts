/**
 * The ROS 2 messages odra speaks, typed with exactly the shape rclnodejs gives them: plain objects,
 * ROS field names (snake_case), nested messages as nested objects.
 *
 * Array fields are typed as rclnodejs *delivers* them with its default `enableTypedArray: true`:
 * primitive numeric arrays arrive as typed arrays (`float64[]` → Float64Array, `float32[]` →
 * Float32Array, `uint8[]` → Uint8Array, fixed-size ones such as CameraInfo's `k[9]` too); strings,
 * bools and nested messages arrive as plain arrays. Publishers hand over the same types, so a
 * subscriber never branches on `number[] | Float64Array` and the in-process bus delivers what
 * rclnodejs would. rclnodejs also accepts these typed arrays on publish.
 *
 * `MessageTypes` maps a type name to its interface; other modules may add their own types to it by
 * declaration merging (`declare module '.../bus/messages.ts' { interface MessageTypes { ... } }`).
 */

// ---------- builtin_interfaces ----------

/** builtin_interfaces/msg/Time: seconds and nanoseconds (0 ≤ nanosec < 1e9). */
export interface Time {
  sec: number;
  nanosec: number;
}

/** builtin_interfaces/msg/Duration */
export interface Duration {
  sec: number;
  nanosec: number;
}

// ---------- std_msgs ----------

/** std_msgs/msg/Header */
export interface Header {
  stamp: Time;
  frame_id: string;
}

/** std_msgs/msg/Bool (named so it does not shadow the global `Boolean`) */
export interface BoolMsg {
  data: boolean;
}

/** std_msgs/msg/String (named so it does not shadow the global `String`) */
export interface StringMsg {
  data: string;
}

/** std_msgs/msg/MultiArrayDimension */
export interface MultiArrayDimension {
  label: string;
  size: number;
  stride: number;
}

/** std_msgs/msg/MultiArrayLayout */
export interface MultiArrayLayout {
  dim: MultiArrayDimension[];
  data_offset: number;
}

/** std_msgs/msg/Float64MultiArray: the forward command controllers' input. */
export interface Float64MultiArray {
  layout: MultiArrayLayout;
  data: Float64Array;
}

/** std_msgs/msg/Float32MultiArray */
export interface Float32MultiArray {
  layout: MultiArrayLayout;
  data: Float32Array;
}

/** std_msgs/msg/ColorRGBA, components in [0, 1] */
export interface ColorRGBA {
  r: number;
  g: number;
  b: number;
  a: number;
}

// ---------- rosgraph_msgs ----------

/** rosgraph_msgs/msg/Clock: what a simulator publishes on /clock for use_sim_time nodes. */
export interface Clock {
  clock: Time;
}

// ---------- geometry_msgs ----------

/** geometry_msgs/msg/Point, metres */
export interface Point {
  x: number;
  y: number;
  z: number;
}

/** geometry_msgs/msg/Vector3 */
export interface Vector3 {
  x: number;
  y: number;
  z: number;
}

/** geometry_msgs/msg/Quaternion (w last, as ROS has it) */
export interface Quaternion {
  x: number;
  y: number;
  z: number;
  w: number;
}

/** geometry_msgs/msg/Pose */
export interface Pose {
  position: Point;
  orientation: Quaternion;
}

/** geometry_msgs/msg/PoseStamped */
export interface PoseStamped {
  header: Header;
  pose: Pose;
}

// ---------- sensor_msgs ----------

/**
 * sensor_msgs/msg/JointState. `velocity` and `effort` are empty when the source does not report
 * them; otherwise every array is as long as `name`. Order is the publisher's, not ours.
 */
export interface JointState {
  header: Header;
  name: string[];
  /** rad or m */
  position: Float64Array;
  /** rad/s or m/s */
  velocity: Float64Array;
  /** N·m or N */
  effort: Float64Array;
}

/** sensor_msgs/msg/Image: raw pixels, `step` bytes per row. */
export interface Image {
  header: Header;
  height: number;
  width: number;
  /** e.g. 'rgb8', 'bgr8', 'mono8', '32FC1' */
  encoding: string;
  is_bigendian: number;
  step: number;
  data: Uint8Array;
}

/** sensor_msgs/msg/CompressedImage */
export interface CompressedImage {
  header: Header;
  /** e.g. 'jpeg', 'png', 'rgb8; jpeg compressed bgr8' */
  format: string;
  data: Uint8Array;
}

/** sensor_msgs/msg/RegionOfInterest */
export interface RegionOfInterest {
  x_offset: number;
  y_offset: number;
  height: number;
  width: number;
  do_rectify: boolean;
}

/** sensor_msgs/msg/CameraInfo: `k` 3×3, `r` 3×3, `p` 3×4, row-major. */
export interface CameraInfo {
  header: Header;
  height: number;
  width: number;
  distortion_model: string;
  d: Float64Array;
  k: Float64Array;
  r: Float64Array;
  p: Float64Array;
  binning_x: number;
  binning_y: number;
  roi: RegionOfInterest;
}

// ---------- trajectory_msgs ----------

/** trajectory_msgs/msg/JointTrajectoryPoint; unused arrays are empty. */
export interface JointTrajectoryPoint {
  positions: Float64Array;
  velocities: Float64Array;
  accelerations: Float64Array;
  effort: Float64Array;
  time_from_start: Duration;
}

/** trajectory_msgs/msg/JointTrajectory */
export interface JointTrajectory {
  header: Header;
  joint_names: string[];
  points: JointTrajectoryPoint[];
}

// ---------- visualization_msgs ----------

/** visualization_msgs/msg/Marker `type` values */
export const MARKER_TYPE = {
  ARROW: 0,
  CUBE: 1,
  SPHERE: 2,
  CYLINDER: 3,
  LINE_STRIP: 4,
  LINE_LIST: 5,
  CUBE_LIST: 6,
  SPHERE_LIST: 7,
  POINTS: 8,
  TEXT_VIEW_FACING: 9,
  MESH_RESOURCE: 10,
  TRIANGLE_LIST: 11,
} as const;

/** visualization_msgs/msg/Marker `action` values (MODIFY is ADD) */
export const MARKER_ACTION = { ADD: 0, MODIFY: 0, DELETE: 2, DELETEALL: 3 } as const;

/**
 * visualization_msgs/msg/Marker: the fields of every distro from Humble on. Fields later distros
 * added (textures, mesh files) are left out; rclnodejs fills absent fields with their defaults.
 */
export interface Marker {
  header: Header;
  ns: string;
  id: number;
  type: number;
  action: number;
  pose: Pose;
  /** metres; for LINE_STRIP only `x` (line width) is used */
  scale: Vector3;
  color: ColorRGBA;
  lifetime: Duration;
  frame_locked: boolean;
  points: Point[];
  /** per-point colours; empty means `color` for every point */
  colors: ColorRGBA[];
  text: string;
  mesh_resource: string;
  mesh_use_embedded_materials: boolean;
}

/** visualization_msgs/msg/MarkerArray */
export interface MarkerArray {
  markers: Marker[];
}

// ---------- diagnostic_msgs ----------

/** diagnostic_msgs/msg/DiagnosticStatus `level` values */
export const DIAGNOSTIC_LEVEL = { OK: 0, WARN: 1, ERROR: 2, STALE: 3 } as const;
export type DiagnosticLevel = (typeof DIAGNOSTIC_LEVEL)[keyof typeof DIAGNOSTIC_LEVEL];

/** diagnostic_msgs/msg/KeyValue */
export interface KeyValue {
  key: string;
  value: string;
}

/** diagnostic_msgs/msg/DiagnosticStatus */
export interface DiagnosticStatus {
  level: number;
  name: string;
  message: string;
  hardware_id: string;
  values: KeyValue[];
}

/** diagnostic_msgs/msg/DiagnosticArray */
export interface DiagnosticArray {
  header: Header;
  status: DiagnosticStatus[];
}

// ---------- std_srvs ----------

/** std_srvs/srv/Trigger request: no fields. */
export type TriggerRequest = Record<string, never>;

/** std_srvs/srv/Trigger response */
export interface TriggerResponse {
  success: boolean;
  message: string;
}

/** std_srvs/srv/SetBool request */
export interface SetBoolRequest {
  data: boolean;
}

/** std_srvs/srv/SetBool response */
export interface SetBoolResponse {
  success: boolean;
  message: string;
}

// ---------- type maps ----------

/** Message type name → message interface. Extend by declaration merging. */
export interface MessageTypes {
  'builtin_interfaces/msg/Time': Time;
  'builtin_interfaces/msg/Duration': Duration;
  'std_msgs/msg/Header': Header;
  'std_msgs/msg/Bool': BoolMsg;
  'std_msgs/msg/String': StringMsg;
  'std_msgs/msg/Float64MultiArray': Float64MultiArray;
  'std_msgs/msg/Float32MultiArray': Float32MultiArray;
  'std_msgs/msg/ColorRGBA': ColorRGBA;
  'rosgraph_msgs/msg/Clock': Clock;
  'geometry_msgs/msg/Point': Point;
  'geometry_msgs/msg/Vector3': Vector3;
  'geometry_msgs/msg/Quaternion': Quaternion;
  'geometry_msgs/msg/Pose': Pose;
  'geometry_msgs/msg/PoseStamped': PoseStamped;
  'sensor_msgs/msg/JointState': JointState;
  'sensor_msgs/msg/Image': Image;
  'sensor_msgs/msg/CompressedImage': CompressedImage;
  'sensor_msgs/msg/CameraInfo': CameraInfo;
  'trajectory_msgs/msg/JointTrajectory': JointTrajectory;
  'trajectory_msgs/msg/JointTrajectoryPoint': JointTrajectoryPoint;
  'visualization_msgs/msg/Marker': Marker;
  'visualization_msgs/msg/MarkerArray': MarkerArray;
  'diagnostic_msgs/msg/DiagnosticArray': DiagnosticArray;
  'diagnostic_msgs/msg/DiagnosticStatus': DiagnosticStatus;
  'diagnostic_msgs/msg/KeyValue': KeyValue;
}

export type MessageTypeName = keyof MessageTypes & string;

/** Service type name → request and response interfaces. Extend by declaration merging. */
export interface ServiceTypes {
  'std_srvs/srv/Trigger': { Request: TriggerRequest; Response: TriggerResponse };
  'std_srvs/srv/SetBool': { Request: SetBoolRequest; Response: SetBoolResponse };
}

export type ServiceTypeName = keyof ServiceTypes & string;
export type ServiceRequest<K extends ServiceTypeName> = ServiceTypes[K]['Request'];
export type ServiceResponse<K extends ServiceTypeName> = ServiceTypes[K]['Response'];

// ---------- helpers ----------

const NS_PER_S = 1e9;

/**
 * Seconds → Time, nanosec in [0, 1e9). A double near 1.7e9 s (wall time) resolves ~0.2 µs, so the
 * nanoseconds of such stamps are rounded to that.
 */
export function timeFromSeconds(s: number): Time {
  let sec = Math.floor(s);
  let nanosec = Math.round((s - sec) * NS_PER_S);
  if (nanosec >= NS_PER_S) {
    sec += 1;
    nanosec -= NS_PER_S;
  }
  return { sec, nanosec };
}

export function secondsFromTime(t: Time): number {
  return t.sec + t.nanosec / NS_PER_S;
}

/** Seconds → Duration (same normalisation as Time: nanosec in [0, 1e9), sign in `sec`). */
export function durationFromSeconds(s: number): Duration {
  return timeFromSeconds(s);
}

export function secondsFromDuration(d: Duration): number {
  return d.sec + d.nanosec / NS_PER_S;
}

export function makeHeader(stampS: number, frameId = ''): Header {
  return { stamp: timeFromSeconds(stampS), frame_id: frameId };
}

/** An empty layout: consumers read `data` as a flat vector. */
export function emptyLayout(): MultiArrayLayout {
  return { dim: [], data_offset: 0 };
}
