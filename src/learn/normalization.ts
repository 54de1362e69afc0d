/**
 * Normalization constants measured on the training frames: image channel statistics for the encoder,
 * and the predictor's input scaling and output scaling (see PredictorSpec in world-model/learned-format.ts).
 */
import type { ImageSpec } from '../world-model/learned-format.ts';
import type { Dataset } from './dataset.ts';

export interface Normalization {
  image: Pick<ImageSpec, 'width' | 'height' | 'meanImage' | 'std'>;
  /** [D + A] */
  inputMean: number[];
  /** 1/std per input, 0 where the predictor network does not see the input */
  inputScale: number[];
  /** spread of the actions, for the inverse-dynamics target */
  actionStd: number[];
  /** [D] */
  keep: number[];
  outputScale: number[];
  outputOffset: number[];
  /** 1 for z and q, 0 for qd and a: the predictor's output at rest is subtracted (see PredictorSpec) */
  restMask: number[] | null;
}

/** Output scale of latent deltas: the predictor's last layer then works in O(1) numbers for typical steps. */
export const LATENT_DELTA_SCALE = 0.1;
const MIN_STD = 1e-3;

/** Per joint, the `lo` and `hi` quantiles of the positions in the given segments, rad. */
export function jointSupport(ds: Dataset, segmentIds: readonly number[], lo = 0.005, hi = 0.995): { lower: number[]; upper: number[] } {
  const lower: number[] = [];
  const upper: number[] = [];
  for (let j = 0; j < ds.dof; j++) {
    const v: number[] = [];
    for (const s of segmentIds) {
      const seg = ds.segments[s]!;
      for (let n = seg.start; n < seg.start + seg.length; n++) v.push(ds.q[n * ds.dof + j]!);
    }
    v.sort((a, b) => a - b);
    lower.push(v[Math.floor(lo * (v.length - 1))] ?? 0);
    upper.push(v[Math.ceil(hi * (v.length - 1))] ?? 0);
  }
  return { lower, upper };
}

/** Statistics over the frames of the given segments. */
export function measureNormalization(ds: Dataset, segmentIds: readonly number[], latentDim: number, jointPositionInput = false, restAnchored = true): Normalization {
  const dof = ds.dof;
  const hw = ds.width * ds.height;
  // mean image (NCHW), then each channel's spread about it
  const meanImage = new Float64Array(3 * hw);
  const dev2 = [0, 0, 0];
  let nImages = 0;
  for (const s of segmentIds) {
    const seg = ds.segments[s]!;
    for (let n = seg.start; n < seg.start + seg.length; n++) {
      const o = n * hw * 3;
      for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) meanImage[c * hw + p]! += ds.images[o + p * 3 + c]! / 255;
      nImages++;
    }
  }
  for (let i = 0; i < meanImage.length; i++) meanImage[i]! /= Math.max(1, nImages);
  const sums = { q: new Float64Array(dof), q2: new Float64Array(dof), qd: new Float64Array(dof), qd2: new Float64Array(dof), a: new Float64Array(dof), a2: new Float64Array(dof), dq2: new Float64Array(dof) };
  let frames = 0;
  let steps = 0;
  for (const s of segmentIds) {
    const seg = ds.segments[s]!;
    for (let n = seg.start; n < seg.start + seg.length; n++) {
      const o = n * hw * 3;
      for (let p = 0; p < hw; p++) {
        for (let c = 0; c < 3; c++) dev2[c]! += (ds.images[o + p * 3 + c]! / 255 - meanImage[c * hw + p]!) ** 2;
      }
      for (let j = 0; j < dof; j++) {
        const q = ds.q[n * dof + j]!;
        const qd = ds.qd[n * dof + j]!;
        const a = ds.a[n * dof + j]!;
        sums.q[j]! += q;
        sums.q2[j]! += q * q;
        sums.qd[j]! += qd;
        sums.qd2[j]! += qd * qd;
        sums.a[j]! += a;
        sums.a2[j]! += a * a;
        if (n + 1 < seg.start + seg.length) {
          const d = ds.q[(n + 1) * dof + j]! - q;
          sums.dq2[j]! += d * d;
        }
      }
      frames++;
      if (n + 1 < seg.start + seg.length) steps++;
    }
  }
  const std = (s: number, s2: number, n: number): number => Math.max(MIN_STD, Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2)));
  const image = {
    width: ds.width,
    height: ds.height,
    meanImage: Array.from(meanImage, (v) => Math.fround(v)),
    std: dev2.map((d) => Math.max(1e-3, Math.sqrt(d / Math.max(1, nImages * hw)))),
  };
  const mean = (s: Float64Array): number[] => Array.from(s, (v) => v / frames);
  const stds = (s: Float64Array, s2: Float64Array): number[] => Array.from(s, (v, j) => std(v, s2[j]!, frames));
  const qMean = mean(sums.q);
  const qdMean = mean(sums.qd);
  const aMean = mean(sums.a);
  const dqStd = Array.from(sums.dq2, (v) => Math.max(MIN_STD, Math.sqrt(v / Math.max(1, steps))));
  const qdStd = stds(sums.qd, sums.qd2);
  const zeros = (n: number): number[] => new Array<number>(n).fill(0);
  const ones = (n: number): number[] => new Array<number>(n).fill(1);
  return {
    image,
    inputMean: [...zeros(latentDim), ...qMean, ...qdMean, ...aMean],
    inputScale: [
      ...ones(latentDim),
      ...stds(sums.q, sums.q2).map((s) => (jointPositionInput ? 1 / s : 0)),
      ...qdStd.map((s) => 1 / s),
      ...stds(sums.a, sums.a2).map((s) => 1 / s),
    ],
    actionStd: stds(sums.a, sums.a2),
    keep: [...ones(latentDim), ...ones(dof), ...zeros(dof)],
    outputScale: [...new Array<number>(latentDim).fill(LATENT_DELTA_SCALE), ...dqStd, ...qdStd],
    // anchored at rest, qd' = 0 there: no offset
    outputOffset: [...zeros(latentDim), ...zeros(dof), ...(restAnchored ? zeros(dof) : qdMean)],
    restMask: restAnchored ? [...ones(latentDim + dof), ...zeros(2 * dof)] : null,
  };
}
