/**
 * The learned latent world model: state rows [z | q | qd], where z is the encoding of the camera image.
 * With ONNX Runtime, a rollout is one call of a graph unrolled over the horizon and rolloutVjp one call
 * of its reverse-mode graph (learned-rollout-onnx.ts, built here from the weights); a predictor those
 * graphs cannot express steps the exported predictor once per step. With backend 'js', rollouts and
 * gradients run the same MLP in plain Float64 algebra (learned-mlp.ts).
 *
 * `loadLearnedWorldModel(dir)` reads a directory written by `odra train` (see learned-format.ts). It is a
 * configure-time call; after it, step/rollout/rolloutVjp do no I/O.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import {
  checkLearnedModelJson,
  unpackMlpWeights,
  type ImageSpec,
  type LearnedModelJson,
  type MlpWeights,
  type PredictorSpec,
} from './learned-format.ts';
import { areaResizeRgb8, inputOrder, rgb8ToUnitNchw } from './learned-image.ts';
import { MlpF64 } from './learned-mlp.ts';
import { fusedRolloutUnsupported } from './learned-rollout-onnx.ts';
import { FusedRollout, type FusedRolloutOptions } from './learned-rollout-session.ts';
import { makeStateLayout, type StateLayout, type WorldModel } from './world-model.ts';

export type LearnedBackend = 'onnx' | 'js';

/** Rollout threads of a loaded model unless told otherwise (the default of `world_model.threads`). */
export const DEFAULT_LEARNED_THREADS = 2;

/** The rollout threads a model loads with: `configured` (default DEFAULT_LEARNED_THREADS), 1 to the cores. */
export function learnedThreads(configured: number = DEFAULT_LEARNED_THREADS): number {
  return Math.max(1, Math.min(configured, availableParallelism()));
}

export interface LoadLearnedOptions {
  /** forward inference: ONNX Runtime (default) or the plain Float64 MLP */
  backend?: LearnedBackend;
  /**
   * ONNX Runtime intra-op threads of the fused rollout graphs, for batches of 256 network rows or more
   * (FusedRolloutOptions.parallelMinRows; smaller ones run on one thread); capped at the CPU count.
   * Default 2 (`world_model.threads`). The encoder and the per-step predictor run on one thread.
   */
  threads?: number;
  /**
   * backend 'onnx': roll out and differentiate through graphs unrolled over the horizon (default true);
   * false steps the exported predictor once per step and differentiates in Float64
   */
  fusedRollout?: boolean;
}

/** Encodes camera images into the model's latent. */
export interface LearnedEncoder {
  readonly latentDim: number;
  readonly image: ImageSpec;
  /** One rgb8 image (row-major HWC, width·height·3 bytes) of any size → z (latentDim). */
  encode(image: Uint8Array, width: number, height: number): Promise<Float32Array>;
  /** n images already at the encoder size (HWC rgb8 back to back) → [n, latentDim]. */
  encodeResized(images: Uint8Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export interface LoadedLearnedWorldModel {
  model: LearnedWorldModel;
  encoder: LearnedEncoder;
  latentDim: number;
  /** the parsed model.json */
  spec: LearnedModelJson;
  dir: string;
  /** intra-op threads of its rollout graphs for large batches (options.threads, capped at the cores) */
  threads: number;
}

/** Thrown when a model directory is missing files or describes an unusable model; lists every problem. */
export class LearnedModelError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: readonly string[],
  ) {
    super(`${dir}: cannot load the learned world model:\n  ${problems.join('\n  ')}`);
    this.name = 'LearnedModelError';
  }
}

/**
 * Predictor forward on Float64 rows through the plain MLP, with the model's normalization. Anchored at
 * rest, the network runs once on 2n rows: [x; x_rest].
 */
export class PredictorF64 {
  readonly mlp: MlpF64;
  readonly spec: PredictorSpec;
  private readonly scale: Float64Array;
  private readonly mean: Float64Array;
  private readonly keep: Float64Array;
  private readonly outScale: Float64Array;
  private readonly outOffset: Float64Array;
  /** 1 for inputs kept at rest, 0 for those zeroed; null when not anchored */
  private readonly rest: Float64Array | null;
  private x = new Float64Array(0);
  private y = new Float64Array(0);
  private gy = new Float64Array(0);
  private gx = new Float64Array(0);
  private out = new Float64Array(0);

  constructor(spec: PredictorSpec, weights: MlpWeights) {
    this.spec = spec;
    this.mlp = new MlpF64(spec.mlp, weights);
    this.mean = Float64Array.from(spec.inputMean);
    this.scale = Float64Array.from(spec.inputScale);
    this.keep = Float64Array.from(spec.keep);
    this.outScale = Float64Array.from(spec.outputScale);
    this.outOffset = Float64Array.from(spec.outputOffset);
    this.rest = spec.restMask ? Float64Array.from(spec.restMask) : null;
  }

  /** network rows per state row */
  private get fold(): number {
    return this.rest ? 2 : 1;
  }

  private ensure(n: number): void {
    const { stateDim: D, actionDim: A } = this.spec;
    const rows = n * this.fold;
    if (this.x.length >= rows * (D + A)) return;
    this.x = new Float64Array(rows * (D + A));
    this.y = new Float64Array(rows * D);
    this.gy = new Float64Array(rows * D);
    this.gx = new Float64Array(rows * (D + A));
    this.out = new Float64Array(n * D);
  }

  /** s [n, D], a [n, A] → out [n, D]. */
  step(s: Float64Array, a: Float64Array, n: number, out: Float64Array): void {
    this.ensure(n);
    const { stateDim: D, actionDim: A } = this.spec;
    const I = D + A;
    const { x, y, mean, scale, keep, outScale, outOffset, rest } = this;
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < D; d++) x[i * I + d] = (s[i * D + d]! - mean[d]!) * scale[d]!;
      for (let j = 0; j < A; j++) x[i * I + D + j] = (a[i * A + j]! - mean[D + j]!) * scale[D + j]!;
    }
    if (rest) {
      const o = n * I;
      for (let i = 0; i < n; i++) {
        for (let d = 0; d < D; d++) x[o + i * I + d] = (rest[d]! * s[i * D + d]! - mean[d]!) * scale[d]!;
        for (let j = 0; j < A; j++) x[o + i * I + D + j] = (rest[D + j]! * a[i * A + j]! - mean[D + j]!) * scale[D + j]!;
      }
    }
    this.mlp.forward(x, n * this.fold, y);
    const r = rest ? n * D : -1;
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < D; d++) {
        const k = i * D + d;
        const o = rest ? y[k]! - y[r + k]! : y[k]!;
        out[k] = keep[d]! * s[k]! + outScale[d]! * o + outOffset[d]!;
      }
    }
  }

  /**
   * VJP of one step at (s, a): gNext [n, D] = dL/ds'; ADDS dL/ds into gS [n, D] and WRITES dL/da into gA [n, A].
   * Recomputes the forward pass at (s, a).
   */
  stepVjp(s: Float64Array, a: Float64Array, n: number, gNext: Float64Array, gS: Float64Array, gA: Float64Array): void {
    this.ensure(n);
    this.step(s, a, n, this.out);
    const { stateDim: D, actionDim: A } = this.spec;
    const I = D + A;
    const { gy, gx, scale, keep, outScale, rest } = this;
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < D; d++) {
        const g = outScale[d]! * gNext[i * D + d]!;
        gy[i * D + d] = g;
        // the rest rows enter with a minus sign
        if (rest) gy[n * D + i * D + d] = -g;
      }
    }
    this.mlp.backward(gy, n * this.fold, gx);
    const r = n * I;
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < D; d++) {
        const viaRest = rest ? rest[d]! * gx[r + i * I + d]! : 0;
        gS[i * D + d]! += keep[d]! * gNext[i * D + d]! + (gx[i * I + d]! + viaRest) * scale[d]!;
      }
      for (let j = 0; j < A; j++) {
        const viaRest = rest ? rest[D + j]! * gx[r + i * I + D + j]! : 0;
        gA[i * A + j] = (gx[i * I + D + j]! + viaRest) * scale[D + j]!;
      }
    }
  }
}

/** ONNX Runtime session of the predictor step with float32 buffers per batch size. */
class OnnxStep {
  private bufs = new Map<number, { s: Float32Array; a: Float32Array }>();
  constructor(
    private readonly session: InferenceSession,
    private readonly D: number,
    private readonly A: number,
  ) {}

  async run(s: Float64Array, a: Float64Array, n: number, out: Float64Array): Promise<void> {
    const { D, A } = this;
    let b = this.bufs.get(n);
    if (!b) {
      if (this.bufs.size > 16) this.bufs.clear(); // batch sizes change only when the planner is retuned
      b = { s: new Float32Array(n * D), a: new Float32Array(n * A) };
      this.bufs.set(n, b);
    }
    for (let i = 0; i < n * D; i++) b.s[i] = s[i]!;
    for (let i = 0; i < n * A; i++) b.a[i] = a[i]!;
    const res = await this.session.run({ state: new Tensor('float32', b.s, [n, D]), action: new Tensor('float32', b.a, [n, A]) });
    const y = res.next_state!.data as Float32Array;
    for (let i = 0; i < n * D; i++) out[i] = y[i]!;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export interface LearnedWorldModelOptions {
  /**
   * Sessions of the fused rollout graphs (used when an ONNX Runtime session is given and the predictor
   * fits them); false: step the given session once per horizon step and differentiate in Float64
   */
  fused?: FusedRolloutOptions | false;
}

export class LearnedWorldModel implements WorldModel {
  readonly kind = 'learned';
  readonly layout: StateLayout;
  readonly stateDim: number;
  readonly actionDim: number;
  readonly dtS: number;
  readonly differentiable = true;
  readonly backend: LearnedBackend;
  readonly predictor: PredictorF64;
  /** the fused rollout graphs, or null (backend 'js', or a predictor they cannot express) */
  readonly fused: FusedRollout | null;
  private readonly onnx: OnnxStep | null;
  private gA = new Float64Array(0);
  /** `T×B` of the last rolloutVjp: a rollout of that size keeps what the next VJP needs */
  private vjpSize = '';

  constructor(spec: LearnedModelJson, weights: MlpWeights, session: InferenceSession | null, opts: LearnedWorldModelOptions = {}) {
    const p = spec.predictor;
    this.layout = makeStateLayout(p.latentDim, p.dof);
    this.stateDim = p.stateDim;
    this.actionDim = p.actionDim;
    this.dtS = spec.dtS;
    this.predictor = new PredictorF64(p, weights);
    this.onnx = session ? new OnnxStep(session, p.stateDim, p.actionDim) : null;
    this.backend = session ? 'onnx' : 'js';
    this.fused = session && opts.fused !== false && fusedRolloutUnsupported(p) === null ? new FusedRollout(p, weights, opts.fused ?? {}) : null;
  }

  step(s: Float64Array, a: Float64Array, n: number, out: Float64Array): void | Promise<void> {
    if (this.onnx) return this.onnx.run(s, a, n, out);
    this.predictor.step(s, a, n, out);
  }

  async rollout(s0: Float64Array, actions: Float64Array, T: number, B: number, states: Float64Array): Promise<void> {
    // a planner that differentiated this size last time will do so again (the gradient planner, each step)
    if (this.fused) return this.fused.rollout(s0, actions, T, B, states, this.vjpSize === `${T}x${B}`);
    const D = this.stateDim;
    const A = this.actionDim;
    for (let b = 0; b < B; b++) states.set(s0.subarray(0, D), b * D);
    const rowS = B * D;
    const rowA = B * A;
    for (let t = 0; t < T; t++) {
      const s = states.subarray(t * rowS, (t + 1) * rowS);
      const a = actions.subarray(t * rowA, (t + 1) * rowA);
      const next = states.subarray((t + 1) * rowS, (t + 2) * rowS);
      if (this.onnx) await this.onnx.run(s, a, B, next);
      else this.predictor.step(s, a, B, next);
    }
  }

  rolloutVjp(actions: Float64Array, T: number, B: number, states: Float64Array, gStates: Float64Array, gActions: Float64Array): void | Promise<void> {
    if (this.fused) {
      this.vjpSize = `${T}x${B}`;
      return this.fused.vjp(actions, T, B, states, gStates, gActions);
    }
    const D = this.stateDim;
    const A = this.actionDim;
    const rowS = B * D;
    const rowA = B * A;
    if (this.gA.length < rowA) this.gA = new Float64Array(rowA);
    for (let t = T - 1; t >= 0; t--) {
      this.predictor.stepVjp(
        states.subarray(t * rowS, (t + 1) * rowS),
        actions.subarray(t * rowA, (t + 1) * rowA),
        B,
        gStates.subarray((t + 1) * rowS, (t + 2) * rowS),
        gStates.subarray(t * rowS, (t + 1) * rowS),
        gActions.subarray(t * rowA, (t + 1) * rowA),
      );
    }
  }

  async dispose(): Promise<void> {
    await this.fused?.release();
    await this.onnx?.release();
  }
}

/** The encoder network on Float64 rows: (x − meanImage) / std[c], then the MLP. */
export class EncoderF64 {
  readonly mlp: MlpF64;
  /** encoder input order → NCHW index */
  readonly order: Int32Array;
  private readonly mean: Float64Array;
  private readonly scale: Float64Array;
  private x = new Float64Array(0);

  constructor(
    readonly image: ImageSpec,
    spec: LearnedModelJson['encoder']['mlp'],
    weights: MlpWeights,
  ) {
    this.mlp = new MlpF64(spec, weights);
    const hw = image.width * image.height;
    this.order = inputOrder(image.width, image.height, image.patchSize ?? 0);
    this.mean = Float64Array.from(this.order, (j) => image.meanImage[j]!);
    this.scale = Float64Array.from(this.order, (j) => 1 / image.std[Math.floor(j / hw)]!);
  }

  /** x [n, 3·H·W] NCHW in [0, 1] → out [n, latentDim] */
  encode(x: Float32Array, n: number, out: Float64Array): void {
    const d = this.mean.length;
    if (this.x.length < n * d) this.x = new Float64Array(n * d);
    const order = this.order;
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) this.x[i * d + k] = (x[i * d + order[k]!]! - this.mean[k]!) * this.scale[k]!;
    this.mlp.forward(this.x, n, out);
  }
}

class LatentEncoder implements LearnedEncoder {
  readonly latentDim: number;
  readonly image: ImageSpec;
  private small: Uint8Array;
  private input = new Float32Array(0);
  constructor(
    spec: LearnedModelJson,
    private readonly session: InferenceSession | null,
    private readonly f64: EncoderF64 | null,
  ) {
    this.latentDim = spec.latentDim;
    this.image = spec.encoder.image;
    this.small = new Uint8Array(this.image.width * this.image.height * 3);
  }

  async encode(image: Uint8Array, width: number, height: number): Promise<Float32Array> {
    const { width: W, height: H } = this.image;
    if (!(image.length >= width * height * 3)) throw new RangeError(`encode: ${width}×${height} rgb8 needs ${width * height * 3} bytes, got ${image.length}`);
    if (width === W && height === H) this.small.set(image.subarray(0, W * H * 3));
    else areaResizeRgb8(image, width, height, W, H, this.small);
    return this.encodeResized(this.small, 1);
  }

  async encodeResized(images: Uint8Array, n: number): Promise<Float32Array> {
    const { width: W, height: H } = this.image;
    const per = W * H * 3;
    if (this.input.length !== n * per) this.input = new Float32Array(n * per);
    rgb8ToUnitNchw(images, 0, n, W, H, this.input);
    if (this.session) {
      const res = await this.session.run({ image: new Tensor('float32', this.input, [n, 3, H, W]) });
      return Float32Array.from(res.latent!.data as Float32Array);
    }
    const out = new Float64Array(n * this.latentDim);
    this.f64!.encode(this.input, n, out);
    return Float32Array.from(out);
  }

  async dispose(): Promise<void> {
    await this.session?.release();
  }
}

async function readBytes(path: string, problems: string[]): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    problems.push(`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
    return null;
  }
}

/** Reads and checks model.json of a model directory (throws LearnedModelError listing every problem). */
export async function readLearnedModelJson(dir: string): Promise<LearnedModelJson> {
  const problems: string[] = [];
  const bytes = await readBytes(join(dir, 'model.json'), problems);
  if (!bytes) throw new LearnedModelError(dir, problems);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new LearnedModelError(dir, [`model.json: not JSON (${(err as Error).message})`]);
  }
  const issues = checkLearnedModelJson(json);
  if (issues.length > 0) throw new LearnedModelError(dir, issues.map((i) => `model.json: ${i}`));
  return json as LearnedModelJson;
}

/** Loads a trained model directory: the world model, the image encoder and the latent size. */
export async function loadLearnedWorldModel(dir: string, opts: LoadLearnedOptions = {}): Promise<LoadedLearnedWorldModel> {
  const spec = await readLearnedModelJson(dir);
  const backend = opts.backend ?? 'onnx';
  const problems: string[] = [];
  const encBytes = await readBytes(join(dir, spec.encoder.weights), problems);
  const predBytes = await readBytes(join(dir, spec.predictor.weights), problems);
  const encOnnx = backend === 'onnx' ? await readBytes(join(dir, spec.encoder.onnx), problems) : null;
  const predOnnx = backend === 'onnx' ? await readBytes(join(dir, spec.predictor.onnx), problems) : null;
  let encW: MlpWeights | null = null;
  let predW: MlpWeights | null = null;
  try {
    if (encBytes) encW = unpackMlpWeights(spec.encoder.mlp, encBytes, spec.encoder.weights);
  } catch (err) {
    problems.push((err as Error).message);
  }
  try {
    if (predBytes) predW = unpackMlpWeights(spec.predictor.mlp, predBytes, spec.predictor.weights);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0 || !encW || !predW) throw new LearnedModelError(dir, problems);
  const threads = learnedThreads(opts.threads);
  const sessionOpts: InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  let predSession: InferenceSession | null = null;
  let encSession: InferenceSession | null = null;
  if (backend === 'onnx') {
    try {
      predSession = await InferenceSession.create(predOnnx!, sessionOpts);
      encSession = await InferenceSession.create(encOnnx!, sessionOpts);
    } catch (err) {
      await predSession?.release();
      throw new LearnedModelError(dir, [`ONNX Runtime could not load the exported networks: ${(err as Error).message}`]);
    }
  }
  const model = new LearnedWorldModel(spec, predW, predSession, { fused: opts.fusedRollout === false ? false : { threads, providers: ['cpu'] } });
  const encoder = new LatentEncoder(spec, encSession, encSession ? null : new EncoderF64(spec.encoder.image, spec.encoder.mlp, encW));
  return { model, encoder, latentDim: spec.latentDim, spec, dir, threads };
}
