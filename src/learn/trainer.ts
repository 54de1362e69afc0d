/**
 * `odra train`: self-supervised training of the JEPA world model (jepa.ts) on recorded play, with a
 * progress bar, periodic checkpoints, exact resume, and the model directory as output (model-files.ts).
 *
 * Reproducibility: weights are initialized from the seed, each epoch visits the training windows in an
 * order drawn from (seed, epoch), and tfjs kernels are deterministic on one thread; a checkpoint stores
 * the step, the weights and the optimizer moments, so a resumed run ends where an uninterrupted one would.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectTfBackend, type TfBackendName } from '../compute/tf-backend.ts';
import { Rng } from '../sim/random.ts';
import type { LearnedModelJson, MlpSpec, MlpWeights } from '../world-model/learned-format.ts';
import { Adam, learningRateAt } from './adam.ts';
import { loadDataset, splitSegments, windowStarts, type Dataset } from './dataset.ts';
import { checkExport } from './export-check.ts';
import { createBatch, fillBatch, JepaNetworks, LOSS_TERMS, type JepaBatch, type JepaSpecs, type JepaWeights, type LossTerm } from './jepa.ts';
import { writeAtomic, writeModelDir } from './model-files.ts';
import { jointSupport, measureNormalization } from './normalization.ts';
import { ProgressBar, type ProgressStream } from './progress.ts';
import { initMlpWeights, mlpSpec, readTfMlp, assignTfMlp, type TfMlp } from './tf-mlp.ts';
import type { TrainConfig } from './train-config.ts';

export interface TrainOptions {
  dataFiles: readonly string[];
  outDir: string;
  config: TrainConfig;
  /** continue from outDir/checkpoint when it exists */
  resume?: boolean;
  /** progress bar target (stderr in the CLI); null = silent */
  progress?: ProgressStream | null;
  /** one-line notices (backend choice, resume, checkpoints) */
  log?: (line: string) => void;
  /** tfjs backends to prefer; default tensorflow, wasm, cpu */
  backends?: readonly TfBackendName[];
  /** stop after this many steps in total (tests, smoke runs); the schedule still spans all epochs */
  maxSteps?: number;
  /** an already loaded dataset (tests); dataFiles are then only recorded as provenance */
  dataset?: Dataset;
}

export type LossValues = Record<LossTerm | 'total', number>;

export interface TrainResult {
  dir: string;
  steps: number;
  epochs: number;
  wallS: number;
  backend: string;
  /** mean losses over the last epoch (or the steps run) */
  train: LossValues;
  val: LossValues | null;
  /** loss per step (total), for tests and plots */
  history: number[];
  dataHash: string;
  onnxMaxAbsErr: number;
  json: LearnedModelJson;
}

const CHECKPOINT_DIR = 'checkpoint';

function zeroLosses(): LossValues {
  return { tf_z: 0, roll_z: 0, joints: 0, var: 0, cov: 0, idm: 0, total: 0 };
}

function configHash(cfg: TrainConfig): string {
  return createHash('sha256').update(JSON.stringify(cfg)).digest('hex');
}

/** Training windows of one epoch in a seeded order. */
function epochOrder(starts: Int32Array, seed: number, epoch: number): Int32Array {
  const order = starts.slice();
  const rng = new Rng(seed * 1_000_003 + epoch * 7919 + 17);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

interface CheckpointState {
  step: number;
  dataHash: string;
  configHash: string;
  adamStep: number;
  history: number[];
  epochSums: LossValues;
  epochCount: number;
}

function allNets(nets: JepaNetworks): TfMlp[] {
  return [nets.encoder, nets.predictor, ...(nets.idm ? [nets.idm] : [])];
}

function flatWeights(ws: readonly MlpWeights[]): Float32Array[] {
  return ws.flatMap((w) => w.w.flatMap((a, i) => [a, w.b[i]!]));
}

async function saveCheckpoint(dir: string, nets: JepaNetworks, adam: Adam, state: CheckpointState): Promise<void> {
  const ck = join(dir, CHECKPOINT_DIR);
  await mkdir(ck, { recursive: true });
  const arrays = [...flatWeights(allNets(nets).map(readTfMlp)), ...adam.exportState()];
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  let o = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++, o += 4) view.setFloat32(o, a[i]!, true);
  await writeAtomic(join(ck, 'tensors.bin'), bytes);
  await writeAtomic(join(ck, 'state.json'), JSON.stringify({ ...state, sizes: arrays.map((a) => a.length) }));
}

async function loadCheckpoint(dir: string): Promise<{ state: CheckpointState; arrays: Float32Array[] } | null> {
  const ck = join(dir, CHECKPOINT_DIR);
  let stateText: string;
  try {
    stateText = await readFile(join(ck, 'state.json'), 'utf8');
  } catch {
    return null;
  }
  const state = JSON.parse(stateText) as CheckpointState & { sizes: number[] };
  const buf = new Uint8Array(await readFile(join(ck, 'tensors.bin')));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const arrays: Float32Array[] = [];
  let o = 0;
  for (const n of state.sizes) {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, o += 4) a[i] = view.getFloat32(o, true);
    arrays.push(a);
  }
  if (o !== buf.byteLength) throw new Error(`${ck}/tensors.bin: ${buf.byteLength} bytes, state.json describes ${o}`);
  return { state, arrays };
}

export function networkSpecs(cfg: TrainConfig, imageDim: number, dof: number): JepaSpecs {
  const Dz = cfg.latentDim;
  const D = Dz + 2 * dof;
  return {
    encoder: mlpSpec(
      imageDim,
      cfg.encoder.hidden,
      Dz,
      cfg.encoder.activation,
      cfg.encoder.patch.size > 0 ? { count: imageDim / (3 * cfg.encoder.patch.size ** 2), inDim: 3 * cfg.encoder.patch.size ** 2, features: cfg.encoder.patch.features } : undefined,
    ),
    predictor: mlpSpec(D + dof, cfg.predictor.hidden, D, cfg.predictor.activation),
    idm: cfg.loss.inverseDynamics > 0 ? mlpSpec(2 * Dz, cfg.inverseDynamics.hidden, dof, cfg.inverseDynamics.activation) : null,
  };
}

export function initialWeights(specs: JepaSpecs, seed: number): JepaWeights {
  const rng = new Rng(seed);
  return {
    encoder: initMlpWeights(specs.encoder, rng),
    predictor: initMlpWeights(specs.predictor, rng, true),
    idm: specs.idm ? initMlpWeights(specs.idm, rng) : null,
  };
}

/** Mean loss terms over up to maxBatches batches of the given windows (no gradient). */
export function evaluateLosses(nets: JepaNetworks, ds: Dataset, starts: Int32Array, batch: JepaBatch, maxBatches: number): LossValues | null {
  if (starts.length === 0) return null;
  const n = Math.min(maxBatches, Math.ceil(starts.length / batch.B));
  const sums = zeroLosses();
  for (let i = 0; i < n; i++) {
    fillBatch(ds, starts, i * batch.B, nets.order, batch);
    const vals = tf.tidy(() => {
      const { total, terms } = nets.losses(batch);
      return [total, ...LOSS_TERMS.map((k) => terms[k])].map((t) => t.dataSync()[0]!);
    });
    sums.total += vals[0]!;
    LOSS_TERMS.forEach((k, j) => (sums[k] += vals[j + 1]!));
  }
  for (const k of Object.keys(sums) as (keyof LossValues)[]) sums[k] /= n;
  return sums;
}

function fmt(v: LossValues): string {
  return `loss ${v.total.toFixed(4)} (tf_z ${v.tf_z.toFixed(4)} roll_z ${v.roll_z.toFixed(4)} joints ${v.joints.toFixed(3)} var ${v.var.toFixed(3)} cov ${v.cov.toFixed(3)} idm ${v.idm.toFixed(3)})`;
}

export async function trainWorldModel(opts: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const cfg = opts.config;
  const log = opts.log ?? (() => undefined);
  const backend = await selectTfBackend(opts.backends);
  if (backend.notice) log(backend.notice);
  const ds =
    opts.dataset ??
    (await loadDataset(opts.dataFiles, {
      jointNames: cfg.data.jointNames,
      topics: { image: cfg.data.imageTopic, jointStates: cfg.data.jointStateTopic, commands: cfg.data.commandTopic },
      width: cfg.image.width,
      height: cfg.image.height,
      dtS: cfg.data.dtS,
      time: cfg.data.time,
    }));
  const K = cfg.rolloutSteps;
  const B = cfg.batchSize;
  const split = splitSegments(ds, cfg.valFraction, cfg.seed);
  const trainStarts = windowStarts(ds, split.train, K + 1);
  // validation batches drawn across all held-out segments, not from the first few
  const valStarts = epochOrder(windowStarts(ds, split.val, K + 1), cfg.seed, -1);
  if (trainStarts.length === 0) throw new Error(`train: no training window of ${K + 1} consecutive frames (segments too short for rolloutSteps ${K})`);
  log(`data: ${ds.frames} frames in ${ds.segments.length} segments, dt ${ds.dtS.toFixed(4)} s, hash ${ds.hash.slice(0, 16)}; ${trainStarts.length} training and ${valStarts.length} validation windows`);
  const norm = measureNormalization(ds, split.train, cfg.latentDim, cfg.predictor.jointPositionInput, cfg.predictor.restAnchored);
  const imageDim = 3 * ds.width * ds.height;
  const p = cfg.encoder.patch.size;
  if (p > 0 && (ds.width % p !== 0 || ds.height % p !== 0)) throw new Error(`train: encoder.patch.size ${p} does not divide the image size ${ds.width}×${ds.height}`);
  const specs = networkSpecs(cfg, imageDim, ds.dof);
  const nets = new JepaNetworks(cfg, norm, specs, initialWeights(specs, cfg.seed));
  const vars = nets.variables();
  const adam = new Adam(vars);
  const stepsPerEpoch = Math.ceil(trainStarts.length / B);
  const totalSteps = cfg.epochs * stepsPerEpoch;
  const lastStep = Math.min(totalSteps, opts.maxSteps ?? totalSteps);
  const cHash = configHash(cfg);
  let step = 0;
  let history: number[] = [];
  let epochSums = zeroLosses();
  let epochCount = 0;
  let lastEpochMeans: LossValues | null = null;

  if (opts.resume) {
    const ck = await loadCheckpoint(opts.outDir);
    if (!ck) log(`resume: no checkpoint in ${join(opts.outDir, CHECKPOINT_DIR)}; starting from scratch`);
    else {
      const problems: string[] = [];
      if (ck.state.dataHash !== ds.hash) problems.push(`the data differ (checkpoint ${ck.state.dataHash.slice(0, 16)}, now ${ds.hash.slice(0, 16)})`);
      if (ck.state.configHash !== cHash) problems.push('the training configuration differs');
      if (problems.length > 0) throw new Error(`resume: cannot continue the checkpoint in ${opts.outDir}: ${problems.join('; ')}`);
      const nW = flatWeights(allNets(nets).map(readTfMlp)).length;
      let i = 0;
      for (const m of allNets(nets)) {
        const w: MlpWeights = { w: [], b: [] };
        for (let l = 0; l < m.spec.layers.length; l++) {
          w.w.push(ck.arrays[i++]!);
          w.b.push(ck.arrays[i++]!);
        }
        assignTfMlp(m, w);
      }
      adam.importState(ck.state.adamStep, ck.arrays.slice(nW));
      step = ck.state.step;
      history = ck.state.history;
      epochSums = ck.state.epochSums;
      epochCount = ck.state.epochCount;
      log(`resume: continuing at step ${step} of ${totalSteps}`);
    }
  }

  const batch = createBatch(B, K, imageDim, ds.dof);
  const valBatch = createBatch(B, K, imageDim, ds.dof);
  const bar = opts.progress ? new ProgressBar(opts.progress, 'train', lastStep) : null;
  let order = epochOrder(trainStarts, cfg.seed, Math.floor(step / stepsPerEpoch));
  let running: LossValues | null = null;
  let val: LossValues | null = null;
  const stepTimes: number[] = [];
  while (step < lastStep) {
    const epoch = Math.floor(step / stepsPerEpoch);
    const inEpoch = step % stepsPerEpoch;
    if (inEpoch === 0) {
      order = epochOrder(trainStarts, cfg.seed, epoch);
      epochSums = zeroLosses();
      epochCount = 0;
    }
    const ts = performance.now();
    fillBatch(ds, order, inEpoch * B, nets.order, batch);
    let kept: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const { total, terms } = nets.losses(batch, cfg.seed * 7_777_777 + step);
      kept = LOSS_TERMS.map((k) => tf.keep(terms[k]));
      return total;
    }, vars);
    const lr = learningRateAt(step, totalSteps, cfg.optimizer.learningRate, cfg.optimizer.minLearningRate, cfg.optimizer.warmupSteps);
    adam.apply(grads, lr, cfg.optimizer.clipNorm);
    const vals = zeroLosses();
    vals.total = value.dataSync()[0]!;
    LOSS_TERMS.forEach((k, j) => (vals[k] = kept[j]!.dataSync()[0]!));
    tf.dispose([value, ...Object.values(grads), ...kept]);
    if (!Number.isFinite(vals.total)) throw new Error(`train: the loss became ${vals.total} at step ${step}; lower optimizer.learningRate`);
    history.push(vals.total);
    for (const k of Object.keys(vals) as (keyof LossValues)[]) epochSums[k] += vals[k];
    epochCount++;
    if (!running) running = { ...vals };
    else for (const k of Object.keys(vals) as (keyof LossValues)[]) running[k] = 0.95 * running[k] + 0.05 * vals[k];
    step++;
    stepTimes.push(performance.now() - ts);
    const epochDone = step % stepsPerEpoch === 0;
    bar?.update(step, `ep ${Math.min(cfg.epochs, epoch + 1)}/${cfg.epochs} ${fmt(running)} lr ${lr.toExponential(1)}`, epochDone || step === lastStep);
    if (epochDone || step === lastStep) {
      lastEpochMeans = zeroLosses();
      for (const k of Object.keys(epochSums) as (keyof LossValues)[]) lastEpochMeans[k] = epochSums[k] / Math.max(1, epochCount);
      val = evaluateLosses(nets, ds, valStarts, valBatch, 8);
      if (epochDone) {
        bar?.finish();
        log(`epoch ${epoch + 1}/${cfg.epochs}: train ${fmt(lastEpochMeans)}${val ? `; val ${fmt(val)}` : ''}`);
      }
    }
    const every = cfg.checkpointEverySteps;
    if ((every > 0 && step % every === 0) || (every === 0 && epochDone)) {
      await saveCheckpoint(opts.outDir, nets, adam, { step, dataHash: ds.hash, configHash: cHash, adamStep: adam.step, history, epochSums, epochCount });
    }
  }
  bar?.finish();
  const train = lastEpochMeans ?? zeroLosses();

  const encoderWeights = readTfMlp(nets.encoder);
  const predictorWeights = readTfMlp(nets.predictor);
  const predictor = {
    mlp: specs.predictor as MlpSpec,
    latentDim: cfg.latentDim,
    dof: ds.dof,
    stateDim: cfg.latentDim + 2 * ds.dof,
    actionDim: ds.dof,
    inputMean: norm.inputMean,
    inputScale: norm.inputScale,
    keep: norm.keep,
    outputScale: norm.outputScale,
    outputOffset: norm.outputOffset,
    ...(norm.restMask ? { restMask: norm.restMask } : {}),
  };
  const encoder = { mlp: specs.encoder, image: { width: ds.width, height: ds.height, channels: 3 as const, layout: 'nchw' as const, meanImage: norm.image.meanImage, std: norm.image.std, patchSize: cfg.encoder.patch.size } };
  const exportCheck = await checkExport(nets, { encoder, predictor, encoderWeights, predictorWeights, latentDim: cfg.latentDim }, ds, valStarts.length > 0 ? valStarts : trainStarts);
  const wallS = (performance.now() - t0) / 1000;
  const sorted = stepTimes.slice().sort((a, b) => a - b);
  const json = await writeModelDir(opts.outDir, {
    dtS: ds.dtS,
    jointNames: ds.jointNames,
    latentDim: cfg.latentDim,
    encoder,
    predictor,
    encoderWeights,
    predictorWeights,
    support: jointSupport(ds, split.train),
    data: {
      hash: ds.hash,
      files: ds.files,
      frames: ds.frames,
      segments: ds.segments.length,
      trainSegments: split.train.length,
      valSegments: split.val.length,
      trainWindows: trainStarts.length,
      valWindows: valStarts.length,
      stats: ds.stats,
    },
    training: { ...cfg, stepsPerEpoch, totalSteps, stepsRun: step, backend: backend.name },
    metrics: {
      train,
      val,
      onnxMaxAbsErr: exportCheck.maxAbsErr,
      onnxEncoderMaxAbsErr: exportCheck.encoderMaxAbsErr,
      onnxPredictorMaxAbsErr: exportCheck.predictorMaxAbsErr,
      wallS,
      stepMsP50: sorted[Math.floor(sorted.length / 2)] ?? 0,
    },
  });
  nets.dispose();
  adam.dispose();
  return {
    dir: opts.outDir,
    steps: step,
    epochs: cfg.epochs,
    wallS,
    backend: backend.name,
    train,
    val,
    history,
    dataHash: ds.hash,
    onnxMaxAbsErr: exportCheck.maxAbsErr,
    json,
  };
}
