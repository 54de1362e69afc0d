/**
 * A learned world model of the size odra trains by default (`odra train`: predictor hidden [256, 256],
 * silu) on a 64-d latent plus 6-DoF proprioception, with random weights: the real LearnedWorldModel,
 * rolling out and differentiating through its fused ONNX Runtime graphs (one call per rollout and one
 * per VJP, src/world-model/learned-rollout-onnx.ts), as a model loaded from disk does.
 */
import { InferenceSession } from 'onnxruntime-node';
import type { OnnxProviderName } from '../../src/compute/onnx-providers.ts';
import { buildPredictorOnnx } from '../../src/learn/onnx-export.ts';
import { LEARNED_MODEL_FORMAT, LEARNED_MODEL_VERSION, type LearnedModelJson, type MlpWeights, type PredictorSpec } from '../../src/world-model/learned-format.ts';
import { LearnedWorldModel } from '../../src/world-model/learned.ts';
import { randomF32, rng } from '../stats.ts';

export const MLP_LATENT_DIM = 64;
export const MLP_DOF = 6;
export const MLP_HIDDEN = [256, 256] as const;

export interface MlpWorld {
  model: LearnedWorldModel;
  spec: PredictorSpec;
  /** FLOPs of one predictor forward pass for one state row: Σ 2·in·out over the dense layers */
  flopsPerRow: number;
  threads: number;
  providers: readonly OnnxProviderName[];
  dispose(): Promise<void>;
}

function predictorSpec(): PredictorSpec {
  const D = MLP_LATENT_DIM + 2 * MLP_DOF;
  const A = MLP_DOF;
  const dims = [D + A, ...MLP_HIDDEN, D];
  const layers = dims.slice(1).map((outDim, i) => ({ inDim: dims[i]!, outDim, activation: i === dims.length - 2 ? ('linear' as const) : ('silu' as const) }));
  // residual latent and positions, absolute velocities (as odra train sets them up)
  const keep = [...new Array<number>(MLP_LATENT_DIM + MLP_DOF).fill(1), ...new Array<number>(MLP_DOF).fill(0)];
  const outputScale = [...new Array<number>(MLP_LATENT_DIM).fill(0.05), ...new Array<number>(MLP_DOF).fill(0.05), ...new Array<number>(MLP_DOF).fill(1)];
  return {
    mlp: { layers },
    latentDim: MLP_LATENT_DIM,
    dof: MLP_DOF,
    stateDim: D,
    actionDim: A,
    inputMean: new Array<number>(D + A).fill(0),
    inputScale: new Array<number>(D + A).fill(1),
    keep,
    outputScale,
    outputOffset: new Array<number>(D).fill(0),
    weights: 'predictor.bin',
    onnx: 'predictor.onnx',
  };
}

function randomWeights(spec: PredictorSpec, seed: number): MlpWeights {
  const next = rng(seed);
  return {
    w: spec.mlp.layers.map((l) => randomF32(l.inDim * l.outDim, Math.sqrt(3 / l.inDim), next)),
    b: spec.mlp.layers.map((l) => randomF32(l.outDim, 0.01, next)),
  };
}

/** The model.json a trained directory would hold; only the predictor and dtS matter to the model. */
function modelJson(predictor: PredictorSpec, dtS: number): LearnedModelJson {
  return {
    format: LEARNED_MODEL_FORMAT,
    version: LEARNED_MODEL_VERSION,
    dtS,
    jointNames: Array.from({ length: MLP_DOF }, (_, i) => `joint_${i + 1}`),
    latentDim: MLP_LATENT_DIM,
    actionKind: 'velocity',
    encoder: {
      mlp: { layers: [] },
      // no encoder network: the benchmark feeds latents directly
      image: { width: 1, height: 1, channels: 3, layout: 'nchw', meanImage: [0, 0, 0], std: [1, 1, 1] },
      weights: 'encoder.bin',
      onnx: 'encoder.onnx',
    },
    predictor,
    weightsManifest: [],
    data: {},
    training: { note: 'random weights for benchmarks' },
    metrics: {},
  };
}

/**
 * Builds the model with `threads` ONNX Runtime intra-op threads (the loader's default is 1: planner
 * batches are small) on the given providers.
 */
export async function createMlpWorld(opts: { dtS: number; threads: number; providers: readonly OnnxProviderName[]; seed?: number }): Promise<MlpWorld> {
  const spec = predictorSpec();
  const weights = randomWeights(spec, opts.seed ?? 11);
  const session = await InferenceSession.create(buildPredictorOnnx(spec, weights), {
    executionProviders: [...opts.providers],
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  const model = new LearnedWorldModel(modelJson(spec, opts.dtS), weights, session, { fused: { threads: opts.threads, providers: opts.providers } });
  const flopsPerRow = spec.mlp.layers.reduce((s, l) => s + 2 * l.inDim * l.outDim, 0);
  return { model, spec, flopsPerRow, threads: opts.threads, providers: opts.providers, dispose: () => model.dispose() };
}
