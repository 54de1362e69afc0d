import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LatentRoadmap } from '../../src/learn/latent-roadmap.ts';

/** Recorded latents on a half circle of radius 10 (dim 2), one recording in order. */
function arc(n: number): Float64Array {
  const z = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const t = (Math.PI * i) / (n - 1);
    z[2 * i] = 10 * Math.cos(t);
    z[2 * i + 1] = 10 * Math.sin(t);
  }
  return z;
}

describe('latent roadmap', () => {
  test('subgoals follow the recorded latents, not the straight line, about `spacing` apart', () => {
    const n = 101;
    const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const map = new LatentRoadmap(arc(n), n, 2, next, { neighbours: 4 });
    const from = [10, 0];
    const to = [-10, 0];
    const subs = map.subgoals(from, to, 5);
    // path length along the arc (L1 per step summed) ≈ 4r = 40: about 7 subgoals 5 apart
    assert.ok(subs.length >= 6 && subs.length <= 8, `${subs.length} subgoals`);
    for (const s of subs) {
      const r = Math.hypot(s[0]!, s[1]!);
      assert.ok(Math.abs(r - 10) < 1e-9, `subgoal ${Array.from(s)} lies on the recorded arc (r = ${r})`);
      assert.ok(s[1]! > 0, 'on the upper half, where the recordings are, not on the straight line y = 0');
    }
    // in order from start to goal, spaced at least `spacing` apart (L1)
    for (let i = 1; i < subs.length; i++) {
      assert.ok(subs[i]![0]! < subs[i - 1]![0]!, 'subgoals progress from start to goal');
      const d = Math.abs(subs[i]![0]! - subs[i - 1]![0]!) + Math.abs(subs[i]![1]! - subs[i - 1]![1]!);
      assert.ok(d >= 5 - 1e-9, `spacing ${d}`);
    }
  });

  test('nearest node, shortest path ends, and an unreachable goal', () => {
    // two recordings far apart with k = 1: each point's nearest neighbour is in its own cluster
    const z = Float64Array.from([0, 0, 1, 0, 2, 0, 100, 0, 101, 0]);
    const next = Int32Array.from([1, 2, -1, 4, -1]);
    const map = new LatentRoadmap(z, 5, 2, next, { neighbours: 1 });
    assert.equal(map.nearest([1.2, 0.1]), 1);
    assert.deepEqual(map.shortestPath(0, 2), [0, 1, 2]);
    assert.deepEqual(map.shortestPath(0, 4), [], 'no edge joins the clusters');
    assert.deepEqual(map.subgoals([0, 0], [101, 0], 1), []);
    assert.throws(() => new LatentRoadmap(new Float64Array(3), 2, 2, null), /4 values|3 values/);
  });
});
