import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildChain, ChainError, loadRobot, parseUrdf, type RobotChain } from '../../src/robot/index.ts';
import { applyTransform, originToTransform } from '../../src/robot/transform.ts';
import { ARM6_PATH, MIXED_URDF, jointMap, referenceLinkPoses, rng, uniform } from './helpers.ts';

const arm6 = loadRobot(ARM6_PATH);
const mixed = parseUrdf(MIXED_URDF, 'mixed.urdf');

function arm6Chain(): RobotChain {
  return buildChain(arm6, { tipLink: 'tool0' });
}

function mixedChain(): RobotChain {
  return buildChain(mixed, { baseLink: 'base', tipLink: 'hand', tipOffset: [0.02, -0.01, 0.07] });
}

function randomConfigs(chain: RobotChain, n: number, seed: number): Float64Array {
  const rand = rng(seed);
  const q = new Float64Array(n * chain.dof);
  for (let i = 0; i < n; i++) {
    chain.limits.forEach((l, k) => {
      q[i * chain.dof + k] = uniform(rand, l.lower ?? -Math.PI, l.upper ?? Math.PI);
    });
  }
  return q;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('buildChain structure', () => {
  test('arm6: actuated joints, limits, bodies and rigidly attached links', () => {
    const chain = arm6Chain();
    assert.equal(chain.baseLink, 'base_link');
    assert.equal(chain.tipLink, 'tool0');
    assert.deepEqual(chain.jointNames, [
      'shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint',
    ]);
    assert.equal(chain.dof, 6);
    assert.deepEqual(chain.limits[2], { lower: -2.6, upper: 2.6, velocity: 2.5, effort: 80, softLower: -2.5, softUpper: 2.5 });
    assert.deepEqual(chain.bodyLinks, [
      { link: 'base_link', body: 0 },
      { link: 'shoulder_link', body: 1 },
      { link: 'upper_arm_link', body: 2 },
      { link: 'forearm_link', body: 3 },
      { link: 'camera_link', body: 3 },
      { link: 'wrist_1_link', body: 4 },
      { link: 'wrist_2_link', body: 5 },
      { link: 'wrist_3_link', body: 6 },
      { link: 'tool0', body: 6 },
    ]);
    const bodyOf = new Map(chain.bodyLinks.map((b) => [b.link, b.body] as const));
    for (const s of chain.spheres) assert.equal(s.body, bodyOf.get(s.link));
    // every link of arm6 has collision primitives, so every link has spheres
    assert.deepEqual(new Set(chain.spheres.map((s) => s.link)), new Set(arm6.links.map((l) => l.name)));
    assert.deepEqual(chain.skippedCollisions, []);
  });

  test('mixed: fixed joints folded, continuous has no position limits, mesh recorded, moving branch excluded', () => {
    const chain = mixedChain();
    assert.deepEqual(chain.jointNames, ['lift', 'turn', 'bend', 'roll']);
    assert.deepEqual(chain.limits[1], { velocity: 1.5, effort: 20 });
    assert.deepEqual(chain.limits[0], { lower: 0.1, upper: 0.5, velocity: 0.3, effort: 500 });
    assert.deepEqual(
      chain.bodyLinks.map((b) => `${b.link}:${b.body}`),
      // world and table are fixed to the base but off the chain: environment (keep-out zones), not robot
      ['base:0', 'slider:1', 'link_a:2', 'link_b:2', 'link_c:3', 'hand:4'],
    );
    assert.ok(!chain.spheres.some((s) => s.link === 'finger_link'), 'finger moves on its own joint');
    assert.equal(chain.skippedCollisions.length, 1);
    assert.equal(chain.skippedCollisions[0]!.link, 'link_c');
    assert.equal(chain.skippedCollisions[0]!.index, 0);
    assert.match(chain.skippedCollisions[0]!.reason, /mesh "package:\/\/mixed\/meshes\/c\.stl"/);
  });

  test('bad options throw one ChainError naming each problem', () => {
    assert.throws(
      () => buildChain(arm6, { baseLink: 'nope', tipLink: 'also_nope', tipOffset: [0, Number.NaN, 0] }),
      (e: unknown) => {
        assert.ok(e instanceof ChainError);
        assert.deepEqual(e.problems.map((p) => p.path), ['baseLink', 'tipLink', 'tipOffset']);
        return true;
      },
    );
    assert.throws(
      () => buildChain(arm6, { baseLink: 'forearm_link', tipLink: 'shoulder_link' }),
      (e: unknown) => e instanceof ChainError && /not a descendant of base link "forearm_link"/.test(e.message),
    );
  });

  test('a chain of fixed joints only has dof 0 and still places the tip and spheres', () => {
    const chain = buildChain(arm6, { baseLink: 'wrist_3_link', tipLink: 'tool0' });
    assert.equal(chain.dof, 0);
    const out = chain.createFkResult(2);
    chain.fk(new Float64Array(0), 2, out);
    assertClose(out.eePos, [0, 0, 0.06, 0, 0, 0.06], 1e-15, 'eePos');
  });
});

describe('fk', () => {
  // arm6 at q = 0 points straight up; joint heights 0.15 (pan), +0.1 (lift), +0.35 (elbow), +0.3 (wrist_1),
  // +0.1 (wrist_2), +0.08 (wrist_3), +0.06 (tool0). Only wrist_3's origin rotates: Rz(pi/2) (yaw).
  // Rz(t) = [[c,-s,0],[s,c,0],[0,0,1]], Ry(t) = [[c,0,s],[0,1,0],[-s,0,c]].
  const h = Math.PI / 2;
  const cases: { name: string; q: number[]; pos: number[]; rot: number[] }[] = [
    {
      // tip z = 0.15+0.1+0.35+0.3+0.1+0.08+0.06 = 1.14; R = Rz(pi/2)
      name: 'zero',
      q: [0, 0, 0, 0, 0, 0],
      pos: [0, 0, 1.14],
      rot: [0, -1, 0, 1, 0, 0, 0, 0, 1],
    },
    {
      // Ry(pi/2) sends the arm's z to +x, Rz(pi/2) sends x to +y: the 0.89 m above the lift axis (z=0.25)
      // lie along +y. R = Rz(pi/2)·Ry(pi/2)·Rz(pi/2) = [[0,-1,0],[0,0,1],[-1,0,0]]·Rz(pi/2) = [[-1,0,0],[0,0,1],[0,1,0]]
      name: 'pan and lift by pi/2',
      q: [h, h, 0, 0, 0, 0],
      pos: [0, 0.89, 0.25],
      rot: [-1, 0, 0, 0, 0, 1, 0, 1, 0],
    },
    {
      // pan 0.3 turns the horizontal arm: tip = (0.89 cos 0.3, 0.89 sin 0.3, 0.25) = (0.850253..., 0.263011..., 0.25)
      // R = Rz(0.3)·Ry(pi/2)·Rz(pi/2) = Rz(0.3)·[[0,0,1],[1,0,0],[0,1,0]] = [[-s,0,c],[c,0,s],[0,1,0]], c = cos 0.3, s = sin 0.3
      name: 'generic pan, lift pi/2',
      q: [0.3, h, 0, 0, 0, 0],
      pos: [0.89 * Math.cos(0.3), 0.89 * Math.sin(0.3), 0.25],
      rot: [-Math.sin(0.3), 0, Math.cos(0.3), Math.cos(0.3), 0, Math.sin(0.3), 0, 1, 0],
    },
    {
      // elbow +pi/2 lays the forearm along +x from (0,0,0.6): wrist_1 at (0.3,0,0.6); wrist_1 -pi/2 points up again:
      // tip = (0.3, 0, 0.6 + 0.1 + 0.08 + 0.06) = (0.3, 0, 0.84); R = Ry(pi/2)·Ry(-pi/2)·Rz(pi/2) = Rz(pi/2)
      name: 'elbow and wrist_1',
      q: [0, 0, h, -h, 0, 0],
      pos: [0.3, 0, 0.84],
      rot: [0, -1, 0, 1, 0, 0, 0, 0, 1],
    },
    {
      // wrist_3 frame at (0,0,1.08) with R = Rz(pi/2)[wrist_2]·Rz(pi/2)[origin yaw] = Rz(pi) = diag(-1,-1,1);
      // wrist_3 turns by Ry(pi/2): R = diag(-1,-1,1)·[[0,0,1],[0,1,0],[-1,0,0]] = [[0,0,-1],[0,-1,0],[-1,0,0]];
      // tool0 = (0,0,1.08) + R·(0,0,0.06) = (-0.06, 0, 1.08)
      name: 'wrist_2 and wrist_3',
      q: [0, 0, 0, 0, h, h],
      pos: [-0.06, 0, 1.08],
      rot: [0, 0, -1, 0, -1, 0, -1, 0, 0],
    },
  ];

  test('arm6 matches hand-computed tip poses (batched)', () => {
    const chain = arm6Chain();
    const out = chain.createFkResult(cases.length);
    chain.fk(Float64Array.from(cases.flatMap((c) => c.q)), cases.length, out);
    cases.forEach((c, i) => {
      assertClose(out.eePos.subarray(i * 3, i * 3 + 3), c.pos, 1e-9, `${c.name} eePos`);
      assertClose(out.eeRot.subarray(i * 9, i * 9 + 9), c.rot, 1e-9, `${c.name} eeRot`);
    });
  });

  test('arm6 joint origins and axes at q = 0 (cached for the VJP)', () => {
    const chain = arm6Chain();
    const out = chain.createFkResult(1);
    chain.fk(new Float64Array(6), 1, out);
    // axes: z, y, y, y, z, and wrist_3's y yawed by pi/2 = -x
    assertClose(out.jointAxis, [0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, -1, 0, 0], 1e-12, 'jointAxis');
    assertClose(out.jointPos, [0, 0, 0.15, 0, 0, 0.25, 0, 0, 0.6, 0, 0, 0.9, 0, 0, 1.0, 0, 0, 1.08], 1e-12, 'jointPos');
  });

  for (const [name, make, seed] of [
    ['arm6', arm6Chain, 11],
    ['mixed', mixedChain, 12],
  ] as const) {
    test(`${name}: tip, spheres, joint frames match a Rodrigues reference at random configurations`, () => {
      const chain = make();
      const n = 20;
      const q = randomConfigs(chain, n, seed);
      const out = chain.createFkResult(n);
      chain.fk(q, n, out);
      const tipOffset = name === 'mixed' ? ([0.02, -0.01, 0.07] as const) : ([0, 0, 0] as const);
      for (let i = 0; i < n; i++) {
        const poses = referenceLinkPoses(chain.robot, jointMap(chain.jointNames, q, i * chain.dof), chain.baseLink);
        const tip = poses.get(chain.tipLink)!;
        assertClose(out.eePos.subarray(i * 3, i * 3 + 3), applyTransform(tip, [...tipOffset]), 1e-12, `eePos ${i}`);
        assertClose(out.eeRot.subarray(i * 9, i * 9 + 9), tip.rot, 1e-12, `eeRot ${i}`);
        const S = chain.spheres.length;
        chain.spheres.forEach((s, j) => {
          const want = applyTransform(poses.get(s.link)!, s.center);
          assertClose(out.spheres.subarray((i * S + j) * 3, (i * S + j) * 3 + 3), want, 1e-12, `sphere ${j} (${s.link})`);
        });
        chain.jointNames.forEach((jn, k) => {
          const joint = chain.robot.joints.find((j) => j.name === jn)!;
          const child = poses.get(joint.child)!;
          const o = (i * chain.dof + k) * 3;
          // the axis is the child link's rotation applied to the URDF axis; the joint origin is the child's
          // origin, less the slide for a prismatic joint
          const a = joint.axis;
          const r = child.rot;
          const axis = [r[0] * a[0] + r[1] * a[1] + r[2] * a[2], r[3] * a[0] + r[4] * a[1] + r[5] * a[2], r[6] * a[0] + r[7] * a[1] + r[8] * a[2]];
          const slide = joint.type === 'prismatic' ? q[i * chain.dof + k]! : 0;
          const origin = child.pos.map((v, d) => v - slide * axis[d]!);
          assertClose(out.jointAxis.subarray(o, o + 3), axis, 1e-12, `jointAxis ${jn}`);
          assertClose(out.jointPos.subarray(o, o + 3), origin, 1e-12, `jointPos ${jn}`);
        });
      }
    });
  }

  test('fk fills only the first n rows and ignores rows beyond capacity', () => {
    const chain = arm6Chain();
    const out = chain.createFkResult(2);
    out.eePos.fill(7);
    chain.fk(new Float64Array(6 * 5), 1, out);
    assertClose(out.eePos, [0, 0, 1.14, 7, 7, 7], 1e-12, 'eePos');
    chain.fk(new Float64Array(6 * 5), 5, out);
    assertClose(out.eePos, [0, 0, 1.14, 0, 0, 1.14], 1e-12, 'eePos');
  });
});

describe('fkVjp', () => {
  /** L(q) = wP·eePos + wR·eeRot + wS·spheres for configuration row i. */
  function functional(chain: RobotChain, q: Float64Array, wP: Float64Array | null, wR: Float64Array | null, wS: Float64Array | null): number {
    const out = chain.createFkResult(1);
    chain.fk(q, 1, out);
    let l = 0;
    if (wP !== null) for (let k = 0; k < 3; k++) l += wP[k]! * out.eePos[k]!;
    if (wR !== null) for (let k = 0; k < 9; k++) l += wR[k]! * out.eeRot[k]!;
    if (wS !== null) for (let k = 0; k < wS.length; k++) l += wS[k]! * out.spheres[k]!;
    return l;
  }

  for (const [name, make, seed] of [
    ['arm6', arm6Chain, 21],
    ['mixed', mixedChain, 22],
  ] as const) {
    test(`${name}: matches central finite differences of random linear functionals`, () => {
      const chain = make();
      const dof = chain.dof;
      const S = chain.spheres.length;
      const n = 6;
      const rand = rng(seed);
      const q = randomConfigs(chain, n, seed + 100);
      const wP = Float64Array.from({ length: n * 3 }, () => uniform(rand, -1, 1));
      const wR = Float64Array.from({ length: n * 9 }, () => uniform(rand, -1, 1));
      const wS = Float64Array.from({ length: n * S * 3 }, () => uniform(rand, -1, 1));
      const out = chain.createFkResult(n);
      chain.fk(q, n, out);
      // each row of the variants uses a different subset of the three upstream gradients
      const variants = [
        [wP, wR, wS],
        [wP, null, null],
        [null, wR, null],
        [null, null, wS],
      ] as const;
      for (const [gP, gR, gS] of variants) {
        const prefill = Float64Array.from({ length: n * dof }, () => uniform(rand, -1, 1));
        const gq = Float64Array.from(prefill);
        chain.fkVjp(q, n, out, gP, gR, gS, gq);
        const hStep = 1e-5;
        for (let i = 0; i < n; i++) {
          const row = (w: Float64Array | null, width: number): Float64Array | null =>
            w === null ? null : w.subarray(i * width, (i + 1) * width);
          const fd = new Float64Array(dof);
          for (let k = 0; k < dof; k++) {
            const qp = Float64Array.from(q.subarray(i * dof, (i + 1) * dof));
            const qm = Float64Array.from(qp);
            qp[k] = qp[k]! + hStep;
            qm[k] = qm[k]! - hStep;
            fd[k] =
              (functional(chain, qp, row(gP, 3), row(gR, 9), row(gS, S * 3)) -
                functional(chain, qm, row(gP, 3), row(gR, 9), row(gS, S * 3))) /
              (2 * hStep);
          }
          const scale = Math.max(1, ...Array.from(fd, Math.abs));
          for (let k = 0; k < dof; k++) {
            const got = gq[i * dof + k]! - prefill[i * dof + k]!;
            assert.ok(
              Math.abs(got - fd[k]!) <= 1e-6 * scale,
              `row ${i} joint ${chain.jointNames[k]}: vjp ${got} vs fd ${fd[k]} (gP ${gP !== null}, gR ${gR !== null}, gS ${gS !== null})`,
            );
          }
        }
      }
    });
  }
});

describe('covering spheres', () => {
  /** Points on the surface of each primitive (corners, rims, caps), in its link frame. */
  function surfaceSamples(g: RobotChain['robot']['links'][number]['collisions'][number]): [number, number, number][] {
    const pts: [number, number, number][] = [];
    const ring = (r: number, z: number, m = 16): void => {
      for (let k = 0; k < m; k++) pts.push([r * Math.cos((2 * Math.PI * k) / m), r * Math.sin((2 * Math.PI * k) / m), z]);
    };
    const geom = g.geometry;
    switch (geom.kind) {
      case 'sphere':
        for (const s of [-1, 1]) pts.push([s * geom.radius, 0, 0], [0, s * geom.radius, 0], [0, 0, s * geom.radius]);
        break;
      case 'box': {
        // corners, plus points along every edge (between spheres is where coverage is thinnest)
        const [x, y, z] = geom.size.map((v) => v / 2) as [number, number, number];
        for (let t = 0; t <= 20; t++) {
          const u = -1 + t / 10;
          for (const a of [-1, 1]) for (const b of [-1, 1]) pts.push([u * x, a * y, b * z], [a * x, u * y, b * z], [a * x, b * y, u * z]);
        }
        break;
      }
      case 'cylinder':
        for (let t = 0; t <= 20; t++) ring(geom.radius, -geom.length / 2 + (geom.length * t) / 20);
        break;
      case 'capsule':
        for (let t = 0; t <= 20; t++) ring(geom.radius, -geom.length / 2 + (geom.length * t) / 20);
        pts.push([0, 0, geom.length / 2 + geom.radius], [0, 0, -geom.length / 2 - geom.radius]);
        for (const s of [-1, 1]) ring(geom.radius * Math.SQRT1_2, s * (geom.length / 2 + geom.radius * Math.SQRT1_2));
        break;
      case 'mesh':
        break;
    }
    return pts;
  }

  for (const [name, make, seed] of [
    ['arm6', arm6Chain, 31],
    ['mixed', mixedChain, 32],
  ] as const) {
    test(`${name}: every surface sample of every primitive is inside the union of the link's spheres`, () => {
      const chain = make();
      const n = 4;
      const q = randomConfigs(chain, n, seed);
      const out = chain.createFkResult(n);
      chain.fk(q, n, out);
      const S = chain.spheres.length;
      let checked = 0;
      for (let i = 0; i < n; i++) {
        const poses = referenceLinkPoses(chain.robot, jointMap(chain.jointNames, q, i * chain.dof), chain.baseLink);
        for (const { link } of chain.bodyLinks) {
          const spec = chain.robot.links.find((l) => l.name === link)!;
          const own = chain.spheres.map((s, j) => ({ s, j })).filter(({ s }) => s.link === link);
          for (const col of spec.collisions) {
            const colTf = originToTransform(col.origin);
            for (const local of surfaceSamples(col)) {
              const pLink = applyTransform(colTf, local);
              const p = applyTransform(poses.get(link)!, pLink);
              const inside = own.some(({ s, j }) => {
                const o = (i * S + j) * 3;
                return Math.hypot(out.spheres[o]! - p[0], out.spheres[o + 1]! - p[1], out.spheres[o + 2]! - p[2]) <= s.radiusM + 1e-12;
              });
              assert.ok(inside, `${link} ${col.geometry.kind} sample ${local.join(',')} not covered at config ${i}`);
              checked++;
            }
          }
        }
      }
      assert.ok(checked > 100);
    });
  }
});

describe('collisionPairs', () => {
  for (const [name, make] of [
    ['arm6', arm6Chain],
    ['mixed', mixedChain],
  ] as const) {
    test(`${name}: exactly the pairs two or more bodies apart that are apart at the clamped zero configuration`, () => {
      const chain = make();
      const S = chain.spheres.length;
      const q0 = Float64Array.from(chain.limits, (l) => Math.min(Math.max(0, l.lower ?? -Infinity), l.upper ?? Infinity));
      const out = chain.createFkResult(1);
      chain.fk(q0, 1, out);
      const c = out.spheres;
      const gap = (i: number, j: number): number =>
        Math.hypot(c[i * 3]! - c[j * 3]!, c[i * 3 + 1]! - c[j * 3 + 1]!, c[i * 3 + 2]! - c[j * 3 + 2]!) -
        chain.spheres[i]!.radiusM -
        chain.spheres[j]!.radiusM;
      const got = new Set<string>();
      const pairs = chain.collisionPairs;
      assert.equal(pairs.length % 2, 0);
      for (let p = 0; p < pairs.length; p += 2) {
        const i = pairs[p]!;
        const j = pairs[p + 1]!;
        assert.ok(i < j && j < S);
        assert.ok(Math.abs(chain.spheres[i]!.body - chain.spheres[j]!.body) >= 2, `pair ${i},${j} on same or adjacent bodies`);
        assert.ok(gap(i, j) >= 0, `pair ${i},${j} overlaps at zero`);
        got.add(`${i},${j}`);
      }
      let expected = 0;
      let overlapping = 0;
      for (let i = 0; i < S; i++) {
        for (let j = i + 1; j < S; j++) {
          if (Math.abs(chain.spheres[i]!.body - chain.spheres[j]!.body) < 2) continue;
          if (gap(i, j) < 0) {
            overlapping++;
            continue;
          }
          expected++;
          assert.ok(got.has(`${i},${j}`), `missing pair ${i},${j}`);
        }
      }
      assert.equal(got.size, expected);
      assert.ok(expected > 0);
      if (name === 'arm6') assert.equal(overlapping, 0, 'arm6 straight up has no distant overlaps');
    });
  }
});
