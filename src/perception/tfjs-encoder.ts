/**
 * Encoder on tfjs: a LayersModel or GraphModel from a local model.json (loaded through odra's
 * node:fs IOHandler), on the backend selected by compute/ (tensorflow, else wasm, else cpu).
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { selectTfBackend } from '../compute/tf-backend.ts';
import type { ConfigIssue } from './errors.ts';
import { PerceptionConfigError } from './errors.ts';
import type { ConfiguredEncoder, Encoder, EncoderConfig, EncoderLog, ModelDim } from './encoder.ts';
import { formatShape, matchModelInput, parsePreprocessHints, PREPROCESS_METADATA_KEY } from './encoder.ts';
import type { Layout, PreprocessConfig } from './preprocess.ts';
import { sampleShape } from './preprocess.ts';
import { fileIO, localModelPath } from './tfjs-file-io.ts';

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

type TfModel = { kind: 'layers'; model: LayersModel } | { kind: 'graph'; model: GraphModel };

export class TfjsEncoder implements Encoder {
  readonly kind = 'tfjs';
  readonly inputShape: readonly number[];
  readonly layout: Layout;
  readonly notices: readonly string[];
  readonly file: string;
  /** tfjs backend in use when configured. */
  readonly backend: string;
  /** Batch size the model fixes, or 0 when its batch axis is dynamic. */
  readonly fixedBatch: number;
  private dim = 0;
  private readonly net: TfModel;
  private readonly inputName: string | undefined;
  private readonly outputName: string | undefined;
  private readonly sampleSize: number;

  constructor(args: {
    net: TfModel;
    file: string;
    inputShape: readonly number[];
    layout: Layout;
    fixedBatch: number;
    inputName: string | undefined;
    outputName: string | undefined;
    backend: string;
    notices: readonly string[];
  }) {
    this.net = args.net;
    this.file = args.file;
    this.inputShape = args.inputShape;
    this.layout = args.layout;
    this.fixedBatch = args.fixedBatch;
    this.inputName = args.inputName;
    this.outputName = args.outputName;
    this.backend = args.backend;
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
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`output has ${z.length} floats for ${n} samples`);
    this.dim = dim;
  }

  async encode(batch: Float32Array, n: number): Promise<Float32Array> {
    if (n <= 0) return new Float32Array(0);
    if (batch.length < n * this.sampleSize) throw new Error(`encode: ${batch.length} floats < ${n} samples × ${this.sampleSize}`);
    if (this.fixedBatch === 0) return this.run(batch.subarray(0, n * this.sampleSize), n);
    const b = this.fixedBatch;
    const out = new Float32Array(n * this.dim);
    const padded = new Float32Array(b * this.sampleSize);
    for (let i = 0; i < n; i += b) {
      const k = Math.min(b, n - i);
      padded.fill(0);
      padded.set(batch.subarray(i * this.sampleSize, (i + k) * this.sampleSize));
      const z = await this.run(padded, b);
      out.set(z.subarray(0, k * this.dim), i * this.dim);
    }
    return out;
  }

  private async run(input: Float32Array, n: number): Promise<Float32Array> {
    const y = tf.tidy(() => {
      const x = tf.tensor(input, [n, ...this.inputShape], 'float32');
      let out: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
      if (this.net.kind === 'layers') {
        out = this.net.model.predict(x);
      } else {
        const feed = this.inputName !== undefined ? { [this.inputName]: x } : x;
        out = this.outputName !== undefined ? this.net.model.execute(feed, this.outputName) : this.net.model.predict(feed);
      }
      const t = out instanceof tf.Tensor ? out : Array.isArray(out) ? out[0] : Object.values(out)[0];
      if (t === undefined) throw new Error('model returned no tensor');
      return tf.cast(tf.reshape(t, [n, -1]), 'float32');
    });
    try {
      const data = (await y.data()) as Float32Array;
      if (this.dim > 0 && data.length !== n * this.dim) throw new Error(`${this.file}: output has ${data.length} floats, expected ${n} × ${this.dim}`);
      return data;
    } finally {
      y.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.net.model.dispose();
  }
}

/** Reads the model's preprocessing hint, stored as an object or a JSON string under odra.preprocess. */
function hintsOf(file: string, metadata: unknown): { hints: PreprocessConfig; issues: ConfigIssue[] } {
  if (typeof metadata !== 'object' || metadata === null) return { hints: {}, issues: [] };
  const v: unknown = (metadata as Record<string, unknown>)[PREPROCESS_METADATA_KEY];
  if (v === undefined) return { hints: {}, issues: [] };
  return parsePreprocessHints(file, typeof v === 'string' ? v : JSON.stringify(v), 'encoder.modelPath');
}

/**
 * Loads and checks a tfjs encoder. Throws PerceptionConfigError naming the file and the shapes
 * when the model is missing or corrupt, or its input does not match the preprocessing.
 */
export async function configureTfjsEncoder(config: EncoderConfig, preprocess: PreprocessConfig, log?: EncoderLog): Promise<ConfiguredEncoder> {
  const path = 'encoder.modelPath';
  const file = config.modelPath;
  if (file === undefined || file === '') throw new PerceptionConfigError([{ path, message: "required for encoder kind 'tfjs'" }]);
  const notices: string[] = [];
  const choice = await selectTfBackend(config.tfBackends);
  if (choice.notice !== undefined) {
    notices.push(choice.notice);
    log?.(choice.notice);
  }

  let json: { format?: unknown; modelTopology?: unknown; userDefinedMetadata?: unknown };
  try {
    json = JSON.parse(await readFile(localModelPath(file), 'utf8')) as typeof json;
    if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
      throw new Error('no modelTopology');
    }
  } catch (err) {
    throw new PerceptionConfigError([{ path, message: `${file}: not a tfjs model.json (${message(err)})` }]);
  }
  const topology = json.modelTopology as Record<string, unknown>;
  const isGraph = json.format === 'graph-model' || (json.format === undefined && 'node' in topology);

  let net: TfModel;
  let modelShape: ModelDim[];
  try {
    if (isGraph) {
      const model = await loadGraphModel(fileIO(file));
      net = { kind: 'graph', model };
      const inputs = model.inputs;
      const chosen = config.inputName !== undefined ? inputs.find((i) => i.name === config.inputName) : inputs.length === 1 ? inputs[0] : undefined;
      if (chosen === undefined) {
        model.dispose();
        throw new PerceptionConfigError([{ path: 'encoder.inputName', message: `${file}: name one input of ${inputs.map((i) => i.name).join(', ')}` }]);
      }
      modelShape = (chosen.shape ?? []).map((d) => (d > 0 ? d : null));
    } else {
      const model = await loadLayersModel(fileIO(file));
      net = { kind: 'layers', model };
      if (model.inputs.length !== 1) {
        model.dispose();
        throw new PerceptionConfigError([{ path, message: `${file}: a LayersModel encoder takes one input, this one has ${model.inputs.length}` }]);
      }
      modelShape = (model.inputs[0]?.shape ?? []).map((d) => (typeof d === 'number' && d > 0 ? d : null));
    }
  } catch (err) {
    if (err instanceof PerceptionConfigError) throw err;
    throw new PerceptionConfigError([{ path, message: `${file}: cannot load tfjs model (${message(err)})` }]);
  }

  const { hints, issues } = hintsOf(file, json.userDefinedMetadata);
  const inputName = config.inputName ?? net.model.inputs[0]?.name ?? 'input';
  const matched = matchModelInput(file, inputName, modelShape, preprocess, hints, 'nhwc', path);
  issues.push(...matched.issues);
  const spec = matched.spec;
  if (issues.length > 0 || spec === undefined) {
    net.model.dispose();
    throw new PerceptionConfigError(issues);
  }
  const encoder = new TfjsEncoder({
    net,
    file,
    inputShape: sampleShape(spec),
    layout: spec.layout,
    fixedBatch: modelShape[0] ?? 0,
    inputName: config.inputName,
    outputName: config.outputName,
    backend: choice.name,
    notices,
  });
  try {
    await encoder.probe();
  } catch (err) {
    net.model.dispose();
    throw new PerceptionConfigError([{ path, message: `${file}: fails on input ${formatShape(['N', ...sampleShape(spec)])} (${message(err)})` }]);
  }
  return { encoder, preprocess: spec };
}
