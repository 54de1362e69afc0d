import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { brakingSpeed } from '../../src/safety/index.ts';
import { assertClose } from './helpers.ts';

/** Distance covered braking from v by A·dt per tick under q += v·dt, stopping at the first non-positive speed. */
function stoppingDistance(v: number, accRadS2: number, dtS: number): number {
  let d = 0;
  for (let s = v; s > 0; s -= accRadS2 * dtS) d += s * dtS;
  return d;
}

describe('brakingSpeed', () => {
  test('hand-computed value', () => {
    // A = 2, dt = 0.5, d = 0.5625: e = d − A·dt²/8 = 0.5625 − 0.0625 = 0.5;
    // v = sqrt(A²dt²/4 + 2Ae) − A·dt/2 = sqrt(0.25 + 2) − 0.5 = 1.5 − 0.5 = 1.
    // Check: from 1 rad/s braking 1 rad/s per tick covers 1·0.5 = 0.5 ≤ 0.5625 rad.
    assertClose(brakingSpeed(0.5625, 2, 0.5), 1, 'v');
    assert.equal(stoppingDistance(1, 2, 0.5), 0.5);
  });

  test('edge cases: no room, unlimited distance, unlimited acceleration', () => {
    assert.equal(brakingSpeed(0, 2, 0.5), 0);
    assert.equal(brakingSpeed(-1, 2, 0.5), 0);
    assert.equal(brakingSpeed(NaN, 2, 0.5), 0);
    // within A·dt²/8 = 0.0625 of the limit the joint may not approach it further
    assert.equal(brakingSpeed(0.0625, 2, 0.5), 0);
    assert.equal(brakingSpeed(Infinity, 2, 0.5), Infinity);
    // infinite acceleration: only the next position matters, v·dt ≤ d
    assert.equal(brakingSpeed(0.5, Infinity, 0.25), 2);
  });

  test('extreme inputs stay finite and non-negative', () => {
    for (const d of [1e-300, 1e-10, 1, 1e10, 1e300, Number.MAX_VALUE]) {
      for (const a of [1e-300, 1e-6, 1, 1e6, 1e300]) {
        for (const dt of [1e-300, 1e-6, 0.01, 1, 1e6]) {
          const v = brakingSpeed(d, a, dt);
          assert.ok(Number.isFinite(v) && v >= 0, `d=${d} a=${a} dt=${dt}: ${v}`);
        }
      }
    }
  });

  test('property: a joint at the bound stops inside the distance, and its next position is inside', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 10, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        fc.double({ min: 1e-3, max: 0.1, noNaN: true }),
        (d, acc, dt) => {
          const v = brakingSpeed(d, acc, dt);
          return v * dt <= d * (1 + 1e-12) && stoppingDistance(v, acc, dt) <= d * (1 + 1e-9);
        },
      ),
      { numRuns: 1000, seed: 42 },
    );
  });

  test('property: any speed under the bound can obey it again next tick braking by at most A·dt', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 10, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        fc.double({ min: 1e-3, max: 0.1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (d, acc, dt, frac) => {
          const v = frac * brakingSpeed(d, acc, dt);
          const next = brakingSpeed(d - v * dt, acc, dt);
          return next >= v - acc * dt - 1e-9 * (1 + v);
        },
      ),
      { numRuns: 1000, seed: 42 },
    );
  });
});
