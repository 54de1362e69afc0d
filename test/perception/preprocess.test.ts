import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAxisTable, Preprocessor, resolvePreprocess } from '../../src/perception/preprocess.ts';
import type { PreprocessConfig, PreprocessSpec } from '../../src/perception/preprocess.ts';
import type { DecodedImage } from '../../src/perception/types.ts';
import { maxAbsDiff, randomArray } from './helpers.ts';

function spec(c: PreprocessConfig): PreprocessSpec {
  const r = resolvePreprocess(c);
  if (r.spec === undefined) assert.fail(JSON.stringify(r.issues));
  return r.spec;
}

function rgbImage(w: number, h: number, seed: number): DecodedImage {
  return { width: w, height: h, channels: 3, kind: 'rgb', data: randomArray(w * h * 3, seed, 0, 1) };
}

function run(s: PreprocessSpec, img: DecodedImage): Float32Array {
  const p = new Preprocessor(s);
  const out = new Float32Array(p.sampleSize);
  p.run(img, out);
  return out;
}

/** Independent area-average reference for one axis: repeat each source sample resLen times, average blocks of srcLen. */
function areaRef1d(src: number[], resLen: number): number[] {
  const rep: number[] = [];
  for (const v of src) for (let k = 0; k < resLen; k++) rep.push(v);
  return Array.from({ length: resLen }, (_, i) => rep.slice(i * src.length, (i + 1) * src.length).reduce((a, b) => a + b, 0) / src.length);
}

describe('preprocess', () => {
  test('same size: normalisation, channel order and layout are exact', () => {
    const img = rgbImage(4, 3, 1);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const nchw = run(spec({ width: 4, height: 3, mean, std, layout: 'nchw' }), img);
    const nhwc = run(spec({ width: 4, height: 3, mean, std, layout: 'nhwc' }), img);
    const bgr = run(spec({ width: 4, height: 3, mean, std, layout: 'nchw', channelOrder: 'bgr' }), img);
    const scaled = run(spec({ width: 4, height: 3, scale: 255, mean: [127.5], std: [127.5], layout: 'nhwc' }), img);
    for (let p = 0; p < 12; p++) {
      for (let c = 0; c < 3; c++) {
        const v = img.data[p * 3 + c]!;
        const want = Math.fround((v - mean[c]!) / std[c]!);
        assert.ok(Math.abs(nchw[c * 12 + p]! - want) < 1e-6, `nchw c${c} p${p}`);
        assert.ok(Math.abs(nhwc[p * 3 + c]! - want) < 1e-6, `nhwc c${c} p${p}`);
        const cb = 2 - c; // bgr puts blue first; mean/std follow the encoder's channel order
        assert.ok(Math.abs(bgr[cb * 12 + p]! - (v - mean[cb]!) / std[cb]!) < 1e-6, `bgr c${c} p${p}`);
        assert.ok(Math.abs(scaled[p * 3 + c]! - (v * 255 - 127.5) / 127.5) < 1e-5, `scale c${c} p${p}`);
      }
    }
  });

  test('channel conversion: rgb to 1 channel is luma, mono to 3 channels is replicated', () => {
    const img = rgbImage(3, 2, 2);
    const grey = run(spec({ width: 3, height: 2, channels: 1 }), img);
    for (let p = 0; p < 6; p++) {
      const want = 0.299 * img.data[3 * p]! + 0.587 * img.data[3 * p + 1]! + 0.114 * img.data[3 * p + 2]!;
      assert.ok(Math.abs(grey[p]! - want) < 1e-6, `luma ${p}`);
    }
    const mono: DecodedImage = { width: 3, height: 2, channels: 1, kind: 'mono', data: randomArray(6, 3, 0, 1) };
    const rgb = run(spec({ width: 3, height: 2, layout: 'nchw' }), mono);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 6; p++) assert.equal(rgb[c * 6 + p], mono.data[p], `c${c} p${p}`);
  });

  test('integer downscale averages blocks', () => {
    const img = rgbImage(8, 6, 4);
    const out = run(spec({ width: 4, height: 3, layout: 'nhwc' }), img);
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) s += img.data[((2 * y + dy) * 8 + 2 * x + dx) * 3 + c]!;
          assert.ok(Math.abs(out[(y * 4 + x) * 3 + c]! - s / 4) < 1e-6, `(${x},${y},${c})`);
        }
      }
    }
  });

  test('fractional downscale matches an independent area-average reference', () => {
    const W = 7;
    const H = 5;
    const mono: DecodedImage = { width: W, height: H, channels: 1, kind: 'mono', data: randomArray(W * H, 5, 0, 1) };
    const out = run(spec({ width: 3, height: 2, channels: 1 }), mono);
    // Separable: rows first, then columns.
    const rows = Array.from({ length: H }, (_, y) => areaRef1d([...mono.data.subarray(y * W, (y + 1) * W)], 3));
    const ref: number[] = [];
    const cols = Array.from({ length: 3 }, (_, x) => areaRef1d(rows.map((r) => r[x]!), 2));
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) ref.push(cols[x]![y]!);
    assert.ok(maxAbsDiff(out, ref) < 1e-6, `max diff ${maxAbsDiff(out, ref)}`);
  });

  test('upscale is bilinear with half-pixel centres (hand-computed)', () => {
    // Source [0, 1] to 4 samples: x = (j + 0.5)/2 - 0.5 = -0.25, 0.25, 0.75, 1.25 → clamp → 0, 0.25, 0.75, 1.
    const t = buildAxisTable(2, 4, 4, 0);
    const vals = Array.from({ length: 4 }, (_, i) => {
      let s = 0;
      for (let k = t.start[i]!; k < t.start[i + 1]!; k++) s += t.wt[k]! * [0, 1][t.idx[k]!]!;
      return s;
    });
    assert.deepEqual(vals, [0, 0.25, 0.75, 1]);
    const mono: DecodedImage = { width: 2, height: 1, channels: 1, kind: 'mono', data: Float32Array.from([0, 1]) };
    assert.deepEqual([...run(spec({ width: 4, height: 2, channels: 1 }), mono)], [0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1]);
  });

  test('area weights of every output sum to 1 (shrinking and enlarging)', () => {
    for (const [src, res] of [[640, 224], [480, 224], [7, 3], [3, 7], [224, 224], [1, 5]] as const) {
      const t = buildAxisTable(src, res, res, 0);
      for (let i = 0; i < res; i++) {
        let s = 0;
        for (let k = t.start[i]!; k < t.start[i + 1]!; k++) s += t.wt[k]!;
        assert.ok(Math.abs(s - 1) < 1e-9, `${src}->${res} output ${i}: ${s}`);
      }
    }
  });

  test('resizeShorter then center crop picks the middle (torchvision Resize + CenterCrop)', () => {
    // 12x6 → shorter side 3 → 6x3, crop 3x3 at x offset round((6-3)/2) = round(1.5) = 2.
    const W = 12;
    const H = 6;
    const mono: DecodedImage = { width: W, height: H, channels: 1, kind: 'mono', data: new Float32Array(W * H) };
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) mono.data[y * W + x] = x;
    const out = run(spec({ width: 3, height: 3, resizeShorter: 3, channels: 1 }), mono);
    // Resized column j averages source columns 2j and 2j+1: value 2j + 0.5; crop keeps j = 2, 3, 4.
    for (let y = 0; y < 3; y++) assert.deepEqual([...out.subarray(y * 3, y * 3 + 3)], [4.5, 6.5, 8.5]);
  });

  test('NaN depth pixels are filled before resampling', () => {
    const depth: DecodedImage = { width: 2, height: 2, channels: 1, kind: 'depth', data: Float32Array.from([1, NaN, 3, 4]) };
    const out = run(spec({ width: 1, height: 1, channels: 1, invalidFill: 2 }), depth);
    assert.equal(out[0], (1 + 2 + 3 + 4) / 4);
  });

  test('writes at an offset into a batch and reuses its tables across calls', () => {
    const s = spec({ width: 4, height: 4 });
    const p = new Preprocessor(s);
    const batch = new Float32Array(3 * p.sampleSize).fill(-7);
    const a = rgbImage(10, 8, 6);
    const b = rgbImage(10, 8, 7);
    p.run(a, batch, p.sampleSize);
    p.run(b, batch, 2 * p.sampleSize);
    assert.ok(batch.subarray(0, p.sampleSize).every((v) => v === -7), 'first sample untouched');
    assert.deepEqual([...batch.subarray(p.sampleSize, 2 * p.sampleSize)], [...run(s, a)]);
    assert.deepEqual([...batch.subarray(2 * p.sampleSize)], [...run(s, b)]);
  });

  test('config errors are collected, each with its path', () => {
    const r = resolvePreprocess({ height: 0, channels: 2 as 1, mean: [1, 2], std: [1, 0, 1], resizeShorter: -1, layout: 'chw' as 'nchw' });
    assert.equal(r.spec, undefined);
    const paths = r.issues.map((i) => i.path).sort();
    assert.deepEqual(paths, ['preprocess.channels', 'preprocess.height', 'preprocess.layout', 'preprocess.mean', 'preprocess.resizeShorter', 'preprocess.std', 'preprocess.width'].sort());
    const small = resolvePreprocess({ width: 224, height: 224, resizeShorter: 200 });
    assert.deepEqual(small.issues.map((i) => i.path), ['preprocess.resizeShorter']);
  });
});
