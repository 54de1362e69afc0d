/**
 * `odra record`: play data for the learned world model. The embedded simulator moves the arm with
 * smooth random joint velocities (Ornstein–Uhlenbeck) through the safety filter, away from keep-out
 * zones, and records camera images, joint states and executed commands into one MCAP file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../command.ts';
import { UsageError } from '../command.ts';

export const summary = 'record random play in the simulator (camera, joint states, commands) into an MCAP file for odra train';

const USAGE = `Usage: odra record --out FILE.mcap [options]

Runs episodes of smooth random joint-velocity play (Ornstein–Uhlenbeck) in the embedded simulator.
Every command passes the safety filter; motions that would come near a keep-out box, the table or
the arm itself are turned away before they get there. Each control tick records
  <image topic>     sensor_msgs/msg/Image rgb8 64×64
  <joint states>    sensor_msgs/msg/JointState
  <commands>        std_msgs/msg/Float64MultiArray (the executed velocity command)
stamped with simulated time; episodes are one second apart.

Options:
  --out FILE           MCAP file to write (required)
  --episodes N         episodes (default 200)
  --steps-per-episode K  control ticks per episode (default 100)
  --seed S             seed of the start configurations and the noise (default 1)
  --config FILE        agent parameter file: robot, joints, control rate, keep-out boxes
                       (default config/odra_agent.yaml)
  --json               print the summary as one JSON object
  -h, --help           show this help
`;

const OPTIONS = {
  out: { type: 'string' },
  episodes: { type: 'string' },
  'steps-per-episode': { type: 'string' },
  seed: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function intArg(name: string, v: string | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got '${v}'`);
  return n;
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see 'odra record --help')`);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (v.out === undefined) problems.push('--out FILE.mcap is required');
  let episodes = 0;
  let steps = 0;
  let seed = 0;
  try {
    episodes = intArg('episodes', v.episodes, 200, 1);
    steps = intArg('steps-per-episode', v['steps-per-episode'], 100, 2);
    seed = intArg('seed', v.seed, 1, 0);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length > 0) throw new UsageError(problems.join('; '));

  const { loadConfig } = await import('../../config/load.ts');
  const { parseUrdf } = await import('../../robot/urdf.ts');
  const { buildChain } = await import('../../robot/kinematics.ts');
  const { recordPlay } = await import('../../learn/play-recording.ts');
  const { DEMO_ARM_REGION, jointRegion } = await import('../../learn/workspace.ts');
  const { ProgressBar } = await import('../../learn/progress.ts');
  const { packageRoot } = await import('../package-root.ts');

  const configFile = resolve(io.cwd, v.config ?? resolve(packageRoot(), 'config/odra_agent.yaml'));
  const cfg = loadConfig({ files: [configFile] });
  const urdfPath = cfg.robot.description_file !== '' ? resolve(io.cwd, cfg.robot.description_file) : resolve(packageRoot(), 'config/robots/odra_arm.urdf');
  let urdfXml: string;
  try {
    urdfXml = readFileSync(urdfPath, 'utf8');
  } catch {
    throw new UsageError(`robot.description_file: ${urdfPath}: cannot read`);
  }
  const robot = parseUrdf(urdfXml, urdfPath);
  const chain = buildChain(robot, { baseLink: cfg.robot.base_link, tipLink: cfg.robot.tip_link });
  if (cfg.robot.joints.length > 0 && cfg.robot.joints.join(',') !== chain.jointNames.join(',')) {
    throw new UsageError(`robot.joints [${cfg.robot.joints.join(', ')}] must be the chain's actuated joints in order [${chain.jointNames.join(', ')}]`);
  }
  const out = resolve(io.cwd, v.out!);
  const bar = new ProgressBar(io.stderr, 'record', episodes);
  const summary = await recordPlay({
    out,
    episodes,
    stepsPerEpisode: steps,
    seed,
    dtS: 1 / cfg.control.rate_hz,
    robot,
    urdfXml,
    chain,
    keepOutBoxes: Float64Array.from(cfg.keep_out.boxes),
    region: jointRegion(chain, DEMO_ARM_REGION),
    topics: { image: cfg.topics.image, jointStates: cfg.topics.joint_states, commands: cfg.topics.velocity_commands },
    onEpisode: (done, total) => bar.update(done, `episodes ${done}/${total}`, done === total),
  });
  bar.finish();
  if (v.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    io.stdout.write(
      [
        `recorded ${summary.frames} frames in ${summary.episodes} episodes (${summary.simulatedS.toFixed(0)} s simulated) to ${summary.file} in ${summary.wallS.toFixed(1)} s`,
        `safety: ${summary.limitViolationTicks} limit-violation ticks, ${summary.keepOutViolationTicks} keep-out-violation ticks (closest approach ${summary.minZoneClearanceM.toFixed(3)} m), ${summary.redirects} redirects`,
        `filter interventions: ${Object.entries(summary.interventions).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
        summary.droppedMessages > 0 ? `WARNING: ${summary.droppedMessages} messages were dropped` : '',
      ]
        .filter((l) => l !== '')
        .join('\n') + '\n',
    );
  }
  return summary.droppedMessages > 0 ? 1 : 0;
}
