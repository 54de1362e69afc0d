/**
 * The agent's configuration and robot on ROS: parameters come from rcl (`--params-file`, `-p`,
 * launch files) and, after a cleanup, from the values the node holds now; the kinematic chain from
 * `robot.description_file` (the package's demo arm when empty).
 */

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BusNode } from '../bus/port.ts';
import type { ParameterValue } from '../bus/parameters.ts';
import { paramInfo } from '../config/catalog.ts';
import { loadConfig } from '../config/load.ts';
import type { OdraConfig } from '../config/schema.ts';
import { unknownParameter } from '../config/validate.ts';
import { buildChain, loadRobot, type RobotChain } from '../robot/index.ts';

/** Parameters rcl or rclnodejs declare on every node; never odra's business. */
const RCL_OWN_PARAMETERS = /^(use_sim_time|start_type_description_service|qos_overrides\..*)$/;

/** The odra package root: two levels above this module, in `src/ros/` and in `dist/ros/` alike. */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** The demo arm shipped with odra (`config/robots/odra_arm.urdf`). */
export function builtinRobotPath(root = packageRoot()): string {
  return resolve(root, 'config', 'robots', 'odra_arm.urdf');
}

export interface ResolvedAgentConfig {
  config: OdraConfig;
  /** overrides that name no odra parameter, each with a hint (a typo in a parameter file) */
  ignored: string[];
}

/**
 * The configuration for a (re)configure: rcl's overrides, then the values `node` holds now for
 * parameters it has already declared (live changes survive a cleanup). Throws ConfigError with
 * every problem.
 */
export function resolveAgentConfig(node: BusNode, overrides: Readonly<Record<string, ParameterValue>>): ResolvedAgentConfig {
  const values: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [name, v] of Object.entries(overrides)) {
    if (paramInfo(name) !== undefined) values[name] = v;
    else if (!RCL_OWN_PARAMETERS.test(name)) ignored.push(unknownParameter(name, false).message);
  }
  for (const p of node.getParameters()) if (paramInfo(p.name) !== undefined) values[p.name] = p.value;
  return { config: loadConfig({ nodeName: node.fullyQualifiedName, overrides: values }), ignored };
}

/** The URDF file `robot.description_file` names: absolute, or relative to `cwd`; empty = the demo arm. */
export function robotDescriptionPath(config: OdraConfig, cwd = process.cwd(), root = packageRoot()): string {
  const f = config.robot.description_file;
  if (f === '') return builtinRobotPath(root);
  if (isAbsolute(f)) return f;
  const inCwd = resolve(cwd, f);
  // a launch from another directory still finds the package's own files (config/robots/...)
  return existsSync(inCwd) ? inCwd : resolve(root, f);
}

/** Loads the URDF and builds the controlled chain; throws UrdfError / ChainError naming the problem. */
export function loadAgentChain(config: OdraConfig, cwd = process.cwd(), root = packageRoot()): RobotChain {
  const robot = loadRobot(robotDescriptionPath(config, cwd, root));
  return buildChain(robot, { baseLink: config.robot.base_link, tipLink: config.robot.tip_link });
}
