/**
 * The embedded simulator: MuJoCo (WebAssembly) physics for a URDF robot driven like ros2_control's
 * forward command controllers, ground-truth limit and keep-out checks, a ray-cast camera, and the
 * project's seeded random numbers.
 */
export {
  Simulator,
  SimConfigError,
  type DriveGains,
  type SimulatorOptions,
  type SimulatorStats,
} from './simulator.ts';
export { generateMjcf, MjcfError, rpyToQuat, type CommandInterface, type MjcfGeomInfo, type MjcfOptions, type MjcfResult } from './mjcf.ts';
export { loadMujoco, MjcfLoadError, mujocoMessages } from './mujoco.ts';
export { readUrdfExtras, type Inertial, type JointDynamics, type Rgba, type UrdfExtras } from './urdf-extras.ts';
export { geomZoneDepth, keepOutPenetration, linkBoxZone, sdBox, sdCapsule, sdCylinder, type KeepOutZone } from './keep-out.ts';
export * from './scene.ts';
export {
  CameraRenderer,
  stampFromSeconds,
  type CameraInfoMessage,
  type CameraOptions,
  type Header,
  type ImageMessage,
} from './camera.ts';
export {
  Rng,
  sampleInLimits,
  sampleInterval,
  sampleStartGoal,
  type SampleOptions,
  type StartGoalOptions,
} from './random.ts';
