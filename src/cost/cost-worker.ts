/**
 * Worker thread of parallel.ts: waits for a job number, reads the job posted just before it, claims
 * chunks of samples and evaluates them with the fused kernel into the shared outputs — or, for a job
 * with a handler module, runs the handler's runChunk (the module is imported on its first job; until it
 * has loaded, the other threads take that job's chunks).
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { evaluateFused, FusedScratch } from './fused.ts';
import { type ChunkHandler, claimChunk, CTRL, type CostJob, type CostJobError, type SharedView, STOP_JOB } from './parallel.ts';

const { ctrl: ctrlBuffer, port } = workerData as { ctrl: SharedArrayBuffer; port: MessagePort };
const ctrl = new Int32Array(ctrlBuffer);
const scratch = new FusedScratch();

function view(v: SharedView): Float64Array {
  return new Float64Array(v.buffer, v.byteOffset, v.length);
}

/** The job with this number: messages arrive in order and the job is posted before its number is set. */
function receiveJob(job: number): CostJob | null {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    const j = m.message as CostJob;
    if (j.job === job) return j;
  }
  return null;
}

/** loaded handler modules; null for one that failed to load (its jobs are left to the other threads) */
const handlers = new Map<string, ChunkHandler | null>();

async function serve(): Promise<void> {
  Atomics.add(ctrl, CTRL.ready, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL.job, seen);
    const job = Atomics.load(ctrl, CTRL.job);
    if (job === STOP_JOB) return;
    if (job === seen) continue;
    seen = job;
    const j = receiveJob(job);
    if (j === null) continue;
    let handler: ChunkHandler | null = null;
    if (j.handler !== null) {
      if (!handlers.has(j.handler)) {
        // the job goes on without this thread while the module loads
        let loaded: ChunkHandler | null = null;
        try {
          const m = (await import(j.handler)) as Partial<ChunkHandler>;
          if (typeof m.runChunk === 'function') loaded = m as ChunkHandler;
        } catch {
          loaded = null;
        }
        handlers.set(j.handler, loaded);
      }
      handler = handlers.get(j.handler) ?? null;
      if (handler === null) continue;
    }
    const states = view(j.states);
    const actions = view(j.actions);
    const perTerm = view(j.perTerm);
    const total = view(j.total);
    for (;;) {
      const c = claimChunk(ctrl, job, j.nChunks);
      if (c < 0) break;
      const b0 = c * j.chunk;
      const b1 = Math.min(j.B, b0 + j.chunk);
      try {
        if (handler !== null) handler.runChunk(j.payload, j.problem, b0, b1, scratch);
        else evaluateFused(j.problem, states, actions, j.T, j.B, b0, b1, perTerm, total, scratch);
      } catch (e) {
        Atomics.store(ctrl, CTRL.error, 1);
        const msg: CostJobError = { job, message: e instanceof Error ? e.message : String(e) };
        port.postMessage(msg);
      }
      if (Atomics.add(ctrl, CTRL.done, 1) + 1 >= j.nChunks) Atomics.notify(ctrl, CTRL.done);
    }
  }
}

void serve().then(() => port.close());
