import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';
import type { CameraInfo, Image, JointState, JointTrajectoryPoint } from '../../src/bus/messages.ts';
import { durationFromSeconds, emptyLayout, makeHeader } from '../../src/bus/messages.ts';
import { SimNode } from '../../src/sim/sim-node.ts';
import type { Simulator } from '../../src/sim/simulator.ts';
import { DEMO_JOINTS, demoSim, maxAbsDiff } from './helpers.ts';

const START = [0, 0.5, 0.8, 0.3, 0, 0.2];

interface Rig {
  bus: InProcessBus;
  simNode: SimNode;
  driver: ReturnType<InProcessBus['createNode']>;
  states: JointState[];
}

function rig(sim: Simulator, opts: ConstructorParameters<typeof SimNode>[2] = {}): Rig {
  const bus = new InProcessBus({ logSink: () => undefined });
  const simNode = new SimNode(bus.createNode('odra_sim'), sim, opts);
  simNode.reset(START);
  const driver = bus.createNode('driver');
  const states: JointState[] = [];
  driver.createSubscription('sensor_msgs/msg/JointState', '/joint_states', (m) => states.push(m), { depth: 1000 });
  return { bus, simNode, driver, states };
}

/** A joint state back in simulator order. */
function ordered(js: JointState): number[] {
  return DEMO_JOINTS.map((n) => js.position[js.name.indexOf(n)]!);
}

function point(positions: number[], tS: number): JointTrajectoryPoint {
  const empty = new Float64Array(0);
  return { positions: Float64Array.from(positions), velocities: empty, accelerations: empty, effort: empty, time_from_start: durationFromSeconds(tS) };
}

describe('SimNode (velocity interface)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await demoSim('velocity');
  });
  after(() => sim.dispose());

  test('physics follows the manual clock; joint states at 100 Hz, shuffled but named', () => {
    const r = rig(sim, { shuffleSeed: 3, camera: false });
    r.bus.advance(1);
    assert.ok(Math.abs(sim.timeS - 1) < 1e-9);
    assert.equal(r.states.length, 100);
    const orders = new Set(r.states.map((s) => s.name.join(',')));
    assert.ok(orders.size > 1, 'the order changes between messages');
    for (const s of r.states) assert.deepEqual([...s.name].sort(), [...DEMO_JOINTS].sort());
    // the arm holds its reset pose with no command
    assert.ok(maxAbsDiff(ordered(r.states.at(-1)!), START) < 1e-3);
    assert.ok(Math.abs(r.states.at(-1)!.header.stamp.sec + r.states.at(-1)!.header.stamp.nanosec * 1e-9 - 1) < 1e-9);
    r.bus.destroy();
  });

  test('velocity commands move the arm; bad or inactive commands are dropped and counted', () => {
    const r = rig(sim, { camera: false });
    const vel = r.driver.createPublisher('std_msgs/msg/Float64MultiArray', '/forward_velocity_controller/commands');
    const pos = r.driver.createPublisher('std_msgs/msg/Float64MultiArray', '/forward_position_controller/commands');
    vel.publish({ layout: emptyLayout(), data: Float64Array.of(0.5, 0, 0, 0, 0, -0.5) });
    r.bus.advance(0.5);
    const q = ordered(r.states.at(-1)!);
    // 0.25 rad after 0.5 s at 0.5 rad/s, less the drive's start-up lag
    assert.ok(q[0]! > 0.2 && q[0]! < 0.26, `pan ${q[0]}`);
    assert.ok(q[5]! < START[5]! - 0.2);
    vel.publish({ layout: emptyLayout(), data: Float64Array.of(0, 0, 0) });
    vel.publish({ layout: emptyLayout(), data: Float64Array.of(0, Number.NaN, 0, 0, 0, 0) });
    pos.publish({ layout: emptyLayout(), data: Float64Array.of(0, 0, 0, 0, 0, 0) });
    r.bus.spinOnce();
    assert.deepEqual(r.simNode.dropped(), { wrong_size: 1, non_finite: 1, inactive_controller: 1 });
    assert.equal(r.simNode.stats.commands, 1);
    // the last good command still holds (forward controllers keep it)
    assert.deepEqual(Array.from(sim.currentCommand()), [0.5, 0, 0, 0, 0, -0.5]);
    r.bus.destroy();
  });

  test('follows a joint trajectory and holds its last point', () => {
    const r = rig(sim, { camera: false });
    const pub = r.driver.createPublisher('trajectory_msgs/msg/JointTrajectory', '/joint_trajectory_controller/joint_trajectory');
    const goal = [0.4, 0.7, 0.5, 0.1, 0.3, -0.2];
    const mid = START.map((s, i) => (s + goal[i]!) / 2);
    // names in another order than the simulator's
    const names = [...DEMO_JOINTS].reverse();
    const rev = (v: number[]) => [...v].reverse();
    pub.publish({ header: makeHeader(0), joint_names: names, points: [point(rev(mid), 0.5), point(rev(goal), 1.0)] });
    r.bus.advance(0.5);
    assert.ok(maxAbsDiff(ordered(r.states.at(-1)!), mid) < 0.05);
    r.bus.advance(1.0);
    assert.ok(maxAbsDiff(sim.jointPositions(), goal) < 0.01, `at ${Array.from(sim.jointPositions())}`);
    assert.equal(r.simNode.stats.trajectories, 1);
    pub.publish({ header: makeHeader(0), joint_names: names.slice(1), points: [point(rev(goal).slice(1), 0.5)] });
    r.bus.spinOnce();
    assert.deepEqual(r.simNode.dropped(), { missing_joint: 1 });
    r.bus.destroy();
  });

  test('camera frames only while subscribed: rgb8 at the configured rate, with camera_info', () => {
    const r = rig(sim, { camera: { rateHz: 10, width: 32, height: 24 } });
    r.bus.advance(0.5);
    assert.equal(r.simNode.stats.images, 0);
    assert.equal(r.simNode.stats.rendersSkipped, 5);
    const images: Image[] = [];
    const infos: CameraInfo[] = [];
    r.driver.createSubscription('sensor_msgs/msg/Image', '/camera/image_raw', (m) => images.push(m), { reliability: 'best_effort' });
    r.driver.createSubscription('sensor_msgs/msg/CameraInfo', '/camera/camera_info', (m) => infos.push(m), { reliability: 'best_effort' });
    r.bus.advance(1);
    assert.equal(images.length, 10);
    assert.equal(infos.length, 10);
    const img = images.at(-1)!;
    assert.equal(img.encoding, 'rgb8');
    assert.equal(img.width, 32);
    assert.equal(img.height, 24);
    assert.equal(img.step, 96);
    assert.equal(img.data.length, 32 * 24 * 3);
    assert.ok(new Set(img.data).size > 10, 'the frame shows a scene, not a flat colour');
    assert.equal(infos.at(-1)!.k.length, 9);
    assert.equal(img.header.frame_id, infos.at(-1)!.header.frame_id);
    r.bus.destroy();
  });
});

describe('SimNode (position interface)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await demoSim('position');
  });
  after(() => sim.dispose());

  test('position commands drive the joints to the targets', () => {
    const r = rig(sim, { camera: false });
    const pos = r.driver.createPublisher('std_msgs/msg/Float64MultiArray', '/forward_position_controller/commands');
    const target = [0.3, 0.6, 0.6, 0.2, -0.2, 0.4];
    pos.publish({ layout: emptyLayout(), data: Float64Array.from(target) });
    r.bus.advance(1.5);
    assert.ok(maxAbsDiff(ordered(r.states.at(-1)!), target) < 0.005);
    r.bus.destroy();
  });
});
