/**
 * The fused cost's kernel, both builds of it (src/cost/fused-kernel.ts driving native/fused-fk.node and
 * wasm/fused-fk.wasm: the joint-space pass and the FK pass), against the JS fused path: per-term costs and totals bit for bit (Object.is), on
 * batches that reach every branch (keep-out boxes from outside and inside, zone spheres, self-collision,
 * joint limits at, inside and past the margin, velocity and acceleration excess, smoothness against
 * prevAction, every norm, NaN and ±Infinity in q, qd and actions, −0, angles the JS sincos hands to
 * Math.sin), for odd block sizes and sample ranges, on a latent-state layout without a chain, on worker
 * threads, and with a chain whose FK the kernel does not do (it falls back for that pass). Also: the
 * kernels are there (built by `npm test` / `npm ci`; without them every comparison would be JS against
 * JS; the native one is skipped, with the reason printed, only where no C compiler or Node headers exist)
 * and are what their sources build to, and the native kernel's log is Math.log's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { loadDemoArm } from '../../bench/problems.ts';
import { buildCostTerms } from '../../src/agent/cost-terms.ts';
import { CostEvaluator, sharedF64 } from '../../src/cost/evaluator.ts';
import { evaluateFused, FusedScratch, fusedGeometry, fusedProblem, type FusedProblem } from '../../src/cost/fused.ts';
import {
  FusedKernel, fusedKernelKind, fusedWasmEnabled, fusedWasmSupport, nativeKernelLog, setFusedNative, setFusedWasm, WASM_FK, WASM_TERMS, type WasmSlots,
} from '../../src/cost/fused-kernel.ts';
import { NORM_KINDS } from '../../src/cost/norms.ts';
import { lastCostJob, PARALLEL_MIN_STATE_STEPS, setCostThreads, startCostWorkers, stopCostWorkers } from '../../src/cost/parallel.ts';
import { AccelerationLimitsTerm } from '../../src/cost/terms/acceleration-limits.ts';
import { EeOrientationTerm } from '../../src/cost/terms/ee-orientation.ts';
import { EePositionTerm } from '../../src/cost/terms/ee-position.ts';
import { EffortTerm } from '../../src/cost/terms/effort.ts';
import { JointGoalTerm } from '../../src/cost/terms/joint-goal.ts';
import { JointLimitsTerm } from '../../src/cost/terms/joint-limits.ts';
import { KeepOutTerm } from '../../src/cost/terms/keep-out.ts';
import { LatentGoalTerm } from '../../src/cost/terms/latent-goal.ts';
import { PostureTerm } from '../../src/cost/terms/posture.ts';
import { SelfCollisionTerm } from '../../src/cost/terms/self-collision.ts';
import { SmoothnessTerm } from '../../src/cost/terms/smoothness.ts';
import { TerminalTerm } from '../../src/cost/terms/terminal.ts';
import { VelocityLimitsTerm } from '../../src/cost/terms/velocity-limits.ts';
import type { CostProblem, CostTerm } from '../../src/cost/types.ts';
import { buildChain, parseUrdf, type RobotChain } from '../../src/robot/index.ts';
import { forwardFrames } from '../../src/robot/kinematics.ts';
import { makeStateLayout } from '../../src/world-model/world-model.ts';
import { MIXED_URDF } from '../robot/helpers.ts';
import { arm6, builtInTerms, type CostBatch, nativeKernelSkip, problemFor, randomCostBatch, rng } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

after(() => {
  setFusedWasm(true);
  setFusedNative(true);
  stopCostWorkers();
  setCostThreads(null);
});

/** why the native kernel's tests are skipped here (no compiler or headers, or turned off), or null */
const NATIVE_UNAVAILABLE = nativeKernelSkip();
/** the build under test in the running describe block */
let kernelKind: 'native' | 'wasm' = 'native';


function fused(list: CostTerm[], chain: RobotChain, batch: CostBatch): FusedProblem {
  const active = list.filter((t) => t.active(batch.problem, chain));
  const fp = fusedProblem(active, batch.problem, chain, batch.A);
  assert.ok(fp !== null, 'the built-in terms fuse');
  return fp;
}

interface Result {
  perTerm: Float64Array;
  total: Float64Array;
  /** the kernel ran the FK pass */
  usedWasm: boolean;
  /** the kernel ran (the joint-space pass at least) */
  usedKernel: boolean;
}

/** evaluateFused over samples b0 .. b1-1 (in the given sub-ranges) on the JS path or the wasm path */
function run(fp: FusedProblem, batch: CostBatch, wasm: boolean, ranges: readonly (readonly [number, number])[] = [[0, batch.B]]): Result {
  const { states, actions, T, B } = batch;
  const perTerm = new Float64Array(fp.terms.length * B).fill(-7);
  const total = new Float64Array(B).fill(-7);
  const sc = new FusedScratch();
  setFusedWasm(wasm);
  try {
    for (const [b0, b1] of ranges) evaluateFused(fp, states, actions, T, B, b0, b1, perTerm, total, sc);
  } finally {
    setFusedWasm(true);
  }
  const usedKernel = sc.wasm instanceof FusedKernel;
  if (usedKernel) assert.equal(sc.wasm!.kind, kernelKind, 'the build under test ran');
  return { perTerm, total, usedKernel, usedWasm: usedKernel && fp.geometry !== null && fusedWasmSupport(fp.geometry) === null };
}

/** asserts bitwise equality (Object.is: NaN equals NaN, −0 differs from +0) of every entry */
function assertSame(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}[${i}]: ${kernelKind} ${a[i]} vs JS ${b[i]}`);
  }
}

function compare(fp: FusedProblem, batch: CostBatch, what: string, ranges?: readonly (readonly [number, number])[]): Result {
  const js = run(fp, batch, false, ranges);
  const wa = run(fp, batch, true, ranges);
  assert.ok(fp.geometry === null ? wa.usedKernel : wa.usedWasm, `${what}: the kernel ran`);
  assertSame(wa.perTerm, js.perTerm, `${what}: perTerm`);
  assertSame(wa.total, js.total, `${what}: total`);
  return js;
}

/** samples whose term k (by type) is nonzero and finite */
function nonzero(fp: FusedProblem, r: Result, B: number, type: string): number {
  const k = fp.terms.findIndex((t) => t.type === type);
  let n = 0;
  for (let b = 0; b < B; b++) if (r.perTerm[k * B + b] !== 0 && Number.isFinite(r.perTerm[k * B + b])) n++;
  return n;
}

const demo = loadDemoArm();

/**
 * evaluate, repeated until a worker thread took part in the job (a busy machine may leave the calling
 * thread every chunk of one evaluation); fails if none ever does.
 */
function evaluateOnWorkers(ev: CostEvaluator, ...args: Parameters<CostEvaluator['evaluate']>): { total: Float64Array; perTerm: Float64Array } {
  for (let rep = 0; rep < 50; rep++) {
    const r = ev.evaluate(...args);
    if ((lastCostJob()?.byWorkers ?? 0) > 0) return { total: r.total.slice(), perTerm: r.perTerm.slice() };
  }
  assert.fail('no worker thread took a chunk in 50 evaluations');
}

/** The wasm tests' batches: a latent of 2 entries without a latent goal. */
function wasmBatch(chain: RobotChain, seed: number, T: number, B: number, special = true): CostBatch {
  return randomCostBatch(chain, seed, T, B, { latentDim: 2, latentGoal: false, special });
}

for (const kind of ['native', 'wasm'] as const) {
describe(`${kind} kernel of the fused cost`, { skip: kind === 'native' && NATIVE_UNAVAILABLE !== null ? `native kernel: ${NATIVE_UNAVAILABLE}` : false }, () => {
  before(() => {
    kernelKind = kind;
    setFusedNative(kind === 'native');
    // the cost workers choose their build from the environment when they start
    stopCostWorkers();
    if (kind === 'native') delete process.env.ODRA_FUSED_NATIVE;
    else process.env.ODRA_FUSED_NATIVE = '0';
  });
  after(() => {
    stopCostWorkers();
    delete process.env.ODRA_FUSED_NATIVE;
    setFusedNative(true);
  });

  test('the kernel is available and applies to the demo arm and the 6-DoF test arm', () => {
    assert.equal(fusedWasmEnabled(), true, 'on by default');
    assert.equal(fusedKernelKind(), kind, `the ${kind} build is what runs (a missing native kernel: npm run build:native)`);
    for (const chain of [demo.chain, arm6()]) {
      const g = fusedGeometry(chain);
      assert.ok(g !== null);
      assert.equal(fusedWasmSupport(g), null, 'no reason to fall back (a missing kernel: npm run build:wasm)');
    }
    assert.equal(FusedKernel.create()?.kind, kind, 'the module instantiates');
  });

  for (const [name, chain] of [['demo arm', demo.chain], ['6-DoF test arm', arm6()]] as const) {
    test(`${name}: every norm and the default norms, bit for bit`, () => {
      for (const norm of [null, ...NORM_KINDS]) {
        const batch = wasmBatch(chain, 17, 5, 160);
        const fp = fused(builtInTerms(norm, false), chain, batch);
        const js = compare(fp, batch, `${name} ${norm ?? 'default'}`);
        for (const type of ['keep_out', 'self_collision', 'ee_position', 'ee_orientation', 'terminal']) {
          assert.ok(nonzero(fp, js, batch.B, type) >= 10, `${norm ?? 'default'}: ${type} is nonzero for only ${nonzero(fp, js, batch.B, type)} samples`);
        }
        // the NaN rows make their samples infinite on both paths
        assert.equal(js.total[5], Infinity);
        assert.equal(js.total[6], Infinity);
      }
    });

    test(`${name}: each FK term alone, and with zones and goals left out`, () => {
      const batch = wasmBatch(chain, 23, 3, 96);
      for (const norm of NORM_KINDS) {
        const only: CostTerm[] = [new EePositionTerm(1.5), new EeOrientationTerm(0.5), new KeepOutTerm(2, 0.07), new SelfCollisionTerm(3, 0.04), new TerminalTerm(2, 'quadratic', 0.05, 0.3)];
        for (const t of only) {
          t.norm = norm;
          compare(fused([t], chain, batch), batch, `${name} ${t.name} ${norm}`);
        }
      }
      const noBoxes = { ...batch, problem: { ...batch.problem, keepOut: { boxes: new Float64Array(0), spheres: batch.problem.keepOut.spheres } } };
      compare(fused(builtInTerms(null, false), chain, noBoxes), noBoxes, `${name} zone spheres only`);
      const noZones = { ...batch, problem: { ...batch.problem, keepOut: { boxes: batch.problem.keepOut.boxes, spheres: new Float64Array(0) } } };
      compare(fused(builtInTerms(null, false), chain, noZones), noZones, `${name} boxes only`);
      const noGoal = { ...batch, problem: { ...batch.problem, goal: { joints: batch.problem.goal.joints! } } };
      compare(fused(builtInTerms(null, false), chain, noGoal), noGoal, `${name} joint goal only`);
    });
  }

  test('tip positions of the last step are forwardFrames bit for bit, signed zeros and wide angles included', () => {
    for (const chain of [demo.chain, arm6()]) {
      const batch = wasmBatch(chain, 12, 2, 64);
      const { qOffset, stateDim: D } = batch.problem.layout;
      const { T, B } = batch;
      const dof = chain.dof;
      // rows of zeros of either sign, multiples of π/2 and angles near them, huge and non-finite angles
      const specials = [-0, 0, Math.PI / 2, -Math.PI, 1e-300, -1e-300, 3 * Math.PI / 2 + 1e-12, 823549.6653585, 823549.6653584, 1e9, Number.NaN, Number.NEGATIVE_INFINITY];
      for (let b = 12; b < 40; b++) for (let j = 0; j < dof; j++) batch.states[(T * B + b) * D + qOffset + j] = specials[(b + j) % specials.length]!;
      for (let j = 0; j < dof; j++) batch.states[(T * B + 41) * D + qOffset + j] = -0;
      const fp = fused([new KeepOutTerm(1, 0.05)], chain, batch);
      const kernel = FusedKernel.create()!;
      assert.equal(kernel.kind, kind);
      const off = { k: -1, weight: 1, norm: 0, param: 1, inv: 1 };
      const slots = Object.fromEntries(WASM_TERMS.map((type) => [type, off])) as unknown as WasmSlots;
      const flags = kernel.prepare(fp, slots, new Float64Array(1024));
      assert.equal(flags, WASM_FK, 'no term: FK only');
      const g = fp.geometry!;
      const F = new Float64Array((dof + 1) * 12);
      const ee = new Float64Array(12);
      for (const [c0, c1] of [[0, B], [3, 40], [40, 41]] as const) {
        const { out, tip } = kernel.run(batch.states, batch.actions, T, B, c0, c1);
        for (let b = c0; b < c1; b++) {
          forwardFrames(g.constants, dof, batch.states, (T * B + b) * D + qOffset, F, ee, null);
          const o = tip + 4 * (b - c0);
          for (let i = 0; i < 3; i++) if (!Object.is(out[o + i], ee[i])) assert.fail(`b ${b} tip[${i}]: wasm ${out[o + i]} vs JS ${ee[i]}`);
        }
      }
    }
  });

  test('a state inside a keep-out box: the inside branch, on both paths', () => {
    const chain = demo.chain;
    const batch = wasmBatch(chain, 31, 2, 8, false);
    // a large box around sample 0's tip at t = 1, so whole spheres lie inside it
    const D = batch.problem.layout.stateDim;
    const fk = chain.createFkResult(1);
    chain.fk(batch.states.slice(batch.B * D + batch.problem.layout.qOffset, batch.B * D + batch.problem.layout.qOffset + chain.dof), 1, fk);
    const [x, y, z] = [fk.eePos[0]!, fk.eePos[1]!, fk.eePos[2]!];
    const p = { ...batch, problem: { ...batch.problem, keepOut: { boxes: Float64Array.from([x - 0.2, y - 0.2, z - 0.2, x + 0.2, y + 0.2, z + 0.2]), spheres: new Float64Array(0) } } };
    for (const norm of NORM_KINDS) {
      const t = new KeepOutTerm(1, 0.05);
      t.norm = norm;
      const fp = fused([t], chain, p);
      const js = compare(fp, p, `inside ${norm}`);
      assert.ok(js.perTerm[0]! > 0, 'sample 0 is in the box');
    }
  });

  test('odd block sizes and sample ranges: rows in pairs with an odd one out', () => {
    const chain = demo.chain;
    for (const [T, B] of [[1, 1], [1, 3], [3, 37], [2, 33], [4, 65], [1, 31], [0, 5]] as const) {
      const batch = wasmBatch(chain, 100 + B, T, B);
      const fp = fused(builtInTerms(null, false), chain, batch);
      compare(fp, batch, `T ${T} B ${B}`);
    }
    const batch = wasmBatch(chain, 7, 3, 71);
    const fp = fused(builtInTerms('log_barrier', false), chain, batch);
    compare(fp, batch, 'ranges', [[5, 36], [36, 37], [0, 5], [37, 71]]);
    // the same scratch (one instance) across problems and block sizes
    const sc = new FusedScratch();
    for (const [T, B, seed] of [[3, 40, 1], [1, 7, 2], [5, 33, 3]] as const) {
      const b = wasmBatch(arm6(), seed, T, B);
      const f = fused(builtInTerms(null, false), arm6(), b);
      const js = run(f, b, false);
      const perTerm = new Float64Array(f.terms.length * B);
      const total = new Float64Array(B);
      evaluateFused(f, b.states, b.actions, T, B, 0, B, perTerm, total, sc);
      assertSame(perTerm, js.perTerm, `shared scratch T ${T} B ${B}`);
      assertSame(total, js.total, `shared scratch T ${T} B ${B} total`);
    }
  });

  test('a chain the kernel does not do (prismatic joints): the FK pass falls back to JS and still matches', () => {
    const chain = buildChain(parseUrdf(MIXED_URDF, 'mixed.urdf'), { baseLink: 'base', tipLink: 'hand', tipOffset: [0.02, -0.01, 0.07] });
    const g = fusedGeometry(chain);
    assert.ok(g !== null);
    assert.match(fusedWasmSupport(g) ?? '', /prismatic/, 'the reason names the prismatic joint');
    const batch = wasmBatch(chain, 5, 4, 50);
    const fp = fused(builtInTerms(null, false), chain, batch);
    const js = run(fp, batch, false);
    const wa = run(fp, batch, true);
    assert.equal(wa.usedWasm, false, 'the kernel left the FK pass to JS');
    assert.equal(wa.usedKernel, true, 'and ran the joint-space pass');
    assertSame(wa.perTerm, js.perTerm, 'mixed perTerm');
    assertSame(wa.total, js.total, 'mixed total');
  });

  test('setFusedWasm(false) keeps the kernel out', () => {
    const batch = wasmBatch(demo.chain, 3, 1, 4);
    const fp = fused(builtInTerms(null, false), demo.chain, batch);
    const sc = new FusedScratch();
    setFusedWasm(false);
    try {
      evaluateFused(fp, batch.states, batch.actions, 1, 4, 0, 4, new Float64Array(fp.terms.length * 4), new Float64Array(4), sc);
    } finally {
      setFusedWasm(true);
    }
    assert.equal(sc.wasm, undefined, 'no instance was made');
  });

  test('worker threads with the kernel give the same costs as one thread on the JS path', async () => {
    setCostThreads(2);
    assert.equal(await startCostWorkers(), 2, 'both workers start');
    const chain = demo.chain;
    const base = wasmBatch(chain, 44, 16, 700, true);
    const states = sharedF64(base.states.length);
    states.set(base.states);
    const actions = sharedF64(base.actions.length);
    actions.set(base.actions);
    const list = (): CostTerm[] => buildCostTerms(demo.settings.cost);
    setFusedWasm(false);
    let oneTotal: Float64Array, onePer: Float64Array;
    try {
      const one = new CostEvaluator(list(), chain, { parallel: false }).evaluate(base.problem, states, actions, base.T, base.B, base.A);
      oneTotal = one.total.slice();
      onePer = one.perTerm.slice();
    } finally {
      setFusedWasm(true);
    }
    const par = evaluateOnWorkers(new CostEvaluator(list(), chain), base.problem, states, actions, base.T, base.B, base.A);
    assertSame(par.total, oneTotal, 'workers: total');
    assertSame(par.perTerm, onePer, 'workers: perTerm');
    const oneWasm = new CostEvaluator(list(), chain, { parallel: false }).evaluate(base.problem, states, actions, base.T, base.B, base.A);
    assertSame(oneWasm.total, oneTotal, 'one thread, wasm: total');
  });

  test('joint-space terms with every norm: at, inside and beyond the limits, velocity and acceleration excess, non-finite entries', () => {
    for (const chain of [demo.chain, arm6()]) {
      for (const [T, B] of [[4, 64], [3, 37], [1, 1], [5, 33]] as const) {
        const batch = wasmBatch(chain, 300 + B, T, B, false);
        const { problem, states, actions, A } = batch;
        const { qOffset, qdOffset, stateDim: D, dof } = problem.layout;
        const m = 0.3;
        const lo = problem.limits.lower, hi = problem.limits.upper;
        const at = (t: number, b: number, off: number, j: number, v: number): void => {
          if (t <= T && b < B && j < dof) states[(t * B + b) * D + off + j] = v;
        };
        // exactly at the band's edge (0 excess), inside the band, at the limit, past it; both sides
        for (let t = 1; t <= T; t++) {
          at(t, 0, qOffset, 0, lo[0]! + m);
          at(t, 0, qOffset, 1, hi[1]! - m);
          at(t, 1, qOffset, 0, lo[0]! + 0.5 * m);
          at(t, 1, qOffset, 2, hi[2]! - 0.01);
          at(t, 2, qOffset, 1, lo[1]!);
          at(t, 2, qOffset, 3, hi[3]!);
          at(t, 3, qOffset, 4, lo[4]! - 0.7);
          at(t, 3, qOffset, 5, hi[5]! + 2);
          // |qd| exactly at, just above and far above maxVel (2); ±0
          at(t, 4, qdOffset, 0, 2);
          at(t, 4, qdOffset, 1, -2.0000001);
          at(t, 4, qdOffset, 2, -0);
          at(t, 5, qdOffset, 3, 40);
        }
        // non-finite q, qd and actions in a few rows (t = 0 too: the acceleration's previous qd)
        at(1, 6, qOffset, 2, Number.NaN);
        at(T, 7, qOffset, 0, Number.POSITIVE_INFINITY);
        at(1, 8, qOffset, 1, Number.NEGATIVE_INFINITY);
        at(0, 9, qdOffset, 4, Number.NaN);
        at(T, 10, qdOffset, 3, Number.POSITIVE_INFINITY);
        at(1, 11, qdOffset, 5, Number.NEGATIVE_INFINITY);
        const act = (t: number, b: number, j: number, v: number): void => {
          if (t <= T && b < B) actions[((t - 1) * B + b) * A + j] = v;
        };
        act(1, 12, 0, Number.NaN);
        act(T, 13, 1, Number.POSITIVE_INFINITY);
        act(1, 14, 2, Number.NEGATIVE_INFINITY);
        act(1, 15, 3, -0);
        for (const norm of [null, ...NORM_KINDS]) {
          const list: CostTerm[] = [
            new JointGoalTerm(3), new PostureTerm(0.7), new JointLimitsTerm(1, m), new VelocityLimitsTerm(2), new AccelerationLimitsTerm(0.5),
            new SmoothnessTerm(0.2), new EffortTerm(0.1),
          ];
          if (norm !== null) for (const t of list) t.norm = norm;
          const fp = fused(list, chain, batch);
          assert.equal(fp.geometry, null, 'no FK term');
          const js = compare(fp, batch, `joint terms ${chain.dof} dof T ${T} B ${B} ${norm ?? 'default'}`);
          if (B >= 33) {
            for (const type of ['joint_goal', 'posture', 'joint_limits', 'velocity_limits', 'acceleration_limits', 'smoothness', 'effort']) {
              assert.ok(nonzero(fp, js, B, type) >= 10, `${norm ?? 'default'}: ${type} is nonzero for only ${nonzero(fp, js, B, type)} samples`);
            }
          }
          // each term alone, and with the FK terms
          for (const t of list) compare(fused([t], chain, batch), batch, `${t.name} alone ${norm ?? 'default'}`);
          compare(fused([...builtInTerms(norm, false)], chain, batch), batch, `with FK ${norm ?? 'default'}`);
        }
      }
    }
  });

  test('smoothness at t = 1 reads prevAction; a short prevAction is NaN on both paths', () => {
    const chain = demo.chain;
    const batch = wasmBatch(chain, 77, 3, 41, false);
    const list = (): CostTerm[] => [new SmoothnessTerm(0.4), new EffortTerm(0.1), new JointLimitsTerm(1, 0.2)];
    const base = compare(fused(list(), chain, batch), batch, 'prevAction');
    const moved = { ...batch, problem: { ...batch.problem, prevAction: batch.problem.prevAction.map((v) => v + 0.5) } };
    const other = compare(fused(list(), chain, moved), moved, 'prevAction moved');
    assert.notEqual(other.perTerm[0], base.perTerm[0], 'the smoothness of t = 1 changed with prevAction');
    const short = { ...batch, problem: { ...batch.problem, prevAction: new Float64Array(2) } };
    const s = compare(fused(list(), chain, short), short, 'short prevAction');
    assert.equal(s.total[0], Infinity, 'NaN smoothness');
  });

  test('a latent-state layout without a chain: the joint-space pass alone, whole rows and gathered q/qd', () => {
    for (const latentDim of [2, 24]) {
      const chain = arm6();
      const dof = chain.dof;
      const T = 4, B = 45;
      const next = rng(500 + latentDim);
      const layout = makeStateLayout(latentDim, dof);
      const D = layout.stateDim;
      const A = dof;
      const states = new Float64Array((T + 1) * B * D);
      const actions = new Float64Array(T * B * A);
      const base = problemFor(chain);
      for (let row = 0; row < (T + 1) * B; row++) {
        for (let j = 0; j < latentDim; j++) states[row * D + j] = 2 * next() - 1;
        for (let j = 0; j < dof; j++) {
          const lo = base.limits.lower[j]!, hi = base.limits.upper[j]!;
          states[row * D + layout.qOffset + j] = lo - 0.2 + (hi - lo + 0.4) * next();
          states[row * D + layout.qdOffset + j] = 5 * (2 * next() - 1);
        }
      }
      for (let i = 0; i < actions.length; i++) actions[i] = 3 * (2 * next() - 1);
      states[(2 * B + 3) * D + layout.qOffset + 1] = Number.NaN;
      states[(1 * B + 4) * D + layout.qdOffset + 2] = Number.POSITIVE_INFINITY;
      const goalQ = new Float64Array(dof).map(() => 0.5 * (2 * next() - 1));
      const latent = new Float64Array(latentDim).map(() => 2 * next() - 1);
      const prevAction = new Float64Array(A).map(() => 2 * next() - 1);
      const problem: CostProblem = {
        ...base,
        layout,
        goal: { joints: goalQ, posture: goalQ.map((v) => -v), latent },
        limits: { ...base.limits, maxVel: new Float64Array(dof).fill(2), maxAcc: new Float64Array(dof).fill(40) },
        prevAction,
      };
      const batch: CostBatch = { problem, states, actions, T, B, A };
      for (const norm of [null, ...NORM_KINDS]) {
        const list: CostTerm[] = [
          new LatentGoalTerm(2), new JointGoalTerm(3), new TerminalTerm(5, 'quadratic', 0.05, 0.02), new PostureTerm(0.7), new JointLimitsTerm(1, 0.3),
          new VelocityLimitsTerm(2), new AccelerationLimitsTerm(0.5), new SmoothnessTerm(0.2), new EffortTerm(0.1),
        ];
        if (norm !== null) for (const t of list) t.norm = norm;
        const active = list.filter((t) => t.active(problem, null));
        assert.equal(active.length, list.length, 'every term applies');
        const fp = fusedProblem(active, problem, null, A);
        assert.ok(fp !== null && fp.geometry === null);
        const js = compare(fp, batch, `latent ${latentDim} ${norm ?? 'default'}`);
        compare(fp, batch, `latent ${latentDim} ${norm ?? 'default'} ranges`, [[7, 40], [0, 7], [40, 45]]);
        for (const type of ['latent_goal', 'joint_limits', 'velocity_limits', 'terminal']) assert.ok(nonzero(fp, js, B, type) >= 10, `${type} nonzero`);
      }
    }
  });

  test('one scratch across problems with and without FK: the kernel switches its geometry and layout', () => {
    const chain = demo.chain;
    const fkBatch = wasmBatch(chain, 91, 3, 40);
    const fkProblem = fused(builtInTerms(null, false), chain, fkBatch);
    const dof = chain.dof;
    const layout = makeStateLayout(30, dof);
    const T = 2, B = 21, A = dof;
    const next = rng(92);
    const states = new Float64Array((T + 1) * B * layout.stateDim).map(() => 2 * next() - 1);
    const actions = new Float64Array(T * B * A).map(() => 2 * next() - 1);
    const problem: CostProblem = { ...fkBatch.problem, layout, goal: { posture: new Float64Array(dof).fill(0.1) } };
    const latentBatch: CostBatch = { problem, states, actions, T, B, A };
    const latentList: CostTerm[] = [new PostureTerm(1), new JointLimitsTerm(1, 0.3), new VelocityLimitsTerm(2), new AccelerationLimitsTerm(0.5), new SmoothnessTerm(0.2)];
    const latentProblem = fusedProblem(latentList.filter((t) => t.active(problem, null)), problem, null, A)!;
    const sc = new FusedScratch();
    for (const [fp, batch, what] of [[fkProblem, fkBatch, 'FK'], [latentProblem, latentBatch, 'latent'], [fkProblem, fkBatch, 'FK again'], [latentProblem, latentBatch, 'latent again']] as const) {
      const js = run(fp, batch, false);
      const perTerm = new Float64Array(fp.terms.length * batch.B);
      const total = new Float64Array(batch.B);
      evaluateFused(fp, batch.states, batch.actions, batch.T, batch.B, 0, batch.B, perTerm, total, sc);
      assert.ok(sc.wasm instanceof FusedKernel);
      assertSame(perTerm, js.perTerm, `${what}: perTerm`);
      assertSame(total, js.total, `${what}: total`);
    }
  });

  test('worker threads: joint-space terms, with and without a chain, as one thread on the JS path', async () => {
    setCostThreads(2);
    assert.equal(await startCostWorkers(), 2, 'both workers start');
    const chain = demo.chain;
    const base = wasmBatch(chain, 45, 12, 700, true);
    assert.ok(base.T * base.B >= PARALLEL_MIN_STATE_STEPS, 'the batch is large enough to go to the workers');
    const A = base.A;
    for (let i = 0; i < 50; i++) base.actions[i * 37] = i % 3 === 0 ? Number.NaN : i % 3 === 1 ? Infinity : -Infinity;
    const states = sharedF64(base.states.length);
    states.set(base.states);
    const actions = sharedF64(base.actions.length);
    actions.set(base.actions);
    for (const withChain of [true, false]) {
      for (const norm of [null, 'log_barrier', 'smooth_abs'] as const) {
        const list = (): CostTerm[] => {
          const l: CostTerm[] = [new JointGoalTerm(3), new PostureTerm(0.7), new JointLimitsTerm(1, 0.3), new VelocityLimitsTerm(2), new AccelerationLimitsTerm(0.5), new SmoothnessTerm(0.2), new EffortTerm(0.1), new EePositionTerm(4)];
          if (norm !== null) for (const t of l) t.norm = norm;
          return l;
        };
        const c = withChain ? chain : null;
        setFusedWasm(false);
        let one;
        try {
          one = new CostEvaluator(list(), c, { parallel: false }).evaluate(base.problem, states, actions, base.T, base.B, A);
          one = { total: one.total.slice(), perTerm: one.perTerm.slice() };
        } finally {
          setFusedWasm(true);
        }
        const par = evaluateOnWorkers(new CostEvaluator(list(), c), base.problem, states, actions, base.T, base.B, A);
        assertSame(par.total, one.total, `workers ${withChain} ${norm}: total`);
        assertSame(par.perTerm, one.perTerm, `workers ${withChain} ${norm}: perTerm`);
      }
    }
  });

  test('the built kernel is what its source builds to', (t) => {
    if (kind === 'native') {
      // a compiler's output is not byte-reproducible across machines: the build carries its source's hash
      const built = join(ROOT, 'native/fused-fk.node');
      assert.ok(existsSync(built), 'native/fused-fk.node is built: run npm run build:native');
      const m = createRequire(import.meta.url)(built) as { sourceHash(): string };
      assert.equal(m.sourceHash(), createHash('sha256').update(readFileSync(join(ROOT, 'native/fused-fk.c'))).digest('hex').slice(0, 16), 'built from this source (else: npm run build:native)');
      return;
    }
    if (!existsSync(join(ROOT, 'node_modules/assemblyscript/package.json'))) {
      t.skip('the AssemblyScript compiler (devDependency assemblyscript) is not installed');
      console.log('skipped: the AssemblyScript compiler is not installed');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'odra-wasm-'));
    try {
      const res = spawnSync(process.execPath, [join(ROOT, 'scripts/build-wasm.mjs'), '--out-dir', dir], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(res.status, 0, `the build ran: ${res.stderr}`);
      const fresh = readFileSync(join(dir, 'fused-fk.wasm'));
      const built = join(ROOT, 'wasm/fused-fk.wasm');
      assert.ok(existsSync(built), 'wasm/fused-fk.wasm is built: run npm run build:wasm');
      const installed = readFileSync(built);
      assert.ok(fresh.equals(installed), `wasm/fused-fk.wasm (${installed.length} bytes) differs from a fresh build (${fresh.length} bytes): run npm run build:wasm`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
}

describe('the native kernel module', { skip: NATIVE_UNAVAILABLE === null ? false : `native kernel: ${NATIVE_UNAVAILABLE}` }, () => {
  test('is Math.log bit for bit: the barrier\'s range, every binade, subnormals, edges', () => {
    const log = nativeKernelLog();
    assert.ok(log !== null, 'native/fused-fk.node loads');
    const next = rng(2026);
    const xs: number[] = [0, -0, -1, 1, 0.05, 0.95, 1 - 2 ** -53, 1 + 2 ** -52, Infinity, -Infinity, Number.NaN, Number.MIN_VALUE, 2 ** -1022, Number.MAX_VALUE];
    // the barrier takes log(1 − x) for x in (0, 0.95): most of the draws there, the rest over every binade
    for (let i = 0; i < 200_000; i++) xs.push(0.05 + 0.95 * next());
    for (let i = 0; i < 100_000; i++) xs.push(2 ** (2100 * next() - 1074) * (1 + next()));
    for (let i = 0; i < 20_000; i++) xs.push(1 + (next() - 0.5) * 2 ** -18);
    for (const x of xs) if (!Object.is(log(x), Math.log(x))) assert.fail(`log(${x}): native ${log(x)} vs Math.log ${Math.log(x)}`);
  });

  test('says which instruction set it was built for, and that this CPU has it', () => {
    const m = createRequire(import.meta.url)(join(ROOT, 'native/fused-fk.node')) as { cpuSupported(): boolean; target(): string };
    assert.match(m.target(), /^(avx2|avx|sse2|neon|generic)$/);
    // the build script targets the machine it runs on (npm test rebuilds a stale one here)
    assert.equal(m.cpuSupported(), true);
  });

  test('a layout that would reach outside its memory, or a table index out of range, is a RangeError, not a stray access', () => {
    const m = createRequire(import.meta.url)(join(ROOT, 'native/fused-fk.node')) as {
      evalBlock(mem: ArrayBuffer, T: number, nb: number, flags: number): void;
      sampleRows(mem: ArrayBuffer, ...args: number[]): void;
      configure(mem: ArrayBuffer): void;
    };
    const mem = new ArrayBuffer(4096);
    const hdr = new Int32Array(mem, 0, 80);
    // the per-sample sums of 64 samples do not fit in 4 KiB
    assert.throws(() => m.evalBlock(mem, 4, 64, 0), (e: unknown) => e instanceof RangeError && /per-sample sums/.test(e.message));
    // state rows placed past the end
    hdr[44] = 4000; // states
    hdr[48] = 96; // bytes per state row
    assert.throws(() => m.evalBlock(mem, 2, 2, 0), /state rows/);
    // a noise offset outside the table
    hdr[44] = 512;
    hdr[48] = 16;
    hdr[45] = 1024; // sums
    hdr[64] = 1600; // actions
    hdr[47] = 1; // action dim
    hdr[36] = 1800; // parameters
    new Int32Array(mem, 2200, 2).set([0, 99]);
    assert.throws(() => m.sampleRows(mem, 2, 2, 1, 2400, 10, 2200, 2300, 0, 2350, 2360, 2370, 2380, 0, 0, 0, 1, 0.5, 1, 0.01), /noise offset/);
    assert.throws(() => m.evalBlock(new ArrayBuffer(8), 1, 1, 0), TypeError, 'a buffer smaller than the header');
    // a sphere count whose scratch lies beyond the buffer
    hdr[1] = 1_000_000;
    hdr[43] = 600;
    assert.throws(() => m.configure(mem), /scratch/);
    assert.throws(() => m.evalBlock(mem, 1, 2, 16), /scratch/);
  });

  test('a prepared instance whose tables were overwritten refuses to run instead of following them', () => {
    const chain = demo.chain;
    const batch = wasmBatch(chain, 8, 2, 8);
    const fp = fused(builtInTerms(null, false), chain, batch);
    const kernel = FusedKernel.create()!;
    assert.equal(kernel.kind, 'native');
    const off = { k: -1, weight: 1, norm: 0, param: 1, inv: 1 };
    const slots = { ...(Object.fromEntries(WASM_TERMS.map((type) => [type, off])) as unknown as WasmSlots), self_collision: { k: 0, weight: 1, norm: 0, param: 0.05, inv: 1 } };
    const flags = kernel.prepare(fp, slots, new Float64Array(4096));
    kernel.run(batch.states, batch.actions, batch.T, batch.B, 0, batch.B);
    // the instance's memory (private): a partner index far beyond the spheres, then a body's sphere range
    const inner = kernel as unknown as { ex: { memory: { buffer: ArrayBuffer } }; hdr: Int32Array };
    const i32 = new Int32Array(inner.ex.memory.buffer);
    const partners = inner.hdr[27]! >> 2;
    const saved = i32[partners]!;
    i32[partners] = 1 << 29;
    assert.throws(() => kernel.run(batch.states, batch.actions, batch.T, batch.B, 0, batch.B), /self-collision partners/);
    i32[partners] = saved;
    const bodyStart = inner.hdr[21]! >> 2;
    i32[bodyStart + 3] = 1 << 20;
    assert.throws(() => kernel.run(batch.states, batch.actions, batch.T, batch.B, 0, batch.B), /spheres/);
    assert.ok(flags !== 0);
  });
});
