/**
 * The robot model: URDF parsing, kinematic chains with batched FK and its VJP. The tfjs FK lives in
 * `./fk-tf.ts` and is imported from there, so users of plain FK do not load tfjs.
 */
import { readFileSync } from 'node:fs';
import type { RobotModel } from './types.ts';
import { parseUrdf } from './urdf.ts';

export type * from './types.ts';
export type { FkResult, KinematicChain, LinkSphere } from './chain.ts';
export { UrdfError, parseUrdf, type UrdfProblem } from './urdf.ts';
export {
  ChainError,
  buildChain,
  type ChainConstants,
  type ChainOptions,
  type ChainProblem,
  type RobotChain,
  type SkippedCollision,
} from './kinematics.ts';
export { coverSpheres, coverSpheresLocal, type CoverSphere } from './spheres.ts';
export * from './transform.ts';

/** Reads and parses a URDF file; throws UrdfError (naming the file) on malformed content. */
export function loadRobot(path: string): RobotModel {
  return parseUrdf(readFileSync(path, 'utf8'), path);
}
