import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { coverSpheres, coverSpheresLocal } from '../../src/robot/spheres.ts';

function close(a: number, b: number, tol = 1e-12): void {
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
}

describe('covering spheres', () => {
  test('a sphere covers itself', () => {
    assert.deepEqual(coverSpheresLocal({ kind: 'sphere', radius: 0.2 }), [{ center: [0, 0, 0], radiusM: 0.2 }]);
  });

  test('a box gets a row along its longest axis, one sphere per slab', () => {
    // 0.08 × 0.08 × 0.3: cross-section half-diagonal r = 0.04·√2 = 0.056569; ceil(0.3 / r) = 6 slabs of 0.05;
    // radius = hypot(r, 0.025) = √(0.0032 + 0.000625) = 0.061847; centres at −0.125, −0.075, ..., 0.125
    const s = coverSpheresLocal({ kind: 'box', size: [0.08, 0.08, 0.3] });
    assert.equal(s.length, 6);
    s.forEach((sp, j) => {
      close(sp.center[2], -0.125 + 0.05 * j);
      assert.equal(sp.center[0], 0);
      close(sp.radiusM, Math.sqrt(0.003825));
    });
    // the longest axis is y here
    const y = coverSpheresLocal({ kind: 'box', size: [0.03, 0.09, 0.03] });
    assert.ok(y.every((sp) => sp.center[0] === 0 && sp.center[2] === 0));
    // a 0.1 m cube: r = 0.070711 < 0.1, so two slabs (ties pick x) of radius hypot(0.070711, 0.025) = 0.075,
    // tighter than one circumscribed sphere (0.086603)
    const cube = coverSpheresLocal({ kind: 'box', size: [0.1, 0.1, 0.1] });
    assert.equal(cube.length, 2);
    close(cube[0]!.center[0], -0.025);
    close(cube[1]!.center[0], 0.025);
    close(cube[0]!.radiusM, 0.075);
  });

  test('a cylinder: spacing at most its radius', () => {
    // r 0.05, length 0.35: ceil(7) = 7 slabs of 0.05; radius hypot(0.05, 0.025) = 0.055902
    const s = coverSpheresLocal({ kind: 'cylinder', radius: 0.05, length: 0.35 });
    assert.equal(s.length, 7);
    close(s[0]!.center[2], -0.15);
    close(s[6]!.center[2], 0.15);
    close(s[0]!.radiusM, Math.hypot(0.05, 0.025));
  });

  test('a capsule: spheres from cap centre to cap centre', () => {
    // r 0.03, length 0.04: ceil(1.33) = 2 steps of 0.02 → 3 spheres at −0.02, 0, 0.02, radius hypot(0.03, 0.01)
    const s = coverSpheresLocal({ kind: 'capsule', radius: 0.03, length: 0.04 });
    assert.equal(s.length, 3);
    [-0.02, 0, 0.02].forEach((z, j) => close(s[j]!.center[2], z));
    close(s[0]!.radiusM, Math.hypot(0.03, 0.01));
    assert.deepEqual(coverSpheresLocal({ kind: 'capsule', radius: 0.03, length: 0 }), [{ center: [0, 0, 0], radiusM: 0.03 }]);
  });

  test('meshes give none; the collision origin moves and turns the row', () => {
    assert.deepEqual(coverSpheresLocal({ kind: 'mesh', filename: 'x.stl', scale: [1, 1, 1] }), []);
    // pitch pi/2 turns the cylinder's z axis onto +x, then shift by (0, 0, 1)
    const s = coverSpheres({
      origin: { xyz: [0, 0, 1], rpy: [0, Math.PI / 2, 0] },
      geometry: { kind: 'cylinder', radius: 0.1, length: 0.2 },
    });
    assert.equal(s.length, 2);
    close(s[0]!.center[0], -0.05);
    close(s[1]!.center[0], 0.05);
    close(s[1]!.center[2], 1);
  });
});
