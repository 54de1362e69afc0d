/** Shared test helpers for sim/: the demo arm and simulators built on it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseUrdf } from '../../src/robot/urdf.ts';
import type { RobotModel } from '../../src/robot/types.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import type { SimulatorOptions } from '../../src/sim/simulator.ts';

export const DEMO_URDF_PATH = fileURLToPath(new URL('../../config/robots/odra_arm.urdf', import.meta.url));
export const DEMO_URDF = readFileSync(DEMO_URDF_PATH, 'utf8');
export const REFERENCE_IMAGE_PATH = fileURLToPath(new URL('../fixtures/sim/camera-32.json', import.meta.url));

export function demoRobot(): RobotModel {
  return parseUrdf(DEMO_URDF, DEMO_URDF_PATH);
}

/** The six arm joints, base to tool. */
export const DEMO_JOINTS = [
  'shoulder_pan_joint',
  'shoulder_lift_joint',
  'elbow_joint',
  'wrist_1_joint',
  'wrist_2_joint',
  'wrist_3_joint',
];

export function demoSim(
  commandInterface: 'position' | 'velocity',
  extra: Partial<SimulatorOptions> = {},
): Promise<Simulator> {
  return Simulator.create({
    robot: demoRobot(),
    urdfXml: DEMO_URDF,
    commandInterface,
    jointNames: DEMO_JOINTS,
    ...extra,
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
