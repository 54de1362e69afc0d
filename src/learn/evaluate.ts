/**
 * Everything `odra eval` reports about a learned world model, as one object: offline latent metrics on
 * held-out recordings, the closed-loop goal-image run, and optionally the far-goal comparison with and
 * without latent subgoals.
 */
import { loadDataset, splitSegments } from './dataset.ts';
import { LatentRoadmap } from './latent-roadmap.ts';
import { FAR_GOALS, loadEpisodeModel, NEAR_GOALS, runGoalImageEpisodes, type GoalImageEpisode, type GoalImageReport, type GoalImageRunOptions, type SubgoalOptions } from './goal-episodes.ts';
import { latentMetrics, type LatentMetrics } from './latent-metrics.ts';
import { resolveTrainConfig } from './train-config.ts';

/** Planner settings the goal-image runs use unless told otherwise (measured in docs/learning.md). */
export const DEFAULT_SUBGOALS: SubgoalOptions = { spacing: 8, reachFraction: 0.5, stallTicks: 20 };

export interface EvaluateOptions {
  modelDir: string;
  /** recordings for the offline metrics; null = the model's own files, held-out segments */
  dataFiles: readonly string[] | null;
  episodes: number;
  seed: number;
  agentConfigFile: string;
  planner?: string;
  far?: boolean;
  compareSubgoals?: boolean;
  /** per episode; far-goal runs get 1.5× as many */
  maxTicks?: number;
  onEpisode?: (label: string, e: GoalImageEpisode) => void;
}

export interface EvaluateReport {
  model: string;
  dataHash: string;
  latent: LatentMetrics | null;
  /** why the offline metrics were skipped */
  latentSkipped?: string;
  closedLoop: GoalImageReport | null;
  /**
   * far goals without subgoals, with interpolated subgoals, and with roadmap subgoals (null without
   * recordings); `helps`: a higher success rate than without, or the same and a lower median error
   */
  hierarchy: { flat: GoalImageReport; subgoals: GoalImageReport; roadmap: GoalImageReport | null; helps: { interpolated: boolean; roadmap: boolean | null } } | null;
}

export async function evaluateLearnedModel(opts: EvaluateOptions): Promise<EvaluateReport> {
  const loaded = await loadEpisodeModel(opts.modelDir, { agentConfigFile: opts.agentConfigFile });
  try {
    const spec = loaded.spec;
    const training = spec.training as { seed?: number; valFraction?: number; data?: Record<string, unknown> };
    let latent: LatentMetrics | null = null;
    let latentSkipped: string | undefined;
    let roadmap: LatentRoadmap | null = null;
    const own = opts.dataFiles === null;
    const files = own ? ((spec.data.files as string[] | undefined) ?? []) : [...opts.dataFiles!];
    if (files.length === 0) latentSkipped = 'no recordings: the model lists none and --data was not given';
    else {
      const cfg = resolveTrainConfig({ data: training.data ?? {} });
      try {
        const ds = await loadDataset(files, {
          jointNames: spec.jointNames,
          topics: { image: cfg.data.imageTopic, jointStates: cfg.data.jointStateTopic, commands: cfg.data.commandTopic },
          width: spec.encoder.image.width,
          height: spec.encoder.image.height,
          dtS: spec.dtS,
          time: cfg.data.time,
        });
        // the model's own data: only the segments it did not train on
        const segs = own ? splitSegments(ds, training.valFraction ?? 0.1, training.seed ?? 1).val : ds.segments.map((_, i) => i);
        latent = await latentMetrics(loaded, ds, segs);
        // the roadmap for far goals: the training segments' frames (what the model has seen)
        if (opts.compareSubgoals && opts.episodes > 0) {
          const train = own ? splitSegments(ds, training.valFraction ?? 0.1, training.seed ?? 1).train : ds.segments.map((_, i) => i);
          roadmap = await LatentRoadmap.fromDataset({ ...ds, segments: train.map((i) => ds.segments[i]!) }, loaded.encoder, loaded.latentDim);
        }
      } catch (e) {
        latentSkipped = e instanceof Error ? e.message : String(e);
      }
    }
    // the agent's parameter file decides planner sizes, budget and cost weights, as for `odra sim --goal image`
    const base: GoalImageRunOptions = {
      model: loaded,
      episodes: opts.episodes,
      seed: opts.seed,
      agentConfigFile: opts.agentConfigFile,
      ...(opts.planner !== undefined ? { planner: { name: opts.planner } } : {}),
      latentGoal: { norm: 'l1' },
      maxTicks: opts.maxTicks ?? 200,
      warmupTicks: 20,
    };
    const farTicks = Math.round(1.5 * (opts.maxTicks ?? 200));
    let closedLoop: GoalImageReport | null = null;
    if (opts.episodes > 0) {
      closedLoop = await runGoalImageEpisodes({
        ...base,
        goals: opts.far ? FAR_GOALS : NEAR_GOALS,
        onEpisode: (e) => opts.onEpisode?.(opts.far ? 'far' : 'near', e),
      });
    }
    let hierarchy: EvaluateReport['hierarchy'] = null;
    if (opts.compareSubgoals && opts.episodes > 0) {
      // far episodes are long: half as many as the main run
      const farEpisodes = Math.max(1, Math.ceil(opts.episodes / 2));
      const far = (label: string, subgoals: SubgoalOptions | null): Promise<GoalImageReport> =>
        runGoalImageEpisodes({ ...base, episodes: farEpisodes, goals: FAR_GOALS, maxTicks: farTicks, subgoals, onEpisode: (e) => opts.onEpisode?.(label, e) });
      const flat = await far('far/flat', null);
      const sub = await far('far/interpolated', DEFAULT_SUBGOALS);
      const road = roadmap !== null ? await far('far/roadmap', { ...DEFAULT_SUBGOALS, roadmap }) : null;
      const better = (r: GoalImageReport): boolean => r.successRate > flat.successRate || (r.successRate === flat.successRate && r.medianFinalEeErrM < flat.medianFinalEeErrM);
      hierarchy = { flat, subgoals: sub, roadmap: road, helps: { interpolated: better(sub), roadmap: road !== null ? better(road) : null } };
    }
    return {
      model: opts.modelDir,
      dataHash: String(spec.data.hash ?? ''),
      latent,
      ...(latentSkipped !== undefined ? { latentSkipped } : {}),
      closedLoop,
      hierarchy,
    };
  } finally {
    await loaded.model.dispose();
    await loaded.encoder.dispose();
  }
}
