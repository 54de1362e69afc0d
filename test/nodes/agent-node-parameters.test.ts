import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JointTrajectory } from '../../src/bus/messages.ts';
import { listParameters } from '../../src/config/catalog.ts';
import { HOME, harness, testConfig } from './helpers.ts';

const GOAL = { 'goal.joints': [0.5, -0.2, 0.6, -0.1, 0.2, 0.0] };

describe('agent node parameters', () => {
  test('every catalog parameter is declared with its descriptor (read-only or live, range)', () => {
    const h = harness();
    const names = listParameters().map((p) => p.name);
    assert.deepEqual(h.node.node.getParameters().map((p) => p.name), names);
    const [horizon] = h.node.node.describeParameters(['planner.horizon']);
    assert.equal(horizon?.type, 'integer');
    assert.equal(horizon?.readOnly, false);
    assert.deepEqual(horizon?.integerRange, { fromValue: 2, toValue: 128, step: 1 });
    assert.match(horizon!.description, /\[steps\]$/);
    const [rate] = h.node.node.describeParameters(['control.rate_hz']);
    assert.equal(rate?.readOnly, true);
    assert.deepEqual(rate?.floatingPointRange, { fromValue: 1, toValue: 1000, step: 0 });
    // values come from the loaded configuration, not the schema defaults
    assert.equal(h.node.node.getParameter('planner.samples')?.value, 32);
    const refused = h.bus.setParameters('/odra_agent', [{ name: 'control.rate_hz', value: 50 }]);
    assert.equal(refused[0]?.successful, false);
    assert.match(refused[0]!.reason, /read-only/);
  });

  test('a change with several problems is vetoed with every reason and changes nothing', async () => {
    const h = harness();
    h.feed(HOME);
    await h.tick();
    const res = h.bus.setParametersAtomically('/odra_agent', [
      { name: 'planner.cem.elites', value: 40 },
      { name: 'planner.cem.std_min', value: 2 },
      { name: 'planner.time_budget_ms', value: 80 },
      { name: 'planner.horizon', value: 5 },
    ]);
    assert.equal(res.successful, false);
    assert.match(res.reason, /planner\.cem\.elites: must be ≤ planner\.samples \(32\), got 40/);
    assert.match(res.reason, /planner\.cem\.std_min: must be ≤ planner\.cem\.std_init/);
    assert.match(res.reason, /planner\.time_budget_ms: must be ≤ the control period/);
    assert.equal(h.node.node.getParameter('planner.horizon')?.value, 8);
    await h.tick();
    assert.equal(h.node.config.planner.horizon, 8);
    assert.equal(h.node.config.planner.cem.elites, 4);
    // a range problem is refused by the transport's own check, with the value and the range
    const [range] = h.bus.setParameters('/odra_agent', [{ name: 'planner.samples', value: 1 }]);
    assert.equal(range?.successful, false);
    assert.match(range!.reason, /outside \[2, 8192\]/);
  });

  test('a valid change takes effect at the next tick, never during the tick in flight', async () => {
    const h = harness(testConfig(GOAL));
    h.feed(HOME);
    await h.tick();
    assert.equal(h.node.lastTelemetry?.plan?.horizon, 8);
    // start a tick, and change the horizon while it is planning
    h.feed(HOME);
    h.bus.advance(h.dtS);
    const res = h.bus.setParameters('/odra_agent', [{ name: 'planner.horizon', value: 5 }]);
    assert.equal(res[0]?.successful, true);
    assert.equal(h.node.config.planner.horizon, 8);
    await h.node.idle();
    h.bus.spinOnce();
    assert.equal(h.node.lastTelemetry?.plan?.horizon, 8);
    assert.equal(h.node.agent.currentSettings.planner.horizon, 8);
    h.feed(HOME);
    await h.tick();
    assert.equal(h.node.lastTelemetry?.plan?.horizon, 5);
    assert.equal(h.node.config.planner.horizon, 5);
  });

  test('horizon and samples change live: the plan, the published ~/plan and the rollouts follow', async () => {
    const h = harness(testConfig(GOAL));
    h.listen('trajectory_msgs/msg/JointTrajectory', '/odra_agent/plan');
    h.feed(HOME);
    await h.tick();
    assert.equal(h.last<JointTrajectory>('/odra_agent/plan').points.length, 8);
    const rollouts32 = h.node.lastTelemetry!.plan!.rollouts;
    assert.ok(rollouts32 >= 32);
    const res = h.bus.setParametersAtomically('/odra_agent', [
      { name: 'planner.horizon', value: 14 },
      { name: 'planner.samples', value: 48 },
    ]);
    assert.equal(res.successful, true, res.reason);
    h.feed(HOME);
    await h.tick();
    const plan = h.node.lastTelemetry!.plan!;
    assert.equal(plan.horizon, 14);
    // one iteration: 16 more samples, 16 more rollouts
    assert.equal(plan.rollouts - rollouts32, 16);
    assert.equal(plan.actions.length, 14 * 6);
    assert.equal(h.last<JointTrajectory>('/odra_agent/plan').points.length, 14);
    assert.ok(plan.actions.every(Number.isFinite));
  });

  test('live goal and keep-out parameters reach the agent at the next tick', async () => {
    const h = harness();
    h.feed(HOME);
    await h.tick();
    assert.equal(h.node.agent.currentGoal, null);
    const res = h.bus.setParametersAtomically('/odra_agent', [
      { name: 'goal.position', value: [0.3, 0.1, 0.4] },
      { name: 'keep_out.spheres', value: [0.5, 0.5, 0.5, 0.1] },
    ]);
    assert.equal(res.successful, true, res.reason);
    assert.equal(h.node.agent.currentGoal, null);
    h.feed(HOME);
    await h.tick();
    assert.deepEqual(Array.from(h.node.agent.currentGoal!.eePosition!), [0.3, 0.1, 0.4]);
    assert.deepEqual(h.node.agent.currentSettings.keepOutSpheres, [0.5, 0.5, 0.5, 0.1]);
  });
});
