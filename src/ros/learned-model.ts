/**
 * The learned world model on ROS (`world_model.kind: learned`, `world_model.model_dir`: a directory
 * written by `odra train`). The directory is loaded once, before the first configure (a lifecycle
 * callback cannot wait); each configure then checks the model against the configuration and the robot.
 *
 * Camera frames and goal images are encoded by the model's own `encoder.onnx` through the perception
 * pipeline: its `odra.preprocess` metadata sets the input size and scaling, so the `perception.width`,
 * `height`, `mean`, `std`, `layout` and `channel_order` parameters do not apply (any other encoder's
 * latent would mean nothing to the predictor).
 */

import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { OdraConfig } from '../config/schema.ts';
import type { PerceptionPipeline } from '../perception/pipeline.ts';
import type { LearnedWorldModel } from '../world-model/learned.ts';
import { packageRoot } from './agent-config.ts';

/** How far the control period may be from the model's step `dtS`, as a fraction of it (1 %). */
export const DT_TOLERANCE = 0.01;

export interface LearnedAgentModel {
  /** the model directory, absolute */
  dir: string;
  model: LearnedWorldModel;
  latentDim: number;
  /** one predictor step, s */
  dtS: number;
  /** joint order of the model's state and actions */
  jointNames: readonly string[];
  /** the directory's encoder.onnx */
  encoderPath: string;
}

/** `world_model.model_dir`: absolute, or relative to `cwd` (else to the package root, as launch files run elsewhere). */
export function learnedModelDir(config: OdraConfig, cwd = process.cwd(), root = packageRoot()): string {
  const d = config.world_model.model_dir;
  if (isAbsolute(d)) return d;
  const inCwd = resolve(cwd, d);
  return existsSync(inCwd) ? inCwd : resolve(root, d);
}

/** The directory's encoder.onnx (named in its model.json); throws LearnedModelError when model.json is unusable. */
export async function learnedEncoderPath(dir: string): Promise<{ path: string; latentDim: number }> {
  const { readLearnedModelJson } = await import('../world-model/learned.ts');
  const spec = await readLearnedModelJson(dir);
  return { path: join(dir, spec.encoder.onnx), latentDim: spec.latentDim };
}

/** Loads the model directory `config` names (throws LearnedModelError listing every problem). */
export async function loadLearnedAgentModel(config: OdraConfig): Promise<LearnedAgentModel> {
  const { loadLearnedWorldModel } = await import('../world-model/learned.ts');
  const dir = learnedModelDir(config);
  const loaded = await loadLearnedWorldModel(dir, { threads: config.world_model.threads });
  // frames are encoded through the perception pipeline (every image encoding, compressed images, drop counts)
  await loaded.encoder.dispose();
  // the rollout graphs for the configured horizon are built now, not on the first tick (~90 ms)
  await loaded.model.fused?.prepare(config.planner.horizon, config.planner.samples);
  return {
    dir,
    model: loaded.model,
    latentDim: loaded.latentDim,
    dtS: loaded.spec.dtS,
    jointNames: loaded.spec.jointNames,
    encoderPath: join(dir, loaded.spec.encoder.onnx),
  };
}

/**
 * A perception pipeline on the model's encoder.onnx, preprocessed as its metadata says. Throws
 * PerceptionConfigError, or an Error when the encoder's latent size is not the model's.
 */
export async function learnedEncoderPipeline(config: OdraConfig, encoder: { path: string; latentDim: number }, log: (m: string) => void): Promise<PerceptionPipeline> {
  const [{ PerceptionPipeline }, { pipelineConfigFromParams }] = await Promise.all([import('../perception/pipeline.ts'), import('../nodes/perception-node.ts')]);
  // the perception.* parameters but the preprocessing, which comes from the encoder's metadata
  const { config: pc, notices } = pipelineConfigFromParams({ ...config.perception, encoder: 'onnx', model_path: encoder.path });
  for (const n of notices) log(n);
  const pipeline = await PerceptionPipeline.create({ encoder: pc.encoder, maxPixels: config.perception.max_pixels }, { log });
  if (pipeline.latentDim !== encoder.latentDim) {
    await pipeline.dispose();
    throw new Error(`${encoder.path}: latent size ${pipeline.latentDim}, but model.json says ${encoder.latentDim}`);
  }
  const pre = pipeline.preprocess;
  if (pre !== undefined) log(`learned world model encoder ${encoder.path}: ${pre.width}×${pre.height} input from its metadata (perception.width/height/mean/std do not apply)`);
  return pipeline;
}

/**
 * Why the configuration cannot run the loaded model, one line each; empty when it can.
 * `latentDim` is the size of the latents the agent will get (the model's own, or a perception
 * node's in a split deployment).
 */
export function learnedModelProblems(config: OdraConfig, learned: LearnedAgentModel, jointNames: readonly string[], latentDim: number): string[] {
  const problems: string[] = [];
  const controlDtS = 1 / config.control.rate_hz;
  const fmt = (x: number): string => String(Number(x.toPrecision(6)));
  if (Math.abs(controlDtS - learned.dtS) > DT_TOLERANCE * learned.dtS) {
    problems.push(
      `control.rate_hz: the learned world model in ${learned.dir} steps ${fmt(learned.dtS)} s (dtS), but the control period is ` +
        `${fmt(controlDtS)} s (1/${fmt(config.control.rate_hz)} Hz); set control.rate_hz to ${fmt(1 / learned.dtS)}`,
    );
  }
  const plannerDtS = config.planner.dt_s;
  if (plannerDtS > 0 && Math.abs(plannerDtS - learned.dtS) > DT_TOLERANCE * learned.dtS) {
    problems.push(`planner.dt_s: the learned world model steps ${fmt(learned.dtS)} s; set planner.dt_s to 0 (the control period), got ${fmt(plannerDtS)}`);
  }
  if (learned.jointNames.join(',') !== jointNames.join(',')) {
    problems.push(
      `world_model.model_dir: the learned world model in ${learned.dir} was trained on joints [${learned.jointNames.join(', ')}], ` +
        `the agent controls [${jointNames.join(', ')}] (same joints, same order)`,
    );
  }
  if (latentDim !== learned.latentDim) {
    problems.push(
      `the latents have ${latentDim} values, the learned world model in ${learned.dir} takes ${learned.latentDim}: ` +
        `run odra_perception with the same world_model.kind and world_model.model_dir`,
    );
  }
  const enc = config.perception.encoder;
  if (enc === 'tfjs' || (enc === 'onnx' && resolve(config.perception.model_path) !== resolve(learned.encoderPath))) {
    problems.push(
      `perception.encoder: with world_model.kind learned the camera is encoded by the model's own ${learned.encoderPath}; ` +
        `set perception.encoder to none, or to onnx with perception.model_path ${learned.encoderPath}`,
    );
  }
  return problems;
}

/** What the configuration allows but should not, one line each (logged as warnings at configure). */
export function learnedModelWarnings(config: OdraConfig, learned: LearnedAgentModel): string[] {
  if (config.safety.perception_max_age_s > 0) return [];
  return [
    'safety.perception_max_age_s is 0: with a learned world model the agent plans from the newest camera latent however old it is; ' +
      `to hold the arm when the camera stalls set perception.encoder onnx, perception.model_path ${learned.encoderPath} ` +
      'and safety.perception_max_age_s (e.g. 0.5)',
  ];
}
