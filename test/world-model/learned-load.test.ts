import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LearnedModelError, loadLearnedWorldModel } from '../../src/world-model/learned.ts';
import { areaResizeRgb8 } from '../../src/world-model/learned-image.ts';
import { tinyModelJson, writeTinyModelDir } from '../learn/helpers.ts';

const json = tinyModelJson({ latentDim: 6, dof: 3, hidden: [16, 16], image: 8 });
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'odra-learned-'));
  await writeTinyModelDir(dir, json, { data: { hash: 'test' } });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('loadLearnedWorldModel', () => {
  test('ONNX Runtime rollout and encoder agree with the Float64 networks', async () => {
    const onnx = await loadLearnedWorldModel(dir);
    const js = await loadLearnedWorldModel(dir, { backend: 'js' });
    try {
      assert.equal(onnx.model.backend, 'onnx');
      assert.equal(js.model.backend, 'js');
      assert.equal(onnx.latentDim, 6);
      assert.equal(onnx.model.stateDim, 6 + 2 * 3);
      assert.deepEqual(onnx.model.layout, { latentDim: 6, dof: 3, qOffset: 6, qdOffset: 9, stateDim: 12 });
      const T = 5;
      const B = 4;
      const D = 12;
      const s0 = Float64Array.from({ length: D }, (_, i) => 0.1 * i - 0.3);
      const acts = Float64Array.from({ length: T * B * 3 }, (_, i) => Math.sin(i));
      const a = new Float64Array((T + 1) * B * D);
      const b = new Float64Array((T + 1) * B * D);
      await onnx.model.rollout(s0, acts, T, B, a);
      await js.model.rollout(s0, acts, T, B, b);
      assert.ok(a.every(Number.isFinite));
      assert.ok(maxAbsDiff(a, b) < 1e-4, `rollouts differ by ${maxAbsDiff(a, b)}`);
      // every row starts at s0
      for (let r = 0; r < B; r++) assert.deepEqual(Array.from(a.subarray(r * D, r * D + D)), Array.from(s0));
      // a 16×16 camera image is area-averaged to the encoder's 8×8
      const img = Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37) % 256);
      const z1 = await onnx.encoder.encode(img, 16, 16);
      const z2 = await js.encoder.encode(img, 16, 16);
      assert.equal(z1.length, 6);
      assert.ok(z1.every(Number.isFinite));
      assert.ok(maxAbsDiff(z1, z2) < 1e-4, `latents differ by ${maxAbsDiff(z1, z2)}`);
      const small = new Uint8Array(8 * 8 * 3);
      areaResizeRgb8(img, 16, 16, 8, 8, small);
      assert.deepEqual(Array.from(await onnx.encoder.encodeResized(small, 1)), Array.from(z1));
    } finally {
      await onnx.model.dispose();
      await onnx.encoder.dispose();
    }
  });

  test('step on n rows equals the rollout rows', async () => {
    const m = await loadLearnedWorldModel(dir);
    try {
      const D = m.model.stateDim;
      const s = Float64Array.from({ length: 2 * D }, (_, i) => Math.cos(i));
      const a = Float64Array.from({ length: 2 * 3 }, (_, i) => 0.2 * i);
      const out = new Float64Array(2 * D);
      await m.model.step(s, a, 2, out);
      const st = new Float64Array(2 * D);
      await m.model.rollout(s.subarray(D, 2 * D), a.subarray(3, 6), 1, 1, st);
      assert.ok(maxAbsDiff(out.subarray(D), st.subarray(D)) < 1e-6);
    } finally {
      await m.model.dispose();
      await m.encoder.dispose();
    }
  });

  test('a broken directory is refused with every problem listed', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'odra-learned-bad-'));
    try {
      await assert.rejects(loadLearnedWorldModel(bad), (e: unknown) => e instanceof LearnedModelError && /model\.json: file not found/.test(e.message));
      await writeFile(join(bad, 'model.json'), JSON.stringify({ ...json, latentDim: 0, dtS: -1 }));
      await assert.rejects(loadLearnedWorldModel(bad), (e: unknown) => e instanceof LearnedModelError && e.problems.some((p) => p.includes('dtS')) && e.problems.some((p) => p.includes('latentDim')));
      await writeFile(join(bad, 'model.json'), JSON.stringify(json));
      await assert.rejects(loadLearnedWorldModel(bad), (e: unknown) => e instanceof LearnedModelError && e.problems.length >= 2 && e.problems.every((p) => p.includes('file not found')));
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  test('truncated weights are reported', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'odra-learned-trunc-'));
    try {
      await writeTinyModelDir(copy, json, { predictorScale: 1 });
      await unlink(join(copy, 'predictor.weights.bin'));
      await writeFile(join(copy, 'predictor.weights.bin'), new Uint8Array(10));
      await assert.rejects(loadLearnedWorldModel(copy), /expected \d+ bytes/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
