import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { buildPredictorOnnx } from '../../src/learn/onnx-export.ts';
import { CostEvaluator } from '../../src/cost/evaluator.ts';
import { LatentGoalTerm } from '../../src/cost/terms/latent-goal.ts';
import { DEFAULT_PLANNER_SETTINGS, type PlanProblem } from '../../src/planner/planner.ts';
import { createPlanner } from '../../src/planner/registry.ts';
import type { Activation, LearnedModelJson, MlpWeights } from '../../src/world-model/learned-format.ts';
import { buildRolloutForwardOnnx, fusedRolloutUnsupported } from '../../src/world-model/learned-rollout-onnx.ts';
import { FusedRollout } from '../../src/world-model/learned-rollout-session.ts';
import { LearnedWorldModel, loadLearnedWorldModel } from '../../src/world-model/learned.ts';
import { randomWeights, tinyModelJson, writeTinyModelDir } from '../learn/helpers.ts';

/** A tiny predictor with two hidden layers of the given activation (last layer linear). */
function model(act: Activation, restAnchored: boolean): { json: LearnedModelJson; weights: MlpWeights } {
  const json = tinyModelJson({ latentDim: 4, dof: 2, hidden: [9, 7], restAnchored });
  json.predictor.mlp.layers.forEach((l, i, all) => (l.activation = i === all.length - 1 ? 'linear' : act));
  return { json, weights: randomWeights(json.predictor.mlp, 5, 0.8) };
}

/** max |a − b| ≤ tol · max(1, max |b|) */
function assertClose(a: Float64Array, b: Float64Array, tol: number, what: string): void {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  assert.ok(a.every(Number.isFinite), `${what}: every value finite`);
  assert.ok(diff <= tol * scale, `${what}: max difference ${diff} > ${tol} × ${scale}`);
}

/** Like assertClose, relative to the largest |b| (for gradients, which may all be small). */
function assertCloseRel(a: Float64Array, b: Float64Array, tol: number, what: string): void {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  assert.ok(scale > 0, `${what}: the reference is not all zero`);
  assert.ok(diff <= tol * scale, `${what}: max difference ${diff} > ${tol} × ${scale}`);
}

const releases: (() => Promise<void>)[] = [];
after(async () => {
  for (const r of releases) await r();
});

function inputs(D: number, A: number, T: number, B: number, seed: number): { s0: Float64Array; acts: Float64Array; w: Float64Array } {
  return {
    s0: Float64Array.from({ length: D }, (_, i) => 0.3 * Math.cos(i + seed)),
    acts: Float64Array.from({ length: T * B * A }, (_, i) => 0.6 * Math.sin(0.37 * i + seed)),
    w: Float64Array.from({ length: (T + 1) * B * D }, (_, i) => Math.cos(0.21 * i + seed)),
  };
}

for (const restAnchored of [false, true]) {
  for (const act of ['silu', 'tanh', 'relu'] as const) {
    describe(`fused rollout graphs (${act}, ${restAnchored ? 'anchored at rest' : 'plain'})`, () => {
      const { json, weights } = model(act, restAnchored);
      const p = json.predictor;
      const D = p.stateDim;
      const A = p.actionDim;
      const js = new LearnedWorldModel(json, weights, null);
      const fused = new FusedRollout(p, weights);
      releases.push(() => fused.release());

      for (const T of [1, 3, 16]) {
        for (const B of [1, 5]) {
          test(`T ${T}, B ${B}: states and gradients agree with the Float64 model`, async () => {
            const { s0, acts, w } = inputs(D, A, T, B, T + B);
            const ref = new Float64Array((T + 1) * B * D);
            await js.rollout(s0, acts, T, B, ref);
            for (const save of [false, true]) {
              const got = new Float64Array((T + 1) * B * D);
              await fused.rollout(s0, acts, T, B, got, save);
              assertClose(got, ref, 1e-4, `states (save ${save})`);
            }
            // L = Σ ½ w ⊙ states²
            const gRef = Float64Array.from(ref, (v, i) => w[i]! * v);
            const gGot = gRef.slice();
            const gaRef = new Float64Array(T * B * A);
            const gaGot = new Float64Array(T * B * A).fill(Number.NaN);
            js.rolloutVjp(acts, T, B, ref, gRef, gaRef);
            await fused.vjp(acts, T, B, ref, gGot, gaGot);
            assertCloseRel(gaGot, gaRef, 1e-4, 'dL/dactions');
            assertCloseRel(gGot, gRef, 1e-4, 'gStates overwritten with the total derivatives');
          });
        }
      }

      test('gradients match central differences of the fused forward', async () => {
        const T = 3;
        const B = 2;
        const { s0, acts, w } = inputs(D, A, T, B, 1);
        const L = async (aa: Float64Array): Promise<number> => {
          const st = new Float64Array((T + 1) * B * D);
          await fused.rollout(s0, aa, T, B, st, false);
          return st.reduce((acc, v, i) => acc + w[i]! * v, 0);
        };
        const states = new Float64Array((T + 1) * B * D);
        await fused.rollout(s0, acts, T, B, states, true);
        const g = w.slice();
        const ga = new Float64Array(T * B * A);
        await fused.vjp(acts, T, B, states, g, ga);
        // float32 forward: a large step keeps rounding noise (~1e-6 / h) below the tolerance
        const h = 1e-2;
        for (let i = 0; i < acts.length; i++) {
          const ap = acts.slice();
          const am = acts.slice();
          ap[i]! += h;
          am[i]! -= h;
          const fd = ((await L(ap)) - (await L(am))) / (2 * h);
          // relu's kink inside ±h is the only place the two may part
          const tol = act === 'relu' ? 5e-2 : 2e-3;
          assert.ok(Math.abs(fd - ga[i]!) <= tol * Math.max(1, Math.abs(fd)), `action ${i}: vjp ${ga[i]} vs fd ${fd}`);
        }
      });
    });
  }
}

describe('fused rollout: saved activations', () => {
  const { json, weights } = model('silu', true);
  const p = json.predictor;
  const D = p.stateDim;
  const A = p.actionDim;
  const js = new LearnedWorldModel(json, weights, null);

  test('a VJP right after a saving rollout of the same actions reuses its activations', async () => {
    const fused = new FusedRollout(p, weights);
    try {
      const T = 4;
      const B = 3;
      const { s0, acts, w } = inputs(D, A, T, B, 4);
      const st = new Float64Array((T + 1) * B * D);
      const gA = new Float64Array(T * B * A);
      for (let k = 0; k < 3; k++) {
        await fused.rollout(s0, acts, T, B, st, true);
        await fused.vjp(acts, T, B, st, w.slice(), gA);
      }
      assert.deepEqual(fused.runs, { plain: 0, save: 3, vjp: 3 }, 'one forward and one VJP call per step, nothing recomputed');
    } finally {
      await fused.release();
    }
  });

  test('only batches of parallelMinRows network rows or more use several threads, with the same results', async () => {
    const one = new FusedRollout(p, weights);
    const two = new FusedRollout(p, weights, { threads: 2, parallelMinRows: 16 });
    try {
      // anchored at rest: 2 network rows per state row
      assert.deepEqual([7, 8, 40].map((B) => two.threadsFor(B)), [1, 2, 2], 'threads by network rows');
      assert.deepEqual([1, 64].map((B) => one.threadsFor(B)), [1, 1], 'threads: 1 everywhere by default');
      // the default threshold is 256 network rows: 127 and 128 anchored samples are 254 and 256 rows
      assert.deepEqual([127, 128].map((B) => new FusedRollout(p, weights, { threads: 2 }).threadsFor(B)), [1, 2], 'threads from 256 network rows by default');
      const T = 3;
      const B = 40;
      const { s0, acts, w } = inputs(D, A, T, B, 6);
      const a = new Float64Array((T + 1) * B * D);
      const b = a.slice();
      await one.rollout(s0, acts, T, B, a, true);
      await two.rollout(s0, acts, T, B, b, true);
      assertClose(b, a, 1e-6, 'states on 1 and 2 threads');
      const ga = new Float64Array(T * B * A);
      const gb = new Float64Array(T * B * A);
      await one.vjp(acts, T, B, a, w.slice(), ga);
      await two.vjp(acts, T, B, b, w.slice(), gb);
      assertCloseRel(gb, ga, 1e-5, 'gradients on 1 and 2 threads');
    } finally {
      await one.release();
      await two.release();
    }
  });

  test('a VJP at other actions than the last rollout recomputes its own forward', async () => {
    const fused = new FusedRollout(p, weights);
    try {
      const T = 4;
      const B = 3;
      const first = inputs(D, A, T, B, 2);
      const other = inputs(D, A, T, B, 7);
      const st = new Float64Array((T + 1) * B * D);
      await fused.rollout(first.s0, first.acts, T, B, st, true);
      // the caller differentiates a different rollout (actions and start) than the one just saved
      const ref = new Float64Array((T + 1) * B * D);
      await js.rollout(other.s0, other.acts, T, B, ref);
      const gRef = Float64Array.from(other.w);
      const gGot = gRef.slice();
      const gaRef = new Float64Array(T * B * A);
      const gaGot = new Float64Array(T * B * A);
      js.rolloutVjp(other.acts, T, B, ref, gRef, gaRef);
      await fused.vjp(other.acts, T, B, ref, gGot, gaGot);
      assertCloseRel(gaGot, gaRef, 1e-4, 'dL/dactions at the other actions');
      // and again right after a plain (not saving) rollout of the same actions
      await fused.rollout(other.s0, other.acts, T, B, st, false);
      const gaAgain = new Float64Array(T * B * A);
      await fused.vjp(other.acts, T, B, st, Float64Array.from(other.w), gaAgain);
      assertCloseRel(gaAgain, gaRef, 1e-4, 'dL/dactions after a plain rollout');
      assert.deepEqual(fused.runs, { plain: 1, save: 3, vjp: 2 }, 'each VJP without a matching saved forward ran one');
    } finally {
      await fused.release();
    }
  });

  test('at rest with zero commands nothing moves, exactly', async () => {
    const fused = new FusedRollout(p, weights);
    try {
      const rest = Float64Array.from({ length: D }, (_, i) => (i >= p.latentDim + p.dof ? 0 : Math.fround(0.3 * Math.sin(i + 1))));
      const T = 5;
      const still = new Float64Array((T + 1) * 2 * D);
      await fused.rollout(rest, new Float64Array(T * 2 * A), T, 2, still, false);
      for (let t = 1; t <= T; t++) for (let d = 0; d < 2 * D; d++) assert.equal(still[t * 2 * D + d], rest[d % D], `step ${t} value ${d}`);
    } finally {
      await fused.release();
    }
  });
});

describe('LearnedWorldModel with ONNX Runtime', () => {
  async function onnxModel(json: LearnedModelJson, weights: MlpWeights): Promise<LearnedWorldModel> {
    const session = await InferenceSession.create(buildPredictorOnnx(json.predictor, weights), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
    const m = new LearnedWorldModel(json, weights, session);
    releases.push(() => m.dispose());
    return m;
  }

  test('loaded from disk: fused by default, per-step when asked, and the two agree', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'odra-fused-'));
    try {
      const json = tinyModelJson({ latentDim: 4, dof: 2, hidden: [12, 12], image: 4 });
      await writeTinyModelDir(dir, json);
      const fusedLoad = await loadLearnedWorldModel(dir);
      const stepLoad = await loadLearnedWorldModel(dir, { fusedRollout: false });
      releases.push(async () => {
        for (const l of [fusedLoad, stepLoad]) {
          await l.model.dispose();
          await l.encoder.dispose();
        }
      });
      assert.ok(fusedLoad.model.fused !== null, 'fused graphs by default');
      assert.equal(stepLoad.model.fused, null, 'fusedRollout: false keeps the per-step path');
      const T = 6;
      const B = 3;
      const D = json.predictor.stateDim;
      const A = json.predictor.actionDim;
      const { s0, acts, w } = inputs(D, A, T, B, 5);
      const a = new Float64Array((T + 1) * B * D);
      const b = a.slice();
      await fusedLoad.model.rollout(s0, acts, T, B, a);
      await stepLoad.model.rollout(s0, acts, T, B, b);
      assertClose(a, b, 1e-5, 'fused and per-step rollouts');
      const ga = new Float64Array(T * B * A);
      const gb = new Float64Array(T * B * A);
      await fusedLoad.model.rolloutVjp(acts, T, B, a, w.slice(), ga);
      await stepLoad.model.rolloutVjp(acts, T, B, b, w.slice(), gb);
      assertCloseRel(ga, gb, 1e-4, 'fused and Float64 gradients');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('predictors the graphs cannot express keep the per-step path', async () => {
    const { json, weights } = model('silu', false);
    json.predictor.mlp.layers.at(-1)!.activation = 'tanh';
    assert.match(fusedRolloutUnsupported(json.predictor) ?? '', /last layer/);
    assert.throws(() => buildRolloutForwardOnnx(json.predictor, weights, 2, 'plain'), /last layer must be linear/);
    const m = await onnxModel(json, weights);
    assert.equal(m.fused, null, 'no fused graphs');
    const js = new LearnedWorldModel(json, weights, null);
    const T = 3;
    const B = 2;
    const { s0, acts } = inputs(json.predictor.stateDim, json.predictor.actionDim, T, B, 3);
    const a = new Float64Array((T + 1) * B * json.predictor.stateDim);
    const b = a.slice();
    await m.rollout(s0, acts, T, B, a);
    await js.rollout(s0, acts, T, B, b);
    assertClose(a, b, 1e-4, 'per-step ONNX rollout');
  });

  test('the gradient planner converges through the fused graphs as through the Float64 model', async () => {
    const { json } = model('silu', true);
    // commands that move the latent well: larger weights and output scale than the fixture's
    json.predictor.outputScale = json.predictor.outputScale.map(() => 0.5);
    const weights = randomWeights(json.predictor.mlp, 9, 2);
    const fusedModel = await onnxModel(json, weights);
    assert.ok(fusedModel.fused !== null, 'the fused graphs are in use');
    const js = new LearnedWorldModel(json, weights, null);
    const p = json.predictor;
    const T = 8;
    const dof = p.dof;
    const s0 = Float64Array.from({ length: p.stateDim }, (_, i) => (i < p.latentDim + dof ? 0.2 * Math.sin(i) : 0));
    // a reachable goal: the latent where a fixed command sequence ends
    const target = Float64Array.from({ length: T * dof }, (_, i) => 0.7 * Math.cos(0.5 * i));
    const end = new Float64Array((T + 1) * p.stateDim);
    await js.rollout(s0, target, T, 1, end);
    const goal = end.slice(T * p.stateDim, T * p.stateDim + p.latentDim);
    const problemOn = (m: LearnedWorldModel): PlanProblem => ({
      layout: m.layout,
      dtS: m.dtS,
      goal: { latent: goal },
      limits: { lower: new Float64Array(dof).fill(-3), upper: new Float64Array(dof).fill(3), maxVel: new Float64Array(dof).fill(2), maxAcc: new Float64Array(dof).fill(20) },
      keepOut: { boxes: new Float64Array(0), spheres: new Float64Array(0) },
      prevAction: new Float64Array(dof),
      model: m,
      cost: new CostEvaluator([new LatentGoalTerm(10, 'quadratic')], null),
      s0,
      horizon: T,
      actionLower: new Float64Array(dof).fill(-1),
      actionUpper: new Float64Array(dof).fill(1),
    });
    const settings = { ...DEFAULT_PLANNER_SETTINGS, gradient: { ...DEFAULT_PLANNER_SETTINGS.gradient, restarts: 4, steps: 60 } };
    const before = { ...fusedModel.fused!.runs };
    const costs: number[] = [];
    for (const m of [fusedModel, js]) {
      const problem = problemOn(m);
      const baseline = await createPlanner('cem', { ...DEFAULT_PLANNER_SETTINGS, samples: 2 }).plan(problem, new Float64Array(T * dof), { iterations: 1, timeMs: 0 });
      const res = await createPlanner('gradient', settings).plan(problem, null, { iterations: 60, timeMs: 0 });
      assert.ok(res.cost < 0.2 * baseline.cost, `${m.fused ? 'fused' : 'Float64'}: cost ${res.cost} is under a fifth of a 1-iteration CEM baseline (${baseline.cost})`);
      costs.push(res.cost);
    }
    // after its first Adam step the planner's rollouts keep their activations: no forward is run twice
    const runs = fusedModel.fused!.runs;
    assert.equal(runs.vjp - before.vjp, 60, 'one VJP call per Adam step');
    assert.equal(runs.save - before.save, 60, '59 saving rollouts, and one forward run by the first VJP (its rollout did not save)');
    // the gradients agree to ~1e-6, so Adam takes (nearly) the same path
    assert.ok(Math.abs(costs[0]! - costs[1]!) <= 1e-2 * costs[1]!, `fused ${costs[0]} and Float64 ${costs[1]} plans end at about the same cost`);
  });
});
