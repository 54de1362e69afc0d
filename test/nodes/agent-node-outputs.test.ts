import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DiagnosticArray, Float64MultiArray, JointTrajectory, MarkerArray } from '../../src/bus/messages.ts';
import { DIAGNOSTIC_LEVEL, MARKER_TYPE, secondsFromDuration } from '../../src/bus/messages.ts';
import { arm6 } from '../cost/helpers.ts';
import { HOME, JOINTS, harness, testConfig } from './helpers.ts';

const VELOCITY_TOPIC = '/forward_velocity_controller/commands';
const POSITION_TOPIC = '/forward_position_controller/commands';
const TRAJECTORY_TOPIC = '/joint_trajectory_controller/joint_trajectory';
/** joint states arrive in this (reversed) order */
const SHUFFLED = [5, 4, 3, 2, 1, 0];

/** HOME with one joint displaced by +0.6 rad. */
function goalMoving(joint: number): number[] {
  const g = HOME.slice();
  g[joint]! += 0.6;
  return g;
}

function feedShuffled(h: ReturnType<typeof harness>, q: readonly number[]): void {
  h.feed(SHUFFLED.map((i) => q[i]!), SHUFFLED.map((i) => JOINTS[i]!));
}

function argMaxAbs(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (Math.abs(a[i]!) > Math.abs(a[best]!)) best = i;
  return best;
}

const limits = arm6().limits;
// safety.position_margin_rad default
const MARGIN = 0.02;

describe('agent node outputs', () => {
  test('forward velocity: configured order, finite, within the velocity limits', async () => {
    const h = harness(testConfig({ 'goal.joints': goalMoving(2) }));
    h.listen('std_msgs/msg/Float64MultiArray', VELOCITY_TOPIC);
    h.listen('std_msgs/msg/Float64MultiArray', POSITION_TOPIC);
    for (let k = 0; k < 6; k++) {
      feedShuffled(h, HOME);
      await h.tick();
    }
    assert.equal(h.count(VELOCITY_TOPIC), 6);
    assert.equal(h.count(POSITION_TOPIC), 0);
    for (const m of h.received.get(VELOCITY_TOPIC) as Float64MultiArray[]) {
      assert.equal(m.data.length, 6);
      m.data.forEach((v, j) => {
        assert.ok(Number.isFinite(v));
        assert.ok(Math.abs(v) <= limits[j]!.velocity! + 1e-9, `joint ${j}: ${v}`);
      });
    }
    const last = h.last<Float64MultiArray>(VELOCITY_TOPIC);
    assert.equal(argMaxAbs(last.data), 2);
    assert.ok(last.data[2]! > 0);
  });

  test('forward position: configured order, finite, inside the limits less the margin', async () => {
    const h = harness(testConfig({ 'control.command_interface': 'position', 'goal.joints': goalMoving(4) }));
    h.listen('std_msgs/msg/Float64MultiArray', POSITION_TOPIC);
    for (let k = 0; k < 6; k++) {
      feedShuffled(h, HOME);
      await h.tick();
    }
    assert.equal(h.count(POSITION_TOPIC), 6);
    for (const m of h.received.get(POSITION_TOPIC) as Float64MultiArray[]) {
      m.data.forEach((p, j) => {
        assert.ok(Number.isFinite(p));
        assert.ok(p >= limits[j]!.lower! + MARGIN - 1e-9 && p <= limits[j]!.upper! - MARGIN + 1e-9, `joint ${j}: ${p}`);
      });
    }
    const last = h.last<Float64MultiArray>(POSITION_TOPIC);
    const delta = last.data.map((p, j) => p - HOME[j]!);
    assert.equal(argMaxAbs(delta), 4);
    assert.ok(delta[4]! > 0);
  });

  test('trajectory: the planned horizon, stamped, in configured order, limited and timed', async () => {
    const h = harness(testConfig({ 'control.output': 'trajectory', 'control.trajectory_points': 5, 'goal.joints': goalMoving(1) }));
    h.listen('trajectory_msgs/msg/JointTrajectory', TRAJECTORY_TOPIC);
    h.listen('std_msgs/msg/Float64MultiArray', VELOCITY_TOPIC);
    for (let k = 0; k < 4; k++) {
      feedShuffled(h, HOME);
      await h.tick();
    }
    assert.equal(h.count(VELOCITY_TOPIC), 0);
    assert.equal(h.count(TRAJECTORY_TOPIC), 4);
    const tr = h.last<JointTrajectory>(TRAJECTORY_TOPIC);
    assert.deepEqual(tr.joint_names, JOINTS);
    assert.equal(tr.points.length, 5);
    assert.ok(Math.abs(tr.header.stamp.sec + tr.header.stamp.nanosec * 1e-9 - h.bus.nowS()) < 1e-6);
    let prevT = 0;
    for (const p of tr.points) {
      const t = secondsFromDuration(p.time_from_start);
      assert.ok(t > prevT, `time_from_start ${t} after ${prevT}`);
      prevT = t;
      assert.equal(p.positions.length, 6);
      assert.equal(p.velocities.length, 6);
      p.positions.forEach((x, j) => {
        assert.ok(Number.isFinite(x) && x >= limits[j]!.lower! + MARGIN - 1e-9 && x <= limits[j]!.upper! - MARGIN + 1e-9);
      });
      p.velocities.forEach((v, j) => assert.ok(Number.isFinite(v) && Math.abs(v) <= limits[j]!.velocity! + 1e-9));
    }
    // the first point is 1 control period ahead and moves joint 1 towards its goal
    assert.ok(Math.abs(secondsFromDuration(tr.points[0]!.time_from_start) - 0.05) < 1e-9);
    const step = tr.points[tr.points.length - 1]!.positions.map((x, j) => x - HOME[j]!);
    assert.equal(argMaxAbs(step), 1);
    assert.ok(step[1]! > 0);
  });

  test('~/plan_markers, ~/cost_terms and /diagnostics', async () => {
    const h = harness(testConfig({ 'goal.joints': goalMoving(0) }));
    h.listen('visualization_msgs/msg/MarkerArray', '/odra_agent/plan_markers');
    h.listen('std_msgs/msg/Float64MultiArray', '/odra_agent/cost_terms');
    h.listen('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics');
    // 1 s without joint states: the first report says they are stale
    await h.tick(20);
    const stale = h.last<DiagnosticArray>('/diagnostics');
    const byName = (d: DiagnosticArray, what: string) => d.status.find((s) => s.name === `odra_agent: ${what}`)!;
    assert.deepEqual(
      stale.status.map((s) => s.name),
      ['odra_agent: joint_states', 'odra_agent: planner', 'odra_agent: safety', 'odra_agent: inputs'],
    );
    assert.equal(byName(stale, 'joint_states').level, DIAGNOSTIC_LEVEL.STALE);
    assert.equal(byName(stale, 'safety').level, DIAGNOSTIC_LEVEL.WARN);
    for (let k = 0; k < 20; k++) {
      h.feed(HOME);
      await h.tick();
    }
    const markers = h.last<MarkerArray>('/odra_agent/plan_markers');
    const line = markers.markers[0]!;
    assert.equal(line.type, MARKER_TYPE.LINE_STRIP);
    assert.equal(line.header.frame_id, 'base_link');
    assert.equal(line.points.length, 8 + 1);
    assert.ok(secondsFromDuration(line.lifetime) > 0);
    const costs = h.last<Float64MultiArray>('/odra_agent/cost_terms');
    const names = costs.layout.dim[0]!.label.split(',');
    assert.equal(names[0], 'total');
    assert.ok(names.includes('joint_goal'));
    assert.equal(costs.data.length, names.length);
    const sum = costs.data.subarray(1).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(costs.data[0]! - sum) <= 1e-6 * Math.max(1, sum), `total ${costs.data[0]} vs Σ terms ${sum}`);
    const ok = h.last<DiagnosticArray>('/diagnostics');
    assert.equal(byName(ok, 'joint_states').level, DIAGNOSTIC_LEVEL.OK);
    // the report at t = 2 s runs while that instant's tick is still planning
    const plans = Number(byName(ok, 'planner').values.find((v) => v.key === 'plans')?.value);
    assert.ok(plans === 19 || plans === 20, `plans ${plans}`);
  });
});
