import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Float64MultiArray, PoseStamped } from '../../src/bus/messages.ts';
import { HOME, JOINTS, harness, testConfig } from './helpers.ts';

const POSITION_TOPIC = '/forward_position_controller/commands';
const VELOCITY_TOPIC = '/forward_velocity_controller/commands';

function pose(frame: string, p: [number, number, number], q: [number, number, number, number]): PoseStamped {
  return {
    header: { stamp: { sec: 0, nanosec: 0 }, frame_id: frame },
    pose: { position: { x: p[0], y: p[1], z: p[2] }, orientation: { x: q[0], y: q[1], z: q[2], w: q[3] } },
  };
}

describe('agent node inputs', () => {
  test('joint states in any order (with extra joints) map by name to the configured order', async () => {
    // position interface without a goal holds the measured position: the command shows the mapping
    const h = harness(testConfig({ 'control.command_interface': 'position' }));
    h.listen('std_msgs/msg/Float64MultiArray', POSITION_TOPIC);
    const order = [3, 0, 5, 1, 4, 2];
    h.feed([...order.map((i) => HOME[i]!), 0.7], [...order.map((i) => JOINTS[i]!), 'gripper_joint']);
    await h.tick();
    assert.deepEqual(Array.from(h.node.measuredPosition!), HOME);
    const cmd = h.last<Float64MultiArray>(POSITION_TOPIC);
    assert.equal(cmd.data.length, 6);
    for (let j = 0; j < 6; j++) assert.ok(Math.abs(cmd.data[j]! - HOME[j]!) < 1e-9, `joint ${j}: ${cmd.data[j]} vs ${HOME[j]}`);
    assert.equal(h.node.droppedTotal, 0);
  });

  test('malformed or non-finite joint states are dropped, counted by reason, and never produce a command', async () => {
    const h = harness(testConfig({ 'control.command_interface': 'position' }));
    h.listen('std_msgs/msg/Float64MultiArray', POSITION_TOPIC);
    const bad = HOME.slice();
    bad[2] = Number.NaN;
    h.feed(bad);
    h.feed(HOME.slice(0, 5));
    h.feed(HOME, JOINTS, [0, 0, 0]);
    h.feed(HOME.slice(0, 5), JOINTS.slice(0, 5));
    h.feed([...HOME, 0], [...JOINTS, JOINTS[0]!]);
    h.feed([], []);
    h.feed(HOME, JOINTS, [0, 0, Number.POSITIVE_INFINITY, 0, 0, 0]);
    await h.tick(3);
    assert.deepEqual(h.node.dropped(), {
      joint_states: { non_finite: 2, wrong_size: 2, missing_joint: 1, duplicate_joint: 1, empty: 1 },
    });
    assert.equal(h.node.measuredPosition, null);
    // a position controller must get nothing before any position is known
    assert.equal(h.count(POSITION_TOPIC), 0);
    assert.equal(h.node.lastTelemetry?.status, 'no_joint_state');
    // one throttled warning per reason
    const warnings = h.logs.filter((r) => r.level === 'warn' && r.msg.includes('joint_states'));
    assert.equal(warnings.length, 5);
  });

  test('a bad joint state after a good one changes nothing (velocity interface only ever holds)', async () => {
    const h = harness(testConfig({ 'goal.joints': [0.5, -0.2, 0.6, -0.1, 0.2, 0.0] }));
    h.listen('std_msgs/msg/Float64MultiArray', VELOCITY_TOPIC);
    h.feed(HOME);
    await h.tick();
    const moving = h.last<Float64MultiArray>(VELOCITY_TOPIC);
    assert.ok(moving.data.some((v) => v !== 0));
    const bad = HOME.slice();
    bad[0] = Number.NaN;
    for (let k = 0; k < 8; k++) {
      h.feed(bad);
      await h.tick();
    }
    assert.deepEqual(Array.from(h.node.measuredPosition!), HOME);
    // without fresh joint states the watchdog stops the arm: zero velocities, never a NaN
    const last = h.last<Float64MultiArray>(VELOCITY_TOPIC);
    assert.ok(last.data.every((v) => v === 0));
    for (const m of h.received.get(VELOCITY_TOPIC) as Float64MultiArray[]) assert.ok(m.data.every(Number.isFinite));
    assert.equal(h.node.dropped()['joint_states']?.['non_finite'], 8);
  });

  test('stale joint states hold the arm; fresh ones release it', async () => {
    const h = harness(testConfig({ 'goal.joints': [0.5, -0.2, 0.6, -0.1, 0.2, 0.0] }));
    h.listen('std_msgs/msg/Float64MultiArray', VELOCITY_TOPIC);
    h.feed(HOME);
    await h.tick();
    assert.equal(h.node.lastTelemetry?.hold, false);
    // joint_state_max_age_s is 0.25 s: five 50 ms ticks without a state pass it
    await h.tick(6);
    assert.equal(h.node.lastTelemetry?.hold, true);
    assert.ok(h.node.lastTelemetry?.interventions.some((i) => i.kind === 'stale_joint_state'));
    assert.ok(h.last<Float64MultiArray>(VELOCITY_TOPIC).data.every((v) => v === 0));
    h.feed(HOME);
    await h.tick();
    assert.equal(h.node.lastTelemetry?.hold, false);
    assert.ok(h.last<Float64MultiArray>(VELOCITY_TOPIC).data.some((v) => v !== 0));
  });

  test('the e-stop latches until ~/reset', async () => {
    const h = harness(testConfig({ 'goal.joints': [0.5, -0.2, 0.6, -0.1, 0.2, 0.0] }));
    h.listen('std_msgs/msg/Float64MultiArray', VELOCITY_TOPIC);
    const run = async (n: number): Promise<Float64MultiArray> => {
      for (let k = 0; k < n; k++) {
        h.feed(HOME);
        await h.tick();
      }
      return h.last<Float64MultiArray>(VELOCITY_TOPIC);
    };
    assert.ok((await run(2)).data.some((v) => v !== 0));
    h.publish('std_msgs/msg/Bool', '/odra_agent/estop', { data: true });
    assert.ok((await run(1)).data.every((v) => v === 0));
    // false does not release it
    h.publish('std_msgs/msg/Bool', '/odra_agent/estop', { data: false });
    assert.ok((await run(4)).data.every((v) => v === 0));
    assert.equal(h.node.lastTelemetry?.hold, true);
    assert.ok(h.node.interventionCounts()['estop']! >= 5);
    const client = h.driver.createClient('std_srvs/srv/Trigger', '/odra_agent/reset');
    const pending = client.call({});
    h.bus.spinOnce();
    const res = await pending;
    assert.equal(res.success, true);
    assert.ok((await run(2)).data.some((v) => v !== 0));
    assert.equal(h.node.lastTelemetry?.hold, false);
  });

  test('joint goals: by name in any order, or unnamed in the configured order; bad ones are dropped', async () => {
    const h = harness();
    const goal = [0.5, -0.2, 0.6, -0.1, 0.2, 0.0];
    const order = [5, 4, 3, 2, 1, 0];
    const js = (position: number[], name: string[]) => ({
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
      name,
      position: Float64Array.from(position),
      velocity: new Float64Array(0),
      effort: new Float64Array(0),
    });
    h.publish('sensor_msgs/msg/JointState', '/odra_agent/goal_joints', js(order.map((i) => goal[i]!), order.map((i) => JOINTS[i]!)));
    h.bus.spinOnce();
    assert.deepEqual(Array.from(h.node.agent.currentGoal!.joints!), goal);
    h.publish('sensor_msgs/msg/JointState', '/odra_agent/goal_joints', js(HOME, []));
    h.bus.spinOnce();
    assert.deepEqual(Array.from(h.node.agent.currentGoal!.joints!), HOME);
    h.publish('sensor_msgs/msg/JointState', '/odra_agent/goal_joints', js([1, 2, 3], []));
    h.publish('sensor_msgs/msg/JointState', '/odra_agent/goal_joints', js([0, 0, 0, 0, 0, 9], []));
    h.publish('sensor_msgs/msg/JointState', '/odra_agent/goal_joints', js([0, 0, Number.NaN, 0, 0, 0], []));
    h.bus.spinOnce();
    assert.deepEqual(Array.from(h.node.agent.currentGoal!.joints!), HOME);
    assert.deepEqual(h.node.dropped(), { goal_joints: { wrong_size: 1, outside_limits: 1, non_finite: 1 } });
  });

  test('pose goals: base frame or empty; a zero quaternion means position only', async () => {
    const h = harness();
    h.publish('geometry_msgs/msg/PoseStamped', '/odra_agent/goal_pose', pose('base_link', [0.4, 0.1, 0.3], [0, 0, 0, 0]));
    h.bus.spinOnce();
    let g = h.node.agent.currentGoal!;
    assert.deepEqual(Array.from(g.eePosition!), [0.4, 0.1, 0.3]);
    assert.equal(g.eeRotation, undefined);
    // a 180° turn about x: y and z flip
    h.publish('geometry_msgs/msg/PoseStamped', '/odra_agent/goal_pose', pose('', [0.3, 0, 0.5], [1, 0, 0, 0]));
    h.bus.spinOnce();
    g = h.node.agent.currentGoal!;
    assert.deepEqual(Array.from(g.eeRotation!), [1, 0, 0, 0, -1, 0, 0, 0, -1]);
    h.publish('geometry_msgs/msg/PoseStamped', '/odra_agent/goal_pose', pose('world', [0, 0, 0.5], [0, 0, 0, 1]));
    h.publish('geometry_msgs/msg/PoseStamped', '/odra_agent/goal_pose', pose('base_link', [0, 0, 0.5], [0, 0, 0.5, 0.5]));
    h.publish('geometry_msgs/msg/PoseStamped', '/odra_agent/goal_pose', pose('base_link', [Number.NaN, 0, 0.5], [0, 0, 0, 1]));
    h.bus.spinOnce();
    assert.deepEqual(Array.from(h.node.agent.currentGoal!.eePosition!), [0.3, 0, 0.5]);
    assert.deepEqual(h.node.dropped(), { goal_pose: { wrong_frame: 1, bad_quaternion: 1, non_finite: 1 } });
  });
});
