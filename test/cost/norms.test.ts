import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NORM_KINDS, normScalar, normValue } from '../../src/cost/norms.ts';

function fd(kind: (typeof NORM_KINDS)[number], r: Float64Array, p: number, i: number): number {
  const h = 1e-6;
  const a = r.slice();
  const b = r.slice();
  a[i]! += h;
  b[i]! -= h;
  return (normValue(kind, a, 0, a.length, p) - normValue(kind, b, 0, b.length, p)) / (2 * h);
}

describe('norms', () => {
  const residuals = [
    [0.3, -0.2, 0.05],
    [1.5, 2.0, -0.7],
    [0.01, 0.02, 0.03],
    [0.97, 0.5, 0.2], // past the barrier's switch point for p = 1
  ];
  for (const kind of NORM_KINDS) {
    test(`${kind}: gradient matches central finite differences`, () => {
      for (const r0 of residuals) {
        const r = Float64Array.from(kind === 'log_barrier' ? r0.map(Math.abs) : r0);
        const p = kind === 'log_barrier' ? 1 : 0.1;
        const g = new Float64Array(r.length);
        normValue(kind, r, 0, r.length, p, g, 0, 1);
        for (let i = 0; i < r.length; i++) {
          const num = fd(kind, r, p, i);
          assert.ok(Math.abs(num - g[i]!) <= 1e-5 * Math.max(1, Math.abs(num)), `${kind} r=${r0} i=${i}: analytic ${g[i]} vs numeric ${num}`);
        }
      }
    });
    test(`${kind}: scalar form agrees with the vector form for k = 1`, () => {
      for (const v of [0.02, 0.4, 0.99, 1.7]) {
        const d = new Float64Array(1);
        const g = new Float64Array(1);
        const p = kind === 'log_barrier' ? 1 : 0.1;
        assert.ok(Math.abs(normScalar(kind, v, p, d) - normValue(kind, [v], 0, 1, p, g)) < 1e-12);
        assert.ok(Math.abs(d[0]! - g[0]!) < 1e-12);
      }
    });
  }

  test('exact values', () => {
    // quadratic: ½(3² + 4²) = 12.5
    assert.equal(normValue('quadratic', [3, 4], 0, 2, 0), 12.5);
    // l1: |3| + |−4| = 7
    assert.equal(normValue('l1', [3, -4], 0, 2, 0), 7);
    // smooth_abs with p = 1 on ‖r‖ = 5: 1·(√(25 + 1) − 1)
    assert.ok(Math.abs(normValue('smooth_abs', [3, 4], 0, 2, 1) - (Math.sqrt(26) - 1)) < 1e-12);
    // log_barrier with p = 1 at r = 0.5: −ln(0.5) − 0.5
    assert.ok(Math.abs(normValue('log_barrier', [0.5], 0, 1, 1) - (Math.log(2) - 0.5)) < 1e-12);
    // barrier is zero outside its band and finite far beyond it
    assert.equal(normValue('log_barrier', [-0.3, 0], 0, 2, 1), 0);
    assert.ok(Number.isFinite(normValue('log_barrier', [50], 0, 1, 1)));
  });
});
