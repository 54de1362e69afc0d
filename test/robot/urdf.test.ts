import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRobot, parseUrdf, UrdfError, type UrdfProblem } from '../../src/robot/index.ts';
import { ARM6_PATH, MIXED_URDF } from './helpers.ts';

/** Parses `xml`, expecting a UrdfError; returns its problems as "path: message" lines. */
function problemsOf(xml: string): string[] {
  try {
    parseUrdf(xml, 'inline.urdf');
  } catch (e) {
    assert.ok(e instanceof UrdfError, `expected UrdfError, got ${String(e)}`);
    assert.equal(e.source, 'inline.urdf');
    assert.match(e.message, /^inline\.urdf: \d+ problems? in URDF\n/);
    for (const p of e.problems) assert.ok(e.message.includes(`  ${p.path}: ${p.message}`));
    return e.problems.map((p: UrdfProblem) => `${p.path}: ${p.message}`);
  }
  assert.fail('expected a UrdfError');
}

describe('parseUrdf: the arm6 fixture', () => {
  const robot = loadRobot(ARM6_PATH);

  test('links, joints and root', () => {
    assert.equal(robot.name, 'arm6');
    assert.equal(robot.rootLink, 'base_link');
    assert.equal(robot.links.length, 9);
    assert.deepEqual(
      robot.joints.map((j) => `${j.name}:${j.type}`),
      [
        'shoulder_pan_joint:revolute', 'shoulder_lift_joint:revolute', 'elbow_joint:revolute', 'camera_mount_joint:fixed',
        'wrist_1_joint:revolute', 'wrist_2_joint:revolute', 'wrist_3_joint:revolute', 'tool0_joint:fixed',
      ],
    );
  });

  test('origins, axes, limits and the safety controller', () => {
    const byName = new Map(robot.joints.map((j) => [j.name, j] as const));
    const elbow = byName.get('elbow_joint')!;
    assert.deepEqual(elbow.origin, { xyz: [0, 0, 0.35], rpy: [0, 0, 0] });
    assert.deepEqual(elbow.axis, [0, 1, 0]);
    assert.deepEqual(elbow.limits, { lower: -2.6, upper: 2.6, velocity: 2.5, effort: 80, softLower: -2.5, softUpper: 2.5 });
    assert.deepEqual(byName.get('wrist_3_joint')!.origin.rpy, [0, 0, Math.PI / 2]);
    assert.deepEqual(byName.get('shoulder_pan_joint')!.limits, { lower: -2.9, upper: 2.9, velocity: 2, effort: 150 });
    // fixed joints carry no limits and the default axis
    assert.deepEqual(byName.get('tool0_joint')!.limits, {});
    assert.deepEqual(byName.get('tool0_joint')!.axis, [1, 0, 0]);
  });

  test('collision and visual geometry', () => {
    const link = (name: string) => robot.links.find((l) => l.name === name)!;
    assert.deepEqual(link('base_link').collisions, [
      { origin: { xyz: [0, 0, 0.05], rpy: [0, 0, 0] }, geometry: { kind: 'cylinder', radius: 0.08, length: 0.1 } },
    ]);
    assert.equal(link('base_link').visuals.length, 1);
    assert.deepEqual(link('forearm_link').collisions[0]!.geometry, { kind: 'box', size: [0.08, 0.08, 0.3] });
    assert.deepEqual(link('wrist_1_link').collisions[0]!.geometry, { kind: 'sphere', radius: 0.05 });
    assert.deepEqual(link('wrist_3_link').collisions[0]!.geometry, { kind: 'capsule', radius: 0.03, length: 0.04 });
    assert.deepEqual(link('camera_link').collisions[0]!.origin, { xyz: [0, 0, 0], rpy: [0, 0, 0] });
    for (const l of robot.links) assert.ok(l.collisions.length > 0, `${l.name} has collision geometry`);
  });
});

describe('parseUrdf: defaults and normalisation', () => {
  test('axis is normalised, meshes keep filename and scale, continuous limits are optional', () => {
    const robot = parseUrdf(MIXED_URDF);
    const byName = new Map(robot.joints.map((j) => [j.name, j] as const));
    assert.deepEqual(byName.get('lift')!.axis, [0, 0, 1]);
    const turn = byName.get('turn')!.axis;
    assert.ok(Math.abs(turn[0] - Math.SQRT1_2) < 1e-15 && Math.abs(turn[1] - Math.SQRT1_2) < 1e-15 && turn[2] === 0);
    assert.deepEqual(byName.get('turn')!.limits, { velocity: 1.5, effort: 20 });
    const linkC = robot.links.find((l) => l.name === 'link_c')!;
    assert.deepEqual(linkC.collisions[0]!.geometry, { kind: 'mesh', filename: 'package://mixed/meshes/c.stl', scale: [0.001, 0.001, 0.001] });
    assert.equal(robot.rootLink, 'world');
  });

  test('absent origin, axis, lower/upper take URDF defaults; a lone soft limit stays lone', () => {
    const robot = parseUrdf(`<robot name="r">
      <link name="a"/><link name="b"/>
      <joint name="j" type="revolute"><parent link="a"/><child link="b"/>
        <limit velocity="1" effort="0"/><safety_controller soft_upper_limit="0.5" k_velocity="1"/></joint>
      <link name="c"/><joint name="k" type="continuous"><parent link="b"/><child link="c"/></joint>
    </robot>`);
    const [j, k] = robot.joints;
    assert.deepEqual(j!.origin, { xyz: [0, 0, 0], rpy: [0, 0, 0] });
    assert.deepEqual(j!.axis, [1, 0, 0]);
    assert.deepEqual(j!.limits, { lower: 0, upper: 0, velocity: 1, effort: 0, softUpper: 0.5 });
    assert.deepEqual(k!.limits, {});
  });
});

describe('parseUrdf: malformed documents', () => {
  test('every attribute problem is collected with its element', () => {
    const problems = problemsOf(`<robot name="bad">
      <link name="base"><collision><geometry><sphere radius="-0.1"/></geometry></collision></link>
      <link name="upper"><collision><origin xyz="1 2"/><geometry><box size="0.1 -0.2 0.3"/></geometry></collision></link>
      <link name="fore">
        <visual><geometry/></visual>
        <collision><geometry><cylinder radius="0.1"/></geometry></collision>
        <collision><origin xyz="0 0 0.1"/></collision>
      </link>
      <link name="hand"><collision><geometry><box size="0.1 0.2"/><sphere radius="1"/></geometry></collision></link>
      <joint name="shoulder" type="revolute">
        <parent link="base"/><child link="upper"/>
        <axis xyz="0 0 0"/>
        <limit lower="1" upper="-1" velocity="2" effort="10"/>
      </joint>
      <joint name="elbow" type="revolute">
        <parent link="upper"/><child link="fore"/>
        <origin xyz="0 0 0.3" rpy="0 x 0"/>
        <limit lower="-1" upper="1" velocity="abc"/>
        <safety_controller soft_lower_limit="1" soft_upper_limit="0"/>
      </joint>
      <joint name="wrist" type="floating"><parent link="fore"/><child link="hand"/></joint>
      <joint name="slide" type="prismatic"><parent link="fore"/><child link="tip"/><axis xyz="0 0 1 0"/></joint>
      <link name="tip"/>
    </robot>`);
    assert.deepEqual(problems, [
      'link "base" <collision>[0] <geometry> <sphere>: radius must be a non-negative number, got "-0.1"',
      'link "upper" <collision>[0] <origin>: xyz must be 3 numbers, got "1 2"',
      'link "upper" <collision>[0] <geometry> <box>: size must be 3 non-negative numbers, got "0.1 -0.2 0.3"',
      'link "fore" <collision>[0] <geometry> <cylinder>: length is required (a non-negative number)',
      'link "fore" <collision>[1]: <geometry> is required',
      'link "fore" <visual>[0] <geometry>: needs one of <box>, <sphere>, <cylinder>, <capsule>, <mesh>',
      'link "hand" <collision>[0] <geometry>: must hold exactly one shape, got <box>, <sphere>',
      'joint "shoulder" <axis>: xyz must not be the zero vector',
      'joint "shoulder" <limit>: lower (1) must not exceed upper (-1)',
      'joint "elbow" <origin>: rpy must be 3 numbers, got "0 x 0"',
      'joint "elbow" <limit>: velocity must be a positive number, got "abc"',
      'joint "elbow" <limit>: effort is required (a non-negative number)',
      'joint "elbow" <safety_controller>: soft_lower_limit (1) must not exceed soft_upper_limit (0)',
      'joint "wrist": unsupported joint type "floating" (supported: revolute, continuous, prismatic, fixed)',
      'joint "slide" <axis>: xyz must be 3 numbers, got "0 0 1 0"',
      'joint "slide": <limit> is required for prismatic joints',
    ]);
  });

  test('names, references, parents, cycles and roots', () => {
    const problems = problemsOf(`<robot name="tree">
      <link name="a"/><link name="b"/><link name="c"/><link name="d"/><link name="e"/><link name="a"/>
      <joint name="ab" type="fixed"><parent link="a"/><child link="b"/></joint>
      <joint name="cb" type="fixed"><parent link="c"/><child link="b"/></joint>
      <joint name="de" type="fixed"><parent link="d"/><child link="e"/></joint>
      <joint name="ed" type="fixed"><parent link="e"/><child link="d"/></joint>
      <joint name="ab" type="fixed"><parent link="a"/><child link="ghost"/></joint>
      <joint name="x" type="fixed"><parent link="nowhere"/><child link="c"/></joint>
    </robot>`);
    assert.deepEqual(problems, [
      'link "a": duplicate link name',
      'joint "ab": duplicate joint name',
      'link "b": has two parent joints ("ab" and "cb")',
      'joint "ab" <child>: unknown link "ghost"',
      'joint "x" <parent>: unknown link "nowhere"',
      'joint "ed": is part of a cycle: links "d", "e" through joints "ed", "de"',
      '<robot>: has 2 root links ("a", "c"); a URDF tree has exactly one',
    ]);
  });

  test('a joint whose parent is its child is a cycle', () => {
    const problems = problemsOf(`<robot name="r"><link name="a"/><link name="b"/>
      <joint name="loop" type="fixed"><parent link="b"/><child link="b"/></joint></robot>`);
    assert.deepEqual(problems, ['joint "loop": is part of a cycle: links "b" through joints "loop"']);
  });

  test('missing names, types and links', () => {
    assert.deepEqual(problemsOf(`<robot><link/><link name="a"/><joint name="j"/></robot>`), [
      '<robot>: name is required',
      'link #0: name is required',
      'joint "j": type is required (revolute, continuous, prismatic, fixed)',
      'joint "j": <parent link="..."> is required',
      'joint "j": <child link="..."> is required',
    ]);
  });

  test('no <robot>, an empty robot, and XML syntax errors', () => {
    assert.deepEqual(problemsOf('<model name="x"/>'), ['<robot>: no <robot> root element']);
    assert.deepEqual(problemsOf('<robot name="x"/>'), ['<robot>: has no <link>']);
    const syntax = problemsOf('<robot name="x"><link name="a"></robot>');
    assert.equal(syntax.length, 1);
    assert.match(syntax[0]!, /^line 1:\d+: XML syntax error: /);
  });

  test('loadRobot names the file in the error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'odra-urdf-'));
    const file = join(dir, 'broken.urdf');
    try {
      writeFileSync(file, '<robot name="x"><link name="a"/><link name="b"/></robot>');
      assert.throws(
        () => loadRobot(file),
        (e: unknown) => e instanceof UrdfError && e.source === file && e.message.startsWith(`${file}: 1 problem in URDF`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
