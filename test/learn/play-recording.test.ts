import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src/learn/dataset.ts';
import { summarizeMcap } from '../../src/learn/mcap/reader.ts';
import { OrnsteinUhlenbeck } from '../../src/learn/ou-noise.ts';
import { ClearanceChecker, DEFAULT_CLEARANCE, DEMO_ARM_REGION, jointRegion } from '../../src/learn/workspace.ts';
import { Rng } from '../../src/sim/random.ts';
import { DEMO_OBSTACLE, demoArm, recordTiny } from './helpers.ts';

const JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'odra-play-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('recordPlay', () => {
  test('records image, joint state and command every tick, safely, reproducibly', async () => {
    const a = await recordTiny(join(dir, 'a.mcap'), 2, 15, 9);
    await recordTiny(join(dir, 'b.mcap'), 2, 15, 9);
    assert.equal(a.frames, 30);
    assert.equal(a.limitViolationTicks, 0);
    assert.equal(a.keepOutViolationTicks, 0);
    assert.equal(a.droppedMessages, 0);
    assert.ok(a.minZoneClearanceM > 0);
    const sum = await summarizeMcap(join(dir, 'a.mcap'));
    assert.deepEqual(
      sum.topics.map((t) => [t.topic, t.type, t.count]),
      [
        ['/camera/image_raw', 'sensor_msgs/msg/Image', 30],
        ['/forward_velocity_controller/commands', 'std_msgs/msg/Float64MultiArray', 30],
        ['/joint_states', 'sensor_msgs/msg/JointState', 30],
      ],
    );
    assert.equal(sum.metadata['odra']?.['dt_s'], '0.05');
    const da = await loadDataset([join(dir, 'a.mcap')], { jointNames: JOINTS, width: 16, height: 16 });
    const db = await loadDataset([join(dir, 'b.mcap')], { jointNames: JOINTS, width: 16, height: 16 });
    assert.equal(da.hash, db.hash);
    assert.deepEqual(da.segments, [
      { start: 0, length: 15 },
      { start: 15, length: 15 },
    ]);
    // the command is within the velocity limits and the arm follows it (q changes by about dt·a)
    let moved = 0;
    for (let n = 0; n < 14; n++) for (let j = 0; j < 6; j++) moved += Math.abs(da.q[(n + 1) * 6 + j]! - da.q[n * 6 + j]!);
    assert.ok(moved > 0.05, `moved ${moved}`);
  });

  test('the clearance check flags the obstacle, the table and nothing in free space', () => {
    const { chain } = demoArm();
    const c = new ClearanceChecker(chain, DEMO_OBSTACLE, 0);
    // reaching forward and down onto the obstacle at pan ≈ −0.5 rad
    const intoBox = [-0.52, 1.15, 1.0, 0.9, 0, 0];
    const free = [0.6, 0.5, 1.0, 0.3, 0, 0];
    const m = c.measure(free);
    assert.ok(m.zone > DEFAULT_CLEARANCE.zoneM && m.table > DEFAULT_CLEARANCE.tableM, JSON.stringify(m));
    assert.ok(c.clear(free));
    assert.ok(c.measure(intoBox).zone < 0.02 || c.measure(intoBox).table < 0.03);
    assert.ok(!c.clear(intoBox));
    const region = jointRegion(chain, DEMO_ARM_REGION);
    assert.deepEqual([region.lower[0], region.upper[0]], [-1, 1]);
  });

  test('the Ornstein–Uhlenbeck velocities have the configured spread and are smooth', () => {
    const ou = new OrnsteinUhlenbeck(1, 0.5, Float64Array.of(0.4));
    const rng = new Rng(1);
    ou.reset(rng);
    const mu = new Float64Array(1);
    let s2 = 0;
    let d2 = 0;
    let prev = ou.value[0]!;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = ou.step(rng, 0.05, mu)[0]!;
      s2 += v * v;
      d2 += (v - prev) ** 2;
      prev = v;
    }
    const std = Math.sqrt(s2 / n);
    assert.ok(Math.abs(std - 0.4) < 0.05, `std ${std}`);
    // per-step change: σ·√(2·dt/τ) ≈ 0.4·0.45 = 0.18 (much smaller than white noise of the same spread)
    assert.ok(Math.sqrt(d2 / n) < 0.25);
  });
});
