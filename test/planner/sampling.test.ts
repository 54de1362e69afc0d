import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeNoisyActions, setFusedNative, setFusedWasm } from '../../src/cost/fused-kernel.ts';
import { correlate, readRun, sampleScale, writeNoisySample, writeSample } from '../../src/planner/common.ts';
import { nativeKernelSkip, rng } from '../cost/helpers.ts';

after(() => {
  setFusedWasm(true);
  setFusedNative(true);
});

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

describe('nativeNoisyActions', { skip: ((why) => (why === null ? false : `native kernel: ${why}`))(nativeKernelSkip()) }, () => {
  /** the JS path of a batch: for every sample b ≥ 1, the run from offsets[b] through writeNoisySample */
  function jsBatch(noise: Float64Array, offsets: Int32Array, mean: Float64Array, std: Float64Array | null, lo: Float64Array, hi: Float64Array, T: number, B: number, A: number, rho: number, scale: number, out: Float64Array): void {
    const eps = new Float64Array(T * A);
    for (let b = 1; b < B; b++) {
      readRun(noise, offsets[b]!, eps, T * A);
      writeNoisySample(eps, T, A, rho, mean, std, scale * sampleScale(b), B, b, out, lo, hi);
    }
  }

  test('writes what writeNoisySample writes, bit for bit: AR(1), std or none, clamping, NaN, runs that wrap around the table', () => {
    const next = rng(41);
    const noise = new Float64Array(new SharedArrayBuffer(8 * 997)).map(() => 2.5 * (2 * next() - 1));
    noise[5] = -0;
    for (const [T, B, A] of [[1, 2, 1], [7, 13, 6], [16, 33, 5], [4, 9, 8], [3, 5, 3]] as const) {
      const mean = Float64Array.from({ length: T * A }, () => 0.8 * (2 * next() - 1));
      const std = Float64Array.from({ length: T * A }, () => 1.5 * next());
      if (T * A > 3) {
        mean[2] = Number.NaN;
        std[3] = Number.POSITIVE_INFINITY;
      }
      const lo = Float64Array.from({ length: A }, () => -0.5 - next());
      const hi = Float64Array.from({ length: A }, () => 0.5 + next());
      const offsets = Int32Array.from({ length: B }, (_, b) => (b % 4 === 3 ? noise.length - 2 : Math.floor(next() * noise.length)));
      for (const rho of [0, 0.6, 0.95]) {
        for (const stdArg of [null, std]) {
          const scale = 0.3 + next();
          const js = new Float64Array(T * B * A).fill(-7);
          jsBatch(noise, offsets, mean, stdArg, lo, hi, T, B, A, rho, scale, js);
          const native = new Float64Array(T * B * A).fill(-7);
          assert.equal(nativeNoisyActions(native, noise, offsets, mean, stdArg, lo, hi, T, B, A, 1, B, rho, scale), true, 'the native kernel ran');
          for (let i = 0; i < js.length; i++) if (!Object.is(native[i], js[i])) assert.fail(`T ${T} B ${B} A ${A} rho ${rho} std ${stdArg !== null}: [${i}] native ${native[i]} vs JS ${js[i]}`);
        }
      }
    }
  });

  test('leaves the JS path to arrays shorter than the batch, and to ODRA_FUSED_WASM off', () => {
    const noise = new Float64Array(64).fill(1);
    const lo = new Float64Array(2).fill(-1), hi = new Float64Array(2).fill(1);
    const out = new Float64Array(3 * 4 * 2);
    assert.equal(nativeNoisyActions(out, noise, new Int32Array(4), new Float64Array(5), null, lo, hi, 3, 4, 2, 1, 4, 0, 1), false, 'a short mean');
    assert.equal(nativeNoisyActions(out, noise, new Int32Array(2), new Float64Array(6), null, lo, hi, 3, 4, 2, 1, 4, 0, 1), false, 'short offsets');
    setFusedWasm(false);
    try {
      assert.equal(nativeNoisyActions(out, noise, new Int32Array(4), new Float64Array(6), null, lo, hi, 3, 4, 2, 1, 4, 0, 1), false);
    } finally {
      setFusedWasm(true);
    }
    assert.ok(out.every((v) => v === 0), 'nothing written');
    // an offset outside the table is an error from the kernel, not a read past it
    assert.throws(() => nativeNoisyActions(out, noise, Int32Array.from([0, 64, 0, 0]), new Float64Array(6), null, lo, hi, 3, 4, 2, 1, 4, 0, 1), RangeError);
  });
});
