import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { areaResizeRgb8, inputOrder, rgb8ToUnitInput, rgb8ToUnitNchw } from '../../src/world-model/learned-image.ts';

describe('learned encoder input', () => {
  test('area resize averages whole blocks, and fractional blocks by coverage', () => {
    // 4×2 → 2×1: each output pixel is the mean of a 2×2 block
    const src = Uint8Array.from([0, 0, 0, 10, 20, 30, 100, 100, 100, 50, 50, 50, 2, 4, 6, 8, 10, 12, 200, 0, 0, 0, 200, 0]);
    const out = new Uint8Array(6);
    areaResizeRgb8(src, 4, 2, 2, 1, out);
    assert.deepEqual(Array.from(out), [5, 9, 12, 88, 88, 38]);
    // 3×1 → 2×1: output 0 covers pixel 0 and half of pixel 1
    const three = Uint8Array.from([30, 30, 30, 90, 90, 90, 150, 150, 150]);
    const two = new Uint8Array(6);
    areaResizeRgb8(three, 3, 1, 2, 1, two);
    assert.deepEqual(Array.from(two), [50, 50, 50, 130, 130, 130]);
  });

  test('NCHW and patch orders hold the same values', () => {
    const w = 4;
    const h = 4;
    const img = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7) % 256);
    const nchw = new Float32Array(w * h * 3);
    rgb8ToUnitNchw(img, 0, 1, w, h, nchw);
    // pixel (x 1, y 2) channel 2 sits at c·hw + y·w + x in NCHW
    assert.equal(nchw[2 * 16 + 2 * 4 + 1], Math.fround(img[(2 * 4 + 1) * 3 + 2]! / 255));
    const order = inputOrder(w, h, 2);
    const patched = new Float32Array(w * h * 3);
    rgb8ToUnitInput(img, 0, 1, w, h, order, patched);
    for (let i = 0; i < order.length; i++) assert.equal(patched[i], nchw[order[i]!]);
    // the first patch is the top-left 2×2 block: channel 0 of (0,0), (1,0), (0,1), (1,1)
    assert.deepEqual(Array.from(order.subarray(0, 4)), [0, 1, 4, 5]);
    // the second patch starts two columns to the right
    assert.equal(order[12], 2);
    assert.deepEqual(Array.from(inputOrder(w, h, 0).subarray(0, 5)), [0, 1, 2, 3, 4]);
    assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 48 }, (_, i) => i));
  });
});
