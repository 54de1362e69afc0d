/**
 * One chunk of a sampling planner's batch, start to end on one thread: write the chunk's noisy action
 * sequences, roll them out through the kinematic model, evaluate their cost with the fused kernel. The
 * chunk's rows are written and read while they are in cache, and every thread (the planner's and the
 * cost workers, parallel.ts `runCostChunks`) takes whole chunks, so sampling and rollouts run in
 * parallel with the cost instead of before it on one thread.
 *
 * Each step repeats the sequential path exactly — noise.fill then writeNoisySample per sample, with the
 * run offsets drawn in sample order on the planner's thread; kinematicRolloutRows; evaluateFused — so
 * the costs, and so the plans, are bit-identical to it whichever thread takes which chunk. Where the
 * fused cost's kernel runs (cost/fused-kernel.ts, native or WebAssembly), the kernel does all three, block
 * by block in its own memory (a copy of the noise table kept per table), with the same arithmetic, and
 * writes the rows to the batch buffers; elsewhere (ODRA_FUSED_WASM=0, no kernel, a chain or layout it does
 * not take) the steps run here, the noisy samples still in the native kernel where it is built.
 */
import { threadId } from 'node:worker_threads';
import { evaluateFused, type FusedProblem, type FusedScratch } from '../cost/fused.ts';
import { nativeNoisyActions, type NoiseSampling, type WasmSampling } from '../cost/fused-kernel.ts';
import { runCostChunks, type SharedView, sharedView } from '../cost/parallel.ts';
import { KinematicModel, kinematicRolloutRows, type KinematicRolloutSpec } from '../world-model/kinematic.ts';
import { type BatchBuffers, type NoiseSource, readRun, rolloutAndCost, sampleScale, writeNoisySample } from './common.ts';
import type { PlanProblem } from './planner.ts';

/** Everything a chunk reads but the cost problem (the job carries that), as plain data posted to the workers once per batch; how samples are drawn: NoiseSampling. */
export interface BatchChunkPayload extends NoiseSampling {
  T: number;
  B: number;
  A: number;
  /** the noise table and, per sample, the start of its run (entry 0 unused: sample 0 is the caller's) */
  noise: SharedView;
  /** names the noise table's contents (the kernel keeps a copy per key) */
  noiseKey: string;
  offsets: SharedView;
  rollout: KinematicRolloutSpec;
  /** false: `states` need not hold the rollouts afterwards (the kernel keeps them to itself; the JS path writes them) */
  keepStates: boolean;
  actions: SharedView;
  states: SharedView;
  perTerm: SharedView;
  total: SharedView;
}

let eps = new Float64Array(0);

/**
 * Samples b0 .. b1-1 (b ≥ 1) of `actions` [T, B, A]: writeNoisySample of the noise run from offsets[b] —
 * in the native kernel where it is built, else here; the same doubles either way.
 */
function writeNoisySamples(
  table: Float64Array, offsets: Int32Array, s: Omit<NoiseSampling, 's0' | 'lo' | 'hi'>, lo: Float64Array, hi: Float64Array,
  T: number, B: number, A: number, b0: number, b1: number, actions: Float64Array,
): void {
  if (nativeNoisyActions(actions, table, offsets, s.mean, s.std, lo, hi, T, B, A, b0, b1, s.rho, s.scale)) return;
  const n = T * A;
  if (eps.length < n) eps = new Float64Array(n);
  for (let b = b0; b < b1; b++) {
    readRun(table, offsets[b]!, eps, n);
    writeNoisySample(eps, T, A, s.rho, s.mean, s.std, s.scale * sampleScale(b), B, b, actions, lo, hi);
  }
}

const f64 = (v: SharedView): Float64Array => new Float64Array(v.buffer, v.byteOffset, v.length);

/** Samples b0 .. b1-1 of `problem`: their actions (but sample 0's), states and costs (ChunkHandler of parallel.ts). */
export function runChunk(payload: unknown, problem: FusedProblem, b0: number, b1: number, scratch: FusedScratch): void {
  const p = payload as BatchChunkPayload;
  const { T, B, A } = p;
  const table = f64(p.noise);
  const offsets = new Int32Array(p.offsets.buffer, p.offsets.byteOffset, p.offsets.length);
  const actions = f64(p.actions);
  const states = f64(p.states);
  const perTerm = f64(p.perTerm);
  const total = f64(p.total);
  // the whole chunk in the kernel where it runs: sampling, rollout and cost
  const sampling: WasmSampling = {
    noise: table, noiseKey: p.noiseKey, offsets, rho: p.rho, mean: p.mean, std: p.std, scale: p.scale, lo: p.lo, hi: p.hi, s0: p.s0, rollout: p.rollout, keepStates: p.keepStates,
  };
  if (evaluateFused(problem, states, actions, T, B, b0, b1, perTerm, total, scratch, sampling)) return;
  writeNoisySamples(table, offsets, p, p.lo, p.hi, T, B, A, Math.max(1, b0), b1, actions);
  kinematicRolloutRows(p.rollout, p.s0, actions, T, B, b0, b1, states);
  evaluateFused(problem, states, actions, T, B, b0, b1, perTerm, total, scratch);
}

/** How a planner samples its batch around a sequence (see BatchChunkPayload). */
export interface BatchSampling extends Pick<NoiseSampling, 'rho' | 'mean' | 'std' | 'scale'> {
  noise: NoiseSource;
  /**
   * false: the caller reads only the actions and the costs, so `buf.states` need not hold the rollouts
   * afterwards (where the kernel runs, they are not copied out of it). Default true.
   */
  keepStates?: boolean;
}

/** This module, for the workers to import (the built .js next to the built planner, or this .ts). */
const HANDLER = new URL(import.meta.url.endsWith('.ts') ? './batch-chunk.ts' : './batch-chunk.js', import.meta.url).href;

let chunked = process.env.ODRA_CHUNKED_BATCHES !== '0';

/**
 * Run batches chunk by chunk where they can (default; ODRA_CHUNKED_BATCHES=0 starts a process with it
 * off). The results are the same either way; tests and benchmarks compare the two.
 */
export function setChunkedBatches(on: boolean): void {
  chunked = on;
}

let offsets = new Int32Array(new SharedArrayBuffer(0));
/** a name per noise table (the tables are filled once, in NoiseSource's constructor) */
const noiseKeys = new WeakMap<SharedArrayBuffer, string>();
let noiseKeyCount = 0;
function noiseKey(v: SharedView): string {
  let k = noiseKeys.get(v.buffer);
  if (k === undefined) {
    k = `${threadId}/${noiseKeyCount++}`;
    noiseKeys.set(v.buffer, k);
  }
  return `${k}/${v.byteOffset}/${v.length}`;
}
/** the noise offsets of a batch that is not chunked */
let localOffsets = new Int32Array(0);

/**
 * Writes samples 1 .. B-1 of `buf.actions` around `s.mean` (sample 0 is the caller's), rolls the batch
 * out (into `buf.states` unless `s.keepStates` is false) and returns each sample's cost: what the
 * sequential loop (noise.fill + writeNoisySample per sample, then rolloutAndCost) returns, bit for bit. For a kinematic model under a fused cost this runs chunk by
 * chunk on this thread and the cost workers (runChunk); otherwise sequentially.
 */
export async function sampleRolloutAndCost(problem: PlanProblem, buf: BatchBuffers, B: number, s: BatchSampling): Promise<Float64Array> {
  const T = problem.horizon;
  const A = problem.model.actionDim;
  const lo = problem.actionLower;
  const hi = problem.actionUpper;
  const kinematic = chunked && problem.model instanceof KinematicModel ? problem.model : null;
  const batch = kinematic !== null ? problem.cost.fusedBatch(problem, T, B, A) : null;
  const views = batch === null ? null : { actions: sharedView(buf.actions), states: sharedView(buf.states), perTerm: sharedView(batch.perTerm), total: sharedView(batch.total), noise: sharedView(s.noise.values) };
  if (kinematic === null || batch === null || views === null || views.actions === null || views.states === null || views.perTerm === null || views.total === null || views.noise === null) {
    // the offsets fill would read, drawn in sample order
    if (localOffsets.length < B) localOffsets = new Int32Array(B);
    for (let b = 1; b < B; b++) localOffsets[b] = s.noise.offset();
    writeNoisySamples(s.noise.values, localOffsets, s, lo, hi, T, B, A, 1, B, buf.actions);
    return rolloutAndCost(problem, buf, B);
  }
  if (offsets.length < B) offsets = new Int32Array(new SharedArrayBuffer(B * Int32Array.BYTES_PER_ELEMENT));
  // the draws fill would make, in sample order
  for (let b = 1; b < B; b++) offsets[b] = s.noise.offset();
  const payload: BatchChunkPayload = {
    T,
    B,
    A,
    noise: views.noise,
    noiseKey: noiseKey(views.noise),
    offsets: sharedView(offsets)!,
    rho: s.rho,
    mean: s.mean,
    std: s.std,
    scale: s.scale,
    lo,
    hi,
    rollout: kinematic.rolloutSpec(),
    keepStates: s.keepStates ?? true,
    s0: problem.s0,
    actions: views.actions,
    states: views.states,
    perTerm: views.perTerm,
    total: views.total,
  };
  const local = (b0: number, b1: number): void => runChunk(payload, batch.fused, b0, b1, batch.scratch);
  if (batch.parallel) runCostChunks(B, HANDLER, payload, batch.fused, { states: views.states, actions: views.actions, perTerm: views.perTerm, total: views.total, T }, local);
  else local(0, B);
  return batch.total;
}
