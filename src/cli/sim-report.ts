/** The summary of an `odra sim` run: numbers for machines (`--json`) and a table for people. */
import type { EpisodeResult } from '../sim/episode.ts';

export interface SimSummary {
  episodes: number;
  /** episodes whose goal was reached before the tick limit, over episodes */
  successRate: number;
  /** s of simulated time from goal to success, over the successful episodes (null when none) */
  timeToGoalS: { mean: number; p95: number } | null;
  /** largest joint error at the end of each joint-goal episode, rad (null without joint goals) */
  finalJointErrorRad: { mean: number; max: number } | null;
  /** end-effector distance to the goal at the end of each episode, m */
  finalEeErrorM: { mean: number; max: number } | null;
  /** joint-state samples (at the simulator's rate) with a joint beyond its URDF limit */
  limitViolations: number;
  /** joint-state samples with a robot shape inside a keep-out zone */
  keepOutViolations: number;
  /** safety-filter interventions by kind over the run */
  interventions: Record<string, number>;
  /** planning time per tick, ms (null when nothing was planned) */
  planMs: { p50: number; p99: number } | null;
  /** configured control rate, Hz */
  controlHz: number;
  planner: string;
  /** `joints`, `pose`, or `scenario` */
  goal: string;
  seed: number;
  /** control ticks run before the episodes and left out of every number */
  warmupTicks: number;
  /** control ticks run, all episodes */
  ticks: number;
  /** simulated seconds per wall-clock second */
  realtimeFactor: number;
  /** the MCAP file written with --record, with messages per topic */
  recording?: { path: string; messages: Record<string, number>; dropped: number };
}

/** q-quantile by linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

function mean(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function round(x: number, digits = 6): number {
  return Number(x.toPrecision(digits));
}

export interface SummaryInputs {
  results: readonly EpisodeResult[];
  planMs: readonly number[];
  interventions: Record<string, number>;
  controlHz: number;
  planner: string;
  goal: string;
  seed: number;
  warmupTicks: number;
  wallS: number;
}

export function summarize(x: SummaryInputs): SimSummary {
  const r = x.results;
  const ok = r.filter((e) => e.success);
  const times = ok.map((e) => e.timeToGoalS!);
  const jointErrs = r.flatMap((e) => (e.finalJointErrorRad === null ? [] : [e.finalJointErrorRad]));
  const eeErrs = r.map((e) => e.finalEeErrorM);
  const ticks = r.reduce((a, e) => a + e.ticks, 0);
  const interventions: Record<string, number> = {};
  for (const [k, n] of Object.entries(x.interventions)) if (n > 0) interventions[k] = n;
  return {
    episodes: r.length,
    successRate: r.length === 0 ? 0 : round(ok.length / r.length),
    timeToGoalS: times.length === 0 ? null : { mean: round(mean(times)), p95: round(quantile(times, 0.95)) },
    finalJointErrorRad: jointErrs.length === 0 ? null : { mean: round(mean(jointErrs)), max: round(Math.max(...jointErrs)) },
    finalEeErrorM: eeErrs.length === 0 ? null : { mean: round(mean(eeErrs)), max: round(Math.max(...eeErrs)) },
    limitViolations: r.reduce((a, e) => a + e.limitViolations, 0),
    keepOutViolations: r.reduce((a, e) => a + e.keepOutViolations, 0),
    interventions,
    planMs: x.planMs.length === 0 ? null : { p50: round(quantile(x.planMs, 0.5), 4), p99: round(quantile(x.planMs, 0.99), 4) },
    controlHz: x.controlHz,
    planner: x.planner,
    goal: x.goal,
    seed: x.seed,
    warmupTicks: x.warmupTicks,
    ticks,
    realtimeFactor: x.wallS > 0 ? round(ticks / x.controlHz / x.wallS, 3) : 0,
  };
}

function fixed(x: number, d: number): string {
  return x.toFixed(d);
}

/** The summary as aligned lines for a terminal. */
export function formatSummary(s: SimSummary): string {
  const rows: [string, string][] = [];
  const reached = Math.round(s.successRate * s.episodes);
  rows.push(['success rate', `${fixed(s.successRate * 100, 1)} %  (${reached} of ${s.episodes} goals reached)`]);
  rows.push(['time to goal', s.timeToGoalS === null ? '-' : `mean ${fixed(s.timeToGoalS.mean, 2)} s   p95 ${fixed(s.timeToGoalS.p95, 2)} s`]);
  rows.push(['final EE error', s.finalEeErrorM === null ? '-' : `mean ${fixed(s.finalEeErrorM.mean * 1000, 1)} mm   max ${fixed(s.finalEeErrorM.max * 1000, 1)} mm`]);
  rows.push([
    'final joint error',
    s.finalJointErrorRad === null ? '-' : `mean ${fixed(s.finalJointErrorRad.mean, 4)} rad   max ${fixed(s.finalJointErrorRad.max, 4)} rad`,
  ]);
  rows.push(['limit violations', String(s.limitViolations)]);
  rows.push(['keep-out violations', String(s.keepOutViolations)]);
  const periodMs = 1000 / s.controlHz;
  rows.push(['plan time', s.planMs === null ? '-' : `p50 ${fixed(s.planMs.p50, 1)} ms   p99 ${fixed(s.planMs.p99, 1)} ms   (period ${fixed(periodMs, 1)} ms)`]);
  const iv = Object.entries(s.interventions);
  rows.push(['interventions', iv.length === 0 ? 'none' : iv.map(([k, n]) => `${k} ${n}`).join(', ')]);
  rows.push(['simulated', `${s.ticks} ticks at ${s.controlHz} Hz, ${fixed(s.realtimeFactor, 1)}× real time`]);
  if (s.recording !== undefined) {
    const total = Object.values(s.recording.messages).reduce((a, b) => a + b, 0);
    rows.push(['recorded', `${s.recording.path} (${total} messages)`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  const head = `odra sim: ${s.episodes} episode${s.episodes === 1 ? '' : 's'}, planner ${s.planner}, goal ${s.goal}, seed ${s.seed}`;
  return [head, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), ''].join('\n');
}
