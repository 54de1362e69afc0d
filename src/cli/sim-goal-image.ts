/**
 * `odra sim --world-model learned:DIR --goal image` on the bus: the same nodes as a ROS deployment.
 *
 *   SimNode ── camera (control rate) ──► PerceptionNode (the model's encoder.onnx) ──► latent ──► AgentNode
 *   episode driver ── goal image ──► PerceptionNode ~/goal_image ──► goal latent ──► AgentNode
 *   AgentNode (learned world model, latent goal cost + guardrails, safety filter) ── command ──► SimNode
 *
 * Episodes (start and goal configurations, held joints, the model's support as soft limits) are drawn
 * as `odra eval` draws them (src/learn/goal-episodes.ts), so the two report the same tasks; success is
 * the end effector within `successRadiusM` of where it is at the goal configuration, judged by the
 * simulator.
 */
import type { Image } from '../bus/messages.ts';
import { makeHeader } from '../bus/messages.ts';
import { loadConfig } from '../config/load.ts';
import type { OdraConfig } from '../config/schema.ts';
import { buildChain } from '../robot/kinematics.ts';
import { CameraRenderer } from '../sim/camera.ts';
import { EpisodeRunner, type EpisodeResult } from '../sim/episode.ts';
import { zonesFromParameters } from '../sim/episode-scenario.ts';
import { Rng } from '../sim/random.ts';
import { Simulator } from '../sim/simulator.ts';
import { PerceptionNode } from '../nodes/perception-node.ts';
import { learnedEncoderPipeline } from '../ros/learned-model.ts';
import {
  DEMO_TABLE_BOX,
  GOAL_PAIR_MARGINS,
  goalImageSetup,
  heldJoints,
  NEAR_GOALS,
  robotHoldingJoints,
  sampleGoalPair,
  type GoalDistance,
} from '../learn/goal-episodes.ts';
import { ClearanceChecker } from '../learn/workspace.ts';
import { loadLearnedWorldModel } from '../world-model/learned.ts';
import type { CliStream } from './command.ts';
import { createSimWorld, resolveRobotFile } from './sim-world.ts';

export interface BusGoalImageOptions {
  modelDir: string;
  /** the agent's parameter file */
  configFile: string;
  /** parameter overrides (-p name:=value) */
  overrides: Record<string, unknown>;
  episodes: number;
  seed: number;
  maxTicks: number;
  warmupTicks: number;
  goals?: GoalDistance;
  successRadiusM?: number;
  log?: CliStream;
  onEpisode?: (index: number, r: EpisodeResult) => void;
}

export interface BusGoalImageRun {
  results: EpisodeResult[];
  planMs: number[];
  interventions: Record<string, number>;
  config: OdraConfig;
  heldJoints: string[];
  perception: { frames: number; encoded: number; goalImages: number; goalLatents: number };
  wallS: number;
}

export async function runGoalImagesOnBus(opts: BusGoalImageOptions): Promise<BusGoalImageRun> {
  const base = loadConfig({ files: [opts.configFile], overrides: opts.overrides });
  const loaded = await loadLearnedWorldModel(opts.modelDir, { threads: base.world_model.threads });
  // frames are encoded by the perception node, through the model's encoder.onnx
  await loaded.encoder.dispose();
  const urdfPath = resolveRobotFile(base.robot.description_file, process.cwd());
  const s = goalImageSetup({ model: loaded, episodes: opts.episodes, seed: opts.seed, agentConfigFile: opts.configFile, configOverrides: opts.overrides, urdfPath }, loaded, base);
  const dtS = loaded.model.dtS;
  // the agent's parameters: the model's step as the control period, the table top as a keep-out box
  const config = loadConfig({
    files: [opts.configFile],
    overrides: {
      ...opts.overrides,
      'control.rate_hz': 1 / dtS,
      'control.command_interface': 'velocity',
      'keep_out.boxes': [...s.cfg.keep_out.boxes, ...DEMO_TABLE_BOX],
      'cost.latent_goal.norm': 'l1',
    },
  });
  const checker = new ClearanceChecker(s.chain, s.configBoxes, 0);
  const margins = GOAL_PAIR_MARGINS;
  // which joints a goal image specifies, measured once on a simulator of its own
  const camera = new CameraRenderer({ width: 64, height: 64 });
  const probeSim = await Simulator.create({ robot: s.robot, urdfXml: s.urdfXml, commandInterface: 'velocity', jointNames: [...s.chain.jointNames] });
  let held: ReturnType<typeof heldJoints>;
  try {
    held = heldJoints(probeSim, camera, s.chain, s.drawRegion, checker, margins, { seed: opts.seed });
  } finally {
    probeSim.dispose();
  }
  const agentChain = buildChain(robotHoldingJoints(s.supportRobot, held.heldNames), { baseLink: config.robot.base_link, tipLink: config.robot.tip_link });

  let latest: { stampS: number; z: Float32Array } | null = null;
  const world = await createSimWorld({
    config,
    cwd: process.cwd(),
    seed: opts.seed,
    camera: { rateHz: 1 / dtS, width: 64, height: 64 },
    ...(opts.log !== undefined ? { log: opts.log } : {}),
    arm: { robot: s.robot, robotFile: s.urdfPath, chain: agentChain },
    createModel: () => loaded.model,
    agentOptions: {
      latentDim: loaded.latentDim,
      latentSource: () => {
        const l = latest;
        latest = null;
        return l;
      },
    },
  });
  const pipeline = await learnedEncoderPipeline(config, { path: `${opts.modelDir}/${loaded.spec.encoder.onnx}`, latentDim: loaded.latentDim }, (m) => opts.log?.write(`${m}\n`));
  const perception = new PerceptionNode(world.bus.createNode('odra_perception'), pipeline, {
    imageTopic: config.topics.image,
    compressedImageTopic: config.topics.compressed_image,
    maxRateHz: 0,
    onLatent: (stampS, z) => {
      latest = { stampS, z };
    },
    onGoalLatent: (z) => {
      world.agentNode.setGoalLatent(z);
    },
  });
  const runner = new EpisodeRunner({
    bus: world.bus,
    simNode: world.simNode,
    chain: agentChain,
    agentNodeName: world.agentNode.node.fullyQualifiedName,
    controlDtS: dtS,
    baseFrame: config.robot.base_link,
    // violations are counted against the configured zones (the table box is the agent's, not a violation zone)
    keepOut: zonesFromParameters(s.cfg.keep_out.boxes, s.cfg.keep_out.spheres),
    goalImageTopic: '/odra_perception/goal_image',
    eePosTolM: opts.successRadiusM ?? 0.02,
    // as odra eval judges it: within the radius for 5 consecutive ticks
    holdTicks: 5,
    // the camera frame of a tick is encoded before the agent plans the next one; goal images before the first
    settle: async () => {
      await perception.idle();
      await world.agentNode.idle();
    },
  });
  const fk = s.chain.createFkResult(1);
  const pos = new Float64Array(3);
  const mat = new Float64Array(9);
  const goalImage = (q: Float64Array): { image: Image; position: Float64Array } => {
    world.sim.reset(q);
    world.sim.cameraPose(pos, mat);
    const img = camera.render(world.sim.geomPoses(), pos, mat, 0);
    s.chain.fk(q, 1, fk);
    return {
      image: { header: makeHeader(0, 'camera_link'), height: img.height, width: img.width, encoding: 'rgb8', is_bigendian: 0, step: img.width * 3, data: img.data.slice() },
      position: Float64Array.from(fk.eePos.subarray(0, 3)),
    };
  };
  const draw = (rng: Rng): { start: Float64Array; goal: Float64Array } => sampleGoalPair(rng, s.drawRegion, checker, s.chain, opts.goals ?? NEAR_GOALS, margins, held.held);
  try {
    if (opts.warmupTicks > 0) {
      const w = draw(new Rng(opts.seed + 104_729));
      const g = goalImage(w.goal);
      await runner.run({ start: w.start, goal: { kind: 'image', ...g }, keepOut: [] }, opts.warmupTicks, false);
    }
    const before = world.agentNode.interventionCounts();
    const planMs: number[] = [];
    world.agentNode.onTick((r) => {
      if (r.telemetry.plan !== null) planMs.push(r.telemetry.plan.ms);
    });
    const rng = new Rng(opts.seed);
    const results: EpisodeResult[] = [];
    const wall0 = performance.now();
    for (let e = 0; e < opts.episodes; e++) {
      const { start, goal } = draw(rng);
      const g = goalImage(goal);
      const r = await runner.run({ start, goal: { kind: 'image', ...g }, keepOut: [] }, opts.maxTicks);
      results.push(r);
      opts.onEpisode?.(e, r);
    }
    const after = world.agentNode.interventionCounts();
    const interventions: Record<string, number> = {};
    for (const [k, n] of Object.entries(after)) interventions[k] = n - (before[k] ?? 0);
    const c = perception.counters();
    return {
      results,
      planMs,
      interventions,
      config,
      heldJoints: held.heldNames,
      perception: { frames: c.received, encoded: c.encoded, goalImages: c.goal.received, goalLatents: c.goal.encoded },
      wallS: (performance.now() - wall0) / 1000,
    };
  } finally {
    runner.destroy();
    perception.destroy();
    world.dispose();
    await pipeline.dispose();
    await loaded.model.dispose();
  }
}
