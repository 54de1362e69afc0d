import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { correlate, writeNoisySample, writeSample } from '../../src/planner/common.ts';
import { rng } from '../cost/helpers.ts';

describe('writeNoisySample', () => {
  test('equals correlate + mean + scale·std·ε + writeSample, bit for bit', () => {
    const next = rng(12);
    const T = 9, A = 4, B = 5;
    const lo = Float64Array.from([-1, -0.5, -2, -0.1]);
    const hi = Float64Array.from([1, 0.5, 2, 0.1]);
    const mean = Float64Array.from({ length: T * A }, () => 2 * next() - 1);
    const std = Float64Array.from({ length: T * A }, () => next());
    for (const rho of [0, 0.8]) {
      for (const stdArg of [null, std]) {
        for (let b = 0; b < B; b++) {
          const raw = Float64Array.from({ length: T * A }, () => 3 * (2 * next() - 1));
          const scale = 0.25 + next();
          // the straightforward way
          const eps = raw.slice();
          correlate(eps, T, A, rho);
          const seq = new Float64Array(T * A);
          for (let i = 0; i < T * A; i++) seq[i] = stdArg === null ? mean[i]! + scale * eps[i]! : mean[i]! + scale * stdArg[i]! * eps[i]!;
          const expected = new Float64Array(T * B * A);
          writeSample(seq, T, A, B, b, expected, lo, hi);
          const got = new Float64Array(T * B * A);
          const work = raw.slice();
          writeNoisySample(work, T, A, rho, mean, stdArg, scale, B, b, got, lo, hi);
          assert.deepEqual(got, expected, `rho ${rho}, ${stdArg === null ? 'scalar' : 'per-element'} std, sample ${b}`);
          assert.deepEqual(work, eps, 'the noise is left correlated in place, as correlate leaves it');
        }
      }
    }
  });
});
