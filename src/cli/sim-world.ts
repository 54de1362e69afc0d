/**
 * The embedded demo world, assembled once for `odra sim` (and any command that needs the loop without
 * ROS): configuration → robot → MuJoCo simulator → in-process bus with the simulator node and the
 * agent node on it. Everything talks over the bus exactly as it would over ROS 2.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { AgentSettings } from '../agent/settings.ts';
import { InProcessBus } from '../bus/in-process.ts';
import type { LogRecord } from '../bus/logger.ts';
import { loadConfig } from '../config/load.ts';
import type { OdraConfig } from '../config/schema.ts';
import { AgentNode, type AgentNodeOptions } from '../nodes/agent-node.ts';
import { buildChain, loadRobot, type RobotChain } from '../robot/index.ts';
import type { RobotModel } from '../robot/types.ts';
import { zonesFromParameters } from '../sim/episode-scenario.ts';
import type { KeepOutZone } from '../sim/keep-out.ts';
import { SimNode, type SimCameraOptions } from '../sim/sim-node.ts';
import { Simulator } from '../sim/simulator.ts';
import type { WorldModel } from '../world-model/world-model.ts';
import type { CliStream } from './command.ts';
import { UsageError } from './command.ts';
import { packageRoot } from './package-root.ts';

/** The demo arm's parameter file, relative to the package root. */
export const DEFAULT_CONFIG = 'config/odra_agent.yaml';
/** The built-in robot when robot.description_file is empty. */
export const DEFAULT_URDF = 'config/robots/odra_arm.urdf';

export interface LoadSimConfigOptions {
  /** parameter file; relative paths against `cwd`; default the demo arm's file in the package */
  configFile?: string;
  cwd: string;
  /** dotted-name overrides (`planner.name` → `cem`), applied last */
  overrides?: Readonly<Record<string, unknown>>;
}

/** Loads the agent's configuration; a ConfigError lists every problem. */
export function loadSimConfig(opts: LoadSimConfigOptions): { config: OdraConfig; file: string } {
  const file = opts.configFile === undefined ? join(packageRoot(), DEFAULT_CONFIG) : resolve(opts.cwd, opts.configFile);
  const config = loadConfig({ files: [file], ...(opts.overrides !== undefined ? { overrides: opts.overrides } : {}) });
  return { config, file };
}

/**
 * robot.description_file as a path: absolute as is; relative against the working directory, then
 * against the package root (so the demo works from any directory); empty = the demo arm.
 */
export function resolveRobotFile(descriptionFile: string, cwd: string): string {
  if (descriptionFile === '') return join(packageRoot(), DEFAULT_URDF);
  if (isAbsolute(descriptionFile)) return descriptionFile;
  const candidates = [resolve(cwd, descriptionFile), join(packageRoot(), descriptionFile)];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new UsageError(`robot.description_file: '${descriptionFile}' not found (looked in ${candidates.join(' and ')})`);
  return found;
}

export interface SimWorldOptions {
  config: OdraConfig;
  cwd: string;
  /** realtime bus (wall clock) instead of the manual lockstep clock */
  realtime?: boolean;
  /** seed of the planners and of the joint-state shuffling */
  seed?: number;
  camera?: SimCameraOptions | false;
  /** where node warnings and errors go (default: nowhere) */
  log?: CliStream;
  createModel?: (settings: AgentSettings, latentDim: number) => WorldModel;
  /** more agent node options (a perception latent: latentDim and latentSource) */
  agentOptions?: Pick<AgentNodeOptions, 'latentDim' | 'latentSource'>;
  /** the robot, when the caller loaded it already */
  arm?: Arm;
}

export interface SimWorld {
  config: OdraConfig;
  robot: RobotModel;
  robotFile: string;
  chain: RobotChain;
  sim: Simulator;
  bus: InProcessBus;
  simNode: SimNode;
  agentNode: AgentNode;
  /** configured keep-out zones (base frame) */
  keepOut: KeepOutZone[];
  dispose(): void;
}

export interface Arm {
  robot: RobotModel;
  robotFile: string;
  /** the agent's chain (links fixed to the base off the chain are environment, see robot/kinematics.ts) */
  chain: RobotChain;
}

/** Reads the configured robot and builds the agent's chain (cheap: no simulator). */
export function loadArm(config: OdraConfig, cwd: string): Arm {
  const robotFile = resolveRobotFile(config.robot.description_file, cwd);
  const robot = loadRobot(robotFile);
  const chain = buildChain(robot, {
    baseLink: config.robot.base_link,
    tipLink: config.robot.tip_link,
  });
  return { robot, robotFile, chain };
}

export async function createSimWorld(opts: SimWorldOptions): Promise<SimWorld> {
  const { config } = opts;
  const { robot, robotFile, chain } = opts.arm ?? loadArm(config, opts.cwd);
  const sim = await Simulator.create({
    robot,
    urdfPath: robotFile,
    commandInterface: config.control.command_interface,
    jointNames: [...chain.jointNames],
  });
  const log = opts.log;
  const bus = new InProcessBus({
    clock: opts.realtime === true ? 'realtime' : 'manual',
    logLevel: 'warn',
    logSink: (r: LogRecord) => log?.write(`[${r.level.toUpperCase()}] [${r.logger}]: ${r.msg}\n`),
  });
  // the simulator node first: at equal times its timers run before the agent's, so each tick plans
  // from the state of that same instant
  const simNode = new SimNode(bus.createNode('odra_sim'), sim, {
    camera: opts.camera ?? {},
    shuffleSeed: opts.seed ?? 1,
    topics: {
      jointStates: config.topics.joint_states,
      positionCommands: config.topics.position_commands,
      velocityCommands: config.topics.velocity_commands,
      jointTrajectory: config.topics.joint_trajectory,
      image: config.topics.image,
    },
  });
  let agentNode: AgentNode;
  try {
    agentNode = new AgentNode(bus.createNode('odra_agent'), config, {
      chain,
      seed: opts.seed ?? 1,
      ...(opts.createModel !== undefined ? { createModel: opts.createModel } : {}),
      ...opts.agentOptions,
    });
  } catch (e) {
    bus.destroy();
    sim.dispose();
    throw e;
  }
  return {
    config,
    robot,
    robotFile,
    chain,
    sim,
    bus,
    simNode,
    agentNode,
    keepOut: zonesFromParameters(config.keep_out.boxes, config.keep_out.spheres),
    dispose: () => {
      bus.destroy();
      sim.dispose();
    },
  };
}
