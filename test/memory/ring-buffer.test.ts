import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RingBuffer, createSampleWindow } from '../../src/memory/ring-buffer.ts';

function filled(capacity: number, dim: number, stamps: number[]): RingBuffer {
  const rb = new RingBuffer(capacity, dim);
  for (const t of stamps) assert.equal(rb.push(t, Array.from({ length: dim }, (_, j) => t * 10 + j)), 'ok');
  return rb;
}

describe('RingBuffer', () => {
  test('construction collects every problem and throws once', () => {
    assert.throws(() => new RingBuffer(0, -1), (e: Error) => /capacity/.test(e.message) && /dim/.test(e.message));
    assert.throws(() => new RingBuffer(2.5, 1), /capacity/);
    assert.doesNotThrow(() => new RingBuffer(1, 0));
  });

  test('keeps the newest `capacity` samples, oldest first', () => {
    const rb = filled(3, 2, [1, 2, 3, 4, 5]);
    assert.equal(rb.size, 3);
    assert.equal(rb.accepted, 5);
    assert.deepEqual([rb.stampAt(0), rb.stampAt(1), rb.stampAt(2)], [3, 4, 5]);
    assert.ok(Number.isNaN(rb.stampAt(3)));
    const latest = rb.latest();
    assert.ok(latest);
    assert.equal(latest.stampS, 5);
    assert.deepEqual([...latest.values], [50, 51]);
  });

  test('empty buffer: latest is null, stamps NaN', () => {
    const rb = new RingBuffer(4, 2);
    assert.equal(rb.latest(), null);
    assert.ok(Number.isNaN(rb.latestStampS()));
    assert.ok(Number.isNaN(rb.latestInto(new Float64Array(2))));
    assert.equal(rb.indexAtOrBefore(10), -1);
  });

  test('rejects and counts out-of-order, duplicate, wrong-size and non-finite samples', () => {
    const rb = new RingBuffer(4, 2);
    assert.equal(rb.push(1, [0, 0]), 'ok');
    assert.equal(rb.push(0.5, [0, 0]), 'out_of_order');
    assert.equal(rb.push(1, [0, 0]), 'duplicate');
    assert.equal(rb.push(2, [0]), 'wrong_size');
    assert.equal(rb.push(2, [0, 0, 0]), 'wrong_size');
    assert.equal(rb.push(2, [0, Number.NaN]), 'non_finite');
    assert.equal(rb.push(2, [Number.POSITIVE_INFINITY, 0]), 'non_finite');
    assert.equal(rb.push(Number.NaN, [0, 0]), 'non_finite');
    assert.equal(rb.push(Number.POSITIVE_INFINITY, [0, 0]), 'non_finite');
    assert.deepEqual(rb.rejected(), { out_of_order: 1, duplicate: 1, wrong_size: 2, non_finite: 4 });
    // Rejections leave the contents alone.
    assert.equal(rb.size, 1);
    assert.equal(rb.latestStampS(), 1);
    assert.equal(rb.push(2, [1, 1]), 'ok');
  });

  test('copies values in: later changes to the source do not leak', () => {
    const rb = new RingBuffer(2, 3);
    const src = new Float32Array([1, 2, 3]);
    rb.push(0, src);
    src[0] = 99;
    const out = new Float64Array(3);
    assert.equal(rb.latestInto(out), 0);
    assert.deepEqual([...out], [1, 2, 3]);
  });

  test('window: last k oldest first, padding after count, reusing `out`', () => {
    const rb = filled(4, 2, [1, 2, 3, 4, 5, 6]);
    const w = rb.window(3);
    assert.equal(w.count, 3);
    assert.deepEqual([...w.stampsS], [4, 5, 6]);
    assert.deepEqual([...w.values], [40, 41, 50, 51, 60, 61]);

    const big = createSampleWindow(6, 2);
    big.values.fill(7);
    const same = rb.window(6, big);
    assert.equal(same, big);
    assert.equal(big.count, 4);
    assert.deepEqual([...big.stampsS.subarray(0, 4)], [3, 4, 5, 6]);
    assert.ok(Number.isNaN(big.stampsS[4] as number) && Number.isNaN(big.stampsS[5] as number));
    assert.deepEqual([...big.values], [30, 31, 40, 41, 50, 51, 60, 61, 0, 0, 0, 0]);

    // k smaller than the window asks for fewer rows.
    rb.window(1, big);
    assert.equal(big.count, 1);
    assert.deepEqual([...big.values.subarray(0, 2)], [60, 61]);
    assert.ok(Number.isNaN(big.stampsS[1] as number));
  });

  test('a window of another dimension is refused', () => {
    const rb = filled(2, 2, [1]);
    assert.throws(() => rb.window(1, createSampleWindow(1, 3)), /dim/);
  });

  test('flags travel with their sample', () => {
    const rb = new RingBuffer(2, 1);
    rb.push(1, [0], 3);
    rb.push(2, [0], 1);
    rb.push(3, [0], 2);
    assert.deepEqual([rb.flagsAt(0), rb.flagsAt(1)], [1, 2]);
    assert.deepEqual([...rb.window(2).flags], [1, 2]);
  });

  test('time look-up and linear interpolation', () => {
    const rb = new RingBuffer(8, 2);
    rb.push(1, [0, 10]);
    rb.push(2, [1, 20]);
    rb.push(4, [3, 0]);
    assert.equal(rb.indexAtOrBefore(0.5), -1);
    assert.equal(rb.indexAtOrBefore(1), 0);
    assert.equal(rb.indexAtOrBefore(3.9), 1);
    assert.equal(rb.indexAtOrBefore(100), 2);
    const out = new Float64Array(2);
    assert.ok(rb.interpolate(3, out));
    // Halfway between (1, 20) at 2 s and (3, 0) at 4 s.
    assert.deepEqual([...out], [2, 10]);
    assert.ok(rb.interpolate(4, out));
    assert.deepEqual([...out], [3, 0]);
    out.fill(-1);
    assert.equal(rb.interpolate(0.5, out), false);
    assert.equal(rb.interpolate(4.5, out), false);
    assert.deepEqual([...out], [-1, -1]);
  });

  test('time look-up works across the wrap-around', () => {
    const rb = filled(3, 1, [1, 2, 3, 4, 5]);
    assert.equal(rb.indexAtOrBefore(3.5), 0);
    assert.equal(rb.indexAtOrBefore(4), 1);
    const out = new Float64Array(1);
    assert.ok(rb.interpolate(4.5, out));
    assert.equal(out[0], 45);
  });

  test('clear forgets samples and the newest stamp but keeps counts', () => {
    const rb = filled(3, 1, [5, 6]);
    rb.push(1, [0]);
    rb.clear();
    assert.equal(rb.size, 0);
    assert.equal(rb.latest(), null);
    assert.equal(rb.push(1, [0]), 'ok');
    assert.equal(rb.rejected().out_of_order, 1);
    rb.resetCounts();
    assert.equal(rb.rejected().out_of_order, 0);
    assert.equal(rb.accepted, 0);
  });

  test('dim 0 buffers hold stamps only', () => {
    const rb = new RingBuffer(2, 0);
    assert.equal(rb.push(1, []), 'ok');
    assert.equal(rb.push(2, [1]), 'wrong_size');
    assert.equal(rb.window(2).count, 1);
  });
});
