import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeCompressed } from '../../src/perception/decode.ts';
import type { CompressedImageMsg, DecodedImage } from '../../src/perception/types.ts';
import { randomBytes } from './helpers.ts';

const W = 16;
const H = 12;

/** A smooth colour image (JPEG-friendly): RGB bytes. */
function gradientRgb(): Uint8Array {
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      out[o] = Math.round((x / (W - 1)) * 255);
      out[o + 1] = Math.round((y / (H - 1)) * 255);
      out[o + 2] = 128;
    }
  }
  return out;
}

async function decodeOk(m: CompressedImageMsg, maxPixels?: number): Promise<DecodedImage> {
  const r = await decodeCompressed(m, maxPixels === undefined ? {} : { maxPixels });
  if (!r.ok) assert.fail(`dropped: ${r.reason} (${r.detail})`);
  return r.image;
}

function header16(format: number, a: number, b: number): Uint8Array {
  const h = new Uint8Array(12);
  const v = new DataView(h.buffer);
  v.setInt32(0, format, true);
  v.setFloat32(4, a, true);
  v.setFloat32(8, b, true);
  return h;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function png16(values: Uint16Array): Promise<Uint8Array> {
  return sharp(values, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toBuffer();
}

describe('decodeCompressed', () => {
  const rgb = gradientRgb();

  for (const format of ['rgb8; png compressed bgr8', 'bgr8; png compressed bgr8', 'png']) {
    test(`png '${format}' decodes exactly to RGB`, async () => {
      const png = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
      const img = await decodeOk({ format, data: png });
      assert.deepEqual([img.width, img.height, img.channels, img.kind], [W, H, 3, 'rgb']);
      for (let i = 0; i < rgb.length; i++) assert.equal(img.data[i], Math.fround(rgb[i]! / 255), `value ${i}`);
    });
  }

  for (const format of ['bgr8; jpeg compressed bgr8', 'rgb8; jpeg compressed bgr8', 'jpeg']) {
    test(`jpeg '${format}' decodes within tolerance`, async () => {
      const jpg = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
      const img = await decodeOk({ format, data: jpg });
      let sum = 0;
      let max = 0;
      for (let i = 0; i < rgb.length; i++) {
        const e = Math.abs(img.data[i]! - rgb[i]! / 255);
        sum += e;
        max = Math.max(max, e);
      }
      // Measured with quality 95 on this gradient (chroma subsampled): mean ≈ 0.008, max ≈ 0.051.
      assert.ok(sum / rgb.length < 0.015, `mean abs error ${sum / rgb.length}`);
      assert.ok(max < 0.08, `max abs error ${max}`);
    });
  }

  test('rgba png drops alpha', async () => {
    const rgba = new Uint8Array(W * H * 4);
    for (let i = 0; i < W * H; i++) rgba.set([rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!, i % 256], 4 * i);
    const png = await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer();
    const img = await decodeOk({ format: 'rgba8; png compressed bgra8', data: png });
    assert.equal(img.channels, 3);
    for (let i = 0; i < rgb.length; i++) assert.equal(img.data[i], Math.fround(rgb[i]! / 255), `value ${i}`);
  });

  test('mono8 png decodes exactly to one channel', async () => {
    const grey = randomBytes(W * H, 11);
    const png = await sharp(grey, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    assert.equal(png[25], 0, 'PNG colour type 0 (grey)');
    for (const format of ['mono8; png compressed mono8', 'png']) {
      const img = await decodeOk({ format, data: png });
      assert.deepEqual([img.channels, img.kind], [1, 'mono']);
      for (let i = 0; i < grey.length; i++) assert.equal(img.data[i], Math.fround(grey[i]! / 255), `value ${i}`);
    }
  });

  test('16-bit png: 16UC1 is depth in metres, mono16 is normalised', async () => {
    const v = new Uint16Array(W * H);
    for (let i = 0; i < v.length; i++) v[i] = i % 7 === 0 ? 0 : 300 + 97 * i;
    const png = await png16(v);
    const depth = await decodeOk({ format: '16UC1; png compressed mono16', data: png });
    assert.equal(depth.kind, 'depth');
    for (let i = 0; i < v.length; i++) {
      if (v[i] === 0) assert.ok(Number.isNaN(depth.data[i]!), `pixel ${i} invalid`);
      else assert.equal(depth.data[i], Math.fround(v[i]! * 0.001), `pixel ${i}`);
    }
    const mono = await decodeOk({ format: 'mono16; png compressed mono16', data: png });
    assert.equal(mono.kind, 'mono');
    for (let i = 0; i < v.length; i++) assert.equal(mono.data[i], Math.fround(v[i]! / 65535), `pixel ${i}`);
  });

  test('compressedDepth 16UC1: 12-byte header then a 16-bit png of millimetres', async () => {
    const v = new Uint16Array(W * H);
    for (let i = 0; i < v.length; i++) v[i] = i % 5 === 0 ? 0 : 250 + 13 * i;
    const data = concat(header16(0, 0, 0), await png16(v));
    for (const format of ['16UC1; compressedDepth png', '16UC1; compressedDepth']) {
      const img = await decodeOk({ format, data });
      assert.equal(img.kind, 'depth');
      for (let i = 0; i < v.length; i++) {
        if (v[i] === 0) assert.equal(img.valid?.[i], 0, `pixel ${i} invalid`);
        else assert.equal(img.data[i], Math.fround(v[i]! * 0.001), `pixel ${i}`);
      }
    }
  });

  test('compressedDepth 32FC1: inverse-depth quantisation is undone within one quantum', async () => {
    // compressed_depth_image_transport defaults: depth_quantization 100, depth_max 10 m.
    const z0 = 100;
    const maxM = 10;
    const a = z0 * (z0 + 1);
    const b = 1 - a / maxM;
    const depth = Array.from({ length: W * H }, (_, i) => (i % 9 === 0 ? NaN : 0.3 + (9.5 * i) / (W * H)));
    const q = new Uint16Array(depth.map((d) => (Number.isNaN(d) || d >= maxM ? 0 : Math.round(a / d + b))));
    const img = await decodeOk({ format: '32FC1; compressedDepth png', data: concat(header16(0, a, b), await png16(q)) });
    for (let i = 0; i < depth.length; i++) {
      const d = depth[i]!;
      if (Number.isNaN(d)) {
        assert.ok(Number.isNaN(img.data[i]!), `pixel ${i} invalid`);
      } else {
        // One quantisation step in q is d²/a metres.
        assert.ok(Math.abs(img.data[i]! - d) <= (0.5 * d * d) / a + 1e-5, `pixel ${i}: ${img.data[i]} vs ${d}`);
      }
    }
  });

  test('a number[] payload decodes like bytes', async () => {
    const png = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
    const img = await decodeOk({ format: 'png', data: [...png] });
    assert.equal(img.data[3], Math.fround(rgb[3]! / 255));
  });
});

describe('decodeCompressed bad input is dropped with a reason', () => {
  test('corrupt, truncated, empty, unsupported and oversized inputs', async () => {
    const rgb = gradientRgb();
    const jpg = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const png = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
    const flipped = Uint8Array.from(jpg);
    for (let i = 200; i < flipped.length - 2; i += 3) flipped[i] = 0xff ^ flipped[i]!;
    const cases: [string, unknown, string][] = [
      ['random bytes', { format: 'jpeg', data: randomBytes(500, 3) }, 'corrupt_compressed'],
      ['truncated jpeg', { format: 'bgr8; jpeg compressed bgr8', data: jpg.subarray(0, jpg.length - 40) }, 'corrupt_compressed'],
      ['jpeg header only', { format: 'jpeg', data: jpg.subarray(0, 20) }, 'corrupt_compressed'],
      ['corrupt png body', { format: 'png', data: Uint8Array.from(png, (v, i) => (i > 60 ? v ^ 0x55 : v)) }, 'corrupt_compressed'],
      ['empty data', { format: 'jpeg', data: new Uint8Array(0) }, 'short_data'],
      ['compressedDepth without a png', { format: '16UC1; compressedDepth png', data: new Uint8Array(12) }, 'short_data'],
      ['compressedDepth rvl', { format: '16UC1; compressedDepth rvl', data: randomBytes(64, 4) }, 'unsupported_format'],
      ['an unknown codec', { format: 'h264', data: randomBytes(64, 5) }, 'unsupported_format'],
      ['32FC1 outside compressedDepth', { format: '32FC1; png compressed 32FC1', data: png }, 'unsupported_format'],
      ['null', null, 'bad_message'],
      ['format not a string', { format: 7, data: png }, 'bad_message'],
      ['data not bytes', { format: 'png', data: { length: 3 } }, 'bad_message'],
    ];
    for (const [name, m, reason] of cases) {
      const r = await decodeCompressed(m as CompressedImageMsg);
      assert.equal(r.ok, false, name);
      if (!r.ok) assert.equal(r.reason, reason, `${name}: ${r.detail}`);
    }
    // Bit flips inside the entropy-coded data may or may not be detected; they must not throw.
    const flippedResult = await decodeCompressed({ format: 'jpeg', data: flipped });
    assert.equal(typeof flippedResult.ok, 'boolean');
  });

  test('too_large is decided from the header, before decoding', async () => {
    const big = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } }).png().toBuffer();
    const r = await decodeCompressed({ format: 'png', data: big }, { maxPixels: 300 * 200 - 1 });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason, 'too_large');
    const d = await decodeCompressed({ format: '16UC1; compressedDepth png', data: concat(header16(0, 0, 0), big) }, { maxPixels: 100 });
    assert.equal(d.ok, false);
    if (!d.ok) assert.equal(d.reason, 'too_large');
  });
});
