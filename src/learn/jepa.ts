/**
 * The JEPA world model in tfjs, for training: an encoder image → z, an action-conditioned predictor
 * (z, q, qd, a) → (z', q', qd'), and an inverse-dynamics head used only as a training signal.
 *
 * Objective (all prediction errors L1, in representation space: no pixel is ever predicted):
 *   teacher forcing  Σ_k |P(z_k, q_k, qd_k, a_k) − (z_{k+1}, q_{k+1}, qd_{k+1})|
 *   rollout          (1/K) Σ_k |P^k(z_0, q_0, qd_0; a_0..a_{k−1}) − (z_k, q_k, qd_k)|
 *   variance         mean_j max(0, 1 − std_j(z))            (VICReg: no dimension collapses)
 *   covariance       Σ_{i≠j} cov_ij(z)² / D_z               (VICReg: dimensions carry different information)
 *   inverse dynamics |IDM(z_k, z_{k+1}) − a_k|              (z must show every joint that moved)
 * The target latents z_{k+1} come from the same encoder; with `targetGradient` both branches learn
 * (as in VICReg), otherwise the targets are treated as constants.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from './dataset.ts';
import type { Normalization } from './normalization.ts';
import { createTfMlp, matMulFast, tfMlpForward, tfMlpVariables, type TfMlp } from './tf-mlp.ts';
import type { TrainConfig } from './train-config.ts';
import type { MlpSpec, MlpWeights } from '../world-model/learned-format.ts';
import { inputOrder, rgb8ToUnitInput } from '../world-model/learned-image.ts';

/** A training batch: B sequences of K+1 frames, time-major (row k·B + b is frame k of sequence b). */
export interface JepaBatch {
  B: number;
  K: number;
  /** [(K+1)·B, 3·H·W] images in [0, 1], in the encoder's input order (NCHW, or patch by patch) */
  x: Float32Array;
  /** [(K+1)·B, dof] */
  q: Float32Array;
  qd: Float32Array;
  a: Float32Array;
}

export function createBatch(B: number, K: number, imageDim: number, dof: number): JepaBatch {
  const rows = (K + 1) * B;
  return { B, K, x: new Float32Array(rows * imageDim), q: new Float32Array(rows * dof), qd: new Float32Array(rows * dof), a: new Float32Array(rows * dof) };
}

/** Fills a batch with the windows starting at starts[from .. from+B) (wrapping around); images in the encoder's input order. */
export function fillBatch(ds: Dataset, starts: Int32Array, from: number, order: Int32Array, out: JepaBatch): void {
  const { B, K } = out;
  const dof = ds.dof;
  const hw = ds.width * ds.height;
  for (let b = 0; b < B; b++) {
    const s0 = starts[(from + b) % starts.length]!;
    for (let k = 0; k <= K; k++) {
      const f = s0 + k;
      const row = k * B + b;
      rgb8ToUnitInput(ds.images, f, 1, ds.width, ds.height, order, out.x, row * hw * 3);
      for (let j = 0; j < dof; j++) {
        out.q[row * dof + j] = ds.q[f * dof + j]!;
        out.qd[row * dof + j] = ds.qd[f * dof + j]!;
        out.a[row * dof + j] = ds.a[f * dof + j]!;
      }
    }
  }
}

export interface JepaWeights {
  encoder: MlpWeights;
  predictor: MlpWeights;
  idm: MlpWeights | null;
}

export interface JepaSpecs {
  encoder: MlpSpec;
  predictor: MlpSpec;
  idm: MlpSpec | null;
}

export const LOSS_TERMS = ['tf_z', 'roll_z', 'joints', 'var', 'cov', 'idm'] as const;
export type LossTerm = (typeof LOSS_TERMS)[number];

/** Identity forward, zero gradient: the target branch when targets are constants. */
const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor2D),
  gradFunc: (dy: tf.Tensor2D) => [tf.zerosLike(dy)],
})) as (x: tf.Tensor2D) => tf.Tensor2D;

export class JepaNetworks {
  readonly encoder: TfMlp;
  readonly predictor: TfMlp;
  readonly idm: TfMlp | null;
  readonly latentDim: number;
  readonly dof: number;
  readonly stateDim: number;
  /** encoder input order → NCHW index */
  readonly order: Int32Array;
  private readonly imageMean: tf.Tensor1D;
  private readonly imageScale: tf.Tensor1D;
  private readonly inMean: tf.Tensor1D;
  private readonly inInvStd: tf.Tensor1D;
  private readonly keep: tf.Tensor1D;
  private readonly outScale: tf.Tensor1D;
  private readonly outOffset: tf.Tensor1D;
  private readonly restMask: tf.Tensor1D | null;
  private readonly aMean: tf.Tensor1D;
  private readonly aInvStd: tf.Tensor1D;
  /** per joint-state dimension: 1 / typical per-step change (q) or spread (qd) */
  private readonly jointWeight: tf.Tensor1D;

  constructor(
    readonly config: TrainConfig,
    readonly norm: Normalization,
    specs: JepaSpecs,
    weights: JepaWeights,
  ) {
    this.latentDim = config.latentDim;
    this.dof = (norm.keep.length - config.latentDim) / 2;
    this.stateDim = norm.keep.length;
    const D = this.stateDim;
    const dof = this.dof;
    this.encoder = createTfMlp(specs.encoder, weights.encoder);
    this.predictor = createTfMlp(specs.predictor, weights.predictor);
    this.idm = specs.idm && weights.idm ? createTfMlp(specs.idm, weights.idm) : null;
    const hw = norm.image.width * norm.image.height;
    this.order = inputOrder(norm.image.width, norm.image.height, config.encoder.patch.size);
    this.imageMean = tf.tensor1d(Float32Array.from(this.order, (j) => norm.image.meanImage[j]!));
    this.imageScale = tf.tensor1d(Float32Array.from(this.order, (j) => 1 / norm.image.std[Math.floor(j / hw)]!));
    this.inMean = tf.tensor1d(norm.inputMean);
    this.inInvStd = tf.tensor1d(norm.inputScale);
    this.keep = tf.tensor1d(norm.keep);
    this.outScale = tf.tensor1d(norm.outputScale);
    this.outOffset = tf.tensor1d(norm.outputOffset);
    this.restMask = norm.restMask ? tf.tensor1d(norm.restMask) : null;
    this.aMean = tf.tensor1d(norm.inputMean.slice(D, D + dof));
    this.aInvStd = tf.tensor1d(norm.actionStd.map((s) => 1 / s));
    this.jointWeight = tf.tensor1d(norm.outputScale.slice(this.latentDim).map((s) => 1 / s));
  }

  variables(): tf.Variable[] {
    return [...tfMlpVariables(this.encoder), ...tfMlpVariables(this.predictor), ...(this.idm ? tfMlpVariables(this.idm) : [])];
  }

  /** x [n, 3·H·W] in [0, 1], input order → z [n, D_z], exactly as the exported encoder. */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    return tfMlpForward(this.encoder, tf.mul(tf.sub(x, this.imageMean), this.imageScale) as tf.Tensor2D, true);
  }

  /** s [n, D], a [n, A] → s' [n, D] (raw units), exactly as the exported predictor step. */
  predict(s: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor2D {
    const sa = tf.concat([s, a], 1);
    const x = tf.mul(tf.sub(sa, this.inMean), this.inInvStd) as tf.Tensor2D;
    let o: tf.Tensor2D;
    if (this.restMask) {
      // one pass over [x; x_rest], then the difference
      const n = s.shape[0];
      const xr = tf.mul(tf.sub(tf.mul(sa, this.restMask), this.inMean), this.inInvStd) as tf.Tensor2D;
      const y = tfMlpForward(this.predictor, tf.concat([x, xr], 0) as tf.Tensor2D);
      o = tf.sub(tf.slice(y, [0, 0], [n, this.stateDim]), tf.slice(y, [n, 0], [n, this.stateDim])) as tf.Tensor2D;
    } else o = tfMlpForward(this.predictor, x);
    return tf.add(tf.add(tf.mul(s, this.keep), tf.mul(o, this.outScale)), this.outOffset) as tf.Tensor2D;
  }

  /** Weighted L1 of a prediction: latent part and joint part separately. */
  private errors(pred: tf.Tensor2D, target: tf.Tensor2D): { z: tf.Scalar; j: tf.Scalar } {
    const n = pred.shape[0];
    const diff = tf.abs(tf.sub(pred, target));
    const z = tf.mean(tf.slice(diff, [0, 0], [n, this.latentDim])) as tf.Scalar;
    const j = tf.mean(tf.mul(tf.slice(diff, [0, this.latentDim], [n, 2 * this.dof]), this.jointWeight)) as tf.Scalar;
    return { z, j };
  }

  /** Every loss term of a batch and their weighted total (to be called under tf.tidy / variableGrads). */
  /** `noiseSeed`: training step's seed for the input-noise augmentation (none when omitted). */
  losses(batch: JepaBatch, noiseSeed?: number): { total: tf.Scalar; terms: Record<LossTerm, tf.Scalar> } {
    const { B, K } = batch;
    const rows = (K + 1) * B;
    const dof = this.dof;
    const Dz = this.latentDim;
    const D = this.stateDim;
    const cfg = this.config.loss;
    let x = tf.tensor2d(batch.x, [rows, batch.x.length / rows]);
    const sigma = this.config.augment.noiseStd;
    if (sigma > 0 && noiseSeed !== undefined) x = tf.add(x, tf.randomNormal(x.shape, 0, sigma, 'float32', noiseSeed));
    const Q = tf.tensor2d(batch.q, [rows, dof]);
    const QD = tf.tensor2d(batch.qd, [rows, dof]);
    const Aall = tf.tensor2d(batch.a, [rows, dof]);
    const Z = this.encode(x);
    const S = tf.concat([Z, Q, QD], 1) as tf.Tensor2D;
    const targetS = cfg.targetGradient ? S : stopGradient(S);
    const sIn = tf.slice(S, [0, 0], [K * B, D]);
    const aIn = tf.slice(Aall, [0, 0], [K * B, dof]);
    const target = tf.slice(targetS, [B, 0], [K * B, D]);

    const tfErr = this.errors(this.predict(sIn, aIn), target);
    let rollZ: tf.Scalar = tf.scalar(0);
    let rollJ: tf.Scalar = tf.scalar(0);
    if (cfg.rollout > 0) {
      let s = tf.slice(S, [0, 0], [B, D]) as tf.Tensor2D;
      for (let k = 0; k < K; k++) {
        s = this.predict(s, tf.slice(Aall, [k * B, 0], [B, dof]));
        const e = this.errors(s, tf.slice(targetS, [(k + 1) * B, 0], [B, D]));
        rollZ = tf.add(rollZ, e.z);
        rollJ = tf.add(rollJ, e.j);
      }
      rollZ = tf.div(rollZ, K);
      rollJ = tf.div(rollJ, K);
    }
    const joints = tf.add(tf.mul(tfErr.j, cfg.teacherForcing), tf.mul(rollJ, cfg.rollout)) as tf.Scalar;

    // VICReg regularizers over every encoded frame of the batch
    const mean = tf.mean(Z, 0);
    const c = tf.sub(Z, mean) as tf.Tensor2D;
    const variance = tf.div(tf.sum(tf.square(c), 0), rows - 1);
    const std = tf.sqrt(tf.add(variance, 1e-4));
    const varLoss = tf.mean(tf.relu(tf.sub(1, std))) as tf.Scalar;
    const cov = tf.div(matMulFast(tf.transpose(c), c), rows - 1);
    const covLoss = tf.div(tf.sub(tf.sum(tf.square(cov)), tf.sum(tf.square(variance))), Dz) as tf.Scalar;

    let idmLoss: tf.Scalar = tf.scalar(0);
    if (this.idm && cfg.inverseDynamics > 0) {
      const zPair = tf.concat([tf.slice(Z, [0, 0], [K * B, Dz]), tf.slice(Z, [B, 0], [K * B, Dz])], 1) as tf.Tensor2D;
      const aHat = tfMlpForward(this.idm, zPair);
      const aN = tf.mul(tf.sub(aIn, this.aMean), this.aInvStd);
      idmLoss = tf.mean(tf.abs(tf.sub(aHat, aN))) as tf.Scalar;
    }
    const total = tf.addN([
      tf.mul(tfErr.z, cfg.teacherForcing),
      tf.mul(rollZ, cfg.rollout),
      tf.mul(joints, cfg.joints),
      tf.mul(varLoss, cfg.variance),
      tf.mul(covLoss, cfg.covariance),
      tf.mul(idmLoss, cfg.inverseDynamics),
    ]) as tf.Scalar;
    return { total, terms: { tf_z: tfErr.z, roll_z: rollZ, joints, var: varLoss, cov: covLoss, idm: idmLoss } };
  }

  dispose(): void {
    tf.dispose([...this.variables(), this.imageMean, this.imageScale, this.inMean, this.inInvStd, this.keep, this.outScale, this.outOffset, ...(this.restMask ? [this.restMask] : []), this.aMean, this.aInvStd, this.jointWeight]);
  }
}
