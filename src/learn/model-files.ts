/**
 * Writing a trained model directory: model.json, one float32 weights file per network (tfjs-style
 * manifest in model.json) and the two ONNX exports. Files are written to a temporary name and renamed,
 * so a reader never sees half a model.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  LEARNED_MODEL_FORMAT,
  LEARNED_MODEL_VERSION,
  mlpWeightEntries,
  packMlpWeights,
  type EncoderSpec,
  type LearnedModelJson,
  type MlpWeights,
  type PredictorSpec,
} from '../world-model/learned-format.ts';
import { buildEncoderOnnx, buildPredictorOnnx } from './onnx-export.ts';

export const MODEL_FILES = {
  json: 'model.json',
  encoderWeights: 'encoder.weights.bin',
  predictorWeights: 'predictor.weights.bin',
  encoderOnnx: 'encoder.onnx',
  predictorOnnx: 'predictor.onnx',
} as const;

export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export interface ModelContents {
  dtS: number;
  jointNames: string[];
  latentDim: number;
  encoder: Omit<EncoderSpec, 'weights' | 'onnx'>;
  predictor: Omit<PredictorSpec, 'weights' | 'onnx'>;
  encoderWeights: MlpWeights;
  predictorWeights: MlpWeights;
  support?: { lower: number[]; upper: number[] };
  data: Record<string, unknown>;
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

/** The model.json object for these contents. */
export function modelJson(c: ModelContents): LearnedModelJson {
  const encoder: EncoderSpec = { ...c.encoder, weights: MODEL_FILES.encoderWeights, onnx: MODEL_FILES.encoderOnnx };
  const predictor: PredictorSpec = { ...c.predictor, weights: MODEL_FILES.predictorWeights, onnx: MODEL_FILES.predictorOnnx };
  return {
    format: LEARNED_MODEL_FORMAT,
    version: LEARNED_MODEL_VERSION,
    dtS: c.dtS,
    jointNames: c.jointNames,
    latentDim: c.latentDim,
    actionKind: 'velocity',
    encoder,
    predictor,
    ...(c.support ? { support: c.support } : {}),
    weightsManifest: [
      { paths: [MODEL_FILES.encoderWeights], weights: mlpWeightEntries('encoder', encoder.mlp) },
      { paths: [MODEL_FILES.predictorWeights], weights: mlpWeightEntries('predictor', predictor.mlp) },
    ],
    data: c.data,
    training: c.training,
    metrics: c.metrics,
  };
}

/** Writes every file of a model directory; model.json last. Returns the JSON written. */
export async function writeModelDir(dir: string, c: ModelContents): Promise<LearnedModelJson> {
  await mkdir(dir, { recursive: true });
  const json = modelJson(c);
  await writeAtomic(join(dir, MODEL_FILES.encoderWeights), packMlpWeights(json.encoder.mlp, c.encoderWeights));
  await writeAtomic(join(dir, MODEL_FILES.predictorWeights), packMlpWeights(json.predictor.mlp, c.predictorWeights));
  await writeAtomic(join(dir, MODEL_FILES.encoderOnnx), buildEncoderOnnx(json.encoder, c.encoderWeights, c.latentDim));
  await writeAtomic(join(dir, MODEL_FILES.predictorOnnx), buildPredictorOnnx(json.predictor, c.predictorWeights));
  await writeAtomic(join(dir, MODEL_FILES.json), `${JSON.stringify(json, null, 1)}\n`);
  return json;
}
