import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneMessage } from '../../src/bus/clone.ts';

describe('cloneMessage', () => {
  test('copies nested objects, arrays and typed arrays', () => {
    const src = {
      header: { stamp: { sec: 1, nanosec: 2 }, frame_id: 'f' },
      points: [{ positions: Float64Array.of(1, 2), names: ['a'] }],
      data: new Uint8Array([1, 2, 3]),
      big: 5n,
      flag: true,
      none: null,
    };
    const c = cloneMessage(src);
    assert.deepEqual(c, src);
    assert.notEqual(c.header, src.header);
    assert.notEqual(c.points[0], src.points[0]);
    assert.notEqual(c.points[0]?.positions, src.points[0]?.positions);
    assert.ok(c.points[0]?.positions instanceof Float64Array);
    src.data[0] = 9;
    assert.equal(c.data[0], 1);
  });

  test('a view is copied alone; a Buffer becomes a plain Uint8Array', () => {
    const backing = new Float32Array(1000);
    const view = backing.subarray(10, 13);
    const c = cloneMessage({ v: view, b: Buffer.from([7, 8]) });
    assert.equal(c.v.length, 3);
    assert.equal(c.v.buffer.byteLength, 12);
    assert.ok(c.v instanceof Float32Array);
    assert.equal(Object.getPrototypeOf(c.b), Uint8Array.prototype);
    assert.deepEqual([...c.b], [7, 8]);
  });
});
