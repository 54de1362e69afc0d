import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { weightedDeviations } from '../../src/planner/mppi.ts';
import { rng } from '../cost/helpers.ts';

describe('weightedDeviations (the MPPI update)', () => {
  test('equals the sum one (t, j) at a time over the used samples in order, bit for bit, for any action count', () => {
    const next = rng(31);
    for (const A of [1, 2, 3, 5, 6, 7, 8, 13]) {
      const T = 5, B = 37;
      const acts = Float64Array.from({ length: T * B * A }, () => 4 * next() - 2);
      const nominal = Float64Array.from({ length: T * A }, () => next() - 0.5);
      const used = new Int32Array(B);
      const weights = new Float64Array(B);
      let nUsed = 0;
      for (let b = 0; b < B; b++) {
        if (next() < 0.3) continue;
        used[nUsed] = b;
        weights[nUsed++] = next() * 1e-3 + (b === 4 ? 0.5 : 0);
      }
      // a NaN action and an infinite one of used samples: they spread as the straightforward sum spreads them
      acts[used[0]! * A] = Number.NaN;
      acts[(2 * B + used[1]!) * A + A - 1] = Infinity;
      const got = new Float64Array(T * A).fill(99);
      weightedDeviations(acts, T, B, A, weights, used, nUsed, nominal, got);
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < A; j++) {
          let s = 0;
          for (let u = 0; u < nUsed; u++) s += weights[u]! * (acts[(t * B + used[u]!) * A + j]! - nominal[t * A + j]!);
          assert.ok(Object.is(got[t * A + j], s), `A ${A} t ${t} j ${j}: ${got[t * A + j]} vs ${s}`);
        }
      }
      assert.ok(Number.isNaN(got[0]!), `A ${A}: the NaN action reaches its sum`);
      assert.equal(got[2 * A + A - 1], Infinity, `A ${A}: the infinite action reaches its sum`);
    }
  });

  test('no used samples: every deviation is +0', () => {
    const got = new Float64Array(12).fill(7);
    weightedDeviations(new Float64Array(48), 2, 4, 6, new Float64Array(4), new Int32Array(4), 0, new Float64Array(12), got);
    for (const v of got) assert.ok(Object.is(v, 0));
  });
});
