import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vec3 } from '../../src/robot/types.ts';
import { rpyToMat3 } from '../../src/robot/transform.ts';
import { geomZoneDepth, keepOutPenetration, linkBoxZone, sdBox } from '../../src/sim/keep-out.ts';
import type { KeepOutZone } from '../../src/sim/keep-out.ts';
import { Rng } from '../../src/sim/random.ts';
import { createGeomSet, GEOM_BOX, GEOM_CAPSULE, GEOM_CYLINDER, GEOM_SPHERE } from '../../src/sim/scene.ts';
import type { GeomSet } from '../../src/sim/scene.ts';
import { demoSim } from './helpers.ts';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

function one(type: number, size: number[], pos: Vec3 = [0, 0, 0], rpy: Vec3 = [0, 0, 0]): GeomSet {
  return createGeomSet([
    { name: 'g', link: 'l', type, size, rgba: [1, 1, 1, 1], rendered: true, moving: true, collision: true, pos, mat: rpyToMat3(rpy) },
  ]);
}

const box = (min: Vec3, max: Vec3): KeepOutZone => ({ box: { min, max } });
const sphere = (center: Vec3, radius: number): KeepOutZone => ({ sphere: { center, radius } });

/** Geom-local points filling a primitive, for brute-force checks. */
function insidePoints(type: number, size: number[], rng: Rng, n: number): Vec3[] {
  const out: Vec3[] = [];
  while (out.length < n) {
    const [a, b, c] = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
    if (type === GEOM_BOX) out.push([a * size[0]!, b * size[1]!, c * size[2]!]);
    else if (type === GEOM_CYLINDER && a * a + b * b <= 1) out.push([a * size[0]!, b * size[0]!, c * size[1]!]);
  }
  return out;
}

describe('keep-out depth: sphere zones (exact)', () => {
  test('sphere, capsule, cylinder and box geoms', () => {
    // sphere r=0.1 at the origin; zone radius 0.1 centred 0.15 away overlaps by 0.05
    close(geomZoneDepth(one(GEOM_SPHERE, [0.1]), 0, sphere([0.15, 0, 0], 0.1)), 0.05);
    close(geomZoneDepth(one(GEOM_SPHERE, [0.1]), 0, sphere([0.25, 0, 0], 0.1)), -0.05);
    // capsule r=0.05, half-length 0.2 along z: the zone sits 0.3 above the centre, 0.05 past the cap
    close(geomZoneDepth(one(GEOM_CAPSULE, [0.05, 0.2]), 0, sphere([0, 0, 0.3], 0.06)), 0.01);
    // cylinder r=0.1, half-length 0.1: flat top at z=0.1
    close(geomZoneDepth(one(GEOM_CYLINDER, [0.1, 0.1]), 0, sphere([0, 0, 0.15], 0.06)), 0.01);
    // beside the rim corner: distance to the rim circle is hypot(0.05, 0.05)
    close(geomZoneDepth(one(GEOM_CYLINDER, [0.1, 0.1]), 0, sphere([0.15, 0, 0.15], 0.06)), 0.06 - Math.hypot(0.05, 0.05));
    // box half 0.1, rotated 90° about z (no change for a cube) and moved
    close(geomZoneDepth(one(GEOM_BOX, [0.1, 0.2, 0.1], [1, 0, 0], [0, 0, Math.PI / 2]), 0, sphere([1.3, 0, 0], 0.15)), 0.05);
  });
});

describe('keep-out depth: box zones', () => {
  test('sphere geom (exact)', () => {
    const g = one(GEOM_SPHERE, [0.1]);
    close(geomZoneDepth(g, 0, box([0.05, -1, -1], [1, 1, 1])), 0.05);
    close(geomZoneDepth(g, 0, box([0.15, -1, -1], [1, 1, 1])), -0.05);
    // centre inside the zone: depth is radius plus the distance to the nearest face
    close(geomZoneDepth(g, 0, box([-0.2, -1, -1], [0.3, 1, 1])), 0.1 + 0.2);
  });

  test('capsule geom along x: its cap reaches 0.25', () => {
    const g = one(GEOM_CAPSULE, [0.05, 0.2], [0, 0, 0], [0, Math.PI / 2, 0]);
    close(geomZoneDepth(g, 0, box([0.22, -0.1, -0.1], [0.5, 0.1, 0.1])), 0.03, 1e-7);
    close(geomZoneDepth(g, 0, box([0.26, -0.1, -0.1], [0.5, 0.1, 0.1])), -0.01, 1e-7);
  });

  test('capsule geom: golden-section minimum matches dense sampling at random poses', () => {
    const rng = new Rng(11);
    for (let k = 0; k < 50; k++) {
      const pos: Vec3 = [rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)];
      const rpy: Vec3 = [rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3)];
      const r = rng.uniform(0.01, 0.1);
      const h = rng.uniform(0, 0.3);
      const g = one(GEOM_CAPSULE, [r, h], pos, rpy);
      const zone = box([0, 0, 0], [0.2, 0.1, 0.3]);
      let minSd = Infinity;
      for (let i = 0; i <= 20000; i++) {
        const t = -h + (2 * h * i) / 20000;
        const p = [0, 1, 2].map((c) => pos[c]! + t * g.mat[c * 3 + 2]!);
        minSd = Math.min(minSd, sdBox(p[0]! - 0.1, p[1]! - 0.05, p[2]! - 0.15, 0.1, 0.05, 0.15));
      }
      close(geomZoneDepth(g, 0, zone), r - minSd, 1e-4);
    }
  });

  test('box geom: separating axes give the exact depth for a rotated cube', () => {
    // a cube of half 0.1 turned 45° about z: its corner reaches x = 0.1·√2
    const g = one(GEOM_BOX, [0.1, 0.1, 0.1], [0, 0, 0], [0, 0, Math.PI / 4]);
    close(geomZoneDepth(g, 0, box([0.13, -1, -1], [1, 1, 1])), 0.1 * Math.SQRT2 - 0.13);
    assert.ok(geomZoneDepth(g, 0, box([0.15, -1, -1], [1, 1, 1])) < 0);
    // the axis-aligned bounding box of the turned cube would overlap this zone; the cube does not
    assert.ok(geomZoneDepth(g, 0, box([0.09, 0.09, -1], [1, 1, 1])) < 0);
  });

  test('box and cylinder geoms: overlap verdicts agree with point sampling (cylinder may only over-report)', () => {
    const rng = new Rng(5);
    const zone = box([0, 0, 0], [0.2, 0.15, 0.1]);
    let positives = 0;
    for (let k = 0; k < 200; k++) {
      const type = k % 2 === 0 ? GEOM_BOX : GEOM_CYLINDER;
      const size = type === GEOM_BOX ? [rng.uniform(0.02, 0.1), rng.uniform(0.02, 0.1), rng.uniform(0.02, 0.1)] : [rng.uniform(0.02, 0.1), rng.uniform(0.02, 0.1)];
      const pos: Vec3 = [rng.uniform(-0.15, 0.35), rng.uniform(-0.15, 0.3), rng.uniform(-0.15, 0.25)];
      const rpy: Vec3 = [rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3)];
      const g = one(type, size, pos, rpy);
      const depth = geomZoneDepth(g, 0, zone);
      let inside = false;
      for (const [x, y, z] of insidePoints(type, size, rng, 3000)) {
        const m = g.mat;
        const wx = pos[0] + m[0]! * x + m[1]! * y + m[2]! * z;
        const wy = pos[1] + m[3]! * x + m[4]! * y + m[5]! * z;
        const wz = pos[2] + m[6]! * x + m[7]! * y + m[8]! * z;
        if (wx > 0 && wx < 0.2 && wy > 0 && wy < 0.15 && wz > 0 && wz < 0.1) {
          inside = true;
          break;
        }
      }
      // a sampled point inside the zone proves overlap: the check must report it
      if (inside) {
        positives++;
        assert.ok(depth > 0, `case ${k}: overlap missed (depth ${depth})`);
      } else if (type === GEOM_BOX && depth > 0.01) {
        assert.fail(`case ${k}: box reported ${depth} m deep but no sample overlaps`);
      }
    }
    assert.ok(positives > 20 && positives < 180, `${positives} overlapping cases`);
  });

  test('conservative cylinder: a zone beside the rim, inside the enclosing box, is clear', () => {
    const g = one(GEOM_CYLINDER, [0.1, 0.1]);
    // the zone's nearest point to the axis is 0.106 away, beyond the 0.1 radius
    assert.ok(geomZoneDepth(g, 0, box([0.075, 0.075, -0.05], [0.3, 0.3, 0.05])) < 0);
    // and above the flat top (where the enclosing capsule would reach)
    assert.ok(geomZoneDepth(g, 0, box([-0.05, -0.05, 0.105], [0.05, 0.05, 0.3])) < 0);
    close(geomZoneDepth(g, 0, box([-0.05, -0.05, 0.08], [0.05, 0.05, 0.3])), 0.02);
  });
});

describe('keepOutPenetration', () => {
  test('only moving collision geoms count; 0 when clear', () => {
    const specs = [
      { type: GEOM_SPHERE, moving: true, collision: true },
      { type: GEOM_SPHERE, moving: false, collision: true },
      { type: GEOM_SPHERE, moving: true, collision: false },
    ].map((s, i) => ({ name: `g${i}`, link: 'l', size: [0.1], rgba: [1, 1, 1, 1], rendered: true, pos: [0, 0, 0], ...s }));
    const g = createGeomSet(specs);
    close(keepOutPenetration(g, [sphere([0.15, 0, 0], 0.1)]), 0.05);
    g.moving[0] = 0;
    assert.equal(keepOutPenetration(g, [sphere([0.15, 0, 0], 0.1)]), 0);
    assert.equal(keepOutPenetration(g, []), 0);
  });

  test('on the simulator: the demo obstacle zone, true positive and true negative', async () => {
    const sim = await demoSim('position');
    try {
      const zone = linkBoxZone(sim.geomPoses(), 'obstacle');
      assert.ok(zone?.box !== undefined);
      for (let i = 0; i < 3; i++) {
        close(zone.box.min[i]!, [0.39, -0.31, 0][i]!);
        close(zone.box.max[i]!, [0.51, -0.19, 0.3][i]!);
      }
      sim.reset([0, 0.5, 0.8, 0.3, 0, 0.2]);
      assert.equal(sim.keepOutPenetration([zone]), 0);
      // panned towards the obstacle and reaching down: the tool is inside the box
      sim.reset([-0.507, 0.9, 1.3, 0.9, 0, 0]);
      const tool = new Float64Array(3);
      assert.ok(sim.linkPose('tool0', tool, new Float64Array(9)));
      assert.ok(tool[0]! > 0.39 && tool[0]! < 0.51 && tool[1]! > -0.31 && tool[1]! < -0.19 && tool[2]! < 0.3);
      assert.ok(sim.keepOutPenetration([zone]) > 0.05);
      // a small sphere zone at the tool centre point is hit; a far one is not
      assert.ok(sim.keepOutPenetration([sphere([tool[0]!, tool[1]!, tool[2]!], 0.02)]) > 0);
      assert.equal(sim.keepOutPenetration([sphere([2, 2, 2], 0.5)]), 0);
      // the fixed table under the arm is never counted as the robot
      assert.equal(sim.keepOutPenetration([box([-1, -1, -0.05], [1, 1, -0.01])]), 0);
    } finally {
      sim.dispose();
    }
  });
});
