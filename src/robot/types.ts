/** Robot description types: what a URDF says, in SI units (m, rad, s). */

export type Vec3 = [number, number, number];
/** Row-major 3×3 rotation matrix. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export type JointType = 'revolute' | 'continuous' | 'prismatic' | 'fixed';

/** An unset limit means "not limited" (ros2_control convention). */
export interface JointLimits {
  lower?: number;
  upper?: number;
  /** rad/s or m/s */
  velocity?: number;
  /** N·m or N */
  effort?: number;
  /** rad/s² or m/s²; URDF has none, config may add it */
  acceleration?: number;
  /** rad/s³ or m/s³; from config only */
  jerk?: number;
  /** `<safety_controller soft_lower_limit/soft_upper_limit>` */
  softLower?: number;
  softUpper?: number;
}

export interface Origin {
  xyz: Vec3;
  rpy: Vec3;
}

export type CollisionGeometry =
  | { kind: 'sphere'; radius: number }
  | { kind: 'box'; size: Vec3 }
  | { kind: 'cylinder'; radius: number; length: number }
  | { kind: 'capsule'; radius: number; length: number }
  | { kind: 'mesh'; filename: string; scale: Vec3 };

export interface Collision {
  origin: Origin;
  geometry: CollisionGeometry;
}

export interface LinkSpec {
  name: string;
  collisions: Collision[];
  /** visual geometry is kept for renderers; may be empty */
  visuals: Collision[];
}

export interface JointSpec {
  name: string;
  type: JointType;
  parent: string;
  child: string;
  origin: Origin;
  /** unit vector in the joint frame; [1,0,0] when the URDF omits it */
  axis: Vec3;
  limits: JointLimits;
}

export interface RobotModel {
  name: string;
  links: LinkSpec[];
  joints: JointSpec[];
  /** the one link that is no joint's child */
  rootLink: string;
}
