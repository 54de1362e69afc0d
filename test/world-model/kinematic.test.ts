import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KinematicModel } from '../../src/world-model/kinematic.ts';

describe('kinematic world model', () => {
  test('velocity actions integrate exactly without lag', () => {
    const m = new KinematicModel({ dof: 2, dtS: 0.1 });
    const s0 = Float64Array.from([0.5, -0.2, 0, 0]);
    const actions = Float64Array.from([1, -2, 1, -2]); // T = 2, B = 1
    const states = new Float64Array(3 * 4);
    m.rollout(s0, actions, 2, 1, states);
    // q after 2 steps: 0.5 + 2·0.1·1 = 0.7, −0.2 + 2·0.1·(−2) = −0.6; qd = the command
    assert.deepEqual(Array.from(states.subarray(8)).map((v) => +v.toFixed(12)), [0.7, -0.6, 1, -2]);
  });

  test('first-order lag: qd approaches the command with α = dt/τ', () => {
    const m = new KinematicModel({ dof: 1, dtS: 0.1, actuatorLagS: 0.2 });
    const out = new Float64Array(2);
    m.step(Float64Array.from([0, 0]), Float64Array.from([1]), 1, out);
    // α = 0.5: qd' = 0.5, q' = 0.1·0.5 = 0.05
    assert.ok(Math.abs(out[1]! - 0.5) < 1e-12 && Math.abs(out[0]! - 0.05) < 1e-12, `${out}`);
  });

  test('position-delta actions move by the delta per step', () => {
    const m = new KinematicModel({ dof: 1, dtS: 0.05, actionKind: 'position_delta' });
    const out = new Float64Array(2);
    m.step(Float64Array.from([1, 0]), Float64Array.from([0.02]), 1, out);
    assert.ok(Math.abs(out[0]! - 1.02) < 1e-12 && Math.abs(out[1]! - 0.4) < 1e-12, `${out}`);
  });

  test('latent entries are carried unchanged and batches are independent', () => {
    const m = new KinematicModel({ dof: 1, dtS: 0.1, latentDim: 2 });
    const s0 = Float64Array.from([3, 4, 0, 0]);
    const states = new Float64Array(2 * 2 * 4);
    m.rollout(s0, Float64Array.from([1, -1]), 1, 2, states);
    assert.deepEqual(Array.from(states.subarray(8, 16)).map((v) => +v.toFixed(12)), [3, 4, 0.1, 1, 3, 4, -0.1, -1]);
  });

  for (const lag of [0, 0.15]) {
    test(`rolloutVjp matches finite differences (lag ${lag} s)`, () => {
      const dof = 3, T = 5, B = 2;
      const m = new KinematicModel({ dof, dtS: 0.05, actuatorLagS: lag, latentDim: 1 });
      const D = m.stateDim;
      const s0 = Float64Array.from([0.3, 0.1, -0.2, 0.4, 0.05, -0.1, 0.2]);
      const actions = Float64Array.from({ length: T * B * dof }, (_, i) => Math.sin(i * 1.7));
      const w = Float64Array.from({ length: (T + 1) * B * D }, (_, i) => Math.cos(i * 0.37));
      const loss = (a: Float64Array): number => {
        const st = new Float64Array((T + 1) * B * D);
        m.rollout(s0, a, T, B, st);
        return st.reduce((acc, v, i) => acc + v * w[i]!, 0);
      };
      const states = new Float64Array((T + 1) * B * D);
      m.rollout(s0, actions, T, B, states);
      const gS = w.slice();
      const gA = new Float64Array(actions.length);
      m.rolloutVjp(actions, T, B, states, gS, gA);
      for (let i = 0; i < actions.length; i++) {
        const a1 = actions.slice(), a2 = actions.slice();
        a1[i]! += 1e-6;
        a2[i]! -= 1e-6;
        const num = (loss(a1) - loss(a2)) / 2e-6;
        assert.ok(Math.abs(num - gA[i]!) < 1e-6, `action ${i}: ${gA[i]} vs ${num}`);
      }
    });
  }

  test('bad construction is refused with the reason', () => {
    assert.throws(() => new KinematicModel({ dof: 0, dtS: 0.1 }), /dof must be a positive integer/);
    assert.throws(() => new KinematicModel({ dof: 2, dtS: 0 }), /dtS must be > 0/);
    assert.throws(() => new KinematicModel({ dof: 2, dtS: 0.1, actuatorLagS: -1 }), /actuatorLagS must be ≥ 0/);
  });
});
