import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt } from '../../src/learn/adam.ts';
import { resolveTrainConfig, TrainConfigError } from '../../src/learn/train-config.ts';

describe('training configuration', () => {
  test('defaults fill every key; overrides merge deeply', () => {
    const c = resolveTrainConfig({ encoder: { hidden: [64] } }, { epochs: 3, loss: { variance: 2 } });
    assert.equal(c.latentDim, 32);
    assert.deepEqual(c.encoder, { hidden: [64], activation: 'silu', patch: { size: 0, features: 16 } });
    assert.equal(c.epochs, 3);
    assert.equal(c.loss.variance, 2);
    assert.equal(c.loss.covariance, 0.04);
    assert.deepEqual(c.image, { width: 32, height: 32 });
    assert.equal(c.data.imageTopic, '/camera/image_raw');
  });

  test('every problem is reported with its path', () => {
    assert.throws(
      () => resolveTrainConfig({ latentDim: 0, optimizer: { learningRate: -1 }, encoder: { activation: 'gelu' }, bogus: 1 }),
      (e: unknown) =>
        e instanceof TrainConfigError &&
        ['latentDim', 'optimizer.learningRate', 'encoder.activation', 'bogus'].every((p) => e.problems.some((x) => x.startsWith(p) || x.includes(`"${p}"`))),
    );
  });

  test('learning rate: linear warm-up, then cosine to the floor', () => {
    // warm-up 10 steps to 1e-3: step 4 → 5e-4
    assert.ok(Math.abs(learningRateAt(4, 110, 1e-3, 1e-5, 10) - 5e-4) < 1e-12);
    assert.ok(Math.abs(learningRateAt(10, 110, 1e-3, 1e-5, 10) - 1e-3) < 1e-12);
    // half way through the decay: the mean of the two
    assert.ok(Math.abs(learningRateAt(60, 110, 1e-3, 1e-5, 10) - 5.05e-4) < 1e-12);
    assert.ok(Math.abs(learningRateAt(110, 110, 1e-3, 1e-5, 10) - 1e-5) < 1e-12);
  });
});
