import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Activation, LearnedModelJson, MlpSpec, MlpWeights, PredictorSpec } from '../../src/world-model/learned-format.ts';
import { MlpF64 } from '../../src/world-model/learned-mlp.ts';
import { LearnedWorldModel, PredictorF64 } from '../../src/world-model/learned.ts';
import { randomWeights, tinyModelJson } from '../learn/helpers.ts';

function naiveForward(spec: MlpSpec, w: MlpWeights, x: number[]): number[] {
  let h = x;
  spec.layers.forEach((l, i) => {
    const y: number[] = [];
    for (let j = 0; j < l.outDim; j++) {
      let s = w.b[i]![j]!;
      for (let k = 0; k < l.inDim; k++) s += h[k]! * w.w[i]![k * l.outDim + j]!;
      y.push(l.activation === 'relu' ? Math.max(0, s) : l.activation === 'tanh' ? Math.tanh(s) : l.activation === 'silu' ? s / (1 + Math.exp(-s)) : s);
    }
    h = y;
  });
  return h;
}

function spec(act: Activation): MlpSpec {
  return {
    layers: [
      { inDim: 5, outDim: 7, activation: act },
      { inDim: 7, outDim: 6, activation: act },
      { inDim: 6, outDim: 3, activation: 'linear' },
    ],
  };
}

describe('MlpF64', () => {
  for (const act of ['relu', 'tanh', 'silu'] as const) {
    test(`${act}: forward matches the definition and backward matches finite differences`, () => {
      const s = spec(act);
      const w = randomWeights(s, 11);
      const mlp = new MlpF64(s, w);
      const n = 3;
      const x = Float64Array.from({ length: n * 5 }, (_, i) => Math.sin(1.3 * i + 0.2));
      const y = new Float64Array(n * 3);
      mlp.forward(x, n, y);
      for (let r = 0; r < n; r++) {
        const ref = naiveForward(s, w, Array.from(x.subarray(r * 5, r * 5 + 5)));
        ref.forEach((v, j) => assert.ok(Math.abs(v - y[r * 3 + j]!) < 1e-5, `row ${r} out ${j}: ${v} vs ${y[r * 3 + j]}`));
      }
      // L = Σ g ⊙ y for a fixed g: dL/dx by backward vs central differences
      const g = Float64Array.from({ length: n * 3 }, (_, i) => Math.cos(0.7 * i));
      const gx = new Float64Array(n * 5);
      mlp.backward(g, n, gx);
      const L = (xx: Float64Array): number => {
        const out = new Float64Array(n * 3);
        mlp.forward(xx, n, out);
        return out.reduce((a, v, i) => a + v * g[i]!, 0);
      };
      const h = 1e-6;
      for (let i = 0; i < x.length; i++) {
        const xp = x.slice();
        const xm = x.slice();
        xp[i]! += h;
        xm[i]! -= h;
        const fd = (L(xp) - L(xm)) / (2 * h);
        assert.ok(Math.abs(fd - gx[i]!) < 1e-6 * Math.max(1, Math.abs(fd)), `input ${i}: backward ${gx[i]} vs fd ${fd}`);
      }
    });
  }

  test('backward refuses a batch size the last forward did not use', () => {
    const s = spec('silu');
    const mlp = new MlpF64(s, randomWeights(s, 2));
    mlp.forward(new Float64Array(10), 2, new Float64Array(6));
    assert.throws(() => mlp.backward(new Float64Array(9), 3, new Float64Array(15)), /batch 3/);
  });
});

for (const restAnchored of [true, false]) {
  describe(`learned predictor gradients (${restAnchored ? 'anchored at rest' : 'plain'})`, () => {
    const json: LearnedModelJson = tinyModelJson({ latentDim: 4, dof: 2, hidden: [9], restAnchored });
    const p: PredictorSpec = json.predictor;
    const weights = randomWeights(p.mlp, 5, 0.6);

    test('one step: stepVjp matches finite differences in state and action', () => {
      const pred = new PredictorF64(p, weights);
      const n = 2;
      const D = p.stateDim;
      const A = p.actionDim;
      const s = Float64Array.from({ length: n * D }, (_, i) => 0.3 * Math.sin(i + 0.5));
      const a = Float64Array.from({ length: n * A }, (_, i) => 0.4 * Math.cos(2 * i));
      const g = Float64Array.from({ length: n * D }, (_, i) => Math.sin(0.9 * i + 1));
      const gS = new Float64Array(n * D);
      const gA = new Float64Array(n * A);
      pred.stepVjp(s, a, n, g, gS, gA);
      const L = (ss: Float64Array, aa: Float64Array): number => {
        const out = new Float64Array(n * D);
        pred.step(ss, aa, n, out);
        return out.reduce((acc, v, i) => acc + v * g[i]!, 0);
      };
      const h = 1e-6;
      for (let i = 0; i < s.length; i++) {
        const sp = s.slice();
        const sm = s.slice();
        sp[i]! += h;
        sm[i]! -= h;
        const fd = (L(sp, a) - L(sm, a)) / (2 * h);
        assert.ok(Math.abs(fd - gS[i]!) < 1e-6, `state ${i}: ${gS[i]} vs ${fd}`);
      }
      for (let i = 0; i < a.length; i++) {
        const ap = a.slice();
        const am = a.slice();
        ap[i]! += h;
        am[i]! -= h;
        const fd = (L(s, ap) - L(s, am)) / (2 * h);
        assert.ok(Math.abs(fd - gA[i]!) < 1e-6, `action ${i}: ${gA[i]} vs ${fd}`);
      }
    });

    test('rollout: rolloutVjp matches finite differences of a cost on all states', async () => {
      const model = new LearnedWorldModel(json, weights, null);
      assert.equal(model.kind, 'learned');
      assert.equal(model.differentiable, true);
      const T = 4;
      const B = 3;
      const D = model.stateDim;
      const A = model.actionDim;
      const s0 = Float64Array.from({ length: D }, (_, i) => 0.2 * Math.cos(i));
      const acts = Float64Array.from({ length: T * B * A }, (_, i) => 0.5 * Math.sin(0.37 * i));
      const w = Float64Array.from({ length: (T + 1) * B * D }, (_, i) => Math.cos(0.21 * i));
      const cost = async (aa: Float64Array): Promise<number> => {
        const st = new Float64Array((T + 1) * B * D);
        await model.rollout(s0, aa, T, B, st);
        return st.reduce((acc, v, i) => acc + 0.5 * w[i]! * v * v, 0);
      };
      const states = new Float64Array((T + 1) * B * D);
      await model.rollout(s0, acts, T, B, states);
      const gStates = Float64Array.from(states, (v, i) => w[i]! * v);
      const gActions = new Float64Array(T * B * A);
      model.rolloutVjp(acts, T, B, states, gStates, gActions);
      if (restAnchored) {
        // at rest with zero commands nothing moves: z and q stay, qd is 0
        const rest = Float64Array.from(s0);
        for (let j = 0; j < 2; j++) rest[4 + 2 + j] = 0;
        const still = new Float64Array(3 * D);
        await model.rollout(rest, new Float64Array(2 * A), 2, 1, still);
        for (let t = 1; t <= 2; t++) for (let d = 0; d < D; d++) assert.ok(Math.abs(still[t * D + d]! - rest[d]!) < 1e-12, `step ${t} dim ${d}`);
      }
      const h = 1e-6;
      for (let i = 0; i < acts.length; i++) {
        const ap = acts.slice();
        const am = acts.slice();
        ap[i]! += h;
        am[i]! -= h;
        const fd = ((await cost(ap)) - (await cost(am))) / (2 * h);
        assert.ok(Math.abs(fd - gActions[i]!) < 1e-5 * Math.max(1, Math.abs(fd)), `action ${i}: ${gActions[i]} vs ${fd}`);
      }
    });
  });
}
