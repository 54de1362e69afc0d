import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildChain, loadRobot, parseUrdf, type RobotChain } from '../../src/robot/index.ts';
import { fkTf } from '../../src/robot/fk-tf.ts';
import { quietTfjs } from '../../src/compute/tf-backend.ts';
import { ARM6_PATH, MIXED_URDF, rng, uniform } from './helpers.ts';

const chains: [string, RobotChain][] = [
  ['arm6', buildChain(loadRobot(ARM6_PATH), { tipLink: 'tool0' })],
  ['mixed', buildChain(parseUrdf(MIXED_URDF), { baseLink: 'base', tipLink: 'hand', tipOffset: [0.02, -0.01, 0.07] })],
];

function randomQ(chain: RobotChain, n: number, rand: () => number): Float64Array {
  return Float64Array.from({ length: n * chain.dof }, (_, i) => {
    const l = chain.limits[i % chain.dof]!;
    return uniform(rand, l.lower ?? -Math.PI, l.upper ?? Math.PI);
  });
}

/** float32 tensors: values agree with the float64 FK to a few ulps of the ~1 m scale. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('fkTf', () => {
  before(async () => {
    quietTfjs();
    await tf.setBackend('cpu');
  });

  for (const [name, chain] of chains) {
    test(`${name}: values match fk`, () => {
      const n = 8;
      const q = randomQ(chain, n, rng(41));
      const out = chain.createFkResult(n);
      chain.fk(q, n, out);
      const before = tf.memory().numTensors;
      const qT = tf.tensor2d(Array.from(q), [n, chain.dof]);
      const res = fkTf(chain, qT);
      assert.deepEqual(res.eePos.shape, [n, 3]);
      assert.deepEqual(res.eeRot.shape, [n, 3, 3]);
      assert.deepEqual(res.spheres.shape, [n, chain.spheres.length, 3]);
      assertClose(res.eePos.dataSync(), out.eePos, 2e-6, 'eePos');
      assertClose(res.eeRot.dataSync(), out.eeRot, 2e-6, 'eeRot');
      assertClose(res.spheres.dataSync(), out.spheres, 2e-6, 'spheres');
      // only the input and the three outputs stay alive
      assert.equal(tf.memory().numTensors, before + 4);
      tf.dispose([qT, res.eePos, res.eeRot, res.spheres]);
    });

    test(`${name}: tf.grad through fkTf matches fkVjp`, () => {
      const n = 5;
      const rand = rng(42);
      const q = randomQ(chain, n, rand);
      const S = chain.spheres.length;
      const wP = Float64Array.from({ length: n * 3 }, () => uniform(rand, -1, 1));
      const wR = Float64Array.from({ length: n * 9 }, () => uniform(rand, -1, 1));
      const wS = Float64Array.from({ length: n * S * 3 }, () => uniform(rand, -1, 1));
      const out = chain.createFkResult(n);
      chain.fk(q, n, out);
      const gq = new Float64Array(n * chain.dof);
      chain.fkVjp(q, n, out, wP, wR, wS, gq);
      const grad = tf.tidy(() => {
        const wPT = tf.tensor2d(Array.from(wP), [n, 3]);
        const wRT = tf.tensor3d(Array.from(wR), [n, 3, 3]);
        const wST = tf.tensor3d(Array.from(wS), [n, S, 3]);
        const f = (qT: tf.Tensor): tf.Scalar => {
          const r = fkTf(chain, qT as tf.Tensor2D);
          return tf.addN([tf.sum(tf.mul(r.eePos, wPT)), tf.sum(tf.mul(r.eeRot, wRT)), tf.sum(tf.mul(r.spheres, wST))]) as tf.Scalar;
        };
        return tf.grad(f)(tf.tensor2d(Array.from(q), [n, chain.dof]));
      });
      const g = grad.dataSync();
      grad.dispose();
      const scale = Math.max(1, ...Array.from(gq, Math.abs));
      // float32 accumulation over tens of spheres: agree to 1e-4 of the gradient's scale
      assertClose(g, gq, 1e-4 * scale, 'grad');
    });
  }
});
