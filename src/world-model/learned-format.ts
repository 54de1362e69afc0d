/**
 * The on-disk format of a learned latent world model (written by `odra train`, read by
 * `loadLearnedWorldModel`): `model.json` describes the networks, their normalization and provenance;
 * each network's weights are one little-endian float32 file listed in a tfjs-style weights manifest;
 * `encoder.onnx` and `predictor.onnx` are the same networks for ONNX Runtime.
 *
 * Networks are plain MLPs: y = act(x·W + b) per layer, W stored [in, out] row-major. A layer with
 * `patches: P` applies the same weights to P consecutive chunks of its input (a strided convolution
 * over image patches): input P·inDim values, output P·outDim.
 */

export const LEARNED_MODEL_FORMAT = 'odra-learned-world-model';
export const LEARNED_MODEL_VERSION = 1;

export type Activation = 'relu' | 'tanh' | 'silu' | 'linear';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'silu', 'linear'];

export interface DenseSpec {
  inDim: number;
  outDim: number;
  activation: Activation;
  /** shared over this many chunks of the input; default 1 */
  patches?: number;
}

/** Values a layer reads and writes per sample (patches included). */
export function layerWidths(l: DenseSpec): { in: number; out: number } {
  const p = l.patches ?? 1;
  return { in: p * l.inDim, out: p * l.outDim };
}

export interface MlpSpec {
  layers: DenseSpec[];
}

/** Per layer: w [inDim·outDim] row-major, b [outDim]. */
export interface MlpWeights {
  w: Float32Array[];
  b: Float32Array[];
}

/**
 * How a camera image becomes the encoder input: area-averaged down to width × height, values in [0, 1],
 * NCHW. The encoder network itself starts with (x − meanImage) / std[c]: with a fixed camera the mean
 * image is the static scene, so what reaches the first layer is what moved.
 */
export interface ImageSpec {
  width: number;
  height: number;
  channels: 3;
  layout: 'nchw';
  /** [3·height·width] NCHW mean of the training images, values in [0, 1] */
  meanImage: number[];
  /** per channel: spread of the pixels about the mean image */
  std: number[];
  /**
   * > 0: the network input is the normalized image rearranged patch by patch (patch rows, patch columns,
   * then channel, row, column inside a patch) for a first layer shared over patches; 0 or absent: NCHW order
   */
  patchSize?: number;
}

export interface EncoderSpec {
  mlp: MlpSpec;
  image: ImageSpec;
  /** file names inside the model directory */
  weights: string;
  onnx: string;
}

/**
 * The predictor maps a state row s = [z | q | qd] and an action a to the next state:
 *   x = ([s | a] − inputMean) ⊙ inputScale,  o = MLP(x),  s' = keep ⊙ s + outputScale ⊙ o + outputOffset.
 * inputScale is 1/std, or 0 for an input the network does not see (joint positions, by default: they
 * enter only through the residual, so the latent must carry the configuration).
 * keep is 1 for residual outputs (z, q) and 0 for absolute ones (qd).
 * With restMask (1 for z and q, 0 for qd and a), the network's output at rest is subtracted:
 *   o = MLP(x) − MLP(x_rest),  x_rest = ([s | a] ⊙ restMask − inputMean) ⊙ inputScale,
 * so an arm at rest given a zero command stays exactly where it is (z' = z, q' = q, qd' = 0).
 */
export interface PredictorSpec {
  mlp: MlpSpec;
  latentDim: number;
  dof: number;
  stateDim: number;
  actionDim: number;
  inputMean: number[];
  inputScale: number[];
  keep: number[];
  outputScale: number[];
  outputOffset: number[];
  restMask?: number[];
  weights: string;
  onnx: string;
}

/** One tensor of a weights file (tfjs weights-manifest entry). */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface WeightsGroup {
  paths: string[];
  weights: WeightEntry[];
}

export interface LearnedModelJson {
  format: typeof LEARNED_MODEL_FORMAT;
  version: number;
  /** control period the predictor steps by, s */
  dtS: number;
  jointNames: string[];
  latentDim: number;
  /** action meaning: joint velocities, rad/s */
  actionKind: 'velocity';
  encoder: EncoderSpec;
  predictor: PredictorSpec;
  /**
   * joint positions the training data cover (0.5 and 99.5 percentiles per joint, rad): outside them the
   * model has seen nothing, so agents keep the arm inside (as soft joint limits)
   */
  support?: { lower: number[]; upper: number[] };
  weightsManifest: WeightsGroup[];
  /** dataset provenance: sha256 of the aligned data, files, sizes */
  data: Record<string, unknown>;
  /** the training configuration as resolved */
  training: Record<string, unknown>;
  /** final metrics (losses, validation errors, export check) */
  metrics: Record<string, unknown>;
}

/** Number of parameters of an MLP. */
export function mlpParameterCount(spec: MlpSpec): number {
  return spec.layers.reduce((n, l) => n + l.inDim * l.outDim + l.outDim, 0);
}

/** Manifest entries of an MLP's weights, in file order (w0, b0, w1, b1, ...). */
export function mlpWeightEntries(prefix: string, spec: MlpSpec): WeightEntry[] {
  const out: WeightEntry[] = [];
  spec.layers.forEach((l, i) => {
    out.push({ name: `${prefix}/dense_${i}/kernel`, shape: [l.inDim, l.outDim], dtype: 'float32' });
    out.push({ name: `${prefix}/dense_${i}/bias`, shape: [l.outDim], dtype: 'float32' });
  });
  return out;
}

/** Serializes MLP weights as consecutive little-endian float32 (w0, b0, w1, b1, ...). */
export function packMlpWeights(spec: MlpSpec, weights: MlpWeights): Uint8Array {
  const n = mlpParameterCount(spec);
  const out = new Float32Array(n);
  let o = 0;
  spec.layers.forEach((_, i) => {
    out.set(weights.w[i]!, o);
    o += weights.w[i]!.length;
    out.set(weights.b[i]!, o);
    o += weights.b[i]!.length;
  });
  return littleEndianBytes(out);
}

/** Reads weights written by packMlpWeights; throws when the size does not match the spec. */
export function unpackMlpWeights(spec: MlpSpec, bytes: Uint8Array, what: string): MlpWeights {
  const n = mlpParameterCount(spec);
  if (bytes.byteLength !== n * 4) throw new Error(`${what}: expected ${n * 4} bytes (${n} float32), got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const all = new Float32Array(n);
  for (let i = 0; i < n; i++) all[i] = view.getFloat32(i * 4, true);
  const w: Float32Array[] = [];
  const b: Float32Array[] = [];
  let o = 0;
  for (const l of spec.layers) {
    w.push(all.slice(o, o + l.inDim * l.outDim));
    o += l.inDim * l.outDim;
    b.push(all.slice(o, o + l.outDim));
    o += l.outDim;
  }
  return { w, b };
}

function littleEndianBytes(a: Float32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i]!, true);
  return out;
}

/** Problems of a model.json, each with its path; empty when it is usable. */
export function checkLearnedModelJson(v: unknown): string[] {
  const problems: string[] = [];
  if (typeof v !== 'object' || v === null) return ['model.json: not an object'];
  const m = v as Partial<LearnedModelJson>;
  if (m.format !== LEARNED_MODEL_FORMAT) problems.push(`format: expected '${LEARNED_MODEL_FORMAT}', got '${String(m.format)}'`);
  if (m.version !== LEARNED_MODEL_VERSION) problems.push(`version: expected ${LEARNED_MODEL_VERSION}, got ${String(m.version)}`);
  if (!(typeof m.dtS === 'number' && m.dtS > 0)) problems.push('dtS: must be a number > 0');
  if (!Array.isArray(m.jointNames) || m.jointNames.length === 0) problems.push('jointNames: must be a non-empty list');
  if (!(Number.isInteger(m.latentDim) && m.latentDim! > 0)) problems.push('latentDim: must be a positive integer');
  checkMlp(m.encoder?.mlp, 'encoder.mlp', problems);
  checkMlp(m.predictor?.mlp, 'predictor.mlp', problems);
  const e = m.encoder;
  if (e?.image) {
    if (e.image.meanImage?.length !== 3 * e.image.width * e.image.height) problems.push(`encoder.image.meanImage: needs 3·${e.image.width}·${e.image.height} values`);
    if (e.image.std?.length !== 3 || e.image.std.some((s) => !(s > 0))) problems.push('encoder.image.std: needs 3 values > 0');
    const first = e.mlp?.layers?.[0];
    const inDim = first ? layerWidths(first).in : undefined;
    if (inDim !== undefined && inDim !== 3 * e.image.width * e.image.height) {
      problems.push(`encoder.mlp.layers[0]: reads ${inDim} values, the image has 3·${e.image.width}·${e.image.height}`);
    }
    const p = e.image.patchSize ?? 0;
    if (p > 0) {
      if (e.image.width % p !== 0 || e.image.height % p !== 0) problems.push(`encoder.image.patchSize: ${p} does not divide ${e.image.width}×${e.image.height}`);
      else if (first && (first.patches !== (e.image.width / p) * (e.image.height / p) || first.inDim !== 3 * p * p)) {
        problems.push(`encoder.mlp.layers[0]: a patch layer needs patches ${(e.image.width / p) * (e.image.height / p)} and inDim ${3 * p * p}`);
      }
    }
    const out = e.mlp?.layers?.at(-1)?.outDim;
    if (out !== undefined && out !== m.latentDim) problems.push(`encoder.mlp: output ${out} != latentDim ${String(m.latentDim)}`);
  } else problems.push('encoder.image: missing');
  const p = m.predictor;
  if (p) {
    const D = p.stateDim;
    const A = p.actionDim;
    if (D !== p.latentDim + 2 * p.dof) problems.push(`predictor.stateDim: ${D} != latentDim + 2·dof`);
    if (p.latentDim !== m.latentDim) problems.push('predictor.latentDim: differs from latentDim');
    if (Array.isArray(m.jointNames) && p.dof !== m.jointNames.length) problems.push('predictor.dof: differs from the number of jointNames');
    if (p.inputMean?.length !== D + A || p.inputScale?.length !== D + A) problems.push(`predictor.inputMean/inputScale: need ${D + A} values`);
    if (p.keep?.length !== D || p.outputScale?.length !== D || p.outputOffset?.length !== D) problems.push(`predictor.keep/outputScale/outputOffset: need ${D} values`);
    if (p.restMask !== undefined && p.restMask.length !== D + A) problems.push(`predictor.restMask: needs ${D + A} values`);
    const l = p.mlp?.layers;
    if (l && l.length > 0) {
      if (l[0]!.inDim !== D + A) problems.push(`predictor.mlp.layers[0].inDim: ${l[0]!.inDim} != stateDim + actionDim ${D + A}`);
      if (l.at(-1)!.outDim !== D) problems.push(`predictor.mlp: output ${l.at(-1)!.outDim} != stateDim ${D}`);
    }
    if (p.inputScale?.some((s) => !(Number.isFinite(s) && s >= 0))) problems.push('predictor.inputScale: every value must be finite and ≥ 0');
  } else problems.push('predictor: missing');
  return problems;
}

function checkMlp(spec: MlpSpec | undefined, path: string, problems: string[]): void {
  if (!spec || !Array.isArray(spec.layers) || spec.layers.length === 0) {
    problems.push(`${path}: needs at least one layer`);
    return;
  }
  spec.layers.forEach((l, i) => {
    if (!(Number.isInteger(l.inDim) && l.inDim > 0 && Number.isInteger(l.outDim) && l.outDim > 0)) problems.push(`${path}.layers[${i}]: bad sizes`);
    if (!ACTIVATIONS.includes(l.activation)) problems.push(`${path}.layers[${i}].activation: unknown '${String(l.activation)}'`);
    if (l.patches !== undefined && !(Number.isInteger(l.patches) && l.patches >= 1)) problems.push(`${path}.layers[${i}].patches: must be an integer ≥ 1`);
    if (i > 0 && layerWidths(spec.layers[i - 1]!).out !== layerWidths(l).in) {
      problems.push(`${path}.layers[${i}]: reads ${layerWidths(l).in} values, the previous layer writes ${layerWidths(spec.layers[i - 1]!).out}`);
    }
  });
}
