/**
 * Closed-loop goal-image episodes in the embedded simulator, without the bus: the goal is given only as
 * an image (the camera's view of the arm at a goal configuration), encoded to a goal latent; each tick
 * the camera image is encoded and the Agent plans through the learned world model under the latent goal
 * cost (L1) plus every guardrail, and the safety filter has the last word. Success is judged by the
 * simulator alone: the end effector within `successRadiusM` of where it is in the goal configuration,
 * for `settleTicks` consecutive ticks.
 *
 * Hierarchy (first step): with `subgoals`, a far goal is approached through intermediate latents:
 * interpolated linearly between the start latent and the goal latent, or (with a roadmap) the latents
 * of recorded frames along the shortest path through recorded latents (latent-roadmap.ts). The agent
 * moves to the next one when its latent comes within reach of the present one, or stops getting closer.
 */
import { readFileSync } from 'node:fs';
import { Agent } from '../agent/agent.ts';
import { agentSettingsFromConfig } from '../agent/from-config.ts';
import type { AgentSettings } from '../agent/settings.ts';
import { loadConfig } from '../config/load.ts';
import type { OdraConfig } from '../config/schema.ts';
import type { NormKind } from '../cost/norms.ts';
import type { KinematicChain } from '../robot/chain.ts';
import { buildChain } from '../robot/kinematics.ts';
import type { RobotModel } from '../robot/types.ts';
import { parseUrdf } from '../robot/urdf.ts';
import { CameraRenderer } from '../sim/camera.ts';
import type { KeepOutZone } from '../sim/keep-out.ts';
import { Rng } from '../sim/random.ts';
import { Simulator } from '../sim/simulator.ts';
import { loadLearnedWorldModel, type LoadedLearnedWorldModel } from '../world-model/learned.ts';
import type { LatentRoadmap } from './latent-roadmap.ts';
import { sampleClearConfiguration } from './play-recording.ts';
import { ClearanceChecker, DEMO_ARM_REGION, jointRegion, type ClearanceMargins, type JointRegion } from './workspace.ts';

export interface GoalDistance {
  /** end-effector distance between start and goal, m */
  minEeM: number;
  maxEeM: number;
  /** largest per-joint difference between start and goal, rad */
  maxJointRad: number;
}

/** Goals the planner can see from the start: a short reach in joint space. */
export const NEAR_GOALS: GoalDistance = { minEeM: 0.08, maxEeM: 0.35, maxJointRad: 0.6 };
/** Goals across the play region. */
export const FAR_GOALS: GoalDistance = { minEeM: 0.35, maxEeM: 2, maxJointRad: 10 };

/**
 * Joints that change the camera image less than this fraction of the most visible joint's change are held.
 * On the demo scene (64×64 camera) the wrist joints measure 0.10, 0.04 and 0.04: a goal image does not pin
 * them down, and with them free the planner settles wrist_1 up to 2 rad off while the image matches
 * (measured: 10/20 goal-image episodes reached with only wrist_2/3 held, 17/20 with all three held).
 */
export const DEFAULT_VISIBILITY_THRESHOLD = 0.15;

export interface SubgoalOptions {
  /** L1 latent distance between consecutive subgoals */
  spacing: number;
  /** move on when the current latent is within this fraction of `spacing` of the subgoal */
  reachFraction: number;
  /** move on when the distance to the subgoal has not improved by 2 % for this many ticks; 0 = never */
  stallTicks?: number;
  /** recorded latents to route through; without it, subgoals are interpolated in a straight line */
  roadmap?: LatentRoadmap;
}

export interface GoalImageRunOptions {
  /** a model directory written by `odra train`, or an already loaded model */
  modelDir?: string;
  model?: LoadedLearnedWorldModel;
  episodes: number;
  seed: number;
  /** ROS parameter file of the agent (planner, costs, guardrails, keep-out); default config/odra_agent.yaml */
  agentConfigFile?: string;
  /** URDF; default the config's robot.description_file, else config/robots/odra_arm.urdf */
  urdfPath?: string;
  /** region start and goal configurations are drawn from; default the demo arm's play region */
  region?: Readonly<Record<string, readonly [number, number]>>;
  goals?: GoalDistance;
  planner?: Partial<Pick<AgentSettings['planner'], 'name' | 'horizon' | 'iterations' | 'timeBudgetMs'>> & { samples?: number };
  latentGoal?: { weight?: number; norm?: NormKind };
  /**
   * joints the camera barely sees are not part of a visual goal: goals keep their start value and the agent
   * holds them. 'auto' (default): joints whose image change per radian is below `visibilityThreshold` of
   * the most visible joint's; or a list of joint names; [] holds none
   */
  heldJoints?: 'auto' | readonly string[];
  /** default DEFAULT_VISIBILITY_THRESHOLD */
  visibilityThreshold?: number;
  /** parameter overrides on top of the agent's parameter file, e.g. { 'planner.samples': 128 } */
  configOverrides?: Record<string, unknown>;
  /** control ticks on a task of its own before the episodes, not counted (JIT, ONNX Runtime warm-up); default 0 */
  warmupTicks?: number;
  /** ticks before an episode is given up; default 200 (10 s at 20 Hz) */
  maxTicks?: number;
  successRadiusM?: number;
  settleTicks?: number;
  subgoals?: SubgoalOptions | null;
  onEpisode?: (e: GoalImageEpisode) => void;
}

export interface GoalImageEpisode {
  index: number;
  start: number[];
  goal: number[];
  /** joint positions when the episode ended */
  final: number[];
  startEeErrM: number;
  finalEeErrM: number;
  minEeErrM: number;
  success: boolean;
  ticks: number;
  /** simulated time to success, s (null on failure) */
  timeToSuccessS: number | null;
  limitViolationTicks: number;
  keepOutViolationTicks: number;
  maxPenetrationM: number;
  planMsP50: number;
  planMsMax: number;
  /** latent L1 distance to the goal at the start and at the end */
  startLatentDist: number;
  finalLatentDist: number;
  subgoals: number;
  plannerErrors: number;
}

export interface GoalImageReport {
  episodes: GoalImageEpisode[];
  successRate: number;
  meanFinalEeErrM: number;
  medianFinalEeErrM: number;
  limitViolationTicks: number;
  keepOutViolationTicks: number;
  planMsP50: number;
  planMsP95: number;
  planMsP99: number;
  /** safety-filter interventions by kind, all episodes */
  interventions: Record<string, number>;
  settings: {
    planner: string;
    horizon: number;
    samples: number;
    iterations: number;
    latentGoalWeight: number;
    latentGoalNorm: string;
    controlDtS: number;
    goals: GoalDistance;
    /** roadmap: its number of recorded latents (0 = interpolated subgoals) */
    subgoals: { spacing: number; reachFraction: number; stallTicks: number; roadmap: number } | null;
    successRadiusM: number;
    settleTicks: number;
    maxTicks: number;
    /** image change per radian of each joint relative to the most visible one */
    jointVisibility: number[];
    heldJoints: string[];
  };
}

function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

/**
 * How much each joint changes the camera image: the mean absolute change of the rgb8 bytes for a step of
 * `stepRad`, averaged over configurations, relative to the most visible joint (1).
 */
export function jointVisibility(sim: Simulator, camera: CameraRenderer, configs: readonly Float64Array[], stepRad = 0.1): number[] {
  const dof = sim.jointNames.length;
  const pos = new Float64Array(3);
  const mat = new Float64Array(9);
  const render = (q: ArrayLike<number>): Uint8Array => {
    sim.reset(q);
    sim.cameraPose(pos, mat);
    return camera.render(sim.geomPoses(), pos, mat, 0).data;
  };
  const change = new Array<number>(dof).fill(0);
  for (const q of configs) {
    const base = render(q);
    for (let j = 0; j < dof; j++) {
      const moved = Float64Array.from(q);
      moved[j]! += stepRad;
      const img = render(moved);
      let d = 0;
      for (let i = 0; i < img.length; i++) d += Math.abs(img[i]! - base[i]!);
      change[j]! += d;
    }
  }
  const top = Math.max(...change);
  return change.map((c) => (top > 0 ? c / top : 0));
}

/**
 * The robot with the held joints' velocity limits near zero, so planner and safety filter keep them still.
 */
export function robotHoldingJoints(robot: RobotModel, held: readonly string[], speedRadS = 1e-4): RobotModel {
  return { ...robot, joints: robot.joints.map((j) => (held.includes(j.name) ? { ...j, limits: { ...j.limits, velocity: speedRadS } } : j)) };
}

/**
 * The robot with soft joint limits at the edges of the model's support (see LearnedModelJson.support),
 * intersected with any soft limits it has: planner and safety filter then keep the arm where the model
 * has seen data.
 */
export function robotWithinSupport(robot: RobotModel, jointNames: readonly string[], support: { lower: readonly number[]; upper: readonly number[] }): RobotModel {
  return {
    ...robot,
    joints: robot.joints.map((j) => {
      const k = jointNames.indexOf(j.name);
      if (k < 0) return j;
      const lo = Math.max(support.lower[k]!, j.limits.softLower ?? -Infinity);
      const hi = Math.min(support.upper[k]!, j.limits.softUpper ?? Infinity);
      return { ...j, limits: { ...j.limits, softLower: lo, softUpper: hi } };
    }),
  };
}

/** The table top of the demo scene as a keep-out box (top face at z = 0 in base_link): the chain treats the table as environment. */
export const DEMO_TABLE_BOX = [-0.35, -0.6, -0.1, 1.05, 0.6, 0.0];

/** Clearance margins of drawn start and goal configurations. */
export const GOAL_PAIR_MARGINS: ClearanceMargins = { zoneM: 0.08, tableM: 0.06, selfM: 0 };

/**
 * Which joints a goal image can specify: the image change per radian of each joint, measured on
 * configurations of the region (drawn with the run's own seed), and the joints held (see heldJoints).
 */
export function heldJoints(
  sim: Simulator,
  camera: CameraRenderer,
  chain: KinematicChain,
  region: JointRegion,
  checker: ClearanceChecker,
  margins: ClearanceMargins,
  opts: Pick<GoalImageRunOptions, 'seed' | 'heldJoints' | 'visibilityThreshold'>,
): { visibility: number[]; heldNames: string[]; held: Uint8Array } {
  const names = [...chain.jointNames];
  const probe = new Rng(opts.seed + 7919);
  const probes: Float64Array[] = [];
  for (let i = 0; i < 8; i++) {
    const q0 = new Float64Array(chain.dof);
    if (sampleClearConfiguration(probe, region, checker, margins, q0)) probes.push(q0);
  }
  const visibility = jointVisibility(sim, camera, probes);
  const threshold = opts.visibilityThreshold ?? DEFAULT_VISIBILITY_THRESHOLD;
  const heldNames = opts.heldJoints === undefined || opts.heldJoints === 'auto' ? names.filter((_, j) => visibility[j]! < threshold) : [...opts.heldJoints];
  return { visibility, heldNames, held: Uint8Array.from(names, (n) => (heldNames.includes(n) ? 1 : 0)) };
}

export interface Setup {
  cfg: OdraConfig;
  robot: RobotModel;
  urdfXml: string;
  urdfPath: string;
  chain: KinematicChain;
  /** the model's support as soft limits (see robotWithinSupport) */
  supportRobot: RobotModel;
  settings: AgentSettings;
  zones: KeepOutZone[];
  configBoxes: Float64Array;
  /** where starts and goals are drawn: the play region within the model's support */
  drawRegion: JointRegion;
}

/** The agent configuration the episodes run under (opts.agentConfigFile and configOverrides). */
function episodeConfig(opts: Pick<GoalImageRunOptions, 'agentConfigFile' | 'configOverrides'>): OdraConfig {
  return loadConfig({ files: [opts.agentConfigFile ?? 'config/odra_agent.yaml'], ...(opts.configOverrides !== undefined ? { overrides: opts.configOverrides } : {}) });
}

/** Loads a model directory for episodes with the configuration's `world_model.threads`, as the agent does. */
export async function loadEpisodeModel(modelDir: string, opts: Pick<GoalImageRunOptions, 'agentConfigFile' | 'configOverrides'>): Promise<LoadedLearnedWorldModel> {
  return loadLearnedWorldModel(modelDir, { threads: episodeConfig(opts).world_model.threads });
}

/**
 * The run's configuration, robot, chains and draw region for a model (shared with `odra sim --goal
 * image`); `cfg`: the configuration of opts when the caller has already loaded it.
 */
export function goalImageSetup(opts: GoalImageRunOptions, loaded: LoadedLearnedWorldModel, cfg: OdraConfig = episodeConfig(opts)): Setup {
  const urdfPath = opts.urdfPath ?? (cfg.robot.description_file !== '' ? cfg.robot.description_file : 'config/robots/odra_arm.urdf');
  const urdfXml = readFileSync(urdfPath, 'utf8');
  const robot = parseUrdf(urdfXml, urdfPath);
  const chain = buildChain(robot, { baseLink: cfg.robot.base_link, tipLink: cfg.robot.tip_link });
  const region = jointRegion(chain, opts.region ?? DEMO_ARM_REGION);
  const support = loaded.spec.support ?? { lower: Array.from(region.lower), upper: Array.from(region.upper) };
  const supportRobot = robotWithinSupport(robot, chain.jointNames, support);
  // episodes start and end inside the support too, a little away from its edges
  const inner = 0.05;
  const drawRegion: JointRegion = {
    lower: Float64Array.from(region.lower, (v, j) => Math.min(Math.max(v, support.lower[j]! + inner), region.upper[j]!)),
    upper: Float64Array.from(region.upper, (v, j) => Math.max(Math.min(v, support.upper[j]! - inner), region.lower[j]!)),
  };
  const problems: string[] = [];
  const names = loaded.spec.jointNames;
  if (names.join(',') !== chain.jointNames.join(',')) problems.push(`the model's joints [${names.join(', ')}] differ from the chain's [${chain.jointNames.join(', ')}]`);
  if (problems.length > 0) throw new Error(`goal-image episodes: ${problems.join('; ')}`);
  const base = agentSettingsFromConfig(cfg, opts.seed);
  const p = opts.planner ?? {};
  const configBoxes = Float64Array.from(cfg.keep_out.boxes);
  const settings: AgentSettings = {
    ...base,
    controlDtS: loaded.model.dtS,
    commandInterface: 'velocity',
    planner: {
      ...base.planner,
      name: p.name ?? base.planner.name,
      horizon: p.horizon ?? base.planner.horizon,
      iterations: p.iterations ?? base.planner.iterations,
      timeBudgetMs: p.timeBudgetMs ?? base.planner.timeBudgetMs,
      dtS: 0,
      settings: { ...base.planner.settings, samples: p.samples ?? base.planner.settings.samples },
    },
    cost: {
      ...base.cost,
      latentGoal: { weight: opts.latentGoal?.weight ?? base.cost.latentGoal.weight, norm: opts.latentGoal?.norm ?? 'l1' },
    },
    keepOutBoxes: [...cfg.keep_out.boxes, ...DEMO_TABLE_BOX],
    safety: { ...base.safety, perceptionMaxAgeS: 0 },
  };
  const zones: KeepOutZone[] = [];
  for (let o = 0; o + 6 <= configBoxes.length; o += 6) {
    zones.push({ box: { min: [configBoxes[o]!, configBoxes[o + 1]!, configBoxes[o + 2]!], max: [configBoxes[o + 3]!, configBoxes[o + 4]!, configBoxes[o + 5]!] } });
  }
  return { cfg, robot, urdfXml, urdfPath, chain, supportRobot, settings, zones, configBoxes, drawRegion };
}

/** Start and goal configurations: both clear, the straight joint-space path between them clear, the distances in range. */
export function sampleGoalPair(
  rng: Rng,
  region: JointRegion,
  checker: ClearanceChecker,
  chain: KinematicChain,
  goals: GoalDistance,
  margins: ClearanceMargins,
  /** per joint: 1 = the goal keeps the start value */
  held: Uint8Array = new Uint8Array(chain.dof),
): { start: Float64Array; goal: Float64Array } {
  const dof = chain.dof;
  const start = new Float64Array(dof);
  const goal = new Float64Array(dof);
  const mid = new Float64Array(dof);
  const fk = chain.createFkResult(1);
  const ee = (q: Float64Array): [number, number, number] => {
    chain.fk(q, 1, fk);
    return [fk.eePos[0]!, fk.eePos[1]!, fk.eePos[2]!];
  };
  for (let attempt = 0; attempt < 5000; attempt++) {
    if (!sampleClearConfiguration(rng, region, checker, margins, start)) break;
    for (let j = 0; j < dof; j++) {
      const lo = Math.max(region.lower[j]!, start[j]! - goals.maxJointRad);
      const hi = Math.min(region.upper[j]!, start[j]! + goals.maxJointRad);
      goal[j] = rng.uniform(lo, hi);
      if (held[j]) goal[j] = start[j]!;
    }
    const a = ee(start);
    const b = ee(goal);
    const d = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    if (d < goals.minEeM || d > goals.maxEeM) continue;
    let clear = true;
    for (let k = 0; k <= 20 && clear; k++) {
      for (let j = 0; j < dof; j++) mid[j] = start[j]! + ((goal[j]! - start[j]!) * k) / 20;
      clear = checker.clear(mid, margins);
    }
    if (clear) return { start, goal };
  }
  throw new Error('goal-image episodes: no start/goal pair found in the region with the requested distances');
}

function l1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s;
}

/** Runs goal-image episodes and reports success (judged by the simulator), guardrail violations and plan times. */
export async function runGoalImageEpisodes(opts: GoalImageRunOptions): Promise<GoalImageReport> {
  if (!opts.model && !opts.modelDir) throw new Error('goal-image episodes: give modelDir or model');
  const cfg = episodeConfig(opts);
  const loaded = opts.model ?? (await loadLearnedWorldModel(opts.modelDir!, { threads: cfg.world_model.threads }));
  const s = goalImageSetup(opts, loaded, cfg);
  const { chain, settings } = s;
  const names = [...chain.jointNames];
  const dof = chain.dof;
  const dt = settings.controlDtS;
  const goals = opts.goals ?? NEAR_GOALS;
  const maxTicks = opts.maxTicks ?? 200;
  const radius = opts.successRadiusM ?? 0.02;
  const settleTicks = opts.settleTicks ?? 5;
  const region = s.drawRegion;
  const margins = GOAL_PAIR_MARGINS;
  const checker = new ClearanceChecker(chain, s.configBoxes, 0);
  const sim = await Simulator.create({ robot: s.robot, urdfXml: s.urdfXml, commandInterface: 'velocity', jointNames: names });
  const camera = new CameraRenderer({ width: 64, height: 64 });
  const camPos = new Float64Array(3);
  const camMat = new Float64Array(9);
  const rng = new Rng(opts.seed);
  const fk = chain.createFkResult(1);
  const q = new Float64Array(dof);
  const qd = new Float64Array(dof);
  const episodes: GoalImageEpisode[] = [];
  const allPlanMs: number[] = [];
  const interventions: Record<string, number> = {};
  const encodeView = async (): Promise<Float32Array> => {
    sim.cameraPose(camPos, camMat);
    const img = camera.render(sim.geomPoses(), camPos, camMat, sim.timeS);
    return loaded.encoder.encode(img.data, img.width, img.height);
  };
  const { visibility, heldNames, held } = heldJoints(sim, camera, chain, region, checker, margins, opts);
  const agentChain = buildChain(robotHoldingJoints(s.supportRobot, heldNames), { baseLink: s.cfg.robot.base_link, tipLink: s.cfg.robot.tip_link });
  try {
    const runEpisode = async (e: number, start: Float64Array, goal: Float64Array, maxTicks: number): Promise<GoalImageEpisode & { planMs: number[]; interventions: Record<string, number> }> => {
      const ivs: Record<string, number> = {};
      chain.fk(goal, 1, fk);
      const goalEe = fk.eePos.slice(0, 3);
      sim.reset(goal);
      const zGoal = await encodeView();
      sim.reset(start);
      const z0 = await encodeView();
      const agent = new Agent({ chain: agentChain, settings, latentDim: loaded.latentDim, createModel: () => loaded.model });
      // subgoals: recorded latents along the roadmap, or interpolated from the start latent to the goal latent
      const subs: Float64Array[] = [];
      const dist0 = l1(z0, zGoal);
      if (opts.subgoals && dist0 > opts.subgoals.spacing) {
        if (opts.subgoals.roadmap) subs.push(...opts.subgoals.roadmap.subgoals(z0, zGoal, opts.subgoals.spacing));
        else {
          const n = Math.ceil(dist0 / opts.subgoals.spacing);
          for (let i = 1; i < n; i++) subs.push(Float64Array.from(z0, (v, j) => v + ((zGoal[j]! - v) * i) / n));
        }
      }
      subs.push(Float64Array.from(zGoal));
      let subBest = Infinity;
      let subStalled = 0;
      let sub = 0;
      agent.setGoal({ latent: subs[0]! });
      const planMs: number[] = [];
      let limitTicks = 0;
      let keepOutTicks = 0;
      let maxPen = 0;
      let settled = 0;
      let minErr = Infinity;
      let err = Infinity;
      let startErr = NaN;
      let success = false;
      let tick = 0;
      let z = z0;
      for (tick = 0; tick < maxTicks; tick++) {
        const now = tick * dt;
        sim.jointPositions(q);
        sim.jointVelocities(qd);
        chain.fk(q, 1, fk);
        err = Math.hypot(fk.eePos[0]! - goalEe[0]!, fk.eePos[1]! - goalEe[1]!, fk.eePos[2]! - goalEe[2]!);
        if (tick === 0) startErr = err;
        minErr = Math.min(minErr, err);
        settled = err <= radius ? settled + 1 : 0;
        if (settled >= settleTicks) {
          success = true;
          break;
        }
        if (tick > 0) z = await encodeView();
        if (opts.subgoals && sub < subs.length - 1) {
          const d = l1(z, subs[sub]!);
          if (d < 0.98 * subBest) {
            subBest = d;
            subStalled = 0;
          } else subStalled++;
          const stall = opts.subgoals.stallTicks ?? 0;
          if (d < opts.subgoals.reachFraction * opts.subgoals.spacing || (stall > 0 && subStalled >= stall)) {
            sub++;
            subBest = Infinity;
            subStalled = 0;
            agent.setGoal({ latent: subs[sub]! });
          }
        }
        const out = await agent.step(now, { jointState: { stampS: now, names, position: q, velocity: qd }, latent: { stampS: now, z } });
        if (out.telemetry.plan) planMs.push(out.telemetry.plan.ms);
        for (const iv of out.telemetry.interventions) ivs[iv.kind] = (ivs[iv.kind] ?? 0) + 1;
        if (out.command.publish) sim.setCommand(out.command.values);
        sim.step(dt);
        if (sim.limitViolations() > 0) limitTicks++;
        if (s.zones.length > 0) {
          const pen = sim.keepOutPenetration(s.zones);
          if (pen > 0) keepOutTicks++;
          maxPen = Math.max(maxPen, pen);
        }
      }
      const ep: GoalImageEpisode = {
        index: e,
        start: Array.from(start),
        goal: Array.from(goal),
        final: Array.from(q),
        startEeErrM: startErr,
        finalEeErrM: err,
        minEeErrM: minErr,
        success,
        ticks: tick,
        timeToSuccessS: success ? tick * dt : null,
        limitViolationTicks: limitTicks,
        keepOutViolationTicks: keepOutTicks,
        maxPenetrationM: maxPen,
        planMsP50: percentile(planMs, 0.5),
        planMsMax: planMs.length > 0 ? Math.max(...planMs) : 0,
        startLatentDist: dist0,
        finalLatentDist: l1(z, zGoal),
        subgoals: subs.length - 1,
        plannerErrors: agent.plannerErrorCount,
      };
      return { ...ep, planMs, interventions: ivs };
    };
    // warm-up (JIT, ONNX Runtime): one task drawn from its own seed, nothing of it counted
    const warmupTicks = opts.warmupTicks ?? 0;
    if (warmupTicks > 0) {
      const pair = sampleGoalPair(new Rng(opts.seed + 104_729), region, checker, chain, goals, margins, held);
      await runEpisode(-1, pair.start, pair.goal, warmupTicks);
    }
    for (let e = 0; e < opts.episodes; e++) {
      const { start, goal } = sampleGoalPair(rng, region, checker, chain, goals, margins, held);
      const { planMs, interventions: ivs, ...ep } = await runEpisode(e, start, goal, maxTicks);
      allPlanMs.push(...planMs);
      for (const [k, n] of Object.entries(ivs)) interventions[k] = (interventions[k] ?? 0) + n;
      episodes.push(ep);
      opts.onEpisode?.(ep);
    }
  } finally {
    sim.dispose();
    if (!opts.model) {
      await loaded.model.dispose();
      await loaded.encoder.dispose();
    }
  }
  const finals = episodes.map((e) => e.finalEeErrM);
  return {
    episodes,
    successRate: episodes.filter((e) => e.success).length / Math.max(1, episodes.length),
    meanFinalEeErrM: finals.reduce((a, b) => a + b, 0) / Math.max(1, finals.length),
    medianFinalEeErrM: percentile(finals, 0.5),
    limitViolationTicks: episodes.reduce((a, e) => a + e.limitViolationTicks, 0),
    keepOutViolationTicks: episodes.reduce((a, e) => a + e.keepOutViolationTicks, 0),
    planMsP50: percentile(allPlanMs, 0.5),
    planMsP95: percentile(allPlanMs, 0.95),
    planMsP99: percentile(allPlanMs, 0.99),
    interventions,
    settings: {
      planner: settings.planner.name,
      horizon: settings.planner.horizon,
      samples: settings.planner.settings.samples,
      iterations: settings.planner.iterations,
      latentGoalWeight: settings.cost.latentGoal.weight,
      latentGoalNorm: settings.cost.latentGoal.norm ?? 'l1',
      controlDtS: dt,
      goals,
      subgoals: opts.subgoals ? { spacing: opts.subgoals.spacing, reachFraction: opts.subgoals.reachFraction, stallTicks: opts.subgoals.stallTicks ?? 0, roadmap: opts.subgoals.roadmap?.size ?? 0 } : null,
      successRadiusM: radius,
      settleTicks,
      maxTicks,
      jointVisibility: visibility,
      heldJoints: heldNames,
    },
  };
}
