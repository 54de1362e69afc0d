/**
 * The encoder contract: a batch of preprocessed images in, a batch of latent vectors out.
 * Also the checks every model-backed encoder shares at configure time.
 */
import type { OnnxProviderName } from '../compute/onnx-providers.ts';
import type { TfBackendName } from '../compute/tf-backend.ts';
import type { ConfigIssue } from './errors.ts';
import type { Layout, PreprocessConfig, PreprocessSpec } from './preprocess.ts';
import { resolvePreprocess, sampleShape } from './preprocess.ts';

export type EncoderKind = 'onnx' | 'tfjs' | 'none';

export interface Encoder {
  readonly kind: EncoderKind;
  /** One sample without the batch axis: [C, H, W] (nchw) or [H, W, C] (nhwc); [] for 'none'. */
  readonly inputShape: readonly number[];
  readonly layout: Layout;
  /** Length of one latent vector; 0 for 'none'. */
  readonly latentDim: number;
  /** One-line notices from configuration (provider or backend fallbacks). */
  readonly notices: readonly string[];
  /** `batch` holds n samples of inputShape, back to back; returns n × latentDim floats. May reject. */
  encode(batch: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export interface EncoderConfig {
  kind: EncoderKind;
  /** Model file: an .onnx file (onnx), or a tfjs model.json (tfjs). Not used by 'none'. */
  modelPath?: string;
  /** ONNX Runtime execution providers, best first. Default ['cuda', 'cpu']. */
  executionProviders?: readonly OnnxProviderName[];
  /** tfjs backends, best first. Default ['tensorflow', 'wasm', 'cpu']. */
  tfBackends?: readonly TfBackendName[];
  /** Model input to feed; default: the only input. */
  inputName?: string;
  /** Model output holding the latent; default: the first output. */
  outputName?: string;
  /** ONNX Runtime intra-op threads on the CPU; 0 lets the runtime choose (one per core). Default 1 (perception.threads). */
  threads?: number;
}

/** Where notices go as well as into `Encoder.notices`; nothing is printed by default. */
export type EncoderLog = (message: string) => void;

/** An encoder with its resolved preprocessing; what configuration produces. */
export interface ConfiguredEncoder {
  encoder: Encoder;
  /** Undefined only for 'none'. */
  preprocess: PreprocessSpec | undefined;
}

/** No camera latent: the state is proprioception only. */
export class NoneEncoder implements Encoder {
  readonly kind = 'none';
  readonly inputShape: readonly number[] = [];
  readonly layout: Layout = 'nchw';
  readonly latentDim = 0;
  readonly notices: readonly string[] = [];
  async encode(): Promise<Float32Array> {
    return new Float32Array(0);
  }
  async dispose(): Promise<void> {}
}

/** A model input dimension: a size, or null when dynamic (symbolic, -1, or unknown). */
export type ModelDim = number | null;

export function formatShape(dims: readonly (ModelDim | string)[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** Guesses the layout of a rank-4 image input from where a 1- or 3-channel axis sits. */
export function guessLayout(shape: readonly ModelDim[], fallback: Layout): Layout {
  const isCh = (d: ModelDim | undefined): boolean => d === 1 || d === 3;
  if (isCh(shape[1]) && !isCh(shape[3])) return 'nchw';
  if (isCh(shape[3]) && !isCh(shape[1])) return 'nhwc';
  return fallback;
}

/**
 * Resolves preprocessing against a model's rank-4 input and checks they agree.
 * Issues name the model file, the shape preprocessing produces and the model's own shape.
 */
export function matchModelInput(
  file: string,
  inputName: string,
  modelShape: readonly ModelDim[],
  config: PreprocessConfig,
  hints: PreprocessConfig,
  defaultLayout: Layout,
  path: string,
  /** The model's shape as it names it (symbolic dims kept), for messages. */
  display: readonly (ModelDim | string)[] = modelShape,
): { spec: PreprocessSpec | undefined; issues: ConfigIssue[] } {
  const shown = formatShape(display);
  if (modelShape.length !== 4) {
    return {
      spec: undefined,
      issues: [{ path, message: `${file}: input '${inputName}' expected rank 4 [N, C, H, W] or [N, H, W, C], actual ${shown} (rank ${modelShape.length})` }],
    };
  }
  const layout = config.layout ?? hints.layout ?? guessLayout(modelShape, defaultLayout);
  const [c, h, w] = layout === 'nchw' ? [modelShape[1], modelShape[2], modelShape[3]] : [modelShape[3], modelShape[1], modelShape[2]];
  const fromModel: PreprocessConfig = { ...hints, layout };
  if (typeof h === 'number') fromModel.height = h;
  if (typeof w === 'number') fromModel.width = w;
  if (c === 1 || c === 3) fromModel.channels = c;
  const resolved = resolvePreprocess(config, fromModel, layout, 'preprocess');
  if (resolved.spec === undefined) return resolved;
  const spec = resolved.spec;
  const produced = ['N', ...sampleShape(spec)];
  const mismatch = (what: string, model: ModelDim | undefined, ours: number): ConfigIssue => ({
    path,
    message: `${file}: input '${inputName}' expected ${formatShape(produced)} (${spec.layout}, from preprocessing), actual ${shown}: ${what} ${String(model)} != ${ours}`,
  });
  const issues: ConfigIssue[] = [];
  if (typeof c === 'number' && c !== spec.channels) issues.push(mismatch('channels', c, spec.channels));
  if (typeof h === 'number' && h !== spec.height) issues.push(mismatch('height', h, spec.height));
  if (typeof w === 'number' && w !== spec.width) issues.push(mismatch('width', w, spec.width));
  return issues.length > 0 ? { spec: undefined, issues } : { spec, issues: [] };
}

/** Parses the `odra.preprocess` JSON a model may carry; issues for anything that is not an object. */
export function parsePreprocessHints(file: string, json: string | undefined, path: string): { hints: PreprocessConfig; issues: ConfigIssue[] } {
  if (json === undefined) return { hints: {}, issues: [] };
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return { hints: v as PreprocessConfig, issues: [] };
  } catch (err) {
    return { hints: {}, issues: [{ path, message: `${file}: metadata 'odra.preprocess' is not a JSON object (${err instanceof Error ? err.message : String(err)})` }] };
  }
}

/** Key under which a model's metadata may carry preprocessing (PreprocessConfig as JSON). */
export const PREPROCESS_METADATA_KEY = 'odra.preprocess';
