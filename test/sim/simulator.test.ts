import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, sampleInLimits } from '../../src/sim/random.ts';
import { SimConfigError, Simulator } from '../../src/sim/simulator.ts';
import { DEMO_JOINTS, DEMO_URDF, demoRobot, demoSim, maxAbsDiff } from './helpers.ts';

// a collision-free start and goal in front of the robot
const START = [0, 0.5, 0.8, 0.3, 0, 0.2];
const GOAL = [0.6, 0.9, 0.3, -0.3, 0.8, -0.4];

describe('Simulator (position interface)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await demoSim('position');
  });
  after(() => sim.dispose());

  test('physics steps at ≥ 500 Hz and keeps whole-step time', () => {
    assert.ok(sim.timestepS <= 0.002);
    sim.reset(START);
    const steps0 = sim.stats.steps;
    const t0 = performance.now();
    sim.step(1);
    // at least real time, even before the wasm code is fully optimized
    assert.ok(performance.now() - t0 < 1000, `1 s of physics took ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(sim.stats.steps - steps0, Math.round(1 / sim.timestepS));
    assert.ok(Math.abs(sim.timeS - 1) < 1e-12);
    // a fraction of a step is carried over, not lost
    for (let k = 0; k < 4; k++) sim.step(sim.timestepS / 4);
    assert.equal(sim.stats.steps - steps0, Math.round(1 / sim.timestepS) + 1);
    sim.step(-1);
    sim.step(Number.NaN);
    assert.equal(sim.stats.rejectedSteps, 2);
  });

  test('holds a pose exactly under gravity (gravity compensation in the drives)', () => {
    sim.reset(START);
    sim.step(0.5);
    assert.ok(maxAbsDiff(sim.jointPositions(), START) < 1e-6);
    assert.ok(maxAbsDiff(sim.jointVelocities(), [0, 0, 0, 0, 0, 0]) < 1e-5);
  });

  test('a commanded position is reached within 0.005 rad in ≤ 1 s', () => {
    sim.reset(START);
    sim.setCommand(Float64Array.from(GOAL));
    let reachedAtS = Number.POSITIVE_INFINITY;
    for (let k = 1; k <= 50; k++) {
      sim.step(0.02);
      if (reachedAtS === Number.POSITIVE_INFINITY && maxAbsDiff(sim.jointPositions(), GOAL) < 0.005) reachedAtS = k * 0.02;
    }
    assert.ok(reachedAtS <= 1, `reached after ${reachedAtS} s`);
    // and it settles there
    assert.ok(maxAbsDiff(sim.jointPositions(), GOAL) < 0.001);
    assert.equal(sim.limitViolations(), 0);
  });

  test('efforts include gravity compensation and respect the URDF effort limits', () => {
    // upper arm and forearm horizontal: the shoulder holds the whole arm against gravity
    sim.reset([0, Math.PI / 2, 0, 0, 0, 0]);
    sim.step(0.2);
    const effort = sim.jointEfforts();
    assert.ok(Math.abs(effort[1]!) > 10, `shoulder torque ${effort[1]}`);
    assert.ok(Math.abs(effort[2]!) > 1, `elbow torque ${effort[2]}`);
    sim.limits.forEach((l, i) => assert.ok(Math.abs(effort[i]!) <= l.effort! + 1e-9));
    // straight up, gravity acts along the joint axes' normal plane through them: no torque
    sim.reset([0, 0, 0, 0, 0, 0]);
    sim.step(0.1);
    assert.ok(maxAbsDiff(sim.jointEfforts(), [0, 0, 0, 0, 0, 0]) < 0.05);
  });

  test('targets beyond the joint range are clamped by the drive (like ctrlrange on hardware)', () => {
    sim.reset(START);
    // wrist_2 (range ±2.9) is asked for 3.5
    sim.setCommand([0, 0.5, 0.8, 0.3, 3.5, 0.2]);
    sim.step(1);
    const q = sim.jointPositions();
    assert.ok(Math.abs(q[4]! - 2.9) < 0.005, `wrist_2 at ${q[4]}`);
    assert.equal(sim.limitViolations(), 0);
  });

  test('non-finite command entries are ignored and counted; a wrong length is rejected', () => {
    sim.reset(START);
    const before = { ...sim.stats };
    sim.setCommand([0.2, Number.NaN, 0.8, Number.POSITIVE_INFINITY, 0, 0.2]);
    sim.setCommand([1, 2, 3]);
    assert.equal(sim.stats.nonFiniteCommandValues - before.nonFiniteCommandValues, 2);
    assert.equal(sim.stats.rejectedCommands - before.rejectedCommands, 1);
    sim.step(1);
    const q = sim.jointPositions();
    // joints with a NaN kept their previous target (the reset pose)
    assert.ok(Math.abs(q[0]! - 0.2) < 0.005);
    assert.ok(Math.abs(q[1]! - 0.5) < 0.005);
    assert.ok(Math.abs(q[3]! - 0.3) < 0.005);
    assert.deepEqual(Array.from(sim.currentCommand()), [0.2, 0.5, 0.8, 0.3, 0, 0.2]);
  });

  test('limit violation detector: true positive, tolerance and true negative', () => {
    // elbow placed 0.05 rad beyond its upper limit (2.6)
    sim.reset([0, 0.5, 2.65, 0.3, 0, 0.2]);
    assert.equal(sim.limitViolations(), 1);
    assert.equal(sim.limitViolations(0.1), 0);
    sim.reset([-2.95, 0.5, 2.65, 0.3, 0, 0.2]);
    assert.equal(sim.limitViolations(), 2);
    // just inside the default tolerance
    sim.reset([0, 0.5, 2.6005, 0.3, 0, 0.2]);
    assert.equal(sim.limitViolations(), 0);
    sim.reset(START);
    assert.equal(sim.limitViolations(), 0);
  });

  test('reset rejects wrong lengths and non-finite values', () => {
    assert.throws(() => sim.reset([0, 0]), RangeError);
    assert.throws(() => sim.reset([0, 0, Number.NaN, 0, 0, 0]), RangeError);
  });
});

describe('Simulator (velocity interface)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await demoSim('velocity');
  });
  after(() => sim.dispose());

  test('a constant velocity command is tracked in velocity and in position', () => {
    const v = [0.3, -0.3, 0.5, 0.5, -0.8, 1.0];
    sim.reset(START);
    sim.setCommand(v);
    sim.step(0.4);
    // after the transient, velocity error is small...
    for (let k = 0; k < 6; k++) {
      sim.step(0.1);
      assert.ok(maxAbsDiff(sim.jointVelocities(), v) < 0.01, `velocity error at ${sim.timeS} s`);
    }
    // ...and the joints have not drifted from the integrated command
    const expected = START.map((q, i) => q + v[i]! * 1.0);
    assert.ok(maxAbsDiff(sim.jointPositions(), expected) < 0.01);
  });

  test('zero velocity holds position', () => {
    sim.reset(START);
    sim.setCommand([0, 0, 0, 0, 0, 0]);
    sim.step(0.5);
    assert.ok(maxAbsDiff(sim.jointPositions(), START) < 1e-6);
  });

  test('velocity commands are clamped to the URDF velocity limit', () => {
    sim.reset(START);
    sim.setCommand([0, 0, 0, 0, 10, 0]);
    sim.step(0.3);
    const qd = sim.jointVelocities();
    assert.ok(Math.abs(qd[4]! - 3.0) < 0.05, `wrist_2 at ${qd[4]} rad/s`);
  });

  test('at a joint limit the target does not wind up', () => {
    sim.reset(START);
    // wrist_1 runs into its upper limit (2.0) and is pushed on for a while
    sim.setCommand([0, 0, 0, 2, 0, 0]);
    sim.step(2);
    const q = sim.jointPositions();
    assert.ok(q[3]! <= 2.0 + 1e-3, `wrist_1 at ${q[3]}`);
    assert.equal(sim.limitViolations(), 0);
    // reversing moves away at once
    sim.setCommand([0, 0, 0, -1, 0, 0]);
    sim.step(0.1);
    assert.ok(sim.jointVelocities()[3]! < -0.5);
  });
});

describe('Simulator (reproducibility and configuration)', () => {
  test('seeded resets and command sequences reproduce bit for bit, across instances', async () => {
    const run = async (seed: number): Promise<Float64Array> => {
      const sim = await demoSim('position');
      const rng = new Rng(seed);
      const q0 = sampleInLimits(rng, sim.limits, undefined, { marginRad: 0.5 });
      sim.reset(q0);
      const cmd = new Float64Array(6);
      for (let k = 0; k < 20; k++) {
        for (let i = 0; i < 6; i++) cmd[i] = q0[i]! + rng.normal(0, 0.05);
        sim.setCommand(cmd);
        sim.step(0.02);
      }
      const out = Float64Array.of(...sim.jointPositions(), ...sim.jointVelocities());
      sim.dispose();
      return out;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('joints left out of jointNames hold their reset position', async () => {
    const sim = await demoSim('position', { jointNames: DEMO_JOINTS.slice(0, 3) });
    try {
      sim.reset([0.2, 0.5, 0.8]);
      sim.setCommand([0.5, 0.7, 0.4]);
      sim.step(1);
      assert.ok(maxAbsDiff(sim.jointPositions(), [0.5, 0.7, 0.4]) < 0.005);
      const pos = new Float64Array(3);
      const mat = new Float64Array(9);
      assert.ok(sim.linkPose('wrist_3_link', pos, mat));
      // the wrist joints stayed at 0: the wrist keeps its axis aligned with the forearm
      const fore = new Float64Array(9);
      assert.ok(sim.linkPose('forearm_link', new Float64Array(3), fore));
      assert.ok(maxAbsDiff(mat, fore) < 1e-3);
      assert.equal(sim.linkPose('no_such_link', pos, mat), false);
    } finally {
      sim.dispose();
    }
  });

  test('configuration problems are collected and thrown once', async () => {
    await assert.rejects(
      Simulator.create({
        robot: demoRobot(),
        urdfXml: DEMO_URDF,
        commandInterface: 'position',
        timestepS: 0.005,
        jointNames: ['shoulder_pan_joint', 'nope', 'tool0_joint', 'shoulder_pan_joint'],
        driveBandwidthHz: 0,
      }),
      (err: unknown) => {
        assert.ok(err instanceof SimConfigError);
        const text = err.problems.join('\n');
        assert.equal(err.problems.length, 5, text);
        assert.match(text, /timestepS/);
        assert.match(text, /jointNames\[1\]: unknown joint "nope"/);
        assert.match(text, /jointNames\[2\]: joint "tool0_joint" is fixed/);
        assert.match(text, /jointNames\[3\]: "shoulder_pan_joint" is listed twice/);
        assert.match(text, /driveBandwidthHz/);
        return true;
      },
    );
  });

  test('dispose is idempotent and later calls do nothing', async () => {
    const sim = await demoSim('position');
    sim.dispose();
    sim.dispose();
    sim.step(1);
    sim.reset(START);
    assert.equal(sim.timeS, 0);
  });
});
