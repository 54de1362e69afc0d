/**
 * Worker thread of parallel.ts: waits for a job number, reads the job posted just before it, claims
 * chunks of samples and evaluates them with the fused kernel into the shared outputs.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { evaluateFused, FusedScratch } from './fused.ts';
import { claimChunk, CTRL, type CostJob, type CostJobError, type SharedView, STOP_JOB } from './parallel.ts';

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

function serve(): void {
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
    const states = view(j.states);
    const actions = view(j.actions);
    const perTerm = view(j.perTerm);
    const total = view(j.total);
    for (;;) {
      const c = claimChunk(ctrl, job, j.nChunks);
      if (c < 0) break;
      const b0 = c * j.chunk;
      try {
        evaluateFused(j.problem, states, actions, j.T, j.B, b0, Math.min(j.B, b0 + j.chunk), perTerm, total, scratch);
      } catch (e) {
        Atomics.store(ctrl, CTRL.error, 1);
        const msg: CostJobError = { job, message: e instanceof Error ? e.message : String(e) };
        port.postMessage(msg);
      }
      if (Atomics.add(ctrl, CTRL.done, 1) + 1 >= j.nChunks) Atomics.notify(ctrl, CTRL.done);
    }
  }
}

serve();
port.close();
