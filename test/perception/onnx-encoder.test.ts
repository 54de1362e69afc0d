import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOnnxModel } from '../../src/compute/onnx-build.ts';
import { selectOnnxProviders } from '../../src/compute/onnx-providers.ts';
import { configureEncoder } from '../../src/perception/configure-encoder.ts';
import { OnnxEncoder } from '../../src/perception/onnx-encoder.ts';
import { PerceptionConfigError } from '../../src/perception/errors.ts';
import { PerceptionPipeline } from '../../src/perception/pipeline.ts';
import type { ImageMsg } from '../../src/perception/types.ts';
import { convEncoderOnnx, convEncoderReference, convEncoderWeights, maxAbsDiff, randomArray, randomBytes, tempDir } from './helpers.ts';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const S = 8;

let dir: string;
let cleanup: () => void;
const weights = convEncoderWeights(3, 6, 5, 42);
const path = (name: string): string => join(dir, name);

before(() => {
  ({ dir, cleanup } = tempDir());
  writeFileSync(path('enc.onnx'), convEncoderOnnx(weights, S));
  writeFileSync(path('enc-dynamic-hw.onnx'), convEncoderOnnx(weights, undefined));
  writeFileSync(path('enc-batch2.onnx'), convEncoderOnnx(weights, S, { batch: 2 }));
  writeFileSync(path('enc-hinted.onnx'), convEncoderOnnx(weights, S, { metadata: { 'odra.preprocess': JSON.stringify({ mean: MEAN, std: STD }) } }));
  writeFileSync(path('enc-1ch.onnx'), convEncoderOnnx(convEncoderWeights(1, 4, 5, 9), S));
  writeFileSync(path('corrupt.onnx'), randomBytes(2000, 1));
  writeFileSync(
    path('mlp.onnx'),
    buildOnnxModel({
      inputs: [{ name: 'x', shape: ['batch', 12] }],
      outputs: [{ name: 'y', shape: ['batch', 12] }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    }),
  );
});
after(() => cleanup());

/** An rgb8 message and its preprocessed NCHW tensor computed by hand. */
function frame(seed: number): { msg: ImageMsg; nchw: Float32Array } {
  const bytes = randomBytes(S * S * 3, seed);
  const nchw = new Float32Array(3 * S * S);
  for (let p = 0; p < S * S; p++) for (let c = 0; c < 3; c++) nchw[c * S * S + p] = (bytes[3 * p + c]! / 255 - MEAN[c]!) / STD[c]!;
  return { msg: { header: { stamp: { sec: 3, nanosec: 4 }, frame_id: 'cam' }, width: S, height: S, encoding: 'rgb8', is_bigendian: 0, step: 3 * S, data: bytes }, nchw };
}

describe('ONNX encoder', () => {
  test('the same latents on one thread (the default), two, and one per core (threads 0)', async () => {
    const latents: Float32Array[] = [];
    for (const threads of [undefined, 2, 0]) {
      const encoder = threads === undefined ? { kind: 'onnx' as const, modelPath: path('enc.onnx') } : { kind: 'onnx' as const, modelPath: path('enc.onnx'), threads };
      const pipeline = await PerceptionPipeline.create({ encoder, preprocess: { mean: MEAN, std: STD } });
      try {
        const r = await pipeline.encodeMessage(frame(7).msg);
        if (!r.ok) assert.fail(r.detail);
        latents.push(r.latent.slice());
      } finally {
        await pipeline.dispose();
      }
    }
    const ref = convEncoderReference(weights, frame(7).nchw, 1, S, S);
    for (const l of latents) assert.ok(maxAbsDiff(l, ref) <= 1e-4, `max abs error ${maxAbsDiff(l, ref)}`);
  });

  test('camera frame → latent matches a plain TypeScript forward pass (≤ 1e-4)', async () => {
    const pipeline = await PerceptionPipeline.create({ encoder: { kind: 'onnx', modelPath: path('enc.onnx') }, preprocess: { mean: MEAN, std: STD } });
    assert.equal(pipeline.latentDim, 5);
    assert.deepEqual(pipeline.encoder.inputShape, [3, S, S]);
    for (const seed of [1, 2, 3]) {
      const { msg, nchw } = frame(seed);
      const r = await pipeline.encodeMessage(msg);
      if (!r.ok) assert.fail(r.detail);
      const ref = convEncoderReference(weights, nchw, 1, S, S);
      assert.ok(maxAbsDiff(r.latent, ref) <= 1e-4, `max abs error ${maxAbsDiff(r.latent, ref)}`);
      assert.deepEqual(r.stamp, { sec: 3, nanosec: 4 });
    }
    assert.equal(pipeline.counters().encoded, 3);
    await pipeline.dispose();
  });

  test('dynamic batch: one call encodes many samples', async () => {
    const { encoder } = await configureEncoder({ kind: 'onnx', modelPath: path('enc.onnx') }, {});
    const n = 7;
    const x = randomArray(n * 3 * S * S, 11);
    const z = await encoder.encode(x, n);
    assert.equal(z.length, n * 5);
    const ref = convEncoderReference(weights, x, n, S, S);
    assert.ok(maxAbsDiff(z, ref) <= 1e-4, `max abs error ${maxAbsDiff(z, ref)}`);
    await encoder.dispose();
  });

  test('a fixed batch axis is fed in padded chunks', async () => {
    const { encoder } = await configureEncoder({ kind: 'onnx', modelPath: path('enc-batch2.onnx') }, {});
    const x = randomArray(5 * 3 * S * S, 12);
    const z = await encoder.encode(x, 5);
    assert.ok(maxAbsDiff(z, convEncoderReference(weights, x, 5, S, S)) <= 1e-4, 'chunked latents match');
    await encoder.dispose();
  });

  test('dynamic height/width take the configured size', async () => {
    const { encoder, preprocess } = await configureEncoder({ kind: 'onnx', modelPath: path('enc-dynamic-hw.onnx') }, { width: 12, height: 10 });
    assert.deepEqual(encoder.inputShape, [3, 10, 12]);
    assert.equal(preprocess?.layout, 'nchw');
    const x = randomArray(2 * 3 * 10 * 12, 13);
    assert.ok(maxAbsDiff(await encoder.encode(x, 2), convEncoderReference(weights, x, 2, 10, 12)) <= 1e-4, 'latents match');
    await encoder.dispose();
  });

  test("preprocessing hints come from the model's metadata; config wins over them", async () => {
    const hinted = await configureEncoder({ kind: 'onnx', modelPath: path('enc-hinted.onnx') }, {});
    assert.deepEqual(hinted.preprocess?.mean, MEAN);
    assert.deepEqual(hinted.preprocess?.std, STD);
    assert.equal(hinted.preprocess?.width, S);
    await hinted.encoder.dispose();
    const overridden = await configureEncoder({ kind: 'onnx', modelPath: path('enc-hinted.onnx') }, { mean: [0.5], std: [0.5] });
    assert.deepEqual(overridden.preprocess?.mean, [0.5, 0.5, 0.5]);
    await overridden.encoder.dispose();
  });

  test('cuda falls back to cpu with a logged notice where the CUDA provider is missing', async () => {
    const logged: string[] = [];
    const { encoder } = await configureEncoder({ kind: 'onnx', modelPath: path('enc.onnx'), executionProviders: ['cuda', 'cpu'] }, {}, (m) => logged.push(m));
    assert.ok(encoder instanceof OnnxEncoder, 'an OnnxEncoder');
    if (selectOnnxProviders(['cuda', 'cpu']).notice !== undefined) {
      assert.equal(logged.length, 1);
      assert.match(logged[0]!, /'cuda' provider library is not installed/);
      assert.deepEqual(encoder.providers, ['cpu']);
    } else {
      assert.equal(encoder.providers[0], 'cuda', 'cuda is used where it is installed');
    }
    assert.deepEqual(encoder.notices, logged);
    await encoder.dispose();
  });
});

describe('ONNX encoder configure-time errors name the file and the shapes', () => {
  async function configError(modelPath: string, preprocess = {}): Promise<PerceptionConfigError> {
    try {
      const { encoder } = await configureEncoder({ kind: 'onnx', modelPath }, preprocess);
      await encoder.dispose();
    } catch (err) {
      assert.ok(err instanceof PerceptionConfigError, `a PerceptionConfigError, got ${String(err)}`);
      return err;
    }
    return assert.fail('configure did not throw');
  }

  test('wrong channel count', async () => {
    const err = await configError(path('enc-1ch.onnx'), { channels: 3 });
    assert.match(err.message, /enc-1ch\.onnx/);
    assert.match(err.message, /actual \[batch, 1, 8, 8\]/, 'model shape');
    assert.match(err.message, /expected \[N, 3, 8, 8\]/, 'expected shape');
    assert.match(err.message, /channels 1 != 3/);
    assert.equal(err.issues[0]?.path, 'encoder.modelPath');
  });

  test('wrong spatial size', async () => {
    const err = await configError(path('enc.onnx'), { width: 16, height: 8 });
    assert.match(err.message, /expected \[N, 3, 8, 16\] \(nchw, from preprocessing\), actual \[batch, 3, 8, 8\]: width 8 != 16/);
  });

  test('wrong input rank', async () => {
    const err = await configError(path('mlp.onnx'));
    assert.match(err.message, /mlp\.onnx: input 'x' expected rank 4 .*, actual \[batch, 12\] \(rank 2\)/);
  });

  test('corrupt file', async () => {
    const err = await configError(path('corrupt.onnx'));
    assert.match(err.message, /corrupt\.onnx: not a loadable ONNX model/);
  });

  test('missing file', async () => {
    const err = await configError(path('nope.onnx'));
    assert.match(err.message, /nope\.onnx: cannot read/);
  });

  test('no model path', async () => {
    await assert.rejects(configureEncoder({ kind: 'onnx' }, {}), (e: unknown) => e instanceof PerceptionConfigError && e.issues[0]?.path === 'encoder.modelPath');
  });
});
