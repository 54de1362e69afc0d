/**
 * Chunked batches (planner/batch-chunk.ts): sampling, the kinematic rollout and the fused cost done chunk
 * by chunk, on the planner's thread and the cost workers, give the very plans of the sequential path.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lastCostJob, PARALLEL_MIN_STATE_STEPS, setCostThreads, startCostWorkers, stopCostWorkers } from '../../src/cost/parallel.ts';
import { type FusedProblem, FusedScratch } from '../../src/cost/fused.ts';
import { FusedKernel, fusedKernelKind, setFusedNative, setFusedWasm } from '../../src/cost/fused-kernel.ts';
import { sharedF64 } from '../../src/cost/evaluator.ts';
import { sharedView } from '../../src/cost/parallel.ts';
import { type BatchChunkPayload, runChunk, setChunkedBatches } from '../../src/planner/batch-chunk.ts';
import { NoiseSource } from '../../src/planner/common.ts';
import { CemPlanner } from '../../src/planner/cem.ts';
import { MppiPlanner } from '../../src/planner/mppi.ts';
import { DEFAULT_PLANNER_SETTINGS, type Planner, type PlanProblem } from '../../src/planner/planner.ts';
import { KinematicModel } from '../../src/world-model/kinematic.ts';
import { arm5, arm6, arm6PlanProblem, nativeKernelSkip } from '../cost/helpers.ts';
import type { RobotChain } from '../../src/robot/kinematics.ts';

/** why the native kernel's tests are skipped here (no compiler or headers, or turned off), or null */
const NATIVE_UNAVAILABLE = nativeKernelSkip();

after(() => {
  setFusedWasm(true);
  setFusedNative(true);
  setChunkedBatches(true);
  stopCostWorkers();
  setCostThreads(null);
});

/** Three warm-started ticks; the actions and cost of each, and how many chunks the worker threads took. */
async function ticks(make: () => Planner, p: PlanProblem): Promise<{ actions: Float64Array[]; costs: number[]; workerChunks: number }> {
  const planner = make();
  const actions: Float64Array[] = [];
  const costs: number[] = [];
  let warm: Float64Array | null = null;
  let workerChunks = 0;
  for (let tick = 0; tick < 3; tick++) {
    const before = lastCostJob();
    const r = await planner.plan(p, warm, { iterations: 3, timeMs: 0 });
    const after = lastCostJob();
    if (after !== null && after !== before) workerChunks += after.byWorkers;
    warm = r.actions;
    actions.push(r.actions);
    costs.push(r.cost);
  }
  return { actions, costs, workerChunks };
}

function assertSamePlans(got: { actions: Float64Array[]; costs: number[] }, want: { actions: Float64Array[]; costs: number[] }, what: string): void {
  assert.equal(got.actions.length, want.actions.length);
  got.actions.forEach((a, i) => {
    assert.ok(Object.is(got.costs[i], want.costs[i]), `${what}: tick ${i} cost ${got.costs[i]} vs ${want.costs[i]}`);
    a.forEach((v, j) => assert.ok(Object.is(v, want.actions[i]![j]), `${what}: tick ${i} action ${j}: ${v} vs ${want.actions[i]![j]}`));
  });
}

const planners: [string, () => Planner][] = [
  ['mppi', () => new MppiPlanner({ ...DEFAULT_PLANNER_SETTINGS, samples: 401 })],
  ['cem', () => new CemPlanner({ ...DEFAULT_PLANNER_SETTINGS, samples: 400 })],
];

describe('chunked batches', () => {
  for (const [name, make] of planners) {
    test(`${name}: the same plans chunked as sequential, on 0 and 2 worker threads, with and without actuator lag`, async () => {
      for (const lagS of [0, 0.08]) {
        const horizon = 24;
        assert.ok(horizon * 400 >= PARALLEL_MIN_STATE_STEPS, 'the batch is large enough to go to the workers');
        setCostThreads(0);
        setChunkedBatches(false);
        const sequential = await ticks(make, arm6PlanProblem(horizon, { lagS, moving: true, actionBound: 1.5 }));
        setChunkedBatches(true);
        for (const threads of [0, 2]) {
          setCostThreads(threads);
          assert.equal(await startCostWorkers(), threads, `${threads} workers start`);
          // the first jobs reach workers that are still loading the chunk module: until the workers have
          // taken chunks of a plan (a busy machine may leave them none for a while), and at least twice
          let tookPart = false;
          for (let round = 1; round <= 2 || (threads > 0 && !tookPart && round <= 20); round++) {
            const got = await ticks(make, arm6PlanProblem(horizon, { lagS, moving: true, actionBound: 1.5 }));
            assertSamePlans(got, sequential, `${name}, lag ${lagS}, ${threads} threads, round ${round}`);
            if (got.workerChunks > 0) tookPart = true;
          }
          if (threads > 0) assert.ok(tookPart, `${name}: the worker threads took chunks of the batches`);
        }
      }
    });
  }

  test('a small batch (the sim default size) plans the same chunked as sequential', async () => {
    setCostThreads(2);
    await startCostWorkers();
    const make = (): Planner => new CemPlanner({ ...DEFAULT_PLANNER_SETTINGS, samples: 64 });
    setChunkedBatches(false);
    const sequential = await ticks(make, arm6PlanProblem(12, { moving: true, actionBound: 1.5 }));
    setChunkedBatches(true);
    assertSamePlans(await ticks(make, arm6PlanProblem(12, { moving: true, actionBound: 1.5 })), sequential, 'cem 64 × 12');
  });
});

/** A chunk payload for arm6PlanProblem(T, …) (optionally with a latent), as sampleRolloutAndCost builds it. */
function chunkPayload(T: number, B: number, lagS: number, o: { rho: number; std: boolean; nanMean: boolean; latentDim: number; positionDelta: boolean; seed: number; keepStates?: boolean; chain?: RobotChain; latentGoal?: boolean }): { payload: BatchChunkPayload; problem: FusedProblem; run: (b0: number, b1: number, sc: FusedScratch) => void } {
  const chain = o.chain ?? arm6();
  const base = arm6PlanProblem(T, { lagS, moving: true, actionBound: 1.5, chain });
  const model = new KinematicModel({ dof: chain.dof, dtS: 0.05, actuatorLagS: lagS, latentDim: o.latentDim, actionKind: o.positionDelta ? 'position_delta' : 'velocity' });
  const s0 = new Float64Array(model.stateDim);
  for (let i = 0; i < o.latentDim; i++) s0[i] = 0.1 * (i + 1);
  s0.set(base.s0.subarray(0, 2 * chain.dof), model.layout.qOffset);
  const goal = o.latentGoal === true ? { ...base.goal, latent: Float64Array.from({ length: o.latentDim }, (_, i) => 0.5 - 0.2 * i) } : base.goal;
  const problem: PlanProblem = { ...base, layout: model.layout, model, s0, goal };
  const A = model.actionDim;
  const batch = problem.cost.fusedBatch(problem, T, B, A)!;
  assert.ok(batch !== null, 'the cost is fused');
  const noise = new NoiseSource(o.seed);
  const offsets = new Int32Array(new SharedArrayBuffer(B * 4));
  for (let b = 1; b < B; b++) offsets[b] = noise.offset();
  // a run that wraps around the end of the table
  if (B > 3) offsets[3] = noise.values.length - 5;
  const mean = new Float64Array(T * A);
  for (let i = 0; i < mean.length; i++) mean[i] = Math.sin(0.7 * i) * 1.2;
  if (o.nanMean) mean[A + 2] = Number.NaN;
  const std = o.std ? Float64Array.from(mean, (_, i) => 0.2 + 0.05 * (i % 7)) : null;
  const actions = sharedF64(T * B * A);
  const states = sharedF64((T + 1) * B * model.stateDim);
  // sample 0: the caller's
  for (let t = 0; t < T; t++) for (let j = 0; j < A; j++) actions[t * B * A + j] = 0.3 * Math.cos(t + j);
  const payload: BatchChunkPayload = {
    T, B, A,
    noise: sharedView(noise.values)!,
    noiseKey: `test/${o.seed}`,
    offsets: sharedView(offsets)!,
    rho: o.rho, mean, std, scale: 0.9,
    lo: new Float64Array(A).fill(-1.1), hi: new Float64Array(A).fill(1.05),
    rollout: model.rolloutSpec(), keepStates: o.keepStates ?? true, s0,
    actions: sharedView(actions)!, states: sharedView(states)!, perTerm: sharedView(batch.perTerm)!, total: sharedView(batch.total)!,
  };
  return { payload, problem: batch.fused, run: (b0, b1, sc) => runChunk(payload, batch.fused, b0, b1, sc) };
}

function bufs(p: BatchChunkPayload): Float64Array[] {
  const f = (v: { buffer: SharedArrayBuffer; byteOffset: number; length: number }) => new Float64Array(v.buffer, v.byteOffset, v.length).slice();
  return [f(p.actions), f(p.states), f(p.perTerm), f(p.total)];
}

for (const kind of ['native', 'wasm'] as const) {
describe(`runChunk in the ${kind} kernel`, { skip: kind === 'native' && NATIVE_UNAVAILABLE !== null ? `native kernel: ${NATIVE_UNAVAILABLE}` : false }, () => {
  before(() => {
    setFusedNative(kind === 'native');
    assert.equal(fusedKernelKind(), kind, `the ${kind} build runs (a missing native kernel: npm run build:native)`);
  });
  after(() => setFusedNative(true));

  test('writes, rolls out and costs the very rows of the JS path (Object.is), chunk by chunk', () => {
    let kernelBlocks = 0;
    const orig = FusedKernel.prototype.sampleRun;
    FusedKernel.prototype.sampleRun = function (...a: Parameters<typeof orig>) {
      kernelBlocks++;
      return orig.apply(this, a);
    };
    try {
      const cases = [
        { B: 1, T: 5, lagS: 0, rho: 0, std: false, nanMean: false, latentDim: 0, positionDelta: false },
        { B: 2, T: 3, lagS: 0.08, rho: 0.6, std: true, nanMean: false, latentDim: 0, positionDelta: false },
        { B: 7, T: 9, lagS: 0.08, rho: 0.6, std: false, nanMean: true, latentDim: 0, positionDelta: false },
        { B: 33, T: 12, lagS: 0, rho: 0.9, std: true, nanMean: true, latentDim: 0, positionDelta: true },
        { B: 65, T: 16, lagS: 0.2, rho: 0, std: true, nanMean: false, latentDim: 3, positionDelta: false },
        { B: 100, T: 7, lagS: 0, rho: 0.3, std: false, nanMean: false, latentDim: 0, positionDelta: false },
        // state rows too wide for whole rows in the kernel: the JS path writes them
        { B: 9, T: 6, lagS: 0.08, rho: 0.5, std: true, nanMean: false, latentDim: 10, positionDelta: false },
        // five joints: an odd action count (the kernel's last action of a step alone)
        { B: 37, T: 8, lagS: 0.08, rho: 0.7, std: true, nanMean: true, latentDim: 0, positionDelta: false, chain: arm5() },
        { B: 12, T: 5, lagS: 0, rho: 0, std: false, nanMean: false, latentDim: 2, positionDelta: true, chain: arm5() },
      ];
      for (const [ci, c] of cases.entries()) {
        const o = { ...c, seed: 11 + ci };
        const splits = [[0, c.B], [0, Math.ceil(c.B / 3), c.B], [0, 1, Math.min(c.B, 34), c.B]];
        setFusedWasm(false);
        const js = chunkPayload(c.T, c.B, c.lagS, o);
        js.run(0, c.B, new FusedScratch());
        const want = bufs(js.payload);
        setFusedWasm(true);
        const blocksBefore = kernelBlocks;
        for (const split of splits) {
          const w = chunkPayload(c.T, c.B, c.lagS, o);
          const sc = new FusedScratch();
          for (let i = 0; i + 1 < split.length; i++) if (split[i]! < split[i + 1]!) w.run(split[i]!, split[i + 1]!, sc);
          const got = bufs(w.payload);
          const names = ['actions', 'states', 'perTerm', 'total'];
          got.forEach((g, k) => {
            assert.equal(g.length, want[k]!.length);
            for (let i = 0; i < g.length; i++) assert.ok(Object.is(g[i], want[k]![i]), `case ${ci} split ${split}: ${names[k]}[${i}] ${g[i]} vs ${want[k]![i]}`);
          });
        }
        if (c.chain !== undefined) assert.ok(kernelBlocks > blocksBefore, `case ${ci}: the kernel wrote the rows`);
        // the cases clamp, and a NaN in the mean stays NaN (clampInto passes it through)
        const a = want[0]!;
        if (c.B > 2) assert.ok(a.some((v) => v === 1.05) && a.some((v) => v === -1.1), `case ${ci} clamps`);
        if (c.nanMean && c.B > 1) assert.ok(a.some((v) => Number.isNaN(v)), `case ${ci} has NaN actions`);
      }
      assert.ok(kernelBlocks > 0, 'the kernel wrote the rows');
      // the same noise table under a new key after another table: the copy follows the key
      setFusedWasm(true);
      const sc = new FusedScratch();
      const o = { ...cases[3]!, seed: 5 };
      const x = chunkPayload(12, 33, 0, o);
      x.run(0, 33, sc);
      const y = chunkPayload(12, 33, 0, { ...o, seed: 6 });
      y.run(0, 33, sc);
      setFusedWasm(false);
      const z = chunkPayload(12, 33, 0, { ...o, seed: 6 });
      z.run(0, 33, new FusedScratch());
      bufs(y.payload).forEach((g, k) => g.forEach((v, i) => assert.ok(Object.is(v, bufs(z.payload)[k]![i]), `second table: ${k}[${i}]`)));
    } finally {
      FusedKernel.prototype.sampleRun = orig;
      setFusedWasm(true);
    }
  });
  test('keepStates false under a latent goal: every state row comes back (the latent goal reads them), the same costs', () => {
    const o = { rho: 0.3, std: false, nanMean: false, latentDim: 3, positionDelta: false, seed: 23, latentGoal: true };
    setFusedWasm(false);
    const js = chunkPayload(10, 40, 0.08, o);
    js.run(0, 40, new FusedScratch());
    const want = bufs(js.payload);
    setFusedWasm(true);
    const w = chunkPayload(10, 40, 0.08, { ...o, keepStates: false });
    const orig = FusedKernel.prototype.sampleRun;
    const allStates: boolean[] = [];
    FusedKernel.prototype.sampleRun = function (...a: Parameters<typeof orig>) {
      allStates.push(a[6]);
      return orig.apply(this, a);
    };
    try {
      w.run(0, 40, new FusedScratch());
    } finally {
      FusedKernel.prototype.sampleRun = orig;
    }
    assert.ok(allStates.length > 0 && allStates.every((x) => x), 'the kernel ran and wrote every state row');
    const got = bufs(w.payload);
    const latentTerm = w.problem.terms.findIndex((t) => t.type === 'latent_goal');
    assert.ok(latentTerm >= 0, 'the latent goal is one of the terms');
    assert.ok(got[2]![latentTerm * 40 + 5]! > 0, 'and costs something');
    got.forEach((g, k) => g.forEach((v, i) => assert.ok(Object.is(v, want[k]![i]), `${['actions', 'states', 'perTerm', 'total'][k]}[${i}]`)));
  });

  test('keepStates false: the same actions and costs, and only the last step of the batch states written', () => {
    const o = { rho: 0.6, std: true, nanMean: false, latentDim: 0, positionDelta: false, seed: 21 };
    setFusedWasm(false);
    const js = chunkPayload(12, 40, 0.08, o);
    js.run(0, 40, new FusedScratch());
    const want = bufs(js.payload);
    setFusedWasm(true);
    try {
      const w = chunkPayload(12, 40, 0.08, { ...o, keepStates: false });
      const sc = new FusedScratch();
      w.run(0, 32, sc);
      w.run(32, 40, sc);
      const [actions, states, perTerm, total] = bufs(w.payload);
      for (const [name, g, k] of [['actions', actions!, 0], ['perTerm', perTerm!, 2], ['total', total!, 3]] as const) {
        for (let i = 0; i < g.length; i++) assert.ok(Object.is(g[i], want[k]![i]), `${name}[${i}]`);
      }
      // the last step's rows (the terminal term reads them) as the JS path wrote them, the others untouched
      const last = 12 * 40 * (states!.length / (13 * 40));
      assert.ok(want[1]!.subarray(0, last).some((v) => v !== 0), 'the JS path rolled out');
      assert.ok(states!.subarray(0, last).every((v) => v === 0), 'the kernel kept the earlier states to itself');
      for (let i = last; i < states!.length; i++) assert.ok(Object.is(states![i], want[1]![i]), `states[${i}]`);
    } finally {
      setFusedWasm(true);
    }
  });
});
}
