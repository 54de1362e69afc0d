import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';
import { makeHeader, type Float32MultiArray, type Float64MultiArray, type Image } from '../../src/bus/messages.ts';
import { QOS_LATCHED } from '../../src/bus/qos.ts';
import { AgentNode } from '../../src/nodes/agent-node.ts';
import { PerceptionNode, stampedLatentMessage, type PerceptionEncoder } from '../../src/nodes/perception-node.ts';
import type { EncodeResult } from '../../src/perception/pipeline.ts';
import { arm6 } from '../cost/helpers.ts';
import { HOME, harness, testConfig, type Harness } from './helpers.ts';

const COST_TOPIC = '/odra_agent/cost_terms';
const GOAL_TOPIC = '/odra_agent/goal_latent';
/** the camera latent the agent sees every tick */
const Z_NOW = [0.5, 0, 0, -0.5];

function latentMsg(data: readonly number[], size = data.length): Float32MultiArray {
  return { layout: { dim: [{ label: 'goal', size, stride: size }], data_offset: 0 }, data: Float32Array.from(data) };
}

/** A 4-latent agent whose camera latent is always Z_NOW; the kinematic model carries z unchanged. */
function latentHarness(overrides: Record<string, unknown> = {}): Harness & { sendGoal(m: Float32MultiArray): void } {
  let h: Harness | null = null;
  h = harness(testConfig(overrides), {
    latentDim: 4,
    latentSource: () => ({ stampS: h!.node.node.steadyNowS(), z: Z_NOW }),
  });
  const pub = h.driver.createPublisher('std_msgs/msg/Float32MultiArray', GOAL_TOPIC, QOS_LATCHED);
  h.listen('std_msgs/msg/Float64MultiArray', COST_TOPIC);
  return Object.assign(h, { sendGoal: (m: Float32MultiArray) => pub.publish(m) });
}

function costTerms(h: Harness): Map<string, number> {
  const m = h.last<Float64MultiArray>(COST_TOPIC);
  const names = m.layout.dim[0]!.label.split(',');
  return new Map(names.map((n, i) => [n, m.data[i]!] as const));
}

describe('agent node: goal latents', () => {
  test('a goal latent on ~/goal_latent becomes the goal; the plan is scored by the latent goal term', async () => {
    const h = latentHarness();
    h.feed(HOME);
    await h.tick();
    assert.equal(h.node.lastTelemetry?.status, 'no_goal', 'no goal before the goal latent');
    h.sendGoal(latentMsg([1.5, -2, 0, 0.5]));
    h.feed(HOME);
    await h.tick();
    assert.equal(h.node.lastTelemetry?.status, 'ok');
    assert.deepEqual(Array.from(h.node.agent.currentGoal?.latent ?? []), [1.5, -2, 0, 0.5]);
    assert.equal(h.node.stats.goals, 1);
    const terms = costTerms(h);
    // weight 1 (l1) × 8 horizon steps × (|0.5 − 1.5| + |0 + 2| + |0 − 0| + |−0.5 − 0.5| = 4) = 32:
    // the kinematic model carries the latent unchanged over the horizon
    const latent = terms.get('latent_goal');
    assert.ok(latent !== undefined, `latent_goal among the cost terms: ${[...terms.keys()].join(', ')}`);
    assert.ok(Math.abs(latent - 32) < 1e-9, `latent_goal cost ${latent}, expected 32`);
    assert.equal(terms.has('joint_goal'), false, 'no joint goal term');
    assert.equal(h.node.droppedTotal, 0);
  });

  test('each goal replaces the previous one, whatever its kind', async () => {
    const h = latentHarness({ 'goal.joints': [0.5, -0.2, 0.6, -0.1, 0.2, 0.0] });
    h.feed(HOME);
    await h.tick();
    assert.ok(costTerms(h).has('joint_goal'), 'the configured joint goal first');
    h.sendGoal(latentMsg([1, 1, 1, 1]));
    h.feed(HOME);
    await h.tick();
    let terms = costTerms(h);
    assert.ok(terms.has('latent_goal') && !terms.has('joint_goal'), `the latent goal replaced the joint goal: ${[...terms.keys()].join(', ')}`);
    assert.equal(h.node.agent.currentGoal?.joints, undefined, 'no joints left in the goal');
    h.publish('sensor_msgs/msg/JointState', '/odra_agent/goal_joints', {
      header: makeHeader(0),
      name: [],
      position: Float64Array.of(0.2, -0.4, 0.7, -0.2, 0.3, 0.1),
      velocity: new Float64Array(0),
      effort: new Float64Array(0),
    });
    h.feed(HOME);
    await h.tick();
    terms = costTerms(h);
    assert.ok(terms.has('joint_goal') && !terms.has('latent_goal'), `the joint goal replaced the latent goal: ${[...terms.keys()].join(', ')}`);
    assert.equal(h.node.agent.currentGoal?.latent, undefined, 'no latent left in the goal');
    // in process, the same
    assert.equal(h.node.setGoalLatent(Float32Array.of(0, 1, 0, 1)), true);
    h.feed(HOME);
    await h.tick();
    terms = costTerms(h);
    assert.ok(terms.has('latent_goal') && !terms.has('joint_goal'), 'setGoalLatent replaced the joint goal');
    assert.equal(h.node.stats.goals, 4);
  });

  test('bad goal latents are dropped, counted by reason, warned about (throttled), and change nothing', async () => {
    const h = latentHarness();
    h.sendGoal(latentMsg([1, 2, 3, 4]));
    h.feed(HOME);
    await h.tick();
    const bad: Float32MultiArray[] = [
      latentMsg([1, 2, 3]),
      latentMsg([1, 2, 3, 4, 5]),
      latentMsg([1, Number.NaN, 3, 4]),
      latentMsg([1, 2, Number.POSITIVE_INFINITY, 4]),
      latentMsg([]),
      latentMsg([1, 2, 3, 4], 5),
      { layout: { dim: [], data_offset: 0 } } as unknown as Float32MultiArray,
    ];
    for (const m of bad) {
      h.sendGoal(m);
      h.feed(HOME);
      await h.tick();
    }
    assert.equal(h.node.setGoalLatent([1, 2]), false, 'a wrong size refused in process');
    assert.equal(h.node.setGoalLatent([1, 2, 3, Number.NaN]), false, 'a NaN refused in process');
    assert.deepEqual(h.node.dropped(), { goal_latent: { wrong_size: 4, non_finite: 3, empty: 2 } });
    assert.deepEqual(Array.from(h.node.agent.currentGoal?.latent ?? []), [1, 2, 3, 4], 'the good goal stays');
    assert.equal(h.node.stats.goals, 1);
    assert.equal(h.node.lastTelemetry?.status, 'ok', 'the node kept planning');
    assert.ok(h.node.lastTelemetry?.plan?.cost !== undefined && Number.isFinite(h.node.lastTelemetry.plan.cost), 'a finite plan cost');
    const warnings = h.logs.filter((r) => r.level === 'warn' && r.msg.includes('goal_latent'));
    assert.equal(warnings.length, 3, `one warning per reason within the throttle period: ${warnings.map((w) => w.msg).join(' | ')}`);
  });

  test('a latent goal holds the arm until a camera latent arrives', async () => {
    let z: number[] | null = null;
    let h: Harness | null = null;
    h = harness(testConfig(), { latentDim: 4, latentSource: () => (z === null ? null : { stampS: h!.node.node.steadyNowS(), z }) });
    h.listen('std_msgs/msg/Float64MultiArray', '/forward_velocity_controller/commands');
    assert.equal(h.node.setGoalLatent([1, 1, 1, 1]), true);
    h.feed(HOME);
    await h.tick();
    assert.equal(h.node.lastTelemetry?.status, 'hold', 'no camera latent yet: nothing to plan from');
    assert.equal(h.node.lastTelemetry?.plan, null);
    assert.ok(h.last<Float64MultiArray>('/forward_velocity_controller/commands').data.every((v) => v === 0), 'zero velocities');
    z = Z_NOW;
    h.feed(HOME);
    await h.tick();
    assert.equal(h.node.lastTelemetry?.status, 'ok', 'planning once the camera latent is there');
  });

  test('an agent without a latent refuses goal latents (no_latent)', async () => {
    const h = harness();
    const pub = h.driver.createPublisher('std_msgs/msg/Float32MultiArray', GOAL_TOPIC, QOS_LATCHED);
    pub.publish(latentMsg([1, 2]));
    h.feed(HOME);
    await h.tick();
    assert.equal(h.node.setGoalLatent([1]), false);
    assert.deepEqual(h.node.dropped(), { goal_latent: { no_latent: 2 } });
    assert.equal(h.node.agent.currentGoal, null);
    assert.equal(h.node.lastTelemetry?.status, 'no_goal');
  });
});

describe('agent node: goal images from a perception node', () => {
  const GOAL_Z = Float32Array.of(0.25, -1, 2, 0);
  const stub: PerceptionEncoder = {
    latentDim: 4,
    encodeMessage: async (): Promise<EncodeResult> => ({ ok: true, latent: Float32Array.from(Z_NOW), kind: 'rgb', width: 2, height: 2 }),
    encodeGoalImage: async (): Promise<EncodeResult> => ({ ok: true, latent: GOAL_Z.slice(), kind: 'rgb', width: 2, height: 2, stamp: { sec: 7, nanosec: 0 } }),
  };
  const image: Image = { header: makeHeader(0), height: 2, width: 2, encoding: 'rgb8', is_bigendian: 0, step: 6, data: new Uint8Array(12) };

  test('in process: onGoalLatent → setGoalLatent', async () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const agent = new AgentNode(bus.createNode('odra_agent'), testConfig(), { chain: arm6(), latentDim: 4 });
    const perception = new PerceptionNode(bus.createNode('perception'), stub, {
      imageTopic: '/camera/image_raw',
      compressedImageTopic: '/camera/image_raw/compressed',
      maxRateHz: 0,
      onGoalLatent: (z) => agent.setGoalLatent(z),
    });
    const user = bus.createNode('user');
    user.createPublisher('sensor_msgs/msg/Image', '/perception/goal_image', { depth: 1 }).publish(image);
    bus.spinOnce();
    await perception.idle();
    assert.deepEqual(Array.from(agent.agent.currentGoal?.latent ?? []), Array.from(GOAL_Z));
    assert.equal(agent.droppedTotal, 0);
  });

  test('split: the perception node publishes ~/goal_latent (latched); an agent that starts later still gets it', async () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const perception = new PerceptionNode(bus.createNode('odra_perception'), stub, {
      imageTopic: '/camera/image_raw',
      compressedImageTopic: '/camera/image_raw/compressed',
      maxRateHz: 0,
      publishLatent: true,
    });
    const user = bus.createNode('user');
    user.createPublisher('sensor_msgs/msg/Image', '/odra_perception/goal_image', { depth: 1 }).publish(image);
    bus.spinOnce();
    await perception.idle();
    // the stamped message the perception node publishes is what the agent reads
    assert.deepEqual(stampedLatentMessage({ sec: 7, nanosec: 0 }, GOAL_Z).layout.dim[0]?.label, 'latent@7.000000000');
    const agent = new AgentNode(bus.createNode('odra_agent'), testConfig(), {
      chain: arm6(),
      latentDim: 4,
      goalLatentTopic: '/odra_perception/goal_latent',
    });
    bus.spinOnce();
    assert.deepEqual(Array.from(agent.agent.currentGoal?.latent ?? []), Array.from(GOAL_Z));
    assert.equal(agent.droppedTotal, 0);
  });
});
