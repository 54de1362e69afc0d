/**
 * Encoder on ONNX Runtime: a local .onnx file, execution providers from config (cuda falls back
 * to cpu with a notice), input/output names and shapes read from the model, any batch size.
 */
import { readFile } from 'node:fs/promises';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { readOnnxModelInfo } from '../compute/onnx-model-info.ts';
import type { OnnxProviderName } from '../compute/onnx-providers.ts';
import { selectOnnxProviders } from '../compute/onnx-providers.ts';
import type { ConfigIssue } from './errors.ts';
import { PerceptionConfigError } from './errors.ts';
import type { ConfiguredEncoder, Encoder, EncoderConfig, EncoderLog, ModelDim } from './encoder.ts';
import { formatShape, matchModelInput, parsePreprocessHints, PREPROCESS_METADATA_KEY } from './encoder.ts';
import type { Layout, PreprocessConfig } from './preprocess.ts';
import { sampleShape } from './preprocess.ts';

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

export class OnnxEncoder implements Encoder {
  readonly kind = 'onnx';
  readonly inputShape: readonly number[];
  readonly layout: Layout;
  readonly notices: readonly string[];
  readonly file: string;
  readonly providers: readonly OnnxProviderName[];
  /** Batch size the model fixes, or 0 when its batch axis is dynamic. */
  readonly fixedBatch: number;
  private dim = 0;
  private readonly session: InferenceSession;
  private readonly inputName: string;
  private readonly outputName: string;
  private readonly sampleSize: number;

  constructor(args: {
    session: InferenceSession;
    file: string;
    inputName: string;
    outputName: string;
    inputShape: readonly number[];
    layout: Layout;
    fixedBatch: number;
    providers: readonly OnnxProviderName[];
    notices: readonly string[];
  }) {
    this.session = args.session;
    this.file = args.file;
    this.inputName = args.inputName;
    this.outputName = args.outputName;
    this.inputShape = args.inputShape;
    this.layout = args.layout;
    this.fixedBatch = args.fixedBatch;
    this.providers = args.providers;
    this.notices = args.notices;
    this.sampleSize = args.inputShape.reduce((a, b) => a * b, 1);
  }

  get latentDim(): number {
    return this.dim;
  }

  /** Runs zeros through the model once: proves it runs at this input size and sets latentDim. */
  async probe(): Promise<void> {
    const n = this.fixedBatch > 0 ? this.fixedBatch : 1;
    const z = await this.run(new Float32Array(n * this.sampleSize), n);
    const dim = z.length / n;
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`output '${this.outputName}' has ${z.length} floats for ${n} samples`);
    this.dim = dim;
  }

  async encode(batch: Float32Array, n: number): Promise<Float32Array> {
    if (n <= 0) return new Float32Array(0);
    if (batch.length < n * this.sampleSize) throw new Error(`encode: ${batch.length} floats < ${n} samples × ${this.sampleSize}`);
    if (this.fixedBatch === 0) return this.run(batch.subarray(0, n * this.sampleSize), n);
    // A fixed batch axis: feed full chunks, the last one zero-padded.
    const b = this.fixedBatch;
    const chunk = b * this.sampleSize;
    const out = new Float32Array(n * this.latentDim);
    for (let i = 0; i < n; i += b) {
      const k = Math.min(b, n - i);
      let input = batch.subarray(i * this.sampleSize, (i + k) * this.sampleSize);
      if (k < b) {
        // Fresh per call: the runtime reads inputs later, and calls may overlap.
        const padded = new Float32Array(chunk);
        padded.set(input);
        input = padded;
      }
      const z = await this.run(input, b);
      out.set(z.subarray(0, k * this.latentDim), i * this.latentDim);
    }
    return out;
  }

  /** Runs one batch of exactly n samples; returns n × latentDim floats. */
  private async run(input: Float32Array, n: number): Promise<Float32Array> {
    const tensor = new Tensor('float32', input, [n, ...this.inputShape]);
    const result = await this.session.run({ [this.inputName]: tensor }, [this.outputName]);
    const y = result[this.outputName];
    if (y === undefined || y.type !== 'float32') throw new Error(`${this.file}: output '${this.outputName}' is missing or not float32`);
    const data = y.data as Float32Array;
    if (this.latentDim > 0 && data.length !== n * this.latentDim) {
      throw new Error(`${this.file}: output '${this.outputName}' has ${data.length} floats for ${n} samples, expected ${n} × ${this.latentDim}`);
    }
    return data;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** one thread unless configured: a runtime-sized pool spins on every core, against the planner (perception.threads) */
export const DEFAULT_ENCODER_THREADS = 1;

async function createSession(bytes: Uint8Array, providers: readonly OnnxProviderName[], threads: number): Promise<InferenceSession> {
  const options: InferenceSession.SessionOptions = {
    executionProviders: [...providers],
    graphOptimizationLevel: 'all',
    // Errors only: runtime warnings would otherwise reach the console.
    logSeverityLevel: 3,
  };
  if (threads > 0) options.intraOpNumThreads = threads;
  return InferenceSession.create(bytes, options);
}

/**
 * Loads and checks an ONNX encoder. Throws PerceptionConfigError naming the file and the shapes
 * when the file is missing or corrupt, or its input does not match the preprocessing.
 */
export async function configureOnnxEncoder(config: EncoderConfig, preprocess: PreprocessConfig, log?: EncoderLog): Promise<ConfiguredEncoder> {
  const path = 'encoder.modelPath';
  const file = config.modelPath;
  if (file === undefined || file === '') throw issuesError([{ path, message: "required for encoder kind 'onnx'" }]);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw issuesError([{ path, message: `${file}: cannot read (${message(err)})` }]);
  }
  const notices: string[] = [];
  const note = (m: string): void => {
    notices.push(m);
    log?.(m);
  };
  const choice = selectOnnxProviders(config.executionProviders);
  if (choice.notice !== undefined) note(choice.notice);
  let providers: readonly OnnxProviderName[] = choice.providers;
  let session: InferenceSession;
  try {
    session = await createSession(bytes, providers, config.threads ?? DEFAULT_ENCODER_THREADS);
  } catch (err) {
    if (providers.length === 1) throw issuesError([{ path, message: `${file}: not a loadable ONNX model (${message(err)})` }]);
    note(`onnx providers [${providers.join(', ')}] failed for ${file} (${message(err)}); using [cpu]`);
    providers = ['cpu'];
    try {
      session = await createSession(bytes, providers, config.threads ?? DEFAULT_ENCODER_THREADS);
    } catch (err2) {
      throw issuesError([{ path, message: `${file}: not a loadable ONNX model (${message(err2)})` }]);
    }
  }

  const issues: ConfigIssue[] = [];
  const info = readOnnxModelInfo(bytes);
  const { hints, issues: hintIssues } = parsePreprocessHints(file, info?.metadata[PREPROCESS_METADATA_KEY], path);
  issues.push(...hintIssues);

  const inputName = config.inputName ?? (session.inputNames.length === 1 ? session.inputNames[0] : undefined);
  if (inputName === undefined || !session.inputNames.includes(inputName)) {
    issues.push({
      path: 'encoder.inputName',
      message: `${file}: ${config.inputName === undefined ? 'several inputs, name one' : `no input '${config.inputName}'`} (inputs: ${session.inputNames.join(', ')})`,
    });
  }
  const outputName = config.outputName ?? session.outputNames[0];
  if (outputName === undefined || !session.outputNames.includes(outputName)) {
    issues.push({ path: 'encoder.outputName', message: `${file}: no output '${String(outputName)}' (outputs: ${session.outputNames.join(', ')})` });
  }
  if (issues.length > 0 || inputName === undefined || outputName === undefined) {
    await session.release();
    throw issuesError(issues);
  }

  const meta = session.inputMetadata[session.inputNames.indexOf(inputName)];
  let modelShape: ModelDim[] = [];
  let display: (number | string)[] = [];
  if (meta === undefined || !meta.isTensor || meta.type !== 'float32') {
    issues.push({ path, message: `${file}: input '${inputName}' is not a float32 tensor` });
  } else {
    modelShape = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : null));
    display = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : typeof d === 'string' && d !== '' ? d : '?'));
  }
  const matched = issues.length > 0 ? { spec: undefined, issues: [] } : matchModelInput(file, inputName, modelShape, preprocess, hints, 'nchw', path, display);
  issues.push(...matched.issues);
  const spec = matched.spec;
  if (issues.length > 0 || spec === undefined) {
    await session.release();
    throw issuesError(issues);
  }

  const encoder = new OnnxEncoder({
    session,
    file,
    inputName,
    outputName,
    inputShape: sampleShape(spec),
    layout: spec.layout,
    fixedBatch: modelShape[0] ?? 0,
    providers,
    notices,
  });
  try {
    await encoder.probe();
  } catch (err) {
    await session.release();
    throw issuesError([{ path, message: `${file}: fails on input ${formatShape(['N', ...sampleShape(spec)])} (${message(err)})` }]);
  }
  return { encoder, preprocess: spec };
}

function issuesError(issues: ConfigIssue[]): PerceptionConfigError {
  return new PerceptionConfigError(issues);
}
