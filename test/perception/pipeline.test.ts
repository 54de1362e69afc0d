import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildOnnxModel } from '../../src/compute/onnx-build.ts';
import { decodeImage } from '../../src/perception/decode.ts';
import { PerceptionConfigError } from '../../src/perception/errors.ts';
import { PerceptionPipeline, readImageFileAsMessage } from '../../src/perception/pipeline.ts';
import type { ImageMsg } from '../../src/perception/types.ts';
import { convEncoderOnnx, convEncoderWeights, maxAbsDiff, randomBytes, tempDir } from './helpers.ts';

const S = 8;
let dir: string;
let cleanup: () => void;
const path = (name: string): string => join(dir, name);
const weights = convEncoderWeights(3, 6, 4, 77);
const bytes = randomBytes(S * S * 3, 5);
const rawMsg: ImageMsg = { header: { stamp: { sec: 10, nanosec: 0 }, frame_id: 'cam' }, width: S, height: S, encoding: 'rgb8', is_bigendian: 0, step: 3 * S, data: bytes };

before(async () => {
  ({ dir, cleanup } = tempDir());
  writeFileSync(path('enc.onnx'), convEncoderOnnx(weights, S));
  await sharp(bytes, { raw: { width: S, height: S, channels: 3 } }).png().toFile(path('goal.png'));
  await sharp(randomBytes(S * S, 6), { raw: { width: S, height: S, channels: 1 } }).toColourspace('b-w').png().toFile(path('grey.png'));
  writeFileSync(path('junk.png'), randomBytes(300, 7));
  // sqrt(x - 10) is NaN for every input in [0, 1]: a model that returns non-finite latents.
  writeFileSync(
    path('nan.onnx'),
    buildOnnxModel({
      inputs: [{ name: 'x', shape: ['batch', 3, S, S] }],
      outputs: [{ name: 'z', shape: ['batch', 3] }],
      initializers: [{ name: 'ten', dims: [], data: [10] }],
      nodes: [
        { op: 'Sub', inputs: ['x', 'ten'], outputs: ['d'] },
        { op: 'Sqrt', inputs: ['d'], outputs: ['s'] },
        { op: 'GlobalAveragePool', inputs: ['s'], outputs: ['p'] },
        { op: 'Flatten', inputs: ['p'], outputs: ['z'] },
      ],
    }),
  );
});
after(() => cleanup());

async function onnxPipeline(extra: { dropWhenBusy?: boolean; maxPixels?: number } = {}): Promise<PerceptionPipeline> {
  return PerceptionPipeline.create({ encoder: { kind: 'onnx', modelPath: path('enc.onnx') }, preprocess: { mean: [0.5], std: [0.25] }, ...extra });
}

async function latentOf(p: Promise<{ ok: boolean }>): Promise<Float32Array> {
  const r = (await p) as Awaited<ReturnType<PerceptionPipeline['encodeMessage']>>;
  if (!r.ok) assert.fail(`${r.reason}: ${r.detail}`);
  return r.latent;
}

describe('PerceptionPipeline', () => {
  test('an image file takes the camera path: same latent as the raw message', async () => {
    const p = await onnxPipeline();
    const fromMsg = await latentOf(p.encodeMessage(rawMsg));
    const fromFile = await latentOf(p.encodeImageFile(path('goal.png')));
    assert.deepEqual([...fromFile], [...fromMsg]);
    const read = await readImageFileAsMessage(path('goal.png'));
    assert.ok(read.ok, 'file reads as a message');
    if (read.ok) assert.deepEqual([read.msg.encoding, read.msg.width, read.msg.step], ['rgb8', S, 3 * S]);
    await p.dispose();
  });

  test('goal images from a path, a raw message or a compressed message give the same latent', async () => {
    const p = await onnxPipeline();
    const png = await sharp(bytes, { raw: { width: S, height: S, channels: 3 } }).png().toBuffer();
    const a = await latentOf(p.encodeGoalImage(path('goal.png')));
    const b = await latentOf(p.encodeGoalImage(rawMsg));
    const c = await latentOf(p.encodeGoalImage({ format: 'rgb8; png compressed bgr8', data: png }));
    assert.deepEqual([...a], [...b]);
    assert.deepEqual([...c], [...b]);
    assert.equal(a.length, 4);
    await p.dispose();
  });

  test('a grey file feeds a 3-channel encoder by replication', async () => {
    const p = await onnxPipeline();
    const r = await p.encodeImageFile(path('grey.png'));
    assert.ok(r.ok, 'grey file encodes');
    if (r.ok) assert.equal(r.kind, 'mono');
    await p.dispose();
  });

  test('unreadable files and bad frames are dropped and counted per reason', async () => {
    const p = await onnxPipeline({ maxPixels: 1000 });
    const results = [
      await p.encodeImageFile(path('missing.png')),
      await p.encodeImageFile(path('junk.png')),
      await p.encodeMessage({ ...rawMsg, encoding: 'nv12' }),
      await p.encodeMessage({ ...rawMsg, data: bytes.subarray(0, 10) }),
      await p.encodeMessage({ ...rawMsg, width: 100, height: 100, step: 300 }),
      await p.encodeMessage({ format: 'jpeg', data: randomBytes(64, 9) }),
      await p.encodeMessage(rawMsg),
    ];
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.reason)),
      ['file_unreadable', 'corrupt_compressed', 'unknown_encoding', 'short_data', 'too_large', 'corrupt_compressed', 'ok'],
    );
    const c = p.counters();
    assert.equal(c.received, 7);
    assert.equal(c.encoded, 1);
    assert.equal(c.dropped.corrupt_compressed, 2);
    assert.equal(c.dropped.file_unreadable, 1);
    assert.equal(c.lastDrop?.reason, 'corrupt_compressed');
    p.resetCounters();
    assert.equal(p.counters().received, 0);
    await p.dispose();
  });

  test('a frame arriving while one is encoding is dropped as busy (unless configured not to)', async () => {
    const p = await onnxPipeline();
    const [first, second] = await Promise.all([p.encodeMessage(rawMsg), p.encodeMessage(rawMsg)]);
    assert.equal(first.ok, true);
    assert.equal(second.ok ? 'ok' : second.reason, 'busy');
    await p.dispose();
    // Overlapping frames must not share buffers: each latent equals its one-at-a-time latent.
    const q = await onnxPipeline({ dropWhenBusy: false });
    const png = await sharp(randomBytes(S * S * 3, 8), { raw: { width: S, height: S, channels: 3 } }).png().toBuffer();
    const frames = [rawMsg, { format: 'png', data: png }, { ...rawMsg, data: randomBytes(S * S * 3, 9) }];
    const alone = [];
    for (const f of frames) alone.push([...(await latentOf(q.encodeMessage(f)))]);
    const together = await Promise.all(frames.map((f) => latentOf(q.encodeMessage(f))));
    assert.deepEqual(together.map((z) => [...z]), alone);
    assert.notDeepEqual(alone[0], alone[2]);
    await q.dispose();
  });

  test('non-finite latents are dropped, not passed on', async () => {
    const p = await PerceptionPipeline.create({ encoder: { kind: 'onnx', modelPath: path('nan.onnx') } });
    const r = await p.encodeMessage(rawMsg);
    assert.equal(r.ok ? 'ok' : r.reason, 'non_finite_latent');
    assert.equal(p.counters().dropped.non_finite_latent, 1);
    await p.dispose();
  });

  test('encodeBatch matches frame-by-frame encoding', async () => {
    const p = await onnxPipeline();
    const frames = [5, 6, 7].map((seed) => ({ ...rawMsg, data: randomBytes(S * S * 3, seed) }));
    const single = [];
    for (const f of frames) single.push(...(await latentOf(p.encodeMessage(f))));
    const decoded = frames.map((f) => {
      const d = decodeImage(f);
      if (!d.ok) assert.fail(d.detail);
      return d.image;
    });
    const batch = await p.encodeBatch(decoded);
    assert.ok(maxAbsDiff(batch, single) <= 1e-5, `max diff ${maxAbsDiff(batch, single)}`);
    await p.dispose();
  });

  test("the 'none' encoder decodes and counts but yields an empty latent", async () => {
    const p = await PerceptionPipeline.create({ encoder: { kind: 'none' } });
    assert.equal(p.latentDim, 0);
    assert.equal(p.preprocess, undefined);
    const r = await p.encodeMessage(rawMsg);
    assert.ok(r.ok && r.latent.length === 0, 'empty latent');
    assert.equal((await p.encodeMessage({ ...rawMsg, step: 1 })).ok, false);
    assert.equal(p.counters().dropped.bad_step, 1);
  });

  test('configuration errors: bad maxPixels, unknown encoder kind', async () => {
    await assert.rejects(PerceptionPipeline.create({ encoder: { kind: 'none' }, maxPixels: 0 }), (e: unknown) => e instanceof PerceptionConfigError && e.issues[0]?.path === 'maxPixels');
    await assert.rejects(PerceptionPipeline.create({ encoder: { kind: 'torch' as 'none' } }), (e: unknown) => e instanceof PerceptionConfigError && e.issues[0]?.path === 'encoder.kind');
  });
});
