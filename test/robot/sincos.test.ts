import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sincos } from '../../src/robot/sincos.ts';
import { rng } from './helpers.ts';

const view = new Float64Array(1);
const bits = new BigInt64Array(view.buffer);

/** Distance in units in the last place between two doubles of the same sign (0 when equal). */
function ulps(a: number, b: number): number {
  if (a === b) return 0;
  if (Math.sign(a) !== Math.sign(b)) return Math.abs(a - b) < 1e-300 ? 0 : Infinity;
  view[0] = a;
  const ia = bits[0]!;
  view[0] = b;
  const d = ia - bits[0]!;
  return Number(d < 0n ? -d : d);
}

function check(x: number, out: Float64Array, what: string): void {
  sincos(x, out, 0);
  assert.ok(ulps(out[0]!, Math.sin(x)) <= 1, `${what}: sin(${x}) = ${out[0]} vs Math.sin ${Math.sin(x)}`);
  assert.ok(ulps(out[1]!, Math.cos(x)) <= 1, `${what}: cos(${x}) = ${out[1]} vs Math.cos ${Math.cos(x)}`);
}

describe('sincos', () => {
  test('within 1 ulp of Math.sin and Math.cos over and beyond joint ranges', () => {
    const next = rng(3);
    const out = new Float64Array(2);
    for (let i = 0; i < 200_000; i++) check((2 * next() - 1) * 20, out, 'uniform');
    for (let i = 0; i < 20_000; i++) check((2 * next() - 1) * 1e5, out, 'wide');
    for (let i = 0; i < 20_000; i++) check((2 * next() - 1) * 1e-6, out, 'tiny');
  });

  test('near multiples of π/4 and π/2, where the reduction cancels', () => {
    const next = rng(4);
    const out = new Float64Array(2);
    for (let k = -64; k <= 64; k++) {
      const x = (k * Math.PI) / 4;
      check(x, out, `k·π/4, k = ${k}`);
      for (let i = 0; i < 200; i++) check(x * (1 + (2 * next() - 1) * 1e-13), out, `near k·π/4, k = ${k}`);
      // neighbouring doubles
      let y = x;
      for (let i = 0; i < 5; i++) {
        y = nextUp(y);
        check(y, out, `next up from k·π/4, k = ${k}`);
      }
    }
  });

  test('special values and the offset it writes to', () => {
    const out = new Float64Array(4);
    sincos(0, out, 2);
    assert.deepEqual([...out], [0, 0, 0, 1], 'sincos(0) = (0, 1) at offset 2');
    // the sign table does not keep the sign of a zero result (sin(−0) = +0 here); FK never sees the difference
    sincos(-0, out, 0);
    assert.ok(out[0] === 0 && out[1] === 1, 'sincos(−0) = (0, 1)');
    for (const x of [Number.NaN, Infinity, -Infinity]) {
      sincos(x, out, 0);
      assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[1]!), `sincos(${x}) is NaN`);
    }
    for (const x of [1e6, -3e7, 1e300, 5e-324, Number.MIN_VALUE * 1e10]) check(x, new Float64Array(2), 'special');
  });
});

function nextUp(x: number): number {
  view[0] = x;
  bits[0] = x >= 0 ? bits[0]! + 1n : bits[0]! - 1n;
  return view[0]!;
}
