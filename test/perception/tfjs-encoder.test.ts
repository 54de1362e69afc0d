import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectTfBackend } from '../../src/compute/tf-backend.ts';
import { configureEncoder } from '../../src/perception/configure-encoder.ts';
import { PerceptionConfigError } from '../../src/perception/errors.ts';
import { PerceptionPipeline } from '../../src/perception/pipeline.ts';
import { fileIO } from '../../src/perception/tfjs-file-io.ts';
import type { ConvEncoderWeights } from './helpers.ts';
import { convEncoderReference, convEncoderWeights, maxAbsDiff, randomArray, randomBytes, tempDir } from './helpers.ts';

const S = 8;
let dir: string;
let cleanup: () => void;
const path = (name: string): string => join(dir, name);
const weights = convEncoderWeights(3, 6, 5, 31);

/** The helpers' conv encoder as a Keras-style LayersModel (NHWC), weights copied over. */
function layersModel(w: ConvEncoderWeights): tfl.LayersModel {
  const conv = tfl.layers.conv2d({ inputShape: [S, S, w.channels], filters: w.filters, kernelSize: 3, padding: 'same', activation: 'relu' });
  const dense = tfl.layers.dense({ units: w.latent });
  const model = tfl.sequential({ layers: [conv, tfl.layers.globalAveragePooling2d({}), dense] });
  // ONNX kernels are [F, C, kh, kw]; tfjs wants [kh, kw, C, F]. Dense: [D, F] → [F, D].
  const k = new Float32Array(9 * w.channels * w.filters);
  for (let f = 0; f < w.filters; f++) for (let c = 0; c < w.channels; c++) for (let i = 0; i < 9; i++) k[(i * w.channels + c) * w.filters + f] = w.convW[(f * w.channels + c) * 9 + i]!;
  const d = new Float32Array(w.filters * w.latent);
  for (let o = 0; o < w.latent; o++) for (let f = 0; f < w.filters; f++) d[f * w.latent + o] = w.fcW[o * w.filters + f]!;
  conv.setWeights([tf.tensor4d(k, [3, 3, w.channels, w.filters]), tf.tensor1d(w.convB)]);
  dense.setWeights([tf.tensor2d(d, [w.filters, w.latent]), tf.tensor1d(w.fcB)]);
  return model;
}

/** A hand-written GraphModel: mean over H and W, then MatMul to 2 outputs. */
function writeGraphModel(dirPath: string, m: Float32Array): void {
  mkdirSync(dirPath, { recursive: true });
  const topology = {
    node: [
      { name: 'image', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: String(S) }, { size: String(S) }, { size: '3' }] } } } },
      { name: 'axes', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] } } } } },
      { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '3' }, { size: '2' }] } } } } },
      { name: 'mean', op: 'Mean', input: ['image', 'axes'], attr: { keep_dims: { b: false }, T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' } } },
      { name: 'latent', op: 'MatMul', input: ['mean', 'w'], attr: { transpose_a: { b: false }, transpose_b: { b: false }, T: { type: 'DT_FLOAT' } } },
    ],
    versions: { producer: 1 },
  };
  const bin = new Uint8Array(8 + 24);
  new Int32Array(bin.buffer, 0, 2).set([1, 2]);
  new Float32Array(bin.buffer, 8, 6).set(m);
  writeFileSync(join(dirPath, 'w.bin'), bin);
  writeFileSync(
    join(dirPath, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      modelTopology: topology,
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'axes', shape: [2], dtype: 'int32' }, { name: 'w', shape: [3, 2], dtype: 'float32' }] }],
    }),
  );
}

before(async () => {
  ({ dir, cleanup } = tempDir());
  await selectTfBackend();
  const model = layersModel(weights);
  await model.save(fileIO(path('layers/model.json')));
  model.dispose();
  const grey = layersModel(convEncoderWeights(1, 2, 3, 4));
  await grey.save(fileIO(pathToFileURL(path('grey/model.json')).href));
  grey.dispose();
  mkdirSync(path('bad'));
  writeFileSync(path('bad/model.json'), '{"modelTopology": ');
});
after(() => cleanup());

describe('tfjs encoder', () => {
  test('LayersModel through the file IOHandler: same latents as the TypeScript reference (≤ 1e-4)', async () => {
    const p = await PerceptionPipeline.create({ encoder: { kind: 'tfjs', modelPath: path('layers/model.json') } });
    assert.equal(p.encoder.layout, 'nhwc');
    assert.deepEqual(p.encoder.inputShape, [S, S, 3]);
    assert.equal(p.latentDim, 5);
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(tf.getBackend()), tf.getBackend());
    const bytes = randomBytes(S * S * 3, 2);
    const r = await p.encodeMessage({ width: S, height: S, encoding: 'rgb8', is_bigendian: 0, step: 3 * S, data: bytes });
    if (!r.ok) assert.fail(r.detail);
    const nchw = new Float32Array(3 * S * S);
    for (let i = 0; i < S * S; i++) for (let c = 0; c < 3; c++) nchw[c * S * S + i] = bytes[3 * i + c]! / 255;
    const ref = convEncoderReference(weights, nchw, 1, S, S);
    assert.ok(maxAbsDiff(r.latent, ref) <= 1e-4, `max abs error ${maxAbsDiff(r.latent, ref)}`);
    await p.dispose();
  });

  test('GraphModel with a batch', async () => {
    const m = Float32Array.from([1, -1, 2, 0.5, -3, 4]);
    writeGraphModel(path('graph'), m);
    const { encoder } = await configureEncoder({ kind: 'tfjs', modelPath: path('graph/model.json') }, {});
    assert.equal(encoder.latentDim, 2);
    const n = 3;
    const x = randomArray(n * S * S * 3, 8);
    const z = await encoder.encode(x, n);
    const ref: number[] = [];
    for (let b = 0; b < n; b++) {
      const mean = [0, 0, 0];
      for (let i = 0; i < S * S; i++) for (let c = 0; c < 3; c++) mean[c]! += x[(b * S * S + i) * 3 + c]! / (S * S);
      for (let o = 0; o < 2; o++) ref.push(mean[0]! * m[o]! + mean[1]! * m[2 + o]! + mean[2]! * m[4 + o]!);
    }
    assert.ok(maxAbsDiff(z, ref) <= 1e-5, `max abs error ${maxAbsDiff(z, ref)}`);
    await encoder.dispose();
  });

  test('a channel mismatch names the file and both shapes', async () => {
    await assert.rejects(configureEncoder({ kind: 'tfjs', modelPath: path('grey/model.json') }, { channels: 3 }), (e: unknown) => {
      assert.ok(e instanceof PerceptionConfigError, 'PerceptionConfigError');
      assert.match(e.message, /grey\/model\.json: input '.*' expected \[N, 8, 8, 3\] \(nhwc, from preprocessing\), actual \[\?, 8, 8, 1\]: channels 1 != 3/);
      return true;
    });
  });

  test('a corrupt or missing model.json is a configure-time error naming the file', async () => {
    await assert.rejects(configureEncoder({ kind: 'tfjs', modelPath: path('bad/model.json') }, {}), /bad\/model\.json: not a tfjs model\.json/);
    await assert.rejects(configureEncoder({ kind: 'tfjs', modelPath: path('none/model.json') }, {}), /none\/model\.json: not a tfjs model\.json/);
    await assert.rejects(configureEncoder({ kind: 'tfjs', modelPath: 'https://example.invalid/model.json' }, {}), /only local files/);
  });
});
