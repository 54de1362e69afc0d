/**
 * `odra sim`: the whole loop without ROS. The embedded MuJoCo simulator and the agent node run on the
 * in-process bus; seeded episodes (or a scenario file) send goals to the agent over its topics, and
 * success and violations are judged from the simulator's true state.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../command.ts';
import { UsageError } from '../command.ts';

export const summary = 'run the agent against the embedded simulator and report success, violations and timing';

const USAGE = `Usage: odra sim [options]

Runs seeded episodes of the demo arm (or of --config's robot) in the embedded MuJoCo simulator:
each episode starts the arm somewhere, sends the agent a goal and measures whether the goal is
reached, from the simulator's true state.

Options:
  --episodes N          episodes to run (default 10; with --scenario: every episode of the file)
  --seed S              seed of the start/goal draws and the planners (default 1)
  --goal joints|pose|image
                        goal kind of drawn episodes (default pose; pose goals are reachable: FK of a
                        joint goal; image: the goal is only the camera's view of the arm at a goal
                        configuration, with --world-model learned:DIR)
  --planner NAME        planner (default: the configuration's planner.name)
  --config FILE         parameter file (default: the demo arm's config/odra_agent.yaml)
  --scenario FILE       episodes from a JSON file instead of drawing them (see README)
  --max-ticks N         control ticks before an episode counts as failed (default 200)
  --warmup-ticks N      control ticks run on the first episode's task before the episodes, not
                        counted anywhere, so JIT compilation is not reported as planning time (default 20)
  --world-model KIND    world model of the agent: kinematic, or learned:DIR (a directory written by
                        'odra train'; goals are then images, see docs/learning.md). Default: the
                        configuration's. The simulator itself is always MuJoCo.
  -p, --param N:=V      set any parameter, e.g. -p planner.samples:=128 (repeatable)
  --realtime            run at wall-clock speed (default: as fast as possible, in lockstep)
  --record FILE.mcap    record images, joint states, commands, goals and cost terms
  --json                print one JSON object with the summary on stdout
  -h, --help            show this help
`;

const OPTIONS = {
  episodes: { type: 'string' },
  seed: { type: 'string' },
  goal: { type: 'string' },
  planner: { type: 'string' },
  config: { type: 'string' },
  scenario: { type: 'string' },
  'max-ticks': { type: 'string' },
  'warmup-ticks': { type: 'string' },
  'world-model': { type: 'string' },
  param: { type: 'string', short: 'p', multiple: true },
  realtime: { type: 'boolean' },
  record: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface SimArgs {
  episodes: number | null;
  seed: number;
  goal: 'joints' | 'pose' | 'image';
  planner: string | null;
  config: string | null;
  scenario: string | null;
  maxTicks: number;
  warmupTicks: number;
  worldModel: string | null;
  params: string[];
  realtime: boolean;
  record: string | null;
  json: boolean;
  help: boolean;
}

function integer(name: string, text: string | undefined, min: number, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < min) {
    throw new UsageError(`--${name}: expected an integer ≥ ${min}, got '${text}'`);
  }
  return v;
}

/** Reads the command line; throws UsageError naming the bad argument. */
export function parseSimArgs(argv: readonly string[]): SimArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see 'odra sim --help')`);
  }
  const v = parsed.values;
  const learned = v['world-model']?.startsWith('learned:') === true;
  const goal = v.goal ?? (learned ? 'image' : 'pose');
  if (goal !== 'joints' && goal !== 'pose' && goal !== 'image') throw new UsageError(`--goal: expected 'joints', 'pose' or 'image', got '${goal}'`);
  if (goal === 'image' && !learned) throw new UsageError(`--goal image needs a learned world model: --world-model learned:DIR (a directory written by 'odra train')`);
  if (learned && goal !== 'image') throw new UsageError(`--world-model learned:DIR plans toward goal images only: use --goal image (got --goal ${goal})`);
  if (learned && v['world-model']!.length <= 'learned:'.length) throw new UsageError(`--world-model learned:DIR: the directory is missing`);
  if (learned) {
    const unsupported = (['scenario', 'record', 'realtime'] as const).filter((k) => v[k] !== undefined && v[k] !== false);
    if (unsupported.length > 0) throw new UsageError(`--goal image: ${unsupported.map((k) => `--${k}`).join(', ')} not supported with goal images`);
  }
  if (v.record !== undefined && !v.record.endsWith('.mcap')) throw new UsageError(`--record: the file name must end in .mcap, got '${v.record}'`);
  return {
    episodes: v.episodes === undefined ? null : integer('episodes', v.episodes, 1, 0),
    seed: integer('seed', v.seed, 0, 1),
    goal,
    planner: v.planner ?? null,
    config: v.config ?? null,
    scenario: v.scenario ?? null,
    maxTicks: integer('max-ticks', v['max-ticks'], 1, 200),
    warmupTicks: integer('warmup-ticks', v['warmup-ticks'], 0, 20),
    worldModel: v['world-model'] ?? null,
    params: v.param ?? [],
    realtime: v.realtime === true,
    record: v.record ?? null,
    json: v.json === true,
    help: v.help === true,
  };
}

function subtractCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(after)) out[k] = n - (before[k] ?? 0);
  return out;
}

/** A one-line progress bar on stderr, redrawn in place. */
function progressBar(io: CliIo, total: number): { update(done: number, reached: number): void; end(): void } {
  const enabled = io.stderr.isTTY === true;
  return {
    update(done, reached) {
      if (!enabled) return;
      const width = 24;
      const fill = Math.round((done / total) * width);
      io.stderr.write(`\r  [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} episodes, ${reached} reached`);
    },
    end() {
      if (enabled) io.stderr.write('\n');
    },
  };
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseSimArgs(argv);
  if (args.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  // heavy modules (MuJoCo, planners) load only when the command runs
  const [{ ConfigError, parseOverrideArgs }, { plannerNames }, { createSimWorld, loadArm, loadSimConfig }, episodeMod, scenarioMod, samplingMod, { Rng }, report] =
    await Promise.all([
      import('../../config/index.ts'),
      import('../../planner/registry.ts'),
      import('../sim-world.ts'),
      import('../../sim/episode.ts'),
      import('../../sim/episode-scenario.ts'),
      import('../../sim/episode-sampling.ts'),
      import('../../sim/random.ts'),
      import('../sim-report.ts'),
    ]);

  if (args.planner !== null && !plannerNames().includes(args.planner)) {
    throw new UsageError(`--planner: unknown planner '${args.planner}'; registered: ${plannerNames().join(', ')}`);
  }
  if (args.goal === 'image') return runGoalImages(args, io);
  if (args.worldModel !== null && args.worldModel !== 'kinematic') {
    throw new UsageError(`--world-model: expected 'kinematic' or 'learned:DIR', got '${args.worldModel}'`);
  }
  let overrides: Record<string, unknown>;
  let loaded;
  try {
    overrides = parseOverrideArgs(args.params);
    if (args.planner !== null) overrides['planner.name'] = args.planner;
    if (args.worldModel !== null) overrides['world_model.kind'] = args.worldModel;
    loaded = loadSimConfig({ cwd: io.cwd, overrides, ...(args.config !== null ? { configFile: args.config } : {}) });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const config = loaded.config;
  if (config.world_model.kind !== 'kinematic') {
    throw new UsageError(`world_model.kind: odra sim runs the kinematic world model only, got '${config.world_model.kind}'`);
  }

  let arm: import('../sim-world.ts').Arm;
  try {
    arm = loadArm(config, io.cwd);
  } catch (e) {
    // reading and parsing the robot description: any failure is a problem of the input file
    if (e instanceof UsageError) throw e;
    throw new UsageError(`robot: ${(e as Error).message}`);
  }
  // the episodes: from the scenario file (checked before the simulator starts), or drawn later
  let fromFile: import('../../sim/episode-scenario.ts').EpisodeSpec[] | null = null;
  if (args.scenario !== null) {
    try {
      fromFile = scenarioMod.loadScenario(resolve(io.cwd, args.scenario), arm.chain);
    } catch (e) {
      if (e instanceof scenarioMod.ScenarioError) throw new UsageError(e.message);
      throw e;
    }
  }

  let world: import('../sim-world.ts').SimWorld;
  try {
    world = await createSimWorld({
      arm,
      config,
      cwd: io.cwd,
      realtime: args.realtime,
      seed: args.seed,
      camera: args.record !== null ? {} : false,
      log: io.stderr,
    });
  } catch (e) {
    const { SimConfigError } = await import('../../sim/simulator.ts');
    if (e instanceof ConfigError || e instanceof SimConfigError) throw new UsageError(e.message);
    throw e;
  }
  let recorder: import('../bus-recorder.ts').BusRecorder | null = null;
  const runner = new episodeMod.EpisodeRunner({
    bus: world.bus,
    simNode: world.simNode,
    chain: world.chain,
    agentNodeName: world.agentNode.node.fullyQualifiedName,
    controlDtS: 1 / config.control.rate_hz,
    baseFrame: config.robot.base_link,
    keepOut: world.keepOut,
    ...(args.realtime ? {} : { settle: () => world.agentNode.idle() }),
  });
  try {
    let specs: import('../../sim/episode-scenario.ts').EpisodeSpec[];
    let goalLabel: string = args.goal;
    if (fromFile !== null) {
      const given = fromFile;
      specs = Array.from({ length: args.episodes ?? given.length }, (_, k) => given[k % given.length]!);
      goalLabel = 'scenario';
    } else {
      const rng = new Rng(args.seed);
      const checker = new samplingMod.ConfigurationChecker(world.chain, []);
      specs = Array.from({ length: args.episodes ?? 10 }, () => {
        // start and goal outside the guardrail costs' bands, so every drawn task is one the agent may finish
        const { start, goal } = samplingMod.sampleEpisodeJoints(rng, world.chain, world.keepOut, {
          keepOutMarginM: Math.max(0.08, config.cost.keep_out.margin_m + 0.03),
          selfMarginM: config.cost.self_collision.margin_m,
        });
        return {
          start,
          goal: args.goal === 'joints' ? { kind: 'joints', joints: goal } : { kind: 'pose', position: checker.endEffector(goal).position, orientation: null },
          keepOut: [],
        };
      });
    }

    // warm-up: the agent plans the first task for a while before anything is measured or recorded
    if (args.warmupTicks > 0 && specs.length > 0) await runner.run(specs[0]!, args.warmupTicks, false);
    const interventionsBefore = world.agentNode.interventionCounts();

    if (args.record !== null) {
      const { BusRecorder } = await import('../bus-recorder.ts');
      const t = config.topics;
      const agent = world.agentNode.node.fullyQualifiedName;
      const commandTopic =
        config.control.output === 'trajectory'
          ? { topic: t.joint_trajectory, type: 'trajectory_msgs/msg/JointTrajectory' as const }
          : { topic: config.control.command_interface === 'velocity' ? t.velocity_commands : t.position_commands, type: 'std_msgs/msg/Float64MultiArray' as const };
      recorder = await BusRecorder.open(
        world.bus,
        resolve(io.cwd, args.record),
        [
          { topic: t.joint_states, type: 'sensor_msgs/msg/JointState' },
          { topic: t.image, type: 'sensor_msgs/msg/Image', sensor: true },
          { topic: world.simNode.topics.cameraInfo, type: 'sensor_msgs/msg/CameraInfo', sensor: true },
          commandTopic,
          { topic: `${agent}/goal_joints`, type: 'sensor_msgs/msg/JointState' },
          { topic: `${agent}/goal_pose`, type: 'geometry_msgs/msg/PoseStamped' },
          { topic: `${agent}/cost_terms`, type: 'std_msgs/msg/Float64MultiArray' },
          { topic: t.diagnostics, type: 'diagnostic_msgs/msg/DiagnosticArray' },
        ],
        { planner: config.planner.name, goal: goalLabel, seed: String(args.seed), config: loaded.file },
      );
    }

    const planMs: number[] = [];
    world.agentNode.onTick((r) => {
      if (r.telemetry.plan !== null) planMs.push(r.telemetry.plan.ms);
    });
    const bar = progressBar(io, specs.length);
    const results: import('../../sim/episode.ts').EpisodeResult[] = [];
    const wall0 = performance.now();
    let reached = 0;
    bar.update(0, 0);
    for (const spec of specs) {
      const res = await runner.run(spec, spec.maxTicks ?? args.maxTicks);
      results.push(res);
      if (res.success) reached++;
      bar.update(results.length, reached);
    }
    bar.end();
    const wallS = (performance.now() - wall0) / 1000;
    const out = report.summarize({
      results,
      planMs,
      interventions: subtractCounts(world.agentNode.interventionCounts(), interventionsBefore),
      controlHz: config.control.rate_hz,
      planner: config.planner.name,
      goal: goalLabel,
      seed: args.seed,
      warmupTicks: args.warmupTicks,
      wallS,
    });
    if (recorder !== null) {
      const rec = await recorder.close();
      recorder = null;
      out.recording = rec;
    }
    io.stdout.write(args.json ? `${JSON.stringify(out)}\n` : report.formatSummary(out));
    return 0;
  } finally {
    runner.destroy();
    if (recorder !== null) await recorder.close().catch(() => undefined);
    world.dispose();
  }
}

/**
 * `--world-model learned:DIR --goal image`: the simulator, a perception node on the model's encoder and
 * the agent node on the in-process bus (src/cli/sim-goal-image.ts). The agent gets the goal only as the
 * camera's view of the arm at the goal configuration, sent to the perception node's `~/goal_image`;
 * success and violations come from the simulator's true state, as for the other goals.
 */
async function runGoalImages(args: SimArgs, io: CliIo): Promise<number> {
  const [{ ConfigError, parseOverrideArgs }, { plannerNames }, { runGoalImagesOnBus }, { LearnedModelError }, { packageRoot }, report] = await Promise.all([
    import('../../config/index.ts'),
    import('../../planner/registry.ts'),
    import('../sim-goal-image.ts'),
    import('../../world-model/learned.ts'),
    import('../package-root.ts'),
    import('../sim-report.ts'),
  ]);
  if (args.planner !== null && !plannerNames().includes(args.planner)) {
    throw new UsageError(`--planner: unknown planner '${args.planner}'; registered: ${plannerNames().join(', ')}`);
  }
  const modelDir = resolve(io.cwd, args.worldModel!.slice('learned:'.length));
  const configFile = resolve(io.cwd, args.config ?? resolve(packageRoot(), 'config/odra_agent.yaml'));
  let overrides: Record<string, unknown>;
  try {
    overrides = parseOverrideArgs(args.params);
    if (args.planner !== null) overrides['planner.name'] = args.planner;
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const total = args.episodes ?? 10;
  const bar = progressBar(io, total);
  let reached = 0;
  let run;
  try {
    bar.update(0, 0);
    run = await runGoalImagesOnBus({
      modelDir,
      configFile,
      overrides,
      episodes: total,
      seed: args.seed,
      maxTicks: args.maxTicks,
      warmupTicks: args.warmupTicks,
      log: io.stderr,
      onEpisode: (e, r) => {
        if (r.success) reached++;
        bar.update(e + 1, reached);
      },
    });
  } catch (e) {
    if (e instanceof LearnedModelError || e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  } finally {
    bar.end();
  }
  const out = report.summarize({
    results: run.results,
    planMs: run.planMs,
    interventions: run.interventions,
    controlHz: Math.round(run.config.control.rate_hz * 1e6) / 1e6,
    planner: run.config.planner.name,
    goal: 'image',
    seed: args.seed,
    warmupTicks: args.warmupTicks,
    wallS: run.wallS,
  });
  const summary = { ...out, worldModel: `learned:${modelDir}`, heldJoints: run.heldJoints, perception: run.perception };
  io.stdout.write(args.json ? `${JSON.stringify(summary)}\n` : report.formatSummary(out));
  return 0;
}
