import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JOINT_HAS_EFFORT,
  JOINT_HAS_VELOCITY,
  ShortTermMemory,
} from '../../src/memory/short-term-memory.ts';

const JOINTS = ['shoulder', 'elbow', 'wrist'] as const;

function memory(capacity = 8): ShortTermMemory {
  return new ShortTermMemory({ jointNames: JOINTS, latentDim: 4, actionDim: 3, capacity });
}

describe('ShortTermMemory', () => {
  test('configuration errors are collected and thrown once', () => {
    assert.throws(
      () => new ShortTermMemory({ jointNames: ['a', 'a', ''], latentDim: -1, actionDim: 1.5, capacity: 0 }),
      (e: Error) =>
        ['jointNames[1]', 'jointNames[2]', 'latentDim', 'actionDim', 'capacity'].every((p) => e.message.includes(p)),
    );
  });

  test('empty snapshot: nothing present, ages infinite', () => {
    const snap = memory().snapshot(10);
    assert.equal(snap.nowS, 10);
    for (const part of [snap.joints, snap.latent, snap.action]) {
      assert.equal(part.present, false);
      assert.equal(part.ageS, Number.POSITIVE_INFINITY);
      assert.ok(Number.isNaN(part.stampS));
    }
    assert.equal(snap.joints.position.length, 3);
    assert.equal(snap.latent.values.length, 4);
    assert.equal(snap.action.values.length, 3);
  });

  test('snapshot holds the newest of each stream with its age', () => {
    const m = memory();
    m.pushJointState(1.0, [0.1, 0.2, 0.3], [1, 2, 3], null);
    m.pushJointState(1.1, [0.4, 0.5, 0.6], [4, 5, 6], [7, 8, 9]);
    m.pushLatent(0.9, new Float32Array([1, 2, 3, 4]));
    m.pushAction(1.05, new Float64Array([-1, 0, 1]));
    const snap = m.snapshot(1.25);
    assert.equal(snap.joints.stampS, 1.1);
    assert.ok(Math.abs(snap.joints.ageS - 0.15) < 1e-12);
    assert.deepEqual([...snap.joints.position], [0.4, 0.5, 0.6]);
    assert.deepEqual([...snap.joints.velocity], [4, 5, 6]);
    assert.deepEqual([...snap.joints.effort], [7, 8, 9]);
    assert.deepEqual([...snap.joints.state], [0.4, 0.5, 0.6, 4, 5, 6, 7, 8, 9]);
    assert.equal(snap.joints.hasVelocity, true);
    assert.equal(snap.joints.hasEffort, true);
    assert.ok(Math.abs(snap.latent.ageS - 0.35) < 1e-12);
    assert.deepEqual([...snap.latent.values], [1, 2, 3, 4]);
    assert.ok(Math.abs(snap.action.ageS - 0.2) < 1e-12);
    assert.deepEqual([...snap.action.values], [-1, 0, 1]);
  });

  test('absent velocity / effort read 0 and are flagged', () => {
    const m = memory();
    assert.equal(m.pushJointState(1, [1, 2, 3], null, []), 'ok');
    const snap = m.snapshot(1);
    assert.equal(snap.joints.hasVelocity, false);
    assert.equal(snap.joints.hasEffort, false);
    assert.deepEqual([...snap.joints.velocity], [0, 0, 0]);
    assert.equal(m.contextWindow('joints', 1).flags[0], 0);
    m.pushJointState(2, [1, 2, 3], [0, 0, 0], null);
    assert.equal(m.contextWindow('joints', 1).flags[0], JOINT_HAS_VELOCITY);
    m.pushJointState(3, [1, 2, 3], null, [0, 0, 0]);
    assert.equal(m.contextWindow('joints', 1).flags[0], JOINT_HAS_EFFORT);
  });

  test('snapshot reuses `out` and reflects clear()', () => {
    const m = memory();
    const out = m.createSnapshot();
    m.pushJointState(1, [1, 2, 3], [1, 1, 1], null);
    m.pushLatent(1, [1, 1, 1, 1]);
    assert.equal(m.snapshot(2, out), out);
    const pos = out.joints.position;
    m.clear();
    m.snapshot(3, out);
    assert.equal(out.joints.position, pos);
    assert.equal(out.joints.present, false);
    assert.equal(out.joints.hasVelocity, false);
    assert.deepEqual([...out.joints.state], new Array(9).fill(0));
    assert.equal(out.latent.present, false);
    assert.deepEqual([...out.latent.values], [0, 0, 0, 0]);
  });

  test('rejections are counted per stream and in total; nothing throws', () => {
    const m = memory();
    assert.equal(m.pushJointState(1, [0, 0, 0], null, null), 'ok');
    assert.equal(m.pushJointState(1, [0, 0, 0], null, null), 'duplicate');
    assert.equal(m.pushJointState(0.5, [0, 0, 0], null, null), 'out_of_order');
    assert.equal(m.pushJointState(2, [0, 0], null, null), 'wrong_size');
    assert.equal(m.pushJointState(2, [0, 0, 0], [0, 0], null), 'wrong_size');
    assert.equal(m.pushJointState(2, [0, 0, 0], null, [0, Number.NaN, 0]), 'non_finite');
    assert.equal(m.pushLatent(1, [0, 0, 0]), 'wrong_size');
    assert.equal(m.pushLatent(1, [0, 0, 0, Number.NaN]), 'non_finite');
    assert.equal(m.pushAction(Number.NaN, [0, 0, 0]), 'non_finite');
    assert.equal(m.pushAction(1, [0, 0, 0]), 'ok');
    assert.equal(m.pushAction(0, [0, 0, 0]), 'out_of_order');

    assert.deepEqual(m.rejected('joints'), {
      out_of_order: 1,
      duplicate: 1,
      wrong_size: 2,
      non_finite: 1,
      missing_joint: 0,
    });
    assert.deepEqual(m.rejected('latents'), {
      out_of_order: 0,
      duplicate: 0,
      wrong_size: 1,
      non_finite: 1,
      missing_joint: 0,
    });
    assert.deepEqual(m.rejected(), { out_of_order: 2, duplicate: 1, wrong_size: 3, non_finite: 3, missing_joint: 0 });
    assert.equal(m.rejectedTotal(), 9);
    assert.equal(m.accepted('joints'), 1);
    assert.equal(m.accepted('actions'), 1);
    m.resetCounts();
    assert.equal(m.rejectedTotal(), 0);
  });

  test('by-name push maps any order, ignores extra joints, rejects missing ones', () => {
    const m = memory();
    const names = ['gripper', 'wrist', 'shoulder', 'elbow'];
    assert.equal(m.pushJointStateByName(1, names, [9, 3, 1, 2], [90, 30, 10, 20], []), 'ok');
    let snap = m.snapshot(1);
    assert.deepEqual([...snap.joints.position], [1, 2, 3]);
    assert.deepEqual([...snap.joints.velocity], [10, 20, 30]);
    assert.equal(snap.joints.hasEffort, false);
    // Same layout again (cached mapping), new values.
    assert.equal(m.pushJointStateByName(2, names, [0, 6, 4, 5], null, null), 'ok');
    snap = m.snapshot(2);
    assert.deepEqual([...snap.joints.position], [4, 5, 6]);
    // A different layout is remapped.
    assert.equal(m.pushJointStateByName(3, ['elbow', 'shoulder', 'wrist'], [8, 7, 9], null, null), 'ok');
    assert.deepEqual([...m.snapshot(3).joints.position], [7, 8, 9]);
    assert.equal(m.pushJointStateByName(4, ['elbow', 'wrist'], [0, 0], null, null), 'missing_joint');
    assert.equal(m.pushJointStateByName(4, ['elbow', 'wrist'], [0, 0], null, null), 'missing_joint');
    assert.equal(m.pushJointStateByName(4, ['elbow', 'shoulder', 'wrist'], [0, 0], null, null), 'wrong_size');
    assert.equal(m.pushJointStateByName(4, ['elbow', 'shoulder', 'wrist'], [0, 0, 0], [0], null), 'wrong_size');
    assert.equal(m.pushJointStateByName(3, ['elbow', 'shoulder', 'wrist'], [0, 0, 0], null, null), 'duplicate');
    assert.equal(m.rejected('joints').missing_joint, 2);
    assert.equal(m.rejected('latents').missing_joint, 0);
    assert.equal(m.rejected().missing_joint, 2);
  });

  test('a NaN in a joint the configuration does not use is ignored', () => {
    const m = memory();
    assert.equal(m.pushJointStateByName(1, ['shoulder', 'elbow', 'wrist', 'x'], [1, 2, 3, Number.NaN], null, null), 'ok');
  });

  test('context windows: oldest first, k × dim, count when short', () => {
    const m = memory(4);
    for (let i = 0; i < 6; i++) m.pushAction(i * 0.1, [i, 10 * i, 100 * i]);
    const w = m.contextWindow('actions', 3);
    assert.equal(w.count, 3);
    assert.equal(w.dim, 3);
    assert.deepEqual([...w.stampsS], [3 * 0.1, 4 * 0.1, 5 * 0.1]);
    assert.deepEqual([...w.values], [3, 30, 300, 4, 40, 400, 5, 50, 500]);

    const out = m.createWindow('latents', 5);
    m.pushLatent(1, [1, 2, 3, 4]);
    m.pushLatent(2, [5, 6, 7, 8]);
    m.contextWindow('latents', 5, out);
    assert.equal(out.count, 2);
    assert.deepEqual([...out.values.subarray(0, 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual([...out.values.subarray(8)], new Array(12).fill(0));

    m.pushJointState(1, [1, 2, 3], [4, 5, 6], null);
    const jw = m.contextWindow('joints', 2);
    assert.equal(jw.dim, 9);
    assert.equal(jw.count, 1);
    assert.deepEqual([...jw.values.subarray(0, 9)], [1, 2, 3, 4, 5, 6, 0, 0, 0]);
  });

  test('after clear() older stamps are accepted again (reset or time jump)', () => {
    const m = memory();
    m.pushJointState(100, [0, 0, 0], null, null);
    assert.equal(m.pushJointState(1, [0, 0, 0], null, null), 'out_of_order');
    m.clear();
    assert.equal(m.size('joints'), 0);
    assert.equal(m.pushJointState(1, [0, 0, 0], null, null), 'ok');
    assert.equal(m.rejected('joints').out_of_order, 1);
  });

  test('negative age when a stamp is ahead of now', () => {
    const m = memory();
    m.pushLatent(5, [0, 0, 0, 0]);
    assert.equal(m.snapshot(4).latent.ageS, -1);
  });

  test('latentDim 0 (no camera) works', () => {
    const m = new ShortTermMemory({ jointNames: ['j'], latentDim: 0, actionDim: 1, capacity: 2 });
    assert.equal(m.pushLatent(0, new Float32Array(0)), 'ok');
    assert.equal(m.snapshot(1).latent.values.length, 0);
  });

  test('buffers are preallocated: a long run keeps size at capacity', () => {
    const m = memory(16);
    const pos = new Float64Array(3);
    const z = new Float32Array(4);
    for (let i = 0; i < 10_000; i++) {
      pos[0] = i;
      z[0] = i;
      m.pushJointState(i * 1e-3, pos, null, null);
      m.pushLatent(i * 1e-3, z);
    }
    assert.equal(m.size('joints'), 16);
    const snap = m.snapshot(10);
    assert.equal(snap.joints.position[0], 9999);
    assert.equal(snap.latent.values[0], 9999);
  });
});
