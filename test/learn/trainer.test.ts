import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, type Dataset } from '../../src/learn/dataset.ts';
import { resolveTrainConfig, type TrainConfig } from '../../src/learn/train-config.ts';
import { trainWorldModel, type TrainResult } from '../../src/learn/trainer.ts';
import { loadLearnedWorldModel } from '../../src/world-model/learned.ts';
import { recordTiny } from './helpers.ts';

let dir = '';
let ds: Dataset;

/** A network small enough for a few dozen steps in a second or two. */
function tinyConfig(over: Record<string, unknown> = {}): TrainConfig {
  return resolveTrainConfig(
    {
      latentDim: 8,
      batchSize: 8,
      rolloutSteps: 2,
      epochs: 2,
      image: { width: 8, height: 8 },
      encoder: { hidden: [32] },
      predictor: { hidden: [32] },
      inverseDynamics: { hidden: [16] },
      optimizer: { learningRate: 3e-3, warmupSteps: 0 },
      valFraction: 0.34,
    },
    over,
  );
}

async function run(out: string, over: Record<string, unknown> = {}, extra: { maxSteps?: number; resume?: boolean } = {}): Promise<TrainResult> {
  return trainWorldModel({ dataFiles: ['tiny.mcap'], dataset: ds, outDir: join(dir, out), config: tinyConfig(over), backends: ['wasm', 'cpu'], progress: null, ...extra });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'odra-train-'));
  await recordTiny(join(dir, 'tiny.mcap'), 3, 14, 5);
  ds = await loadDataset([join(dir, 'tiny.mcap')], { jointNames: ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'], width: 8, height: 8 });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trainWorldModel', () => {
  test('the loss falls, every output file is written and the ONNX export matches tfjs', async () => {
    const r = await run('a', { epochs: 8 });
    assert.ok(r.steps >= 20, `steps ${r.steps}`);
    const h = r.history;
    const first = h.slice(0, 4).reduce((a, b) => a + b, 0) / 4;
    const last = h.slice(-4).reduce((a, b) => a + b, 0) / 4;
    assert.ok(last < 0.8 * first, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
    assert.ok(h.every(Number.isFinite));
    assert.ok(r.onnxMaxAbsErr <= 1e-4, `ONNX vs tfjs ${r.onnxMaxAbsErr}`);
    for (const f of ['model.json', 'encoder.weights.bin', 'predictor.weights.bin', 'encoder.onnx', 'predictor.onnx', 'checkpoint/state.json']) {
      assert.ok((await stat(join(dir, 'a', f))).size > 0, f);
    }
    const json = JSON.parse(await readFile(join(dir, 'a', 'model.json'), 'utf8')) as Record<string, any>;
    assert.equal(json.latentDim, 8);
    assert.equal(json.predictor.stateDim, 8 + 12);
    assert.equal(json.data.hash, ds.hash);
    assert.equal(json.training.seed, 1);
    assert.ok(json.metrics.onnxMaxAbsErr <= 1e-4);
    assert.deepEqual(Object.keys(json.metrics.train).sort(), ['cov', 'idm', 'joints', 'roll_z', 'tf_z', 'total', 'var']);
    // what was written loads and runs
    const m = await loadLearnedWorldModel(join(dir, 'a'));
    try {
      const z = await m.encoder.encodeResized(ds.images.subarray(0, 8 * 8 * 3), 1);
      assert.equal(z.length, 8);
      assert.ok(z.every(Number.isFinite));
      const D = m.model.stateDim;
      const states = new Float64Array(3 * 2 * D);
      await m.model.rollout(new Float64Array(D), new Float64Array(2 * 2 * 6).fill(0.1), 2, 2, states);
      assert.ok(states.every(Number.isFinite));
    } finally {
      await m.model.dispose();
      await m.encoder.dispose();
    }
  });

  test('a patch encoder exports to ONNX with the same outputs, and its Float64 twin agrees', async () => {
    const r = await run('patch', { encoder: { patch: { size: 4, features: 6 } } }, { maxSteps: 4 });
    assert.ok(r.onnxMaxAbsErr <= 1e-4, `ONNX vs tfjs ${r.onnxMaxAbsErr}`);
    const layers = r.json.encoder.mlp.layers;
    assert.deepEqual([layers[0]!.patches, layers[0]!.inDim, layers[0]!.outDim, layers[1]!.inDim], [4, 48, 6, 24]);
    const onnx = await loadLearnedWorldModel(join(dir, 'patch'));
    const js = await loadLearnedWorldModel(join(dir, 'patch'), { backend: 'js' });
    try {
      const imgs = ds.images.subarray(0, 3 * 8 * 8 * 3);
      const a = await onnx.encoder.encodeResized(imgs, 3);
      const b = await js.encoder.encodeResized(imgs, 3);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-4, `latent ${i}: ${a[i]} vs ${b[i]}`);
    } finally {
      await onnx.model.dispose();
      await onnx.encoder.dispose();
    }
  });

  test('the same seed gives the same weights; another seed does not', async () => {
    const a = await run('s1', {}, { maxSteps: 5 });
    const b = await run('s2', {}, { maxSteps: 5 });
    await run('s3', { seed: 2 }, { maxSteps: 5 });
    assert.deepEqual(a.history, b.history);
    const w = async (d: string): Promise<Buffer> => readFile(join(dir, d, 'predictor.weights.bin'));
    assert.ok((await w('s1')).equals(await w('s2')));
    assert.ok(!(await w('s1')).equals(await w('s3')));
  });

  test('a resumed run ends exactly where an uninterrupted one does', async () => {
    const whole = await run('whole', { checkpointEverySteps: 3 });
    await run('parts', { checkpointEverySteps: 3 }, { maxSteps: 3 });
    const resumed = await run('parts', { checkpointEverySteps: 3 }, { resume: true });
    assert.equal(resumed.steps, whole.steps);
    assert.deepEqual(resumed.history, whole.history);
    const enc = async (d: string): Promise<Buffer> => readFile(join(dir, d, 'encoder.weights.bin'));
    assert.ok((await enc('parts')).equals(await enc('whole')));
    // a checkpoint of another configuration is refused
    await assert.rejects(run('parts', { checkpointEverySteps: 3, latentDim: 6 }, { resume: true }), /configuration differs/);
  });
});
