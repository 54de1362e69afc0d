import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RobotModel } from '../../src/robot/types.ts';
import { generateMjcf, MjcfError, rpyToQuat } from '../../src/sim/mjcf.ts';
import { loadModelFromXml, loadMujoco } from '../../src/sim/mujoco.ts';
import { readUrdfExtras } from '../../src/sim/urdf-extras.ts';
import { DEMO_JOINTS, DEMO_URDF, demoRobot } from './helpers.ts';

const MJ_OBJ_BODY = 1;
const MJ_OBJ_JOINT = 3;

/** A small robot literal exercising continuous and prismatic joints, a capsule and a mesh. */
function literalRobot(): RobotModel {
  const z = { xyz: [0, 0, 0] as [number, number, number], rpy: [0, 0, 0] as [number, number, number] };
  return {
    name: 'literal',
    rootLink: 'base',
    links: [
      { name: 'base', collisions: [{ origin: z, geometry: { kind: 'box', size: [0.2, 0.2, 0.1] } }], visuals: [] },
      {
        name: 'turntable',
        collisions: [{ origin: z, geometry: { kind: 'cylinder', radius: 0.1, length: 0.05 } }],
        visuals: [{ origin: z, geometry: { kind: 'mesh', filename: 'package://x/turntable.stl', scale: [1, 1, 1] } }],
      },
      {
        name: 'slider',
        collisions: [{ origin: { xyz: [0, 0, 0.1], rpy: [0, 0, 0] }, geometry: { kind: 'capsule', radius: 0.03, length: 0.2 } }],
        visuals: [],
      },
      { name: 'tip', collisions: [], visuals: [] },
    ],
    joints: [
      { name: 'spin', type: 'continuous', parent: 'base', child: 'turntable', origin: { xyz: [0, 0, 0.1], rpy: [0, 0, 0] }, axis: [0, 0, 1], limits: { velocity: 2, effort: 10 } },
      { name: 'lift', type: 'prismatic', parent: 'turntable', child: 'slider', origin: { xyz: [0.05, 0, 0.05], rpy: [0, 0, 0] }, axis: [0, 0, 1], limits: { lower: 0, upper: 0.3, velocity: 0.5, effort: 50 } },
      { name: 'tip_joint', type: 'fixed', parent: 'slider', child: 'tip', origin: { xyz: [0, 0, 0.25], rpy: [0, 0, 0] }, axis: [1, 0, 0], limits: {} },
    ],
  };
}

describe('demo URDF', () => {
  test('parses into a 6-joint arm with a tool, a camera, a table and an obstacle', () => {
    const robot = demoRobot();
    const movable = robot.joints.filter((j) => j.type !== 'fixed');
    assert.deepEqual(movable.map((j) => j.name), DEMO_JOINTS);
    for (const j of movable) {
      assert.equal(j.type, 'revolute');
      assert.ok(j.limits.lower! < 0 && j.limits.upper! > 0, j.name);
      assert.ok(j.limits.velocity! >= 1.5 && j.limits.velocity! <= 3, `${j.name} velocity`);
      assert.ok(j.limits.effort! > 0, `${j.name} effort`);
    }
    const links = new Set(robot.links.map((l) => l.name));
    for (const l of ['tool0', 'camera_link', 'camera_optical_frame', 'table', 'obstacle']) assert.ok(links.has(l), l);
    assert.equal(robot.rootLink, 'base_link');
    // no meshes anywhere: every simulator and renderer can load it
    for (const l of robot.links) {
      for (const c of [...l.collisions, ...l.visuals]) assert.notEqual(c.geometry.kind, 'mesh', l.name);
    }
  });

  test('extras: inertials, named material colours and joint damping are read', () => {
    const extras = readUrdfExtras(DEMO_URDF);
    const upper = extras.inertials.get('upper_arm_link');
    assert.ok(upper !== undefined);
    assert.equal(upper.massKg, 2.6);
    assert.deepEqual(upper.xyz, [0, 0, 0.18]);
    assert.equal(upper.inertia[0], 0.03629);
    // obstacle_red is a named material at robot level
    assert.deepEqual(extras.visualColors.get('obstacle'), [[0.8, 0.12, 0.12, 1]]);
    assert.equal(extras.dynamics.get('shoulder_pan_joint')?.damping, 1.0);
    // every link with a visual has a colour
    for (const [link, colors] of extras.visualColors) {
      for (const c of colors) assert.ok(c !== undefined, link);
    }
  });

  test('extras: unreadable content is skipped, not thrown', () => {
    const extras = readUrdfExtras('<robot name="r"><link name="a"><inertial><mass value="x"/></inertial></link></robot>');
    assert.equal(extras.inertials.size, 0);
    assert.equal(readUrdfExtras('not xml at all <<<').inertials.size, 0);
  });
});

describe('generateMjcf', () => {
  test('demo arm: nested bodies, limited joints, gravity compensation, actuators, camera, 500 Hz', async () => {
    const robot = demoRobot();
    const r = generateMjcf(robot, { commandInterface: 'position', extras: readUrdfExtras(DEMO_URDF) });
    assert.deepEqual(r.movableJoints, DEMO_JOINTS);
    assert.equal(r.cameraLink, 'camera_optical_frame');
    assert.deepEqual(r.skipped, []);
    assert.match(r.xml, /<compiler angle="radian"/);
    assert.match(r.xml, /<option timestep="0.002"/);
    assert.match(r.xml, /<joint name="elbow_joint" type="hinge" axis="0 1 0" limited="true" range="-2.6 2.6"/);
    assert.match(r.xml, /<position name="elbow_joint" joint="elbow_joint" kp="\S+" kv="\S+" ctrllimited="true" ctrlrange="-2.6 2.6"\/>/);
    assert.match(r.xml, /<body name="forearm_link" pos="0 0 0.35" gravcomp="1">/);
    assert.match(r.xml, /<camera name="camera"/);
    // fixed world parts carry no gravity compensation
    assert.match(r.xml, /<body name="obstacle" pos="0.45 -0.25 0.15">/);

    const mj = await loadMujoco();
    const model = loadModelFromXml(mj, r.xml);
    try {
      assert.equal(model.nq, 6);
      assert.equal(model.nu, 6);
      assert.ok(model.opt.timestep <= 0.002);
      assert.equal(model.ncam, 1);
      // bodies nest along the joint tree
      const parent = model.body_parentid as Int32Array;
      const wrist3 = mj.mj_name2id(model, MJ_OBJ_BODY, 'wrist_3_link');
      const wrist2 = mj.mj_name2id(model, MJ_OBJ_BODY, 'wrist_2_link');
      assert.equal(parent[wrist3], wrist2);
      const elbow = mj.mj_name2id(model, MJ_OBJ_JOINT, 'elbow_joint');
      const range = model.jnt_range as Float64Array;
      assert.deepEqual([range[elbow * 2], range[elbow * 2 + 1]], [-2.6, 2.6]);
      // URDF inertials are used as given
      const mass = model.body_mass as Float64Array;
      assert.ok(Math.abs(mass[mj.mj_name2id(model, MJ_OBJ_BODY, 'upper_arm_link')]! - 2.6) < 1e-9);
      const gravcomp = model.body_gravcomp as Float64Array;
      assert.equal(gravcomp[wrist3], 1);
      assert.equal(gravcomp[mj.mj_name2id(model, MJ_OBJ_BODY, 'table')], 0);
    } finally {
      model.delete();
    }
  });

  test('a RobotModel literal with continuous, prismatic and mesh content generates and loads', async () => {
    const r = generateMjcf(literalRobot(), { commandInterface: 'velocity', floorZ: null, cameraFovYDeg: 45 });
    assert.deepEqual(r.movableJoints, ['spin', 'lift']);
    assert.equal(r.cameraLink, null);
    assert.equal(r.skipped.length, 1);
    assert.match(r.skipped[0]!, /turntable.*mesh/);
    assert.match(r.xml, /<joint name="spin" type="hinge" axis="0 0 1" limited="false"/);
    assert.match(r.xml, /<joint name="lift" type="slide" axis="0 0 1" limited="true" range="0 0.3"/);
    // velocity interface: the simulator clamps targets itself
    assert.match(r.xml, /<position name="lift" joint="lift" kp="\S+" kv="\S+" ctrllimited="false"\/>/);
    assert.doesNotMatch(r.xml, /name="floor"/);
    // the mesh-only visual leaves the turntable drawn by its collision shape
    const turntable = r.geoms.find((g) => g.name === 'turntable/collision0');
    assert.equal(turntable?.rendered, true);
    const mj = await loadMujoco();
    const model = loadModelFromXml(mj, r.xml);
    assert.equal(model.nq, 2);
    model.delete();
  });

  test('configuration problems are collected and thrown once', () => {
    const robot = literalRobot();
    robot.joints[1]!.limits = { velocity: 1 };
    assert.throws(
      () => generateMjcf(robot, { commandInterface: 'position', timestepS: -1, cameraLink: 'nope', cameraFovYDeg: 200 }),
      (err: unknown) => {
        assert.ok(err instanceof MjcfError);
        assert.equal(err.problems.length, 4);
        assert.match(err.problems.join('\n'), /timestepS/);
        assert.match(err.problems.join('\n'), /cameraLink: unknown link "nope"/);
        assert.match(err.problems.join('\n'), /cameraFovYDeg/);
        assert.match(err.problems.join('\n'), /joints\.lift: a prismatic joint needs lower and upper limits/);
        return true;
      },
    );
  });

  test('rpyToQuat matches URDF fixed-axis roll-pitch-yaw', () => {
    // yaw alone: rotation about z
    const q = rpyToQuat([0, 0, Math.PI / 2]);
    assert.ok(Math.abs(q[0] - Math.SQRT1_2) < 1e-12 && Math.abs(q[3] - Math.SQRT1_2) < 1e-12);
    // the optical frame's rpy (-π/2, 0, -π/2) is the quaternion (0.5, -0.5, 0.5, -0.5)
    const o = rpyToQuat([-Math.PI / 2, 0, -Math.PI / 2]);
    for (const [i, v] of [0.5, -0.5, 0.5, -0.5].entries()) assert.ok(Math.abs(o[i]! - v) < 1e-12);
  });
});
