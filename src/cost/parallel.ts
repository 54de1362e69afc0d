/**
 * Spreads a large fused cost evaluation over worker threads. The batch is cut into chunks of samples;
 * the calling thread and every ready worker claim chunks from a shared counter until none is left, so a
 * worker that the OS does not schedule simply gets fewer chunks. Each sample's cost is computed by the
 * same kernel from the same rows whichever thread takes it (fused.ts), so results are bit-identical to
 * the single-thread evaluation: the agent stays deterministic for a seed.
 *
 * States, actions and the outputs must live in SharedArrayBuffers (the planners' batch buffers do);
 * anything else is evaluated on the calling thread. Workers start in the background on first use and
 * take part once they are ready; until then, and whenever the pool is off, the caller does all chunks.
 * The calling thread blocks in Atomics.wait for the last chunks (evaluate is synchronous, and the wait is
 * no longer than the chunks it would otherwise compute itself).
 *
 * Workers are unref'd (they never keep the process alive), shared by every evaluator of the process, and
 * stopped by stopCostWorkers() or setCostThreads(0).
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { evaluateFused, type FusedProblem, type FusedScratch } from './fused.ts';

/** Slots of the shared control array. */
export const CTRL = {
  /** job sequence number; workers wait on it; STOP_JOB stops them */
  job: 0,
  /** (job & 0x7fff) << 16 | next unclaimed chunk */
  next: 1,
  /** chunks finished in the current job */
  done: 2,
  /** 1 when a worker failed in the current job */
  error: 3,
  /** workers that finished starting (they take part from the next job on) */
  ready: 4,
  length: 8,
} as const;
export const STOP_JOB = -1;

/** A typed-array view that can cross to a worker without copying. */
export interface SharedView {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  length: number;
}

/** One evaluation as a worker receives it (posted before the job number is bumped). */
export interface CostJob {
  job: number;
  problem: FusedProblem;
  states: SharedView;
  actions: SharedView;
  perTerm: SharedView;
  total: SharedView;
  T: number;
  B: number;
  chunk: number;
  nChunks: number;
  /**
   * null: each chunk is evaluateFused on samples [c·chunk, (c+1)·chunk). Otherwise the URL of a module
   * whose `runChunk(payload, problem, b0, b1, scratch)` does the chunk (ChunkHandler): work that belongs with the
   * cost of the same samples, e.g. writing and rolling out the samples first (planner/batch-chunk.ts).
   */
  handler: string | null;
  payload: unknown;
}

/** A module that runs chunks of a job on any thread (see CostJob.handler); `problem` is the job's. */
export interface ChunkHandler {
  runChunk(payload: unknown, problem: FusedProblem, b0: number, b1: number, scratch: FusedScratch): void;
}

/** What a worker posts back when a chunk throws. */
export interface CostJobError {
  job: number;
  message: string;
}

/** Batches smaller than this many state-steps stay on the calling thread: not worth a job's messages and wake-ups. */
export const PARALLEL_MIN_STATE_STEPS = 8192;
const CHUNK_SAMPLES = 32;
/** a job that does not finish in this long means a worker is gone: the caller recomputes it alone */
const JOB_TIMEOUT_MS = 20_000;

let configuredThreads: number | null = null;
let pool: CostWorkerPool | null = null;
let lastJob: { chunks: number; byWorkers: number } | null = null;

/** Chunks of the last job the worker threads ran, and how many the workers took (null before any). */
export function lastCostJob(): { chunks: number; byWorkers: number } | null {
  return lastJob;
}

/**
 * Worker threads used for large evaluations: default (null) = available cores − 1, at most 7; 0 turns
 * them off.
 */
export function setCostThreads(n: number | null): void {
  const next = n === null || !Number.isFinite(n) ? null : Math.max(0, Math.min(64, Math.floor(n)));
  configuredThreads = next;
  if (pool !== null && pool.size !== costThreads()) stopCostWorkers();
}

export function costThreads(): number {
  return configuredThreads ?? Math.max(0, Math.min(7, availableParallelism() - 1));
}

/**
 * Starts the shared workers now (instead of at the first large evaluation) and resolves with how many are
 * ready once all are, or at the timeout. 0 when threads are off or workers cannot start.
 */
export async function startCostWorkers(timeoutMs = 10_000): Promise<number> {
  const threads = costThreads();
  if (threads === 0) return 0;
  const p = sharedPool(threads);
  const deadline = performance.now() + timeoutMs;
  while (p.ready() < threads && !p.isBroken() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return p.isBroken() ? 0 : p.ready();
}

/** Stops the shared workers (they restart on the next large evaluation unless threads are set to 0). */
export function stopCostWorkers(): void {
  pool?.stop();
  pool = null;
}

/**
 * Evaluates samples 0 .. B-1 of a fused problem, on worker threads when the batch is large and every
 * array is shared; otherwise on this thread. Same contract as evaluateFused.
 */
export function evaluateFusedParallel(
  p: FusedProblem,
  states: Float64Array,
  actions: Float64Array,
  T: number,
  B: number,
  perTerm: Float64Array,
  total: Float64Array,
  scratch: FusedScratch,
): void {
  const threads = costThreads();
  if (threads > 0 && T * B >= PARALLEL_MIN_STATE_STEPS) {
    const s = sharedView(states), a = sharedView(actions), pt = sharedView(perTerm), tt = sharedView(total);
    if (s !== null && a !== null && pt !== null && tt !== null) {
      const job = { problem: p, states: s, actions: a, perTerm: pt, total: tt, T, B, handler: null, payload: null };
      if (sharedPool(threads).run(job, (b0, b1) => evaluateFused(p, states, actions, T, B, b0, b1, perTerm, total, scratch))) return;
    }
  }
  evaluateFused(p, states, actions, T, B, 0, B, perTerm, total, scratch);
}

function sharedPool(threads: number): CostWorkerPool {
  if (pool === null || pool.size !== threads) {
    pool?.stop();
    pool = new CostWorkerPool(threads);
  }
  return pool;
}

/**
 * Runs `local(b0, b1)` over chunks of samples 0 .. B-1 on this thread and `handler`'s runChunk(payload, …)
 * on the cost worker threads, each chunk once; returns when all are done. The handler module must do
 * what `local` does (the same results whichever thread takes a chunk). Without workers (threads off,
 * not started yet, broken), or for fewer than PARALLEL_MIN_STATE_STEPS, `local` runs every chunk here,
 * in order. `views` are the job's shared arrays
 * as the workers see them (states, actions, perTerm, total; any SharedView).
 */
export function runCostChunks(
  B: number,
  handler: string,
  payload: unknown,
  problem: FusedProblem,
  views: { states: SharedView; actions: SharedView; perTerm: SharedView; total: SharedView; T: number },
  local: (b0: number, b1: number) => void,
): void {
  const threads = costThreads();
  if (threads > 0 && views.T * B >= PARALLEL_MIN_STATE_STEPS) {
    const job = { problem, states: views.states, actions: views.actions, perTerm: views.perTerm, total: views.total, T: views.T, B, handler, payload };
    if (sharedPool(threads).run(job, local)) return;
  }
  for (let b0 = 0; b0 < B; b0 += CHUNK_SAMPLES) local(b0, Math.min(B, b0 + CHUNK_SAMPLES));
}

/** A view of a typed array on a SharedArrayBuffer that crosses to workers (null for other memory). */
export function sharedView(a: Float64Array | Int32Array): SharedView | null {
  return a.buffer instanceof SharedArrayBuffer ? { buffer: a.buffer, byteOffset: a.byteOffset, length: a.length } : null;
}

/**
 * How to start a worker: the built cost-worker.js next to this module, or, when running from the
 * TypeScript sources (tests, `npm run odra`), a small bootstrap that registers tsx in the worker first
 * (Node 20 does not pass --import loaders on to workers) and then imports cost-worker.ts. null when the
 * sources run under a loader other than tsx: the caller then evaluates alone.
 */
function workerEntry(): { url: URL; execArgv: string[] } | null {
  if (!import.meta.url.endsWith('.ts')) return { url: new URL('./cost-worker.js', import.meta.url), execArgv: workerExecArgv() };
  let tsxApi: string;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    return null;
  }
  const entry = new URL('./cost-worker.ts', import.meta.url).href;
  const code = `const { register } = await import(${JSON.stringify(tsxApi)});\nregister();\nawait import(${JSON.stringify(entry)});\n`;
  return { url: new URL(`data:text/javascript,${encodeURIComponent(code)}`), execArgv: [] };
}

/** Options of this process that a worker needs to load modules the same way (tsx, loaders, conditions). */
const LOADER_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);
const LOADER_SWITCHES = new Set(['--enable-source-maps', '--no-warnings']);

/** The loader-related part of process.execArgv (a worker inherits all of it otherwise, --eval and --test included). */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (LOADER_SWITCHES.has(a)) out.push(a);
    else if (LOADER_FLAGS.has(name)) {
      if (eq > 0) out.push(a);
      else if (i + 1 < argv.length) out.push(a, argv[++i]!);
    }
  }
  return out;
}

class CostWorkerPool {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CTRL.length * 4));
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private job = 0;
  private broken = false;

  constructor(readonly size: number) {
    const entry = workerEntry();
    if (entry === null) {
      this.broken = true;
      return;
    }
    for (let i = 0; i < size; i++) {
      const { port1, port2 } = new MessageChannel();
      let worker: Worker;
      try {
        worker = new Worker(entry.url, { workerData: { ctrl: this.ctrl.buffer, port: port2 }, transferList: [port2], execArgv: entry.execArgv });
      } catch {
        this.broken = true;
        port1.close();
        break;
      }
      worker.unref();
      // a worker that fails to start or dies is simply not there: the caller does its chunks
      worker.on('error', () => {
        this.broken = true;
      });
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  ready(): number {
    return Atomics.load(this.ctrl, CTRL.ready);
  }

  isBroken(): boolean {
    return this.broken;
  }

  /**
   * Runs one job: chunks go to the workers and to `local` on this thread. False when the pool cannot
   * (not ready, broken): the caller then does the whole job alone.
   */
  run(fields: Omit<CostJob, 'job' | 'chunk' | 'nChunks'>, local: (b0: number, b1: number) => void): boolean {
    const ctrl = this.ctrl;
    if (this.broken || Atomics.load(ctrl, CTRL.ready) === 0) return false;
    const job = (this.job = (this.job % 0x7fff) + 1);
    const B = fields.B;
    const nChunks = Math.ceil(B / CHUNK_SAMPLES);
    const msg: CostJob = { ...fields, job, chunk: CHUNK_SAMPLES, nChunks };
    for (const port of this.ports) port.postMessage(msg);
    Atomics.store(ctrl, CTRL.done, 0);
    Atomics.store(ctrl, CTRL.error, 0);
    Atomics.store(ctrl, CTRL.next, job << 16);
    Atomics.store(ctrl, CTRL.job, job);
    Atomics.notify(ctrl, CTRL.job);
    // take chunks like any worker
    let mine = 0;
    try {
      for (;;) {
        const c = claimChunk(ctrl, job, nChunks);
        if (c < 0) break;
        const b0 = c * CHUNK_SAMPLES;
        local(b0, Math.min(B, b0 + CHUNK_SAMPLES));
        mine++;
        Atomics.add(ctrl, CTRL.done, 1);
      }
    } catch (e) {
      // the workers are still on this job: none of them may write into a later one
      this.fail();
      throw e;
    }
    const deadline = performance.now() + JOB_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(ctrl, CTRL.done);
      if (done >= nChunks) break;
      if (performance.now() > deadline) {
        // a worker is gone or stuck: stopped, so that it cannot write into the caller's redo
        this.fail();
        return false;
      }
      Atomics.wait(ctrl, CTRL.done, done, 50);
    }
    lastJob = { chunks: nChunks, byWorkers: nChunks - mine };
    if (Atomics.load(ctrl, CTRL.error) !== 0) {
      let reason = 'unknown error';
      for (const port of this.ports) {
        for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
          const e = m.message as CostJobError;
          if (e.job === job) reason = e.message;
        }
      }
      this.fail();
      throw new Error(`cost worker failed: ${reason}`);
    }
    return true;
  }

  /** Marks the pool broken and stops its workers (callers then do every job alone). */
  private fail(): void {
    this.broken = true;
    this.stop();
  }

  stop(): void {
    Atomics.store(this.ctrl, CTRL.job, STOP_JOB);
    Atomics.notify(this.ctrl, CTRL.job);
    for (const port of this.ports) port.close();
    // terminate as well: a worker still starting never sees the stop flag
    for (const w of this.workers) void w.terminate();
  }
}

/**
 * Claims the next chunk of job `job` (compare-and-swap, so a thread still holding an older job can
 * never take a chunk of a newer one); −1 when none is left.
 */
export function claimChunk(ctrl: Int32Array, job: number, nChunks: number): number {
  for (;;) {
    const v = Atomics.load(ctrl, CTRL.next);
    if (v >>> 16 !== job) return -1;
    const c = v & 0xffff;
    if (c >= nChunks) return -1;
    if (Atomics.compareExchange(ctrl, CTRL.next, v, v + 1) === v) return c;
  }
}

