import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecodeBuffers, decodeImage } from '../../src/perception/decode.ts';
import type { ImageMsg } from '../../src/perception/types.ts';
import { rng } from './helpers.ts';

const W = 5;
const H = 3;
const PAD = 7; // bytes of row padding, filled with 0xAB so a decoder that reads them is caught

/** Reference pixels: integers per channel, seeded. */
function refPixels(channels: number, max: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: W * H * channels }, () => Math.floor(r() * (max + 1)));
}

/** Lays out per-pixel byte groups into rows of `step` bytes; `bytesOf(pixelIndex)` gives one pixel. */
function pack(bpp: number, step: number, bytesOf: (i: number) => number[]): Uint8Array {
  const data = new Uint8Array(step * H).fill(0xab);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const px = bytesOf(y * W + x);
      assert.equal(px.length, bpp);
      data.set(px, y * step + x * bpp);
    }
  }
  return data;
}

function u16(v: number, big: boolean): number[] {
  return big ? [v >> 8, v & 0xff] : [v & 0xff, v >> 8];
}

function f32(v: number, big: boolean): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, !big);
  return [...b];
}

function msg(encoding: string, bpp: number, data: Uint8Array | number[], big = false, step = W * bpp + PAD): ImageMsg {
  return { header: { stamp: { sec: 1, nanosec: 2 }, frame_id: 'cam' }, height: H, width: W, encoding, is_bigendian: big ? 1 : 0, step, data };
}

function decodeOk(m: ImageMsg) {
  const r = decodeImage(m);
  if (!r.ok) assert.fail(`dropped: ${r.reason} (${r.detail})`);
  return r.image;
}

describe('decodeImage colour encodings', () => {
  const rgb = refPixels(3, 255, 1);
  const cases: [string, number, (i: number) => number[]][] = [
    ['rgb8', 3, (i) => [rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!]],
    ['bgr8', 3, (i) => [rgb[3 * i + 2]!, rgb[3 * i + 1]!, rgb[3 * i]!]],
    ['rgba8', 4, (i) => [rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!, 17]],
    ['bgra8', 4, (i) => [rgb[3 * i + 2]!, rgb[3 * i + 1]!, rgb[3 * i]!, 200]],
  ];
  for (const [enc, bpp, px] of cases) {
    test(`${enc} with row padding round-trips to RGB in [0, 1]`, () => {
      const img = decodeOk(msg(enc, bpp, pack(bpp, W * bpp + PAD, px)));
      assert.deepEqual([img.width, img.height, img.channels, img.kind], [W, H, 3, 'rgb']);
      assert.equal(img.data.length, W * H * 3);
      for (let i = 0; i < rgb.length; i++) assert.ok(Math.abs(img.data[i]! - rgb[i]! / 255) < 1e-7, `${enc}[${i}]`);
    });
  }

  const rgb16 = refPixels(3, 65535, 2);
  for (const big of [false, true]) {
    for (const enc of ['rgb16', 'bgr16']) {
      test(`${enc} ${big ? 'big' : 'little'}-endian round-trips`, () => {
        const order = enc === 'rgb16' ? [0, 1, 2] : [2, 1, 0];
        const img = decodeOk(msg(enc, 6, pack(6, 6 * W + PAD, (i) => order.flatMap((c) => u16(rgb16[3 * i + c]!, big))), big));
        for (let i = 0; i < rgb16.length; i++) assert.ok(Math.abs(img.data[i]! - rgb16[i]! / 65535) < 1e-7, `value ${i}`);
      });
    }
  }
});

describe('decodeImage mono and depth encodings', () => {
  const grey = refPixels(1, 255, 3);
  for (const enc of ['mono8', '8UC1']) {
    test(`${enc} round-trips`, () => {
      const img = decodeOk(msg(enc, 1, pack(1, W + PAD, (i) => [grey[i]!])));
      assert.deepEqual([img.channels, img.kind], [1, 'mono']);
      for (let i = 0; i < grey.length; i++) assert.ok(Math.abs(img.data[i]! - grey[i]! / 255) < 1e-7, `value ${i}`);
    });
  }

  const grey16 = refPixels(1, 65535, 4);
  for (const big of [false, true]) {
    test(`mono16 ${big ? 'big' : 'little'}-endian round-trips`, () => {
      const img = decodeOk(msg('mono16', 2, pack(2, 2 * W + PAD, (i) => u16(grey16[i]!, big)), big));
      assert.equal(img.kind, 'mono');
      for (let i = 0; i < grey16.length; i++) assert.ok(Math.abs(img.data[i]! - grey16[i]! / 65535) < 1e-7, `value ${i}`);
    });

    test(`16UC1 ${big ? 'big' : 'little'}-endian: millimetres to metres, 0 is invalid`, () => {
      const mm = grey16.map((v, i) => (i % 4 === 0 ? 0 : v));
      const img = decodeOk(msg('16UC1', 2, pack(2, 2 * W + PAD, (i) => u16(mm[i]!, big)), big));
      assert.equal(img.kind, 'depth');
      assert.ok(img.valid !== undefined, 'depth has a validity mask');
      for (let i = 0; i < mm.length; i++) {
        if (mm[i] === 0) {
          assert.ok(Number.isNaN(img.data[i]!), `pixel ${i} is NaN`);
          assert.equal(img.valid[i], 0);
        } else {
          assert.ok(Math.abs(img.data[i]! - mm[i]! / 1000) < 1e-5, `pixel ${i}`);
          assert.equal(img.valid[i], 1);
        }
      }
    });

    test(`32FC1 ${big ? 'big' : 'little'}-endian: metres; NaN, ±Inf and <= 0 are invalid`, () => {
      const r = rng(5);
      const special = [NaN, Infinity, -Infinity, 0, -1.5];
      const m = Array.from({ length: W * H }, (_, i) => (i < special.length ? special[i]! : Math.fround(0.1 + 9 * r())));
      const img = decodeOk(msg('32FC1', 4, pack(4, 4 * W + PAD, (i) => f32(m[i]!, big)), big));
      for (let i = 0; i < m.length; i++) {
        if (i < special.length) {
          assert.ok(Number.isNaN(img.data[i]!), `pixel ${i}`);
          assert.equal(img.valid?.[i], 0);
        } else {
          assert.equal(img.data[i], m[i]);
          assert.equal(img.valid?.[i], 1);
        }
      }
    });
  }
});

describe('decodeImage message forms', () => {
  test('number[] data (as some bridges deliver uint8[]) decodes like Uint8Array', () => {
    const bytes = pack(3, 3 * W, (i) => [i, 2 * i, 255 - i]);
    const a = decodeOk(msg('rgb8', 3, bytes, false, 3 * W));
    const b = decodeOk(msg('rgb8', 3, [...bytes], false, 3 * W));
    assert.deepEqual([...a.data], [...b.data]);
  });

  test('omitted padding after the last row is accepted', () => {
    const step = 3 * W + PAD;
    const bytes = pack(3, step, (i) => [i, i, i]).subarray(0, step * (H - 1) + 3 * W);
    const img = decodeOk(msg('rgb8', 3, bytes, false, step));
    assert.ok(Math.abs(img.data[img.data.length - 1]! - (W * H - 1) / 255) < 1e-7, 'last pixel');
  });

  test('a Uint8Array view at an odd byte offset decodes (32FC1 via DataView)', () => {
    const inner = pack(4, 4 * W, (i) => f32(i + 1, false));
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    const img = decodeOk(msg('32FC1', 4, outer.subarray(3), false, 4 * W));
    assert.equal(img.data[6], 7);
  });

  test('reused buffers grow when needed and results are views into them', () => {
    const buffers = createDecodeBuffers();
    const r1 = decodeImage(msg('mono8', 1, pack(1, W, (i) => [i]), false, W), {}, buffers);
    assert.ok(r1.ok, 'first frame decodes');
    const cap = buffers.data;
    assert.ok(cap.length >= W * H, 'buffer grew');
    const r2 = decodeImage(msg('mono8', 1, pack(1, W, (i) => [2 * i]), false, W), {}, buffers);
    assert.ok(r2.ok, 'second frame decodes');
    assert.equal(buffers.data, cap, 'same-size frame reuses the buffer');
    assert.equal(r2.image.data.buffer, cap.buffer);
  });
});

describe('decodeImage bad input is dropped with a reason', () => {
  const good = (): ImageMsg => msg('rgb8', 3, new Uint8Array(3 * W * H), false, 3 * W);
  const cases: [string, () => unknown, string][] = [
    ['short data', () => ({ ...good(), data: new Uint8Array(3 * W * H - 1) }), 'short_data'],
    ['unknown encoding', () => ({ ...good(), encoding: 'yuv422_yuy2' }), 'unknown_encoding'],
    ['prototype key as encoding', () => ({ ...good(), encoding: 'constructor' }), 'unknown_encoding'],
    ['zero width', () => ({ ...good(), width: 0 }), 'bad_size'],
    ['negative height', () => ({ ...good(), height: -3 }), 'bad_size'],
    ['fractional width', () => ({ ...good(), width: 2.5 }), 'bad_size'],
    ['NaN height', () => ({ ...good(), height: NaN }), 'bad_size'],
    ['absurd size with tiny data', () => ({ ...good(), width: 1e6, height: 1e6, step: 3e6 }), 'too_large'],
    ['step smaller than a row', () => ({ ...good(), step: 3 * W - 1 }), 'bad_step'],
    ['fractional step', () => ({ ...good(), step: 3 * W + 0.5 }), 'bad_step'],
    ['null message', () => null, 'bad_message'],
    ['data is a string', () => ({ ...good(), data: 'abc' }), 'bad_message'],
    ['encoding missing', () => ({ ...good(), encoding: undefined }), 'bad_message'],
    ['width is a string', () => ({ ...good(), width: '5' }), 'bad_message'],
    ['a getter that throws', () => Object.defineProperty({ ...good() }, 'data', { get: () => { throw new Error('boom'); } }), 'bad_message'],
  ];
  for (const [name, make, reason] of cases) {
    test(name, () => {
      const r = decodeImage(make() as ImageMsg);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.reason, reason);
        assert.ok(r.detail.length > 0, 'detail given');
      }
    });
  }

  test('maxPixels is configurable and checked before allocation', () => {
    const r = decodeImage(good(), { maxPixels: W * H - 1 });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason, 'too_large');
    assert.equal(decodeImage(good(), { maxPixels: W * H }).ok, true);
  });
});
