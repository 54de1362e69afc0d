import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Agent } from '../../src/agent/agent.ts';
import type { AgentSettings } from '../../src/agent/settings.ts';
import { arm6 } from '../cost/helpers.ts';
import { testSettings } from './helpers.ts';

const chain = arm6();
const dof = chain.dof;
const names = chain.jointNames;
const dt = 0.05;

function js(t: number, q: ArrayLike<number> = new Float64Array(dof)) {
  return { jointState: { stampS: t, names, position: q, velocity: new Float64Array(dof) } };
}

describe('Agent.step', () => {
  test('no joint state yet: a hold, reported as no_joint_state', async () => {
    const agent = new Agent({ chain, settings: testSettings() });
    agent.setGoal({ joints: new Float64Array(dof).fill(0.3) });
    const out = await agent.step(0.05);
    assert.equal(out.telemetry.status, 'no_joint_state');
    assert.equal(out.command.hold, true);
    assert.deepEqual(Array.from(out.command.values), new Array(dof).fill(0));
  });

  test('no goal: stands still, without planning', async () => {
    const agent = new Agent({ chain, settings: testSettings() });
    const out = await agent.step(0.05, js(0.05));
    assert.equal(out.telemetry.status, 'no_goal');
    assert.equal(out.telemetry.plan, null);
    assert.deepEqual(Array.from(out.command.values), new Array(dof).fill(0));
  });

  test('joint states in any order map by name', async () => {
    const agent = new Agent({ chain, settings: testSettings('gradient') });
    const goal = Float64Array.from([0.4, 0, 0, 0, 0, 0]);
    agent.setGoal({ joints: goal });
    const rev = [...names].reverse();
    // joint 0 sits at its goal; all others at 0 → only joint 0 is at 0.4 when reversed correctly
    const pos = rev.map((n) => (n === names[0] ? 0.4 : 0));
    const out = await agent.step(0.05, { jointState: { stampS: 0.05, names: rev, position: pos, velocity: null } });
    assert.equal(out.telemetry.status, 'ok');
    for (const v of out.command.values) assert.ok(Math.abs(v) < 0.05, `already at the goal: command ${v} ≈ 0`);
  });

  test('e-stop holds until reset, whatever the plan', async () => {
    const agent = new Agent({ chain, settings: testSettings() });
    agent.setGoal({ joints: new Float64Array(dof).fill(0.5) });
    await agent.step(0.05, js(0.05));
    agent.estop(0.06);
    for (let k = 2; k < 6; k++) {
      const out = await agent.step(k * dt, js(k * dt));
      assert.equal(out.command.hold, true, 'held while e-stopped');
      assert.ok(out.telemetry.interventions.some((i) => i.kind === 'estop'), 'estop intervention reported');
    }
    agent.reset();
    agent.setGoal({ joints: new Float64Array(dof).fill(0.5) });
    const out = await agent.step(0.4, js(0.4));
    assert.equal(out.command.hold, false, 'moves again after reset');
  });

  test('a stale joint state holds within one tick', async () => {
    const agent = new Agent({ chain, settings: testSettings() });
    agent.setGoal({ joints: new Float64Array(dof).fill(0.5) });
    const fresh = await agent.step(0.05, js(0.05));
    assert.equal(fresh.command.hold, false);
    const stale = await agent.step(0.05 + 0.3, {}); // default max age 0.25 s
    assert.equal(stale.command.hold, true);
    assert.ok(stale.telemetry.interventions.some((i) => i.kind === 'stale_joint_state'), 'stale_joint_state reported');
  });

  test('non-finite joint states never reach the command', async () => {
    const agent = new Agent({ chain, settings: testSettings() });
    agent.setGoal({ joints: new Float64Array(dof).fill(0.5) });
    const bad = new Float64Array(dof).fill(Number.NaN);
    const out = await agent.step(0.05, js(0.05, bad));
    assert.equal(out.command.hold, true);
    for (const v of out.command.values) assert.ok(Number.isFinite(v), 'finite command');
    assert.ok(agent.memoryRejected().non_finite >= 1, 'rejection counted');
  });

  test('a planner that throws gives a hold and a counted error, not an exception', async () => {
    const settings = testSettings();
    const agent = new Agent({
      chain,
      settings,
      createModel: () => {
        const m = { kind: 'broken', layout: { latentDim: 0, dof, qOffset: 0, qdOffset: dof, stateDim: 2 * dof }, stateDim: 2 * dof, actionDim: dof, dtS: dt, differentiable: false };
        return { ...m, step() {}, rollout() { throw new Error('model exploded'); } };
      },
    });
    agent.setGoal({ joints: new Float64Array(dof).fill(0.5) });
    const out = await agent.step(0.05, js(0.05));
    assert.equal(out.telemetry.status, 'planner_error');
    assert.equal(out.telemetry.plannerError, 'model exploded');
    assert.equal(out.command.hold, true);
    assert.equal(agent.plannerErrorCount, 1);
  });

  test('settings change only at the next tick boundary, as one snapshot', async () => {
    const base = testSettings('cem');
    const agent = new Agent({ chain, settings: base });
    agent.setGoal({ joints: new Float64Array(dof).fill(0.5) });
    const a = await agent.step(0.05, js(0.05));
    assert.equal(a.telemetry.plan?.horizon, base.planner.horizon);
    const next: AgentSettings = { ...base, planner: { ...base.planner, name: 'mppi', horizon: 7 } };
    agent.configure(next);
    assert.equal(agent.currentSettings, base, 'not applied before the tick');
    const b = await agent.step(0.1, js(0.1));
    assert.equal(b.telemetry.plan?.planner, 'mppi');
    assert.equal(b.telemetry.plan?.horizon, 7);
    assert.equal(b.telemetry.plan?.actions.length, 7 * dof, 'buffers re-sized for the new horizon');
  });

  test('tfjs tensor count is unchanged over 1,000 agent steps', async () => {
    await tf.setBackend('cpu');
    const agent = new Agent({ chain, settings: testSettings('gradient') });
    agent.setGoal({ eePosition: Float64Array.from([0.3, 0.2, 0.6]) });
    const q = new Float64Array(dof).fill(0.2);
    const before = tf.memory().numTensors;
    for (let k = 1; k <= 1000; k++) {
      const out = await agent.step(k * dt, js(k * dt, q));
      for (let j = 0; j < dof; j++) q[j]! += dt * out.command.values[j]!;
    }
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('Agent.step, position interface', () => {
  test('before any joint state nothing publishable comes out (never a target of all zeros)', async () => {
    const agent = new Agent({ chain, settings: testSettings('cem', { commandInterface: 'position' }) });
    agent.setGoal({ joints: new Float64Array(dof).fill(0.3) });
    const out = await agent.step(0.05);
    assert.equal(out.command.hold, true, 'a hold');
    assert.equal(out.command.publish, false, 'not publishable without a known position');
  });

  test('position targets move from the measured position toward the goal', async () => {
    const agent = new Agent({ chain, settings: testSettings('gradient', { commandInterface: 'position' }) });
    agent.setGoal({ joints: new Float64Array(dof).fill(0.3) });
    const q = new Float64Array(dof).fill(0.1);
    const out = await agent.step(0.05, js(0.05, q));
    assert.equal(out.command.publish, true, 'publishable');
    for (let j = 0; j < dof; j++) assert.ok(out.command.values[j]! > 0.1 && out.command.values[j]! <= 0.3 + 1e-9, `joint ${j} target ${out.command.values[j]}`);
  });
});
