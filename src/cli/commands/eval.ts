/**
 * `odra eval`: how good is a learned world model? Offline: latent prediction error at 1, 4 and 16
 * steps against the copy-last-latent baseline, and collapse diagnostics, on the held-out recordings.
 * Closed loop: goal-image episodes in the simulator (success judged by the simulator), and with
 * --subgoals, far goals with and without interpolated latent subgoals.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../command.ts';
import { UsageError } from '../command.ts';

export const summary = 'evaluate a learned world model: latent prediction error, collapse diagnostics, closed-loop goal-image episodes';

const USAGE = `Usage: odra eval --model DIR [options]

Offline (held-out segments of the model's training data, or --data):
  latent prediction error at 1, 4 and 16 steps (open loop, true actions), per dimension divided by
  its std, next to the copy-last-latent baseline; smallest per-dimension std; effective rank.
Closed loop (embedded simulator, no ROS): the goal is the camera image of the arm at a goal
  configuration; the agent plans toward its latent under the latent goal cost (L1) and every
  guardrail; success = end effector within 2 cm of its goal position (simulator ground truth).

Options:
  --model DIR        model directory written by odra train (required)
  --episodes N       closed-loop episodes (default 20; 0 skips the closed loop)
  --seed S           seed of the episodes' start and goal draws (default 3)
  --data FILE...     recordings for the offline metrics (default: the model's own, held-out part)
  --config FILE      agent parameter file (default config/odra_agent.yaml)
  --planner NAME     mppi | cem | gradient | cem+gradient (default: the parameter file's planner.name)
  --max-ticks N      control ticks before an episode counts as missed (default 200, i.e. 10 s)
  --subgoals         also run far goals (half as many episodes, 1.5× the ticks) without subgoals,
                     with latents interpolated from start to goal, and with recorded latents along
                     a shortest path through the training frames (roadmap), and say which helped
  --far              draw far goals for the main run too
  --json             print one JSON object
  -h, --help         show this help
`;

const OPTIONS = {
  model: { type: 'string' },
  episodes: { type: 'string' },
  seed: { type: 'string' },
  data: { type: 'string', multiple: true },
  config: { type: 'string' },
  planner: { type: 'string' },
  'max-ticks': { type: 'string' },
  subgoals: { type: 'boolean' },
  far: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see 'odra eval --help')`);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (v.model === undefined) problems.push('--model DIR is required');
  const episodes = v.episodes === undefined ? 20 : Number(v.episodes);
  if (!Number.isInteger(episodes) || episodes < 0) problems.push(`--episodes: expected an integer ≥ 0, got '${v.episodes}'`);
  const seed = v.seed === undefined ? 3 : Number(v.seed);
  if (!Number.isInteger(seed)) problems.push(`--seed: expected an integer, got '${v.seed}'`);
  const planners = ['mppi', 'cem', 'gradient', 'cem+gradient'];
  if (v.planner !== undefined && !planners.includes(v.planner)) problems.push(`--planner: expected one of ${planners.join(', ')}, got '${v.planner}'`);
  const maxTicks = v['max-ticks'] === undefined ? 200 : Number(v['max-ticks']);
  if (!Number.isInteger(maxTicks) || maxTicks < 1) problems.push(`--max-ticks: expected an integer ≥ 1, got '${v['max-ticks']}'`);
  if (problems.length > 0) throw new UsageError(problems.join('; '));

  const { evaluateLearnedModel } = await import('../../learn/evaluate.ts');
  const { LearnedModelError } = await import('../../world-model/learned.ts');
  const { packageRoot } = await import('../package-root.ts');
  const data = [...(v.data ?? []), ...parsed.positionals].map((f) => resolve(io.cwd, f));
  let report;
  try {
    report = await evaluateLearnedModel({
      modelDir: resolve(io.cwd, v.model!),
      dataFiles: data.length > 0 ? data : null,
      episodes,
      seed,
      agentConfigFile: resolve(io.cwd, v.config ?? resolve(packageRoot(), 'config/odra_agent.yaml')),
      ...(v.planner !== undefined ? { planner: v.planner } : {}),
      far: v.far === true,
      maxTicks,
      compareSubgoals: v.subgoals === true,
      onEpisode: (label, e) =>
        io.stderr.write(
          `${label} episode ${e.index + 1}: ${e.success ? 'reached' : 'missed '} ee ${(e.startEeErrM * 100).toFixed(1)} → ${(e.finalEeErrM * 100).toFixed(1)} cm in ${e.ticks} ticks, plan p50 ${e.planMsP50.toFixed(1)} ms\n`,
        ),
    });
  } catch (e) {
    if (e instanceof LearnedModelError) throw new UsageError(e.message);
    throw e;
  }
  if (v.json) {
    io.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  const lines: string[] = [];
  const m = report.latent;
  if (m) {
    lines.push(`latent (dim ${m.latentDim}, ${m.frames} held-out frames, ${m.windows} windows):`);
    m.horizons.forEach((h, i) => {
      const better = m.predictionError[i]! < m.copyLastError[i]!;
      lines.push(`  ${String(h).padStart(2)}-step error ${m.predictionError[i]!.toFixed(3)} std  (copy-last ${m.copyLastError[i]!.toFixed(3)}; ${better ? 'better' : 'NOT better'}), joints ${(m.jointErrorRad[i]! * 1000).toFixed(1)} mrad`);
    });
    lines.push(`  smallest per-dim std ${m.minStd.toFixed(3)}, effective rank ${m.effectiveRank.toFixed(1)} of ${m.latentDim}`);
  }
  const line = (label: string, r: NonNullable<typeof report.closedLoop>): string =>
    `${label}: success ${(r.successRate * 100).toFixed(0)}% of ${r.episodes.length}, final EE error median ${(r.medianFinalEeErrM * 100).toFixed(1)} cm, ` +
    `violations limit ${r.limitViolationTicks} keep-out ${r.keepOutViolationTicks}, plan p50 ${r.planMsP50.toFixed(1)} ms p95 ${r.planMsP95.toFixed(1)} ms`;
  if (report.closedLoop) lines.push(line(`closed loop (${report.closedLoop.settings.planner}, seed ${seed})`, report.closedLoop));
  if (report.hierarchy) {
    lines.push(line('far goals, flat', report.hierarchy.flat));
    lines.push(line('far goals, interpolated subgoals', report.hierarchy.subgoals));
    if (report.hierarchy.roadmap) lines.push(line('far goals, roadmap subgoals', report.hierarchy.roadmap));
    const h = report.hierarchy.helps;
    lines.push(`interpolated subgoals help: ${h.interpolated ? 'yes' : 'no'}; roadmap subgoals help: ${h.roadmap === null ? 'not run (no recordings)' : h.roadmap ? 'yes' : 'no'}`);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
