import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';
import type { InProcessNode } from '../../src/bus/in-process.ts';
import { makeHeader, type Float64MultiArray, type JointTrajectory } from '../../src/bus/messages.ts';
import type { ParameterValue } from '../../src/bus/parameters.ts';
import { AgentLifecycle } from '../../src/ros/agent-lifecycle.ts';
import { loadAgentChain, resolveAgentConfig } from '../../src/ros/agent-config.ts';

const JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
const START = [0.1, -0.8, 1.0, -1.2, -1.4, 0.2];

interface Rig {
  bus: InProcessBus;
  node: InProcessNode;
  lc: AgentLifecycle;
  commands: Float64MultiArray[];
  trajectories: JointTrajectory[];
  run(seconds: number): Promise<void>;
}

/** An agent node with a lifecycle, a fake robot publishing joint states at 100 Hz, and a probe on the command topics. */
function rig(overrides: Record<string, ParameterValue>): Rig {
  const bus = new InProcessBus({ logSink: () => {} });
  const node = bus.createNode('odra_agent');
  const lc = new AgentLifecycle(node, {
    resolveConfig: () => resolveAgentConfig(node, overrides).config,
    assemble: (config) => ({ chain: loadAgentChain(config), options: { seed: 7, warnPeriodS: 60 } }),
  });
  const robot = bus.createNode('robot');
  const js = robot.createPublisher('sensor_msgs/msg/JointState', '/joint_states');
  robot.createTimer(0.01, () =>
    js.publish({
      header: makeHeader(robot.nowS()),
      name: JOINTS,
      position: Float64Array.from(START),
      velocity: new Float64Array(6),
      effort: new Float64Array(0),
    }),
  );
  const commands: Float64MultiArray[] = [];
  const trajectories: JointTrajectory[] = [];
  robot.createSubscription('std_msgs/msg/Float64MultiArray', '/forward_velocity_controller/commands', (m) => commands.push(m));
  robot.createSubscription('std_msgs/msg/Float64MultiArray', '/forward_position_controller/commands', (m) => commands.push(m));
  robot.createSubscription('trajectory_msgs/msg/JointTrajectory', '/joint_trajectory_controller/joint_trajectory', (m) => trajectories.push(m));
  const run = async (seconds: number): Promise<void> => {
    // ticks plan asynchronously: let each one finish before time moves on
    for (let t = 0; t < seconds - 1e-9; t += 0.01) {
      bus.advance(0.01);
      await lc.agent?.idle();
      await new Promise<void>((r) => setImmediate(r));
      bus.spinOnce();
    }
  };
  return { bus, node, lc, commands, trajectories, run };
}

const GOAL = { 'goal.joints': [0.3, -0.6, 0.9, -1.0, -1.2, 0.0], 'planner.samples': 32, 'planner.horizon': 8 };

describe('agent lifecycle on the in-process bus', () => {
  test('configure → activate → deactivate → cleanup → configure, with a hold on deactivate', async () => {
    const r = rig(GOAL);
    assert.equal(r.lc.state, 'unconfigured');
    assert.deepEqual(r.lc.configure(), { ok: true });
    assert.equal(r.lc.state, 'inactive');
    await r.run(0.3);
    assert.equal(r.commands.length, 0, 'no command while inactive');

    assert.deepEqual(r.lc.activate(), { ok: true });
    await r.run(0.5);
    const active = r.commands.length;
    assert.ok(active >= 5, `expected commands at 20 Hz, got ${active}`);
    assert.ok(r.commands.some((c) => c.data.some((v) => v !== 0)), 'the agent moves towards the goal');

    assert.deepEqual(r.lc.deactivate(), { ok: true });
    r.bus.spinOnce();
    assert.equal(r.commands.length, active + 1, 'exactly one hold');
    assert.deepEqual([...r.commands.at(-1)!.data], [0, 0, 0, 0, 0, 0]);
    assert.equal(r.lc.holds, 1);
    await r.run(0.5);
    assert.equal(r.commands.length, active + 1, 'nothing after the hold');

    // a live change made while configured survives cleanup and the next configure
    const set = r.node.setParameters([{ name: 'planner.mppi.temperature', value: 2.5 }]);
    assert.deepEqual(set, [{ successful: true, reason: '' }]);
    assert.deepEqual(r.lc.cleanup(), { ok: true });
    assert.equal(r.node.countPublishers('/forward_velocity_controller/commands'), 0, 'cleanup released the publishers');
    assert.equal(r.node.countSubscribers('/joint_states'), 0, 'cleanup released the subscriptions');
    assert.deepEqual(r.lc.configure(), { ok: true });
    assert.equal(r.lc.agent?.config.planner.mppi.temperature, 2.5);
    assert.deepEqual(r.lc.activate(), { ok: true });
    await r.run(0.3);
    assert.ok(r.commands.length > active + 1, 'runs again after re-configure');
    assert.deepEqual(r.lc.shutdown(), { ok: true });
    r.bus.spinOnce();
    assert.equal(r.lc.state, 'finalized');
    assert.deepEqual([...r.commands.at(-1)!.data], [0, 0, 0, 0, 0, 0], 'shutdown from active holds');
  });

  test('a bad configuration refuses configure with every reason and leaves nothing behind', () => {
    const r = rig({ 'planner.samples': 1, 'control.rate_hz': 5000.0 });
    const res = r.lc.configure();
    assert.equal(res.ok, false);
    assert.ok(!res.ok && res.reason.includes('planner.samples') && res.reason.includes('control.rate_hz'), !res.ok ? res.reason : '');
    assert.equal(r.lc.state, 'unconfigured');
    assert.equal(r.node.countSubscribers('/joint_states'), 0);
  });

  test('position interface: the hold is the measured position; trajectory output: a one-point trajectory', async () => {
    const pos = rig({ ...GOAL, 'control.command_interface': 'position' });
    pos.lc.configure();
    pos.lc.activate();
    await pos.run(0.2);
    pos.lc.deactivate();
    pos.bus.spinOnce();
    assert.deepEqual([...pos.commands.at(-1)!.data], START);

    const traj = rig({ ...GOAL, 'control.output': 'trajectory' });
    traj.lc.configure();
    traj.lc.activate();
    await traj.run(0.2);
    traj.lc.deactivate();
    traj.bus.spinOnce();
    const hold = traj.trajectories.at(-1)!;
    assert.equal(hold.points.length, 1);
    assert.deepEqual([...hold.points[0]!.positions], START);
    assert.deepEqual([...hold.points[0]!.velocities], [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(hold.joint_names, JOINTS);
  });

  test('transitions out of order are refused, error() holds and returns to unconfigured', async () => {
    const r = rig(GOAL);
    assert.equal(r.lc.activate().ok, false);
    assert.equal(r.lc.cleanup().ok, false);
    r.lc.configure();
    assert.equal(r.lc.configure().ok, false);
    r.lc.activate();
    await r.run(0.2);
    const before = r.commands.length;
    assert.deepEqual(r.lc.error(), { ok: true });
    r.bus.spinOnce();
    assert.equal(r.lc.state, 'unconfigured');
    assert.equal(r.commands.length, before + 1);
    assert.deepEqual([...r.commands.at(-1)!.data], [0, 0, 0, 0, 0, 0]);
  });
});
