/**
 * The ROS agent and perception executables with a learned world model (world_model.kind learned), on
 * the fake rclnodejs: a tiny model directory written like `odra train` writes one (model.json, weights,
 * encoder.onnx with its odra.preprocess metadata, predictor.onnx).
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeHeader, type Float32MultiArray, type Float64MultiArray, type Image } from '../../src/bus/messages.ts';
import { loadConfig } from '../../src/config/load.ts';
import { goalLatentTopicFor, parseAgentArgs, runAgent } from '../../src/ros/agent-main.ts';
import { encodeLatent } from '../../src/ros/latent-message.ts';
import { learnedEncoderPath, learnedEncoderPipeline, learnedModelProblems, type LearnedAgentModel } from '../../src/ros/learned-model.ts';
import { runPerception } from '../../src/ros/perception-main.ts';
import { loadLearnedWorldModel } from '../../src/world-model/learned.ts';
import { tinyModelJson, writeTinyModelDir } from '../learn/helpers.ts';
import { FakeParameter, FakeQoS, fakeOverrides, fakeRclnodejs, type FakeEndpoint, type FakeLifecycleNode, type FakeNode } from './fake-rclnodejs.ts';

const JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
const DZ = 4;
const STRING = 4;
const INTEGER = 2;
const DOUBLE = 3;
const json = { ...tinyModelJson({ latentDim: DZ, dof: 6, hidden: [16], image: 8 }), jointNames: JOINTS };
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'odra-ros-learned-'));
  await writeTinyModelDir(dir, json, { data: { hash: 'test' } });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  fakeOverrides.length = 0;
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

/** A 16×16 rgb8 frame: twice the encoder's 8×8 in each direction. */
function image(seed: number): Image {
  const data = Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37 + seed * 101) % 256);
  return { header: makeHeader(0), height: 16, width: 16, encoding: 'rgb8', is_bigendian: 0, step: 48, data };
}

function learnedOverrides(extra: FakeParameter[] = []): void {
  fakeOverrides.push(
    new FakeParameter('world_model.kind', STRING, 'learned'),
    new FakeParameter('world_model.model_dir', STRING, dir),
    new FakeParameter('planner.samples', INTEGER, 16),
    new FakeParameter('planner.horizon', INTEGER, 4),
    new FakeParameter('perception.execution_providers', 9, ['cpu']),
    ...extra,
  );
}

/** An endpoint by its resolved topic (odra hands rclnodejs `~/` names; rclnodejs expands them). */
function endpoint(raw: FakeNode, kind: 'publisher' | 'subscription', topic: string): FakeEndpoint | undefined {
  const own = `/${raw.name()}/`;
  return raw.endpoints.find((e) => e.kind === kind && (e.topic.startsWith('~/') ? own + e.topic.slice(2) : e.topic) === topic);
}

function jointState(): unknown {
  return { header: makeHeader(0), name: JOINTS, position: Float64Array.of(0.1, -0.8, 1.0, -1.2, -1.4, 0.2), velocity: new Float64Array(6), effort: new Float64Array(0) };
}

/** Runs control ticks until a cost_terms message names `term`; returns the terms of that message. */
async function costTermsWith(raw: FakeNode, term: string): Promise<Map<string, number>> {
  const control = raw.timers.find((t) => t.period === 50_000_000n && !t.canceled);
  assert.ok(control !== undefined, 'the control timer runs');
  const topic = '/odra_agent/cost_terms';
  const seen = (): Float64MultiArray | undefined =>
    (raw.published(topic) as Float64MultiArray[]).find((m) => m.layout.dim[0]!.label.split(',').includes(term));
  const commands = '/forward_velocity_controller/commands';
  for (let i = 0; i < 50 && seen() === undefined; i++) {
    const sent = raw.published(commands).length;
    raw.deliver('/joint_states', jointState());
    control.callback();
    await until(() => raw.published(commands).length > sent, `the command of tick ${i + 1}`);
    // goal images are encoded between ticks
    await new Promise((r) => setTimeout(r, 10));
  }
  const m = seen();
  assert.ok(m !== undefined, `a cost_terms message with ${term}: ${(raw.published(topic) as Float64MultiArray[]).map((x) => x.layout.dim[0]?.label).join(' | ')}`);
  const names = m.layout.dim[0]!.label.split(',');
  return new Map(names.map((n, i) => [n, m.data[i]!] as const));
}

describe('learned world model checks', () => {
  const learned = { dir: '/m', dtS: 0.05, latentDim: 4, jointNames: JOINTS, encoderPath: '/m/encoder.onnx' } as unknown as LearnedAgentModel;
  const config = (o: Record<string, unknown> = {}) => loadConfig({ overrides: { 'world_model.kind': 'learned', 'world_model.model_dir': '/m', ...o } });

  test('the control period must be within 1 % of the model step; planner.dt_s 0 or the model step', () => {
    assert.deepEqual(learnedModelProblems(config(), learned, JOINTS, 4), [], '20 Hz is 0.05 s');
    assert.deepEqual(learnedModelProblems(config({ 'control.rate_hz': 20.15 }), learned, JOINTS, 4), [], '0.75 % off is accepted');
    const off = learnedModelProblems(config({ 'control.rate_hz': 20.4 }), learned, JOINTS, 4);
    assert.equal(off.length, 1);
    assert.match(off[0]!, /^control\.rate_hz: .*steps 0\.05 s \(dtS\).*0\.0490196 s.*set control\.rate_hz to 20/);
    assert.match(learnedModelProblems(config({ 'planner.dt_s': 0.1 }), learned, JOINTS, 4)[0] ?? '', /^planner\.dt_s: .*set planner\.dt_s to 0/);
    assert.deepEqual(learnedModelProblems(config({ 'planner.dt_s': 0.05 }), learned, JOINTS, 4), []);
  });

  test('joints, latent size and a foreign encoder are refused with the fix', () => {
    const p = learnedModelProblems(
      config({ 'perception.encoder': 'onnx', 'perception.model_path': '/other/enc.onnx' }),
      learned,
      [...JOINTS].reverse(),
      8,
    );
    assert.equal(p.length, 3, p.join('\n'));
    assert.match(p[0]!, /trained on joints \[shoulder_pan_joint.*the agent controls \[wrist_3_joint/);
    assert.match(p[1]!, /latents have 8 values.*takes 4: run odra_perception with the same world_model/);
    assert.match(p[2]!, /perception\.encoder: .*perception\.model_path \/m\/encoder\.onnx/);
    assert.deepEqual(learnedModelProblems(config({ 'perception.encoder': 'onnx', 'perception.model_path': '/m/encoder.onnx' }), learned, JOINTS, 4), []);
  });

  test('split deployment: goal latents beside the latents, unless named', () => {
    assert.equal(goalLatentTopicFor({ latentTopic: '/odra_perception/latent', goalLatentTopic: null }), '/odra_perception/goal_latent');
    assert.equal(goalLatentTopicFor({ latentTopic: 'odra_perception/latent', goalLatentTopic: null }), 'odra_perception/goal_latent');
    assert.equal(goalLatentTopicFor({ latentTopic: '/cam/z', goalLatentTopic: null }), '~/goal_latent');
    assert.equal(goalLatentTopicFor({ latentTopic: null, goalLatentTopic: null }), '~/goal_latent');
    assert.equal(goalLatentTopicFor(parseAgentArgs(['--latent-topic', '/p/latent', '--goal-latent-topic', '/g'])), '/g');
  });

  test("the perception pipeline on the model's encoder.onnx agrees with the model's own encoder", async () => {
    const config0 = config({ 'perception.execution_providers': ['cpu'] });
    const pipeline = await learnedEncoderPipeline(config0, await learnedEncoderPath(dir), () => {});
    const own = await loadLearnedWorldModel(dir, { backend: 'js' });
    try {
      assert.equal(pipeline.latentDim, DZ);
      const msg = image(3);
      const r = await pipeline.encodeGoalImage(msg);
      assert.ok(r.ok, `encoded: ${r.ok ? '' : r.detail}`);
      const z = await own.encoder.encode(msg.data, 16, 16);
      // the model's encoder rounds the 8×8 area average to bytes; the pipeline keeps it in float
      for (let i = 0; i < DZ; i++) assert.ok(Math.abs(r.latent[i]! - z[i]!) < 0.02, `latent ${i}: ${r.latent[i]} vs ${z[i]}`);
    } finally {
      await pipeline.dispose();
      await own.encoder.dispose();
      await own.model.dispose();
    }
  });
});

describe('agent-main with world_model.kind learned', () => {
  test('combined: camera frames and goal images through the model encoder; the plan scores the latent goal', async () => {
    learnedOverrides();
    const fake = fakeRclnodejs();
    const done = runAgent(['--autostart'], fake);
    try {
      await until(() => (fake.nodes[0] as FakeLifecycleNode | undefined)?.currentState.label === 'active', 'the active state');
      const raw = fake.nodes[0] as FakeLifecycleNode & FakeNode;
      assert.ok(raw.logs.some((l) => l.includes('learned world model') && l.includes('latent size 4')), raw.logs.join('\n'));
      assert.ok(raw.logs.some((l) => l.startsWith('warn') && l.includes('safety.perception_max_age_s is 0')), 'warned: no latent watchdog');
      const sub = (topic: string) => endpoint(raw, 'subscription', topic);
      for (const t of ['/camera/image_raw', '/camera/image_raw/compressed', '/odra_agent/goal_image', '/odra_agent/goal_image/compressed', '/odra_agent/goal_latent']) {
        assert.ok(sub(t) !== undefined, `subscribed to ${t}`);
      }
      assert.equal((sub('/odra_agent/goal_latent')!.qos as FakeQoS).durability, FakeQoS.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL, 'goal latents are latched');
      raw.createSubscription('std_msgs/msg/Float64MultiArray', '/odra_agent/cost_terms', {}, () => {});
      raw.deliver('/camera/image_raw', image(1));
      raw.deliver('/odra_agent/goal_image', image(2));
      const terms = await costTermsWith(raw, 'latent_goal');
      const cost = terms.get('latent_goal')!;
      assert.ok(Number.isFinite(cost) && cost > 0, `latent goal cost ${cost}`);
      assert.ok(raw.published('/forward_velocity_controller/commands').length > 0, 'commands went out');
      // a bad goal latent on the topic is dropped, never a crash
      raw.deliver('/odra_agent/goal_latent', { layout: { dim: [], data_offset: 0 }, data: Float32Array.of(1, Number.NaN, 0, 0) });
      raw.deliver('/odra_agent/goal_latent', { layout: { dim: [], data_offset: 0 }, data: Float32Array.of(1, 2) });
      assert.ok(raw.logs.some((l) => l.includes('dropped a goal_latent message (non_finite)')), raw.logs.join('\n'));
      // the model's step is fixed: planner.dt_s may not move away from it
      const [veto] = raw.setService([{ name: 'planner.dt_s', value: { type: DOUBLE, double_value: 0.1 } }]);
      assert.equal(veto?.successful, false);
      assert.match(veto?.reason ?? '', /planner\.dt_s: the learned world model steps 0\.05 s/);
      assert.equal(raw.setService([{ name: 'planner.dt_s', value: { type: DOUBLE, double_value: 0.05 } }])[0]?.successful, true);
    } finally {
      process.emit('SIGINT');
    }
    assert.equal(await done, 0);
  });

  test('a model step that is not the control period refuses configure, with the fix', async () => {
    learnedOverrides([new FakeParameter('control.rate_hz', DOUBLE, 10)]);
    const fake = fakeRclnodejs();
    const done = runAgent(['--autostart'], fake);
    try {
      await until(() => fake.nodes[0]?.logs.some((l) => l.includes('autostart did not reach')) === true, 'the refused autostart');
      const raw = fake.nodes[0] as FakeLifecycleNode & FakeNode;
      assert.equal(raw.currentState.label, 'unconfigured');
      assert.ok(raw.logs.some((l) => l.startsWith('error: configure failed:') && l.includes('steps 0.05 s (dtS)') && l.includes('set control.rate_hz to 20')), raw.logs.join('\n'));
    } finally {
      process.emit('SIGINT');
    }
    assert.equal(await done, 0);
  });

  test("world_model.kind onnx is refused with a clear message; a missing model directory names the problem", async () => {
    fakeOverrides.push(new FakeParameter('world_model.kind', STRING, 'onnx'), new FakeParameter('world_model.model_dir', STRING, dir));
    let fake = fakeRclnodejs();
    assert.equal(await runAgent(['--plain'], fake), 1);
    assert.ok(fake.nodes[0]!.logs.some((l) => l.includes("world_model.kind 'onnx'") && l.includes('not available')), fake.nodes[0]!.logs.join('\n'));
    fakeOverrides.length = 0;
    fakeOverrides.push(new FakeParameter('world_model.kind', STRING, 'learned'), new FakeParameter('world_model.model_dir', STRING, join(dir, 'nowhere')));
    fake = fakeRclnodejs();
    assert.equal(await runAgent(['--plain'], fake), 1);
    assert.ok(fake.nodes[0]!.logs.some((l) => l.includes('learned world model or perception could not be prepared') && l.includes('model.json: file not found')), fake.nodes[0]!.logs.join('\n'));
  });

  test('split: latents and goal latents from odra_perception', async () => {
    learnedOverrides();
    const fake = fakeRclnodejs();
    const done = runAgent(['--autostart', '--latent-topic', '/odra_perception/latent', '--latent-wait-s', '20'], fake);
    try {
      await until(() => (fake.nodes[0]?.countSubscribers('/odra_perception/latent') ?? 0) > 0, 'the latent subscription');
      const raw = fake.nodes[0] as FakeLifecycleNode & FakeNode;
      raw.deliver('/odra_perception/latent', encodeLatent({ sec: 1_700_000_000, nanosec: 0 }, Float32Array.of(0.1, 0.2, 0.3, 0.4)));
      await until(() => raw.currentState.label === 'active', 'the active state');
      assert.ok(endpoint(raw, 'subscription', '/odra_perception/goal_latent') !== undefined, 'goal latents beside the latents');
      assert.equal(endpoint(raw, 'subscription', '/odra_agent/goal_latent'), undefined, 'not ~/goal_latent');
      assert.equal(endpoint(raw, 'subscription', '/odra_agent/goal_image'), undefined, 'no goal images in the agent');
      raw.createSubscription('std_msgs/msg/Float64MultiArray', '/odra_agent/cost_terms', {}, () => {});
      raw.deliver('/odra_perception/goal_latent', encodeLatent({ sec: 1_700_000_000, nanosec: 0 }, Float32Array.of(1, -1, 0.5, 0)));
      // the first latent only told the agent its size: planning toward a latent goal needs a camera latent
      raw.deliver('/odra_perception/latent', encodeLatent({ sec: 1_700_000_000, nanosec: 0 }, Float32Array.of(0.1, 0.2, 0.3, 0.4)));
      const terms = await costTermsWith(raw, 'latent_goal');
      assert.ok((terms.get('latent_goal') ?? 0) > 0, 'a latent goal cost');
    } finally {
      process.emit('SIGINT');
    }
    assert.equal(await done, 0);
  });
});

describe('perception-main with world_model.kind learned', () => {
  test("encodes frames and goal images with the model's encoder: ~/latent and ~/goal_latent (latched)", async () => {
    learnedOverrides();
    const fake = fakeRclnodejs();
    const done = runPerception([], fake);
    try {
      await until(() => fake.nodes[0]?.logs.some((l) => l.includes('encoding /camera/image_raw')) === true, 'startup');
      const raw = fake.nodes[0]!;
      assert.ok(raw.logs.some((l) => l.includes('goal images on /odra_perception/goal_image into /odra_perception/goal_latent')), raw.logs.join('\n'));
      const goalPub = endpoint(raw, 'publisher', '/odra_perception/goal_latent');
      assert.equal((goalPub?.qos as FakeQoS | undefined)?.durability, FakeQoS.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL);
      raw.deliver('/camera/image_raw', image(1));
      await until(() => raw.published('/odra_perception/latent').length === 1, 'a latent');
      raw.deliver('/odra_perception/goal_image', image(2));
      await until(() => raw.published('/odra_perception/goal_latent').length === 1, 'a goal latent');
      const z = raw.published('/odra_perception/latent')[0] as Float32MultiArray;
      const g = raw.published('/odra_perception/goal_latent')[0] as Float32MultiArray;
      assert.equal(z.data.length, DZ);
      assert.equal(g.data.length, DZ);
      assert.match(g.layout.dim[0]!.label, /^latent@\d+\.\d{9}$/);
      assert.notDeepEqual([...z.data], [...g.data], 'two different images, two latents');
    } finally {
      process.emit('SIGINT');
    }
    assert.equal(await done, 0);
  });
});
