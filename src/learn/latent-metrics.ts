/**
 * Offline evaluation of a learned world model on held-out recordings:
 * - multi-step latent prediction error (open loop from the first frame, true actions), per dimension
 *   divided by that dimension's std, against the copy-last-latent baseline (predict z_t for z_{t+k});
 * - collapse diagnostics: the smallest per-dimension std and the effective rank
 *   exp(H(σ/Σσ)) of the centred latents' singular values σ (Roy & Vetterli 2007).
 */
import type { LearnedEncoder, LoadedLearnedWorldModel } from '../world-model/learned.ts';
import type { Dataset } from './dataset.ts';

export interface LatentMetrics {
  latentDim: number;
  /** frames encoded for the statistics */
  frames: number;
  /** open-loop windows evaluated per horizon */
  windows: number;
  horizons: number[];
  /** mean_j mean_i |ẑ − z| / std_j at each horizon */
  predictionError: number[];
  copyLastError: number[];
  /** mean absolute joint-position error of the predicted q at each horizon, rad */
  jointErrorRad: number[];
  minStd: number;
  meanStd: number;
  effectiveRank: number;
  /** singular values of the centred latents, largest first */
  singularValues: number[];
}

/** Eigenvalues of a symmetric n×n matrix (row-major, copied) by cyclic Jacobi rotations. */
export function symmetricEigenvalues(m: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(m);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i * n + i]!;
  return out.sort().reverse();
}

/** Per-dimension std, singular values and effective rank of latents z [n, d]. */
export function collapseDiagnostics(z: Float32Array | Float64Array, n: number, d: number): { std: Float64Array; singularValues: number[]; effectiveRank: number } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += z[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const cj = z[i * d + j]! - mean[j]!;
      for (let k = j; k < d; k++) cov[j * d + k]! += cj * (z[i * d + k]! - mean[k]!);
    }
  }
  for (let j = 0; j < d; j++) for (let k = j; k < d; k++) cov[k * d + j] = cov[j * d + k]!;
  const std = new Float64Array(d);
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(cov[j * d + j]! / Math.max(1, n - 1));
  // singular values of the centred data matrix: √ of the eigenvalues of its Gram matrix
  const sv = Array.from(symmetricEigenvalues(cov, d), (e) => Math.sqrt(Math.max(0, e)));
  const total = sv.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const s of sv) {
    const p = s / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return { std, singularValues: sv, effectiveRank: total > 0 ? Math.exp(h) : 0 };
}

/** Encodes the given frames of a dataset (stored at the encoder's size), 256 at a time → [frames, latentDim]. */
export async function encodeFrames(encoder: LearnedEncoder, latentDim: number, ds: Dataset, frames: readonly number[]): Promise<Float32Array> {
  if (encoder.image.width !== ds.width || encoder.image.height !== ds.height) {
    throw new Error(`encoding frames: the data are stored at ${ds.width}×${ds.height}, the encoder takes ${encoder.image.width}×${encoder.image.height}`);
  }
  const per = ds.width * ds.height * 3;
  const Z = new Float32Array(frames.length * latentDim);
  const chunk = 256;
  const buf = new Uint8Array(chunk * per);
  for (let i = 0; i < frames.length; i += chunk) {
    const m = Math.min(chunk, frames.length - i);
    for (let k = 0; k < m; k++) buf.set(ds.images.subarray(frames[i + k]! * per, (frames[i + k]! + 1) * per), k * per);
    const z = await encoder.encodeResized(buf.subarray(0, m * per), m);
    Z.set(z.subarray(0, m * latentDim), i * latentDim);
  }
  return Z;
}

/**
 * Encodes the frames of the given segments and runs open-loop predictions of `max(horizons)` steps
 * from windows starting every `stride` frames (at most maxWindows of them).
 */
export async function latentMetrics(
  loaded: LoadedLearnedWorldModel,
  ds: Dataset,
  segmentIds: readonly number[],
  opts: { horizons?: readonly number[]; stride?: number; maxWindows?: number } = {},
): Promise<LatentMetrics> {
  const horizons = [...(opts.horizons ?? [1, 4, 16])].sort((a, b) => a - b);
  const H = horizons.at(-1)!;
  const stride = opts.stride ?? 4;
  const maxWindows = opts.maxWindows ?? 1024;
  const { model, encoder } = loaded;
  const Dz = loaded.latentDim;
  const dof = ds.dof;
  const D = model.stateDim;
  // encode every frame of the segments
  const frames: number[] = [];
  for (const s of segmentIds) {
    const seg = ds.segments[s]!;
    for (let n = seg.start; n < seg.start + seg.length; n++) frames.push(n);
  }
  const zOf = new Map<number, number>();
  const Z = await encodeFrames(encoder, Dz, ds, frames);
  frames.forEach((f, i) => zOf.set(f, i));
  const diag = collapseDiagnostics(Z, frames.length, Dz);
  const invStd = Float64Array.from(diag.std, (s) => (s > 1e-9 ? 1 / s : 0));

  // open-loop windows
  const starts: number[] = [];
  for (const s of segmentIds) {
    const seg = ds.segments[s]!;
    for (let i = 0; i + H < seg.length; i += stride) starts.push(seg.start + i);
  }
  const step = Math.max(1, Math.ceil(starts.length / maxWindows));
  const chosen = starts.filter((_, i) => i % step === 0);
  const W = chosen.length;
  const predictionError = horizons.map(() => 0);
  const copyLastError = horizons.map(() => 0);
  const jointErrorRad = horizons.map(() => 0);
  if (W > 0) {
    let s = new Float64Array(W * D);
    let next = new Float64Array(W * D);
    const a = new Float64Array(W * dof);
    chosen.forEach((f, w) => {
      const zi = zOf.get(f)!;
      for (let j = 0; j < Dz; j++) s[w * D + j] = Z[zi * Dz + j]!;
      for (let j = 0; j < dof; j++) {
        s[w * D + Dz + j] = ds.q[f * dof + j]!;
        s[w * D + Dz + dof + j] = ds.qd[f * dof + j]!;
      }
    });
    for (let k = 1; k <= H; k++) {
      chosen.forEach((f, w) => {
        for (let j = 0; j < dof; j++) a[w * dof + j] = ds.a[(f + k - 1) * dof + j]!;
      });
      await model.step(s, a, W, next);
      [s, next] = [next, s];
      const h = horizons.indexOf(k);
      if (h < 0) continue;
      let e = 0;
      let c = 0;
      let qe = 0;
      chosen.forEach((f, w) => {
        const zt = zOf.get(f + k)!;
        const z0 = zOf.get(f)!;
        for (let j = 0; j < Dz; j++) {
          const target = Z[zt * Dz + j]!;
          e += Math.abs(s[w * D + j]! - target) * invStd[j]!;
          c += Math.abs(Z[z0 * Dz + j]! - target) * invStd[j]!;
        }
        for (let j = 0; j < dof; j++) qe += Math.abs(s[w * D + Dz + j]! - ds.q[(f + k) * dof + j]!);
      });
      predictionError[h] = e / (W * Dz);
      copyLastError[h] = c / (W * Dz);
      jointErrorRad[h] = qe / (W * dof);
    }
  }
  let minStd = Infinity;
  let meanStd = 0;
  for (const v of diag.std) {
    minStd = Math.min(minStd, v);
    meanStd += v / Dz;
  }
  return {
    latentDim: Dz,
    frames: frames.length,
    windows: W,
    horizons,
    predictionError,
    copyLastError,
    jointErrorRad,
    minStd,
    meanStd,
    effectiveRank: diag.effectiveRank,
    singularValues: diag.singularValues,
  };
}
