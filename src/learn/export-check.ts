/**
 * Checks the ONNX export against the tfjs networks it came from: the same images and states through
 * both, the largest absolute difference of the latents and of the next states.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { EncoderSpec, MlpWeights, PredictorSpec } from '../world-model/learned-format.ts';
import { rgb8ToUnitNchw } from '../world-model/learned-image.ts';
import type { Dataset } from './dataset.ts';
import { createBatch, fillBatch, type JepaNetworks } from './jepa.ts';
import { buildEncoderOnnx, buildPredictorOnnx } from './onnx-export.ts';

export interface ExportCheck {
  encoderMaxAbsErr: number;
  predictorMaxAbsErr: number;
  maxAbsErr: number;
  samples: number;
}

export interface ExportContents {
  encoder: Omit<EncoderSpec, 'weights' | 'onnx'>;
  predictor: Omit<PredictorSpec, 'weights' | 'onnx'>;
  encoderWeights: MlpWeights;
  predictorWeights: MlpWeights;
  latentDim: number;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export async function checkExport(nets: JepaNetworks, c: ExportContents, ds: Dataset, starts: Int32Array, n = 32): Promise<ExportCheck> {
  const samples = Math.min(n, starts.length);
  const batch = createBatch(samples, 1, 3 * ds.width * ds.height, ds.dof);
  fillBatch(ds, starts, 0, nets.order, batch);
  const { width: W, height: H } = c.encoder.image;
  const dof = ds.dof;
  const D = c.predictor.stateDim;
  const x = batch.x.subarray(0, samples * 3 * W * H);
  // ONNX takes the same frames as plain NCHW images (its graph rearranges them itself)
  const nchw = new Float32Array(samples * 3 * W * H);
  for (let b = 0; b < samples; b++) rgb8ToUnitNchw(ds.images, starts[b]!, 1, W, H, nchw, b * 3 * W * H);
  const [zTf, nextTf, stateRows] = tf.tidy(() => {
    const z = nets.encode(tf.tensor2d(x, [samples, 3 * W * H]));
    const s = tf.concat([z, tf.tensor2d(batch.q.subarray(0, samples * dof), [samples, dof]), tf.tensor2d(batch.qd.subarray(0, samples * dof), [samples, dof])], 1) as tf.Tensor2D;
    const next = nets.predict(s, tf.tensor2d(batch.a.subarray(0, samples * dof), [samples, dof]));
    return [z.dataSync(), next.dataSync(), s.dataSync()] as [Float32Array, Float32Array, Float32Array];
  });
  const opts: InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: 1 };
  const enc = await InferenceSession.create(buildEncoderOnnx({ ...c.encoder, weights: '', onnx: '' }, c.encoderWeights, c.latentDim), opts);
  const pred = await InferenceSession.create(buildPredictorOnnx({ ...c.predictor, weights: '', onnx: '' }, c.predictorWeights), opts);
  try {
    const zOnnx = (await enc.run({ image: new Tensor('float32', nchw, [samples, 3, H, W]) })).latent!.data as Float32Array;
    const nextOnnx = (
      await pred.run({
        state: new Tensor('float32', Float32Array.from(stateRows), [samples, D]),
        action: new Tensor('float32', Float32Array.from(batch.a.subarray(0, samples * dof)), [samples, dof]),
      })
    ).next_state!.data as Float32Array;
    const e = maxAbsDiff(zTf, zOnnx);
    const p = maxAbsDiff(nextTf, nextOnnx);
    return { encoderMaxAbsErr: e, predictorMaxAbsErr: p, maxAbsErr: Math.max(e, p), samples };
  } finally {
    await enc.release();
    await pred.release();
  }
}
