/**
 * Turns a decoded image into an encoder input sample: resize (area averaging when shrinking,
 * bilinear when enlarging), center crop, channel order, scale, mean/std, NCHW or NHWC, float32.
 * Resampling tables are built once per source size; a call allocates nothing after the first.
 */
import type { ConfigIssue } from './errors.ts';
import type { DecodedImage } from './types.ts';

export type Layout = 'nchw' | 'nhwc';
export type ChannelOrder = 'rgb' | 'bgr';

/** What a user (or a model's metadata) may set; everything is optional. */
export interface PreprocessConfig {
  /** Encoder input width in px; taken from the model's input shape when omitted. */
  width?: number;
  /** Encoder input height in px; taken from the model's input shape when omitted. */
  height?: number;
  /**
   * Resize so the shorter side has this many px (aspect kept), then center-crop width × height
   * (torchvision's Resize(256) + CenterCrop(224)). 0 or omitted: stretch straight to width × height.
   */
  resizeShorter?: number;
  /** Channels the encoder takes: 3 (colour) or 1 (grey or depth); from the model when omitted. */
  channels?: 1 | 3;
  /** Order of the three colour channels the encoder expects. Default 'rgb'. */
  channelOrder?: ChannelOrder;
  /** Multiplies values in [0, 1] (depth: metres) before mean/std; 255 for models trained on 0..255. Default 1. */
  scale?: number;
  /** Per channel in the encoder's channel order (B first for 'bgr'), subtracted after scaling. Default 0. One value: every channel. */
  mean?: readonly number[];
  /** Per channel in the encoder's channel order, divides after the mean. Default 1. One value: every channel. */
  std?: readonly number[];
  /** Memory layout of the batch. Default: what the model says, else 'nchw' for ONNX, 'nhwc' for tfjs. */
  layout?: Layout;
  /** Value that replaces invalid depth pixels (NaN) before resampling. Default 0. */
  invalidFill?: number;
}

/** A complete, checked preprocessing description. */
export interface PreprocessSpec {
  width: number;
  height: number;
  resizeShorter: number;
  channels: 1 | 3;
  channelOrder: ChannelOrder;
  scale: number;
  mean: readonly number[];
  std: readonly number[];
  layout: Layout;
  invalidFill: number;
}

/** Shape of one sample without the batch axis: [C, H, W] or [H, W, C]. */
export function sampleShape(spec: PreprocessSpec): [number, number, number] {
  return spec.layout === 'nchw' ? [spec.channels, spec.height, spec.width] : [spec.height, spec.width, spec.channels];
}

function isPosInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x > 0;
}

/** Upper bound on encoder input side; guards against absurd configs allocating gigabytes. */
const MAX_SIDE_PX = 8192;

/**
 * Merges `config` over `fromModel` (metadata and input shape) and checks the result.
 * Returns the spec, or every issue found with its path under `path`.
 */
export function resolvePreprocess(
  config: PreprocessConfig,
  fromModel: PreprocessConfig = {},
  defaultLayout: Layout = 'nchw',
  path = 'preprocess',
): { spec: PreprocessSpec; issues: [] } | { spec: undefined; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const pick = <K extends keyof PreprocessConfig>(k: K): PreprocessConfig[K] => (config[k] !== undefined ? config[k] : fromModel[k]);
  const width = pick('width');
  const height = pick('height');
  const channels = pick('channels') ?? 3;
  const resizeShorter = pick('resizeShorter') ?? 0;
  const scale = pick('scale') ?? 1;
  const invalidFill = pick('invalidFill') ?? 0;
  const layout = pick('layout') ?? defaultLayout;
  const channelOrder = pick('channelOrder') ?? 'rgb';

  if (width === undefined) issues.push({ path: `${path}.width`, message: 'not set and the model input has no fixed width' });
  else if (!isPosInt(width) || width > MAX_SIDE_PX) issues.push({ path: `${path}.width`, message: `must be an integer in [1, ${MAX_SIDE_PX}], got ${width}` });
  if (height === undefined) issues.push({ path: `${path}.height`, message: 'not set and the model input has no fixed height' });
  else if (!isPosInt(height) || height > MAX_SIDE_PX) issues.push({ path: `${path}.height`, message: `must be an integer in [1, ${MAX_SIDE_PX}], got ${height}` });
  if (channels !== 1 && channels !== 3) issues.push({ path: `${path}.channels`, message: `must be 1 or 3, got ${String(channels)}` });
  if (layout !== 'nchw' && layout !== 'nhwc') issues.push({ path: `${path}.layout`, message: `must be 'nchw' or 'nhwc', got ${String(layout)}` });
  if (channelOrder !== 'rgb' && channelOrder !== 'bgr') issues.push({ path: `${path}.channelOrder`, message: `must be 'rgb' or 'bgr', got ${String(channelOrder)}` });
  if (!(typeof scale === 'number' && Number.isFinite(scale) && scale !== 0)) issues.push({ path: `${path}.scale`, message: `must be a finite non-zero number, got ${scale}` });
  if (!(typeof invalidFill === 'number' && Number.isFinite(invalidFill))) issues.push({ path: `${path}.invalidFill`, message: `must be finite, got ${invalidFill}` });
  if (!(typeof resizeShorter === 'number' && Number.isInteger(resizeShorter) && resizeShorter >= 0 && resizeShorter <= MAX_SIDE_PX)) {
    issues.push({ path: `${path}.resizeShorter`, message: `must be an integer in [0, ${MAX_SIDE_PX}], got ${resizeShorter}` });
  } else if (resizeShorter > 0 && isPosInt(width) && isPosInt(height) && resizeShorter < Math.max(width, height)) {
    issues.push({ path: `${path}.resizeShorter`, message: `${resizeShorter} px is smaller than the ${width}x${height} crop` });
  }
  const perChannel = (key: 'mean' | 'std', dflt: number): number[] => {
    const v = pick(key);
    const c = channels === 1 ? 1 : 3;
    if (v === undefined) return new Array<number>(c).fill(dflt);
    if (!Array.isArray(v) || !(v.length === 1 || v.length === c) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      issues.push({ path: `${path}.${key}`, message: `needs 1 or ${c} finite numbers, got ${JSON.stringify(v)}` });
      return new Array<number>(c).fill(dflt);
    }
    return v.length === c ? [...(v as number[])] : new Array<number>(c).fill(v[0] as number);
  };
  const mean = perChannel('mean', 0);
  const std = perChannel('std', 1);
  if (std.some((s) => s === 0)) issues.push({ path: `${path}.std`, message: 'must not contain 0' });

  if (issues.length > 0 || width === undefined || height === undefined) return { spec: undefined, issues };
  return {
    spec: { width, height, resizeShorter, channels, channelOrder, scale, mean, std, layout, invalidFill },
    issues: [],
  };
}

/** Sparse resampling weights along one axis: output i reads idx[start[i]..start[i+1]) with weights wt. */
interface AxisTable {
  start: Int32Array;
  idx: Int32Array;
  wt: Float64Array;
}

/**
 * Maps `outLen` outputs (a crop at `offset` of an axis resized to `resLen`) to `srcLen` inputs.
 * Shrinking averages the covered source area; enlarging is bilinear with half-pixel centres.
 */
export function buildAxisTable(srcLen: number, resLen: number, outLen: number, offset: number): AxisTable {
  const scale = srcLen / resLen;
  const start = new Int32Array(outLen + 1);
  const idx: number[] = [];
  const wt: number[] = [];
  for (let i = 0; i < outLen; i++) {
    start[i] = idx.length;
    const j = i + offset;
    if (resLen < srcLen) {
      const a = j * scale;
      const b = Math.min((j + 1) * scale, srcLen);
      for (let s = Math.floor(a); s < Math.ceil(b) && s < srcLen; s++) {
        const overlap = Math.min(b, s + 1) - Math.max(a, s);
        if (overlap > 1e-12) {
          idx.push(s);
          wt.push(overlap / scale);
        }
      }
    } else {
      const x = Math.min(Math.max((j + 0.5) * scale - 0.5, 0), srcLen - 1);
      const x0 = Math.floor(x);
      const f = x - x0;
      idx.push(x0);
      wt.push(1 - f);
      if (f > 0 && x0 + 1 < srcLen) {
        idx.push(x0 + 1);
        wt.push(f);
      }
    }
  }
  start[outLen] = idx.length;
  return { start, idx: Int32Array.from(idx), wt: Float64Array.from(wt) };
}

/** Python's round(): half to even. torchvision's CenterCrop offsets use it, so crops match. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

export class Preprocessor {
  readonly spec: PreprocessSpec;
  /** Floats per sample: channels × height × width. */
  readonly sampleSize: number;
  private srcW = -1;
  private srcH = -1;
  private srcC = -1;
  private xt: AxisTable | undefined;
  private yt: AxisTable | undefined;
  /** Horizontally resampled rows: srcH × width × srcC. */
  private rows = new Float64Array(0);
  /** One output row before channel conversion: width × srcC. */
  private acc = new Float64Array(0);
  private readonly gain: Float64Array;
  private readonly bias: Float64Array;

  constructor(spec: PreprocessSpec) {
    this.spec = spec;
    this.sampleSize = spec.channels * spec.width * spec.height;
    this.gain = new Float64Array(spec.channels);
    this.bias = new Float64Array(spec.channels);
    for (let c = 0; c < spec.channels; c++) {
      const std = spec.std[c] ?? 1;
      this.gain[c] = spec.scale / std;
      this.bias[c] = -(spec.mean[c] ?? 0) / std;
    }
  }

  /** Resized (pre-crop) size of a width × height source. */
  resizedSize(srcW: number, srcH: number): [number, number] {
    const { width, height, resizeShorter } = this.spec;
    if (resizeShorter <= 0) return [width, height];
    // Shorter side becomes exactly resizeShorter; the longer side is truncated, as torchvision does.
    if (srcW <= srcH) return [resizeShorter, Math.max(height, Math.floor((resizeShorter * srcH) / srcW))];
    return [Math.max(width, Math.floor((resizeShorter * srcW) / srcH)), resizeShorter];
  }

  private prepare(srcW: number, srcH: number, srcC: number): void {
    if (srcW === this.srcW && srcH === this.srcH && srcC === this.srcC) return;
    const { width, height } = this.spec;
    const [rw, rh] = this.resizedSize(srcW, srcH);
    this.xt = buildAxisTable(srcW, rw, width, roundHalfEven((rw - width) / 2));
    this.yt = buildAxisTable(srcH, rh, height, roundHalfEven((rh - height) / 2));
    if (this.rows.length < srcH * width * srcC) this.rows = new Float64Array(srcH * width * srcC);
    if (this.acc.length < width * srcC) this.acc = new Float64Array(width * srcC);
    this.srcW = srcW;
    this.srcH = srcH;
    this.srcC = srcC;
  }

  /** Writes one sample of `sampleSize` floats into `out` at `offset`. */
  run(img: DecodedImage, out: Float32Array, offset = 0): void {
    const srcW = img.width;
    const srcH = img.height;
    const srcC = img.channels;
    this.prepare(srcW, srcH, srcC);
    const xt = this.xt as AxisTable;
    const yt = this.yt as AxisTable;
    const { width: W, height: H, channels: C, layout, channelOrder, invalidFill } = this.spec;
    const src = img.data;
    const rows = this.rows;
    const acc = this.acc;
    const rowLen = W * srcC;

    // Only rows some output reads are resampled horizontally.
    const yFirst = yt.idx.length > 0 ? (yt.idx[0] as number) : 0;
    const yLast = yt.idx.length > 0 ? (yt.idx[yt.idx.length - 1] as number) : -1;
    const xStart = xt.start;
    const xIdx = xt.idx;
    const xWt = xt.wt;
    for (let y = yFirst; y <= yLast; y++) {
      const srcRow = y * srcW * srcC;
      let d = y * rowLen;
      if (srcC === 3) {
        for (let x = 0; x < W; x++) {
          const t1 = xStart[x + 1] as number;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          for (let t = xStart[x] as number; t < t1; t++) {
            const w = xWt[t] as number;
            const q = srcRow + (xIdx[t] as number) * 3;
            s0 += (src[q] as number) * w;
            s1 += (src[q + 1] as number) * w;
            s2 += (src[q + 2] as number) * w;
          }
          rows[d++] = s0;
          rows[d++] = s1;
          rows[d++] = s2;
        }
      } else {
        for (let x = 0; x < W; x++) {
          const t1 = xStart[x + 1] as number;
          let s0 = 0;
          for (let t = xStart[x] as number; t < t1; t++) {
            const v = src[srcRow + (xIdx[t] as number)] as number;
            // NaN marks invalid depth; it must not spread into neighbours.
            s0 += (v === v ? v : invalidFill) * (xWt[t] as number);
          }
          rows[d++] = s0;
        }
      }
    }

    const plane = W * H;
    const g0 = this.gain[0] as number;
    const b0 = this.bias[0] as number;
    const g1 = C === 3 ? (this.gain[1] as number) : 0;
    const b1 = C === 3 ? (this.bias[1] as number) : 0;
    const g2 = C === 3 ? (this.gain[2] as number) : 0;
    const b2 = C === 3 ? (this.bias[2] as number) : 0;
    const bgr = channelOrder === 'bgr';
    for (let y = 0; y < H; y++) {
      acc.fill(0, 0, rowLen);
      const t1 = yt.start[y + 1] as number;
      for (let t = yt.start[y] as number; t < t1; t++) {
        const w = yt.wt[t] as number;
        const base = (yt.idx[t] as number) * rowLen;
        for (let k = 0; k < rowLen; k++) acc[k] = (acc[k] as number) + w * (rows[base + k] as number);
      }
      for (let x = 0; x < W; x++) {
        const a = x * srcC;
        let r: number;
        let g: number;
        let b: number;
        if (srcC === 3) {
          r = acc[a] as number;
          g = acc[a + 1] as number;
          b = acc[a + 2] as number;
        } else {
          r = g = b = acc[a] as number;
        }
        const pix = y * W + x;
        if (C === 1) {
          const v = srcC === 1 ? r : LUMA_R * r + LUMA_G * g + LUMA_B * b;
          out[offset + pix] = v * g0 + b0;
          continue;
        }
        const c0 = bgr ? b : r;
        const c2 = bgr ? r : b;
        if (layout === 'nchw') {
          out[offset + pix] = c0 * g0 + b0;
          out[offset + plane + pix] = g * g1 + b1;
          out[offset + 2 * plane + pix] = c2 * g2 + b2;
        } else {
          const o = offset + pix * 3;
          out[o] = c0 * g0 + b0;
          out[o + 1] = g * g1 + b1;
          out[o + 2] = c2 * g2 + b2;
        }
      }
    }
  }
}
