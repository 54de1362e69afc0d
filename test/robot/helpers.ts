/** Shared test helpers for robot/: a seeded RNG, fixtures, and a slow reference FK built on transforms. */
import { fileURLToPath } from 'node:url';
import type { RobotModel, Vec3 } from '../../src/robot/types.ts';
import {
  type Transform,
  axisAngleToMat3,
  composeTransforms,
  identityTransform,
  invertTransform,
  originToTransform,
  scaleVec3,
} from '../../src/robot/transform.ts';

export const ARM6_PATH = fileURLToPath(new URL('../fixtures/arm6.urdf', import.meta.url));

/** mulberry32: small, seeded, good enough for test inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(rand: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * rand();
}

/**
 * Every link's pose in the frame of `baseLink`, by walking the tree joint by joint with
 * Rodrigues rotations: independent of the axis-aligned constants the fast FK precomputes.
 */
export function referenceLinkPoses(robot: RobotModel, q: ReadonlyMap<string, number>, baseLink = robot.rootLink): Map<string, Transform> {
  const world = new Map<string, Transform>([[robot.rootLink, identityTransform()]]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const j of robot.joints) {
      const parent = world.get(j.parent);
      if (parent === undefined || world.has(j.child)) continue;
      const v = q.get(j.name) ?? 0;
      let motion: Transform = identityTransform();
      if (j.type === 'revolute' || j.type === 'continuous') motion = { rot: axisAngleToMat3(j.axis, v), pos: [0, 0, 0] };
      else if (j.type === 'prismatic') motion = { rot: identityTransform().rot, pos: scaleVec3(j.axis, v) };
      world.set(j.child, composeTransforms(composeTransforms(parent, originToTransform(j.origin)), motion));
      grew = true;
    }
  }
  const baseInv = invertTransform(world.get(baseLink)!);
  const out = new Map<string, Transform>();
  for (const [name, tf] of world) out.set(name, composeTransforms(baseInv, tf));
  return out;
}

export function jointMap(names: readonly string[], q: ArrayLike<number>, offset = 0): Map<string, number> {
  return new Map(names.map((n, k) => [n, q[offset + k]!] as const));
}

export function dist3(a: ArrayLike<number>, ai: number, b: Vec3): number {
  return Math.hypot(a[ai]! - b[0], a[ai + 1]! - b[1], a[ai + 2]! - b[2]);
}

/** A 3-DoF-plus model with prismatic, continuous, fixed-on-path joints, skewed axes, a mesh and a base above the root. */
export const MIXED_URDF = `<?xml version="1.0"?>
<robot name="mixed">
  <link name="world"/>
  <joint name="world_to_table" type="fixed">
    <parent link="world"/><child link="table"/>
    <origin xyz="0.5 0 -0.1"/>
  </joint>
  <link name="table"><collision><geometry><box size="0.6 0.4 0.05"/></geometry></collision></link>
  <joint name="world_to_base" type="fixed">
    <parent link="world"/><child link="base"/>
    <origin xyz="0.1 0 0.2" rpy="0.1 0.2 0.3"/>
  </joint>
  <link name="base"><collision><geometry><box size="0.2 0.2 0.1"/></geometry></collision></link>
  <joint name="lift" type="prismatic">
    <parent link="base"/><child link="slider"/>
    <origin xyz="0 0.05 0.1" rpy="0.2 0 0"/>
    <axis xyz="0 0 2"/>
    <limit lower="0.1" upper="0.5" velocity="0.3" effort="500"/>
  </joint>
  <link name="slider"><collision><origin xyz="0 0 0.05" rpy="0 1.5707963267948966 0"/><geometry><cylinder radius="0.04" length="0.2"/></geometry></collision></link>
  <joint name="turn" type="continuous">
    <parent link="slider"/><child link="link_a"/>
    <origin xyz="0.1 0 0.12" rpy="0.3 -0.2 0.5"/>
    <axis xyz="1 1 0"/>
    <limit velocity="1.5" effort="20"/>
  </joint>
  <link name="link_a"><collision><origin xyz="0 0 0.1"/><geometry><capsule radius="0.03" length="0.15"/></geometry></collision></link>
  <joint name="a_to_b" type="fixed">
    <parent link="link_a"/><child link="link_b"/>
    <origin xyz="0 0.02 0.2" rpy="-0.4 0 0.7"/>
  </joint>
  <link name="link_b"><collision><origin xyz="0.05 0 0" rpy="0.3 0.2 0.1"/><geometry><box size="0.12 0.03 0.05"/></geometry></collision></link>
  <joint name="bend" type="revolute">
    <parent link="link_b"/><child link="link_c"/>
    <origin xyz="0.1 0 0.05"/>
    <axis xyz="-0.3 0.2 0.9"/>
    <limit lower="-1.2" upper="1.4" velocity="2" effort="10"/>
  </joint>
  <link name="link_c">
    <collision><geometry><mesh filename="package://mixed/meshes/c.stl" scale="0.001 0.001 0.001"/></geometry></collision>
    <collision><origin xyz="0 0 0.08"/><geometry><sphere radius="0.035"/></geometry></collision>
  </link>
  <joint name="finger" type="revolute">
    <parent link="link_c"/><child link="finger_link"/>
    <origin xyz="0 0.03 0.1"/>
    <axis xyz="1 0 0"/>
    <limit lower="0" upper="0.8" velocity="1" effort="5"/>
  </joint>
  <link name="finger_link"><collision><geometry><sphere radius="0.01"/></geometry></collision></link>
  <joint name="roll" type="revolute">
    <parent link="link_c"/><child link="hand"/>
    <origin xyz="0 0 0.16" rpy="0 0.4 0"/>
    <axis xyz="0 0 -1"/>
    <limit lower="-3" upper="3" velocity="3" effort="5"/>
  </joint>
  <link name="hand"><collision><origin xyz="0.01 0 0.03"/><geometry><cylinder radius="0.025" length="0.06"/></geometry></collision></link>
</robot>`;
