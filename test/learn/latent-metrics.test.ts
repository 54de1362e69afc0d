import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src/learn/dataset.ts';
import { collapseDiagnostics, latentMetrics, symmetricEigenvalues } from '../../src/learn/latent-metrics.ts';
import { writeModelDir } from '../../src/learn/model-files.ts';
import { Rng } from '../../src/sim/random.ts';
import { loadLearnedWorldModel } from '../../src/world-model/learned.ts';
import { randomWeights, tinyModelJson, writeRobotBag } from './helpers.ts';

describe('collapse diagnostics', () => {
  test('eigenvalues of a symmetric matrix', () => {
    // [[2, 1], [1, 2]] has eigenvalues 3 and 1
    assert.deepEqual(Array.from(symmetricEigenvalues(Float64Array.of(2, 1, 1, 2), 2), (v) => Number(v.toFixed(9))), [3, 1]);
    const e = symmetricEigenvalues(Float64Array.of(4, 1, 0, 1, 3, 1, 0, 1, 2), 3);
    // trace 9, and det 4·(6−1) − 1·(2−0) = 18
    assert.ok(Math.abs(e[0]! + e[1]! + e[2]! - 9) < 1e-9);
    assert.ok(Math.abs(e[0]! * e[1]! * e[2]! - 18) < 1e-9);
  });

  test('isotropic latents have full effective rank; copies of one signal have rank 1', () => {
    const rng = new Rng(3);
    const n = 4000;
    const d = 8;
    const iso = Float64Array.from({ length: n * d }, () => rng.normal());
    const a = collapseDiagnostics(iso, n, d);
    assert.ok(a.effectiveRank > 7.6 && a.effectiveRank <= 8, `rank ${a.effectiveRank}`);
    assert.ok(Math.min(...a.std) > 0.9);
    const one = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const v = rng.normal();
      for (let j = 0; j < d; j++) one[i * d + j] = (j + 1) * v;
    }
    const b = collapseDiagnostics(one, n, d);
    assert.ok(Math.abs(b.effectiveRank - 1) < 1e-3, `rank ${b.effectiveRank}`);
    assert.ok(b.singularValues[1]! < 1e-6 * b.singularValues[0]!);
  });
});

describe('latentMetrics', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'odra-metrics-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a predictor that leaves z unchanged scores exactly the copy-last baseline', async () => {
    await writeRobotBag(join(dir, 'bag.mcap'));
    const json = tinyModelJson({ latentDim: 5, dof: 3, hidden: [12], image: 8 });
    const pw = randomWeights(json.predictor.mlp, 4);
    // last layer 0 on the latent outputs: z' = z
    const last = json.predictor.mlp.layers.at(-1)!;
    for (let k = 0; k < last.inDim; k++) for (let j = 0; j < 5; j++) pw.w.at(-1)![k * last.outDim + j] = 0;
    for (let j = 0; j < 5; j++) pw.b.at(-1)![j] = 0;
    await writeModelDir(join(dir, 'm'), {
      dtS: 0.1,
      jointNames: ['j0', 'j1', 'j2'],
      latentDim: 5,
      encoder: { mlp: json.encoder.mlp, image: json.encoder.image },
      predictor: { ...json.predictor },
      encoderWeights: randomWeights(json.encoder.mlp, 3, 3),
      predictorWeights: pw,
      data: {},
      training: {},
      metrics: {},
    });
    const ds = await loadDataset([join(dir, 'bag.mcap')], {
      jointNames: ['j0', 'j1', 'j2'],
      topics: { image: '/cam/image', jointStates: '/robot/joint_states', commands: '/robot/cmd' },
      width: 8,
      height: 8,
    });
    const m = await loadLearnedWorldModel(join(dir, 'm'));
    try {
      const r = await latentMetrics(m, ds, [0, 1], { horizons: [1, 4], stride: 1 });
      assert.deepEqual(r.horizons, [1, 4]);
      assert.equal(r.frames, ds.frames);
      assert.equal(r.windows, 21 - 4 + (16 - 4));
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(r.predictionError[i]! - r.copyLastError[i]!) < 1e-5);
      // the images change over time, so the baseline error grows with the horizon
      assert.ok(r.copyLastError[1]! > r.copyLastError[0]! && r.copyLastError[0]! > 0);
      assert.ok(r.effectiveRank >= 1 && r.effectiveRank <= 5);
      assert.ok(r.jointErrorRad.every((e) => Number.isFinite(e) && e >= 0));
    } finally {
      await m.model.dispose();
      await m.encoder.dispose();
    }
  });
});
