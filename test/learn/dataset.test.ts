import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, loadDataset, splitSegments, windowStarts } from '../../src/learn/dataset.ts';
import { writeRobotBag } from './helpers.ts';

let dir = '';
let bag = '';
let truth: { q: (t: number) => number[] };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'odra-dataset-'));
  bag = join(dir, 'bag.mcap');
  truth = await writeRobotBag(bag);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const opts = {
  jointNames: ['j0', 'j1', 'j2'],
  topics: { image: '/cam/image', jointStates: '/robot/joint_states', commands: '/robot/cmd' },
  width: 8,
  height: 8,
};

describe('loadDataset', () => {
  test('aligns images, the nearest joint state and the command in force; splits at gaps', async () => {
    const ds = await loadDataset([bag], opts);
    assert.ok(Math.abs(ds.dtS - 0.1) < 1e-6, `dt ${ds.dtS}`);
    assert.equal(ds.frames, 21 + 16);
    assert.deepEqual(
      ds.segments.map((s) => s.length),
      [21, 16],
    );
    assert.equal(ds.images.length, ds.frames * 8 * 8 * 3);
    // frame 3 of the first stretch: t = 10.3; joints mapped by name, nearest sample (≤ 10 ms away)
    const [a, b, c] = truth.q(10.3);
    assert.ok(Math.abs(ds.q[3 * 3]! - a!) < 0.02 && Math.abs(ds.q[3 * 3 + 1]! - b!) < 0.02 && Math.abs(ds.q[3 * 3 + 2]! - c!) < 0.1);
    // no velocities in the bag: finite differences, d/dt (0.5 t) = 0.5
    assert.ok(Math.abs(ds.qd[3 * 3 + 1]! - 0.5) < 0.05, `qd ${ds.qd[3 * 3 + 1]}`);
    // the command stamped 4 ms before the image is the one in force
    assert.deepEqual(Array.from(ds.a.subarray(3 * 3, 3 * 3 + 3)), [3, -3, 6]);
    // the image brightness encodes its time: frames are in time order, area-averaged exactly
    assert.equal(ds.images[3 * 192]!, Math.round(10.3 * 10) % 256);
    assert.match(ds.hash, /^[0-9a-f]{64}$/);
    const again = await loadDataset([bag], opts);
    assert.equal(again.hash, ds.hash);
  });

  test('a different frame size or joint order changes the hash', async () => {
    const a = await loadDataset([bag], opts);
    const b = await loadDataset([bag], { ...opts, width: 4, height: 4 });
    const c = await loadDataset([bag], { ...opts, jointNames: ['j1', 'j0', 'j2'] });
    assert.notEqual(a.hash, b.hash);
    assert.notEqual(a.hash, c.hash);
    assert.equal(c.q[1]!, a.q[0]!);
  });

  test('missing topics and unknown joints are reported together', async () => {
    await assert.rejects(
      loadDataset([bag], { ...opts, topics: { image: '/nope', jointStates: '/robot/joint_states', commands: '/also/nope' } }),
      (e: unknown) => e instanceof DatasetError && e.problems.length === 2 && e.problems.some((p) => p.includes('/nope')) && e.problems.some((p) => p.includes('/also/nope')),
    );
    await assert.rejects(loadDataset([bag], { ...opts, jointNames: ['j0', 'elbow', 'j2'] }), /aligned frame/);
  });

  test('windows stay inside segments; the split is seeded and disjoint', async () => {
    const ds = await loadDataset([bag], opts);
    const w = windowStarts(ds, [0, 1], 5);
    assert.equal(w.length, 21 - 4 + (16 - 4));
    for (const s of w) {
      const seg = ds.segments.find((g) => s >= g.start && s < g.start + g.length)!;
      assert.ok(s + 5 <= seg.start + seg.length);
    }
    const sp = splitSegments(ds, 0.5, 7);
    assert.deepEqual([...sp.train, ...sp.val].sort(), [0, 1]);
    assert.equal(sp.val.length, 1);
    assert.deepEqual(splitSegments(ds, 0.5, 7), sp);
  });
});
