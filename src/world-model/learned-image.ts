/**
 * Camera image → encoder input for the learned world model: area-average the rgb8 image down to the
 * encoder's size (rounded to 8 bits, exactly as the training set stores it), then float32 NCHW in [0, 1]
 * (the encoder network normalizes further itself). Training (learn/) and run time share these functions.
 */

/** Source interval of each output pixel along one axis with coverage weights (area resampling). */
interface AxisTable {
  start: Int32Array;
  count: Int32Array;
  weight: Float64Array;
  /** index into weight of each output pixel's first tap */
  offset: Int32Array;
}

function axisTable(srcLen: number, outLen: number): AxisTable {
  const scale = srcLen / outLen;
  const start = new Int32Array(outLen);
  const count = new Int32Array(outLen);
  const offset = new Int32Array(outLen);
  const weights: number[] = [];
  for (let o = 0; o < outLen; o++) {
    const a = o * scale;
    const b = (o + 1) * scale;
    const i0 = Math.floor(a);
    const i1 = Math.min(srcLen, Math.ceil(b - 1e-9));
    start[o] = i0;
    count[o] = i1 - i0;
    offset[o] = weights.length;
    for (let i = i0; i < i1; i++) weights.push((Math.min(b, i + 1) - Math.max(a, i)) / scale);
  }
  return { start, count, weight: Float64Array.from(weights), offset };
}

const tableCache = new Map<string, AxisTable>();
function cachedTable(srcLen: number, outLen: number): AxisTable {
  const key = `${srcLen}>${outLen}`;
  let t = tableCache.get(key);
  if (!t) {
    t = axisTable(srcLen, outLen);
    tableCache.set(key, t);
  }
  return t;
}

/**
 * Area-averages an rgb8 image (row-major HWC, `srcW`·`srcH`·3 bytes) to outW × outH (HWC, rounded).
 * Shrinking averages the covered source pixels; enlarging (not expected) repeats them.
 */
export function areaResizeRgb8(src: Uint8Array, srcW: number, srcH: number, outW: number, outH: number, out: Uint8Array): void {
  const tx = cachedTable(srcW, outW);
  const ty = cachedTable(srcH, outH);
  for (let oy = 0; oy < outH; oy++) {
    const y0 = ty.start[oy]!;
    const ny = ty.count[oy]!;
    const wyo = ty.offset[oy]!;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = tx.start[ox]!;
      const nx = tx.count[ox]!;
      const wxo = tx.offset[ox]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < ny; j++) {
        const wy = ty.weight[wyo + j]!;
        const row = (y0 + j) * srcW;
        for (let i = 0; i < nx; i++) {
          const w = wy * tx.weight[wxo + i]!;
          const p = (row + x0 + i) * 3;
          r += w * src[p]!;
          g += w * src[p + 1]!;
          b += w * src[p + 2]!;
        }
      }
      const o = (oy * outW + ox) * 3;
      out[o] = Math.min(255, Math.round(r));
      out[o + 1] = Math.min(255, Math.round(g));
      out[o + 2] = Math.min(255, Math.round(b));
    }
  }
}

/**
 * Writes n encoder samples from HWC rgb8 images (`images` holds them back to back at w × h, starting at
 * image `first`) into `out` as NCHW floats in [0, 1], n·3·h·w values from `outOffset`.
 */
export function rgb8ToUnitNchw(images: Uint8Array, first: number, n: number, w: number, h: number, out: Float32Array, outOffset = 0): void {
  const hw = w * h;
  const inv = 1 / 255;
  for (let k = 0; k < n; k++) {
    const src = (first + k) * hw * 3;
    const dst = outOffset + k * hw * 3;
    for (let c = 0; c < 3; c++) {
      const o = dst + c * hw;
      for (let p = 0; p < hw; p++) out[o + p] = images[src + p * 3 + c]! * inv;
    }
  }
}

/**
 * Index map from the encoder network's input order to NCHW: input[i] = nchw[map[i]]. Patch order (patchSize
 * p > 0) runs over patch rows, patch columns, then channel, row and column inside the patch.
 */
export function inputOrder(width: number, height: number, patchSize: number): Int32Array {
  const hw = width * height;
  const map = new Int32Array(3 * hw);
  if (!(patchSize > 0)) {
    for (let i = 0; i < map.length; i++) map[i] = i;
    return map;
  }
  const p = patchSize;
  let i = 0;
  for (let gy = 0; gy < height / p; gy++) {
    for (let gx = 0; gx < width / p; gx++) {
      for (let c = 0; c < 3; c++) {
        for (let py = 0; py < p; py++) for (let px = 0; px < p; px++) map[i++] = c * hw + (gy * p + py) * width + gx * p + px;
      }
    }
  }
  return map;
}

/** Like rgb8ToUnitNchw, in the encoder network's input order (see inputOrder). */
export function rgb8ToUnitInput(images: Uint8Array, first: number, n: number, w: number, h: number, order: Int32Array, out: Float32Array, outOffset = 0): void {
  const hw = w * h;
  const inv = 1 / 255;
  for (let k = 0; k < n; k++) {
    const src = (first + k) * hw * 3;
    const dst = outOffset + k * hw * 3;
    for (let i = 0; i < order.length; i++) {
      const j = order[i]!;
      // NCHW index j = c·hw + pixel
      const c = (j / hw) | 0;
      out[dst + i] = images[src + (j - c * hw) * 3 + c]! * inv;
    }
  }
}
