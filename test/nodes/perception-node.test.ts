import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { InProcessBus } from '../../src/bus/in-process.ts';
import type { InProcessNode } from '../../src/bus/in-process.ts';
import type { LogRecord } from '../../src/bus/logger.ts';
import { DIAGNOSTIC_LEVEL, type CompressedImage, type DiagnosticArray, type Float32MultiArray, type Image } from '../../src/bus/messages.ts';
import { QOS_LATCHED, QOS_SENSOR_DATA } from '../../src/bus/qos.ts';
import { loadConfig } from '../../src/config/load.ts';
import { PerceptionNode, pipelineConfigFromParams, stampedLatentMessage, type PerceptionNodeOptions } from '../../src/nodes/perception-node.ts';
import { PerceptionPipeline } from '../../src/perception/pipeline.ts';
import { decodeLatent } from '../../src/ros/latent-message.ts';
import { convEncoderOnnx, convEncoderWeights, randomBytes, rng, tempDir } from '../perception/helpers.ts';

const S = 8;
const D = 4;
let dir: string;
let cleanup: () => void;
let pipeline: PerceptionPipeline;
let png: Uint8Array;

function frame(seed: number, stamp = { sec: 0, nanosec: 0 }): Image {
  return { header: { stamp, frame_id: 'cam' }, height: S, width: S, encoding: 'rgb8', is_bigendian: 0, step: 3 * S, data: randomBytes(3 * S * S, seed) };
}

async function reference(msg: Image | CompressedImage): Promise<number[]> {
  const r = await pipeline.encodeGoalImage(msg);
  if (!r.ok) assert.fail(`reference encode failed: ${r.reason}: ${r.detail}`);
  return [...r.latent];
}

before(async () => {
  ({ dir, cleanup } = tempDir());
  writeFileSync(join(dir, 'enc.onnx'), convEncoderOnnx(convEncoderWeights(3, 6, D, 11), S));
  // the node is built from the perception.* parameters, as a host would build it
  const params = loadConfig({ overrides: { 'perception.encoder': 'onnx', 'perception.model_path': join(dir, 'enc.onnx'), 'perception.width': S, 'perception.height': S } }).perception;
  pipeline = await PerceptionPipeline.create(pipelineConfigFromParams(params).config);
  png = await sharp(randomBytes(3 * S * S, 3), { raw: { width: S, height: S, channels: 3 } }).png().toBuffer();
});
after(async () => {
  await pipeline.dispose();
  cleanup();
});

interface Rig {
  bus: InProcessBus;
  camera: InProcessNode;
  perception: PerceptionNode;
  logs: LogRecord[];
  latents: { stampS: number; z: number[] }[];
  goals: number[][];
  sendImage(msg: Image): void;
  sendCompressed(msg: CompressedImage): void;
  sendGoal(msg: Image): void;
  /** delivers what is queued and waits for the encodes it started */
  settle(): Promise<void>;
}

function rig(opts: Partial<PerceptionNodeOptions> = {}): Rig {
  const logs: LogRecord[] = [];
  const bus = new InProcessBus({ startTimeS: 50, logSink: (r) => logs.push(r) });
  const camera = bus.createNode('camera');
  const latents: { stampS: number; z: number[] }[] = [];
  const goals: number[][] = [];
  const perception = new PerceptionNode(bus.createNode('perception'), pipeline, {
    imageTopic: '/camera/image_raw',
    compressedImageTopic: '/camera/image_raw/compressed',
    maxRateHz: 0,
    onLatent: (stampS, z) => latents.push({ stampS, z: [...z] }),
    onGoalLatent: (z) => goals.push([...z]),
    warnPeriodS: 1,
    ...opts,
  });
  const img = camera.createPublisher('sensor_msgs/msg/Image', '/camera/image_raw', QOS_SENSOR_DATA);
  const jpg = camera.createPublisher('sensor_msgs/msg/CompressedImage', '/camera/image_raw/compressed', QOS_SENSOR_DATA);
  const goal = camera.createPublisher('sensor_msgs/msg/Image', '/perception/goal_image', { depth: 1 });
  return {
    bus,
    camera,
    perception,
    logs,
    latents,
    goals,
    sendImage: (m) => img.publish(m),
    sendCompressed: (m) => jpg.publish(m),
    sendGoal: (m) => goal.publish(m),
    async settle() {
      bus.spinOnce();
      await perception.idle();
    },
  };
}

describe('PerceptionNode: camera frames', () => {
  test('a 30 Hz camera under a 10 Hz limit gives exactly 10 latents a second, stamped with their arrival', async () => {
    const r = rig({ maxRateHz: 10 });
    const frames = Array.from({ length: 30 }, (_, k) => frame(100 + k));
    for (const f of frames) {
      r.sendImage(f);
      await r.settle();
      r.bus.advance(1 / 30);
    }
    const c = r.perception.counters();
    assert.equal(c.received, 30, 'every frame reached the subscriber');
    assert.equal(c.encoded, 10, `encoded ${c.encoded}`);
    assert.equal(c.dropped.rate_limited, 20, 'the other frames are over the rate');
    assert.equal(c.dropped.busy, 0, 'never busy: each encode finished before the next frame');
    assert.equal(r.latents.length, 10, 'one callback per latent');
    // accepted frames are every third one: k = 0, 3, ..., 27, at 50 + k / 30 s
    for (let i = 0; i < 10; i++) {
      assert.ok(Math.abs(r.latents[i]!.stampS - (50 + i * 0.1)) < 1e-9, `latent ${i} stamped ${r.latents[i]!.stampS}`);
    }
    assert.deepEqual(r.latents[3]!.z, await reference(frames[9]!), 'the latent is the pipeline latent of that frame');
    assert.ok(c.encodeMsP50 !== null && c.encodeMsP50 > 0, `encode ms p50 ${c.encodeMsP50}`);
    const taken = r.perception.takeLatent();
    assert.ok(taken !== null && taken.stampS === r.latents[9]!.stampS, 'takeLatent hands out the newest latent');
    assert.equal(r.perception.takeLatent(), null, 'once');
    r.bus.destroy();
  });

  test('camera jitter does not lower the rate (the limit keeps its schedule)', async () => {
    const r = rig({ maxRateHz: 10 });
    const rand = rng(9);
    for (let k = 0; k < 60; k++) {
      // 30 Hz ± 4 ms
      r.bus.advanceTo(50.01 + k / 30 + (rand() - 0.5) * 0.008);
      r.sendImage(frame(7));
      await r.settle();
    }
    const n = r.perception.counters().encoded;
    assert.ok(n >= 19 && n <= 20, `${n} latents from 2 s of a jittery 30 Hz camera at a 10 Hz limit`);
    r.bus.destroy();
  });

  test('the rate is read at every frame (a live parameter)', async () => {
    let rate = 10;
    const r = rig({ maxRateHz: () => rate });
    for (let k = 0; k < 60; k++) {
      if (k === 30) rate = 0;
      r.sendImage(frame(7));
      await r.settle();
      r.bus.advance(1 / 30);
    }
    assert.equal(r.perception.counters().encoded, 10 + 30, '10 in the first second, every frame once the limit is off');
    r.bus.destroy();
  });

  test('frames that arrive while one is encoding are dropped as busy, not queued', async () => {
    const r = rig();
    r.sendImage(frame(1));
    r.sendImage(frame(2));
    r.sendCompressed({ header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, format: 'png', data: png });
    await r.settle();
    const c = r.perception.counters();
    assert.deepEqual([c.received, c.encoded, c.dropped.busy], [3, 1, 2], JSON.stringify(c));
    assert.deepEqual(r.latents[0]!.z, await reference(frame(1)), 'the first frame is the one encoded');
    assert.equal(r.logs.filter((l) => l.level === 'warn').length, 0, 'busy drops are flow control, not warnings');
    // the encoder is free again: the compressed topic feeds the same pipeline
    r.sendCompressed({ header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, format: 'png', data: png });
    await r.settle();
    assert.equal(r.perception.counters().encoded, 2, 'compressed frame encoded');
    assert.deepEqual(r.latents[1]!.z, await reference({ header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, format: 'png', data: png }), 'compressed latent');
    r.bus.destroy();
  });

  test('unusable frames are dropped with their reason, warned about once per reason, and nothing is handed out', async () => {
    const r = rig();
    const good = frame(1);
    const bad: [string, () => void][] = [
      ['unknown_encoding', () => r.sendImage({ ...good, encoding: 'yuv422_weird' })],
      ['short_data', () => r.sendImage({ ...good, data: good.data.subarray(0, 10) })],
      ['bad_size', () => r.sendImage({ ...good, width: 0 })],
      ['corrupt_compressed', () => r.sendCompressed({ header: good.header, format: 'jpeg', data: randomBytes(64, 4) })],
      ['unknown_encoding', () => r.sendImage({ ...good, encoding: 'yuv422_weird' })],
    ];
    for (const [, send] of bad) {
      send();
      await r.settle();
    }
    const c = r.perception.counters();
    assert.equal(c.encoded, 0, 'no latent from a bad frame');
    assert.equal(r.latents.length, 0, 'no callback');
    assert.deepEqual([c.dropped.unknown_encoding, c.dropped.short_data, c.dropped.bad_size, c.dropped.corrupt_compressed], [2, 1, 1, 1], JSON.stringify(c.dropped));
    assert.equal(c.lastDrop?.reason, 'unknown_encoding', 'last drop kept');
    const warns = r.logs.filter((l) => l.level === 'warn').map((l) => l.msg);
    assert.equal(warns.length, 4, `one warning per reason within the period: ${warns.join(' | ')}`);
    assert.ok(warns.some((w) => w.includes('camera frame dropped (corrupt_compressed)')), warns.join(' | '));
    r.sendImage(good);
    await r.settle();
    assert.equal(r.perception.counters().encoded, 1, 'a good frame after bad ones is encoded');
    r.bus.destroy();
  });

  test('a throwing host callback is logged and the node keeps encoding', async () => {
    const r = rig({
      onLatent: () => {
        throw new Error('host bug');
      },
    });
    r.sendImage(frame(1));
    await r.settle();
    r.sendImage(frame(2));
    await r.settle();
    assert.equal(r.perception.counters().encoded, 2, 'both encoded');
    assert.ok(r.logs.some((l) => l.level === 'error' && l.msg.includes('onLatent callback failed: host bug')), 'error logged');
    r.bus.destroy();
  });

  test('after destroy nothing is received or handed out', async () => {
    const r = rig();
    r.sendImage(frame(1));
    r.bus.spinOnce();
    r.perception.destroy();
    await r.perception.idle();
    r.sendImage(frame(2));
    await r.settle();
    assert.equal(r.latents.length, 0, 'the encode in flight is discarded');
    assert.equal(r.perception.counters().received, 1, 'no frame after destroy');
    r.bus.destroy();
  });
});

describe('PerceptionNode: goal images', () => {
  test('~/goal_image becomes a goal latent through the same pipeline; the newest goal wins', async () => {
    const r = rig();
    const g1 = frame(21);
    const g2 = frame(22);
    r.sendGoal(g1);
    await r.settle();
    assert.equal(r.goals.length, 1, 'onGoalLatent called');
    assert.deepEqual(r.goals[0], await reference(g1), 'goal latent = pipeline latent');
    assert.deepEqual([...(r.perception.goalLatent ?? [])], r.goals[0], 'kept as goalLatent');
    // a second goal received before the first finished encoding supersedes it
    r.sendGoal(g1);
    r.bus.spinOnce();
    r.sendGoal(g2);
    await r.settle();
    assert.equal(r.goals.length, 2, 'only the newer goal is handed out');
    assert.deepEqual(r.goals[1], await reference(g2), 'newest goal');
    r.sendGoal({ ...g1, encoding: '32FC9' });
    await r.settle();
    const c = r.perception.counters().goal;
    assert.deepEqual([c.received, c.encoded, c.dropped.superseded, c.dropped.unknown_encoding], [4, 2, 1, 1], JSON.stringify(c));
    assert.equal(r.perception.counters().received, 0, 'goal images are not camera frames');
    r.bus.destroy();
  });

  test('without an encoder a goal image is refused with a reason', async () => {
    const none = await PerceptionPipeline.create({ encoder: { kind: 'none' } });
    const bus = new InProcessBus({ logSink: () => {} });
    const goals: Float32Array[] = [];
    const node = new PerceptionNode(bus.createNode('perception'), none, {
      imageTopic: '/camera/image_raw',
      compressedImageTopic: '/camera/image_raw/compressed',
      maxRateHz: 0,
      onGoalLatent: (z) => goals.push(z),
    });
    bus.createNode('driver').createPublisher('sensor_msgs/msg/Image', '/perception/goal_image').publish(frame(1));
    bus.spinOnce();
    await node.idle();
    assert.equal(goals.length, 0, 'no goal latent');
    assert.equal(node.counters().goal.dropped.no_encoder, 1, 'counted as no_encoder');
    bus.destroy();
    await none.dispose();
  });
});

describe('PerceptionNode: split deployment', () => {
  test('~/latent carries the frame stamp and the latent; the agent side decodes it', async () => {
    const r = rig({ publishLatent: true });
    assert.equal(r.perception.latentTopic, '/perception/latent', 'private topic');
    const got: Float32MultiArray[] = [];
    r.camera.createSubscription('std_msgs/msg/Float32MultiArray', '/perception/latent', (m) => got.push(m), QOS_SENSOR_DATA);
    const stamped = frame(5, { sec: 1712345678, nanosec: 5000 });
    r.sendImage(stamped);
    await r.settle();
    r.sendImage(frame(6)); // no header stamp: stamped with the node's ROS time at arrival
    await r.settle();
    r.bus.spinOnce();
    assert.equal(got.length, 2, 'two latents published');
    const a = decodeLatent(got[0]!);
    assert.ok(a.ok, 'decodes');
    assert.deepEqual(a.value.stamp, { sec: 1712345678, nanosec: 5000 }, 'frame stamp');
    assert.deepEqual([...a.value.latent], await reference(stamped), 'latent');
    assert.equal(got[0]!.layout.dim[0]!.label, 'latent@1712345678.000005000', 'label convention');
    const b = decodeLatent(got[1]!);
    assert.ok(b.ok && b.value.stamp.sec === 50 && b.value.stamp.nanosec === 0, 'receive-time stamp');
    r.bus.destroy();
  });

  test('~/goal_latent is latched: an agent that subscribes later still gets the goal', async () => {
    const r = rig({ publishLatent: true });
    r.sendGoal(frame(21, { sec: 7, nanosec: 1 }));
    await r.settle();
    const got: Float32MultiArray[] = [];
    r.camera.createSubscription('std_msgs/msg/Float32MultiArray', '/perception/goal_latent', (m) => got.push(m), QOS_LATCHED);
    r.bus.spinOnce();
    assert.equal(got.length, 1, 'late subscriber receives the goal latent');
    const g = decodeLatent(got[0]!);
    assert.ok(g.ok && g.value.stamp.sec === 7 && g.value.stamp.nanosec === 1, 'goal stamp');
    assert.deepEqual([...g.value.latent], await reference(frame(21)), 'goal latent');
    r.bus.destroy();
  });

  test('stampedLatentMessage pads nanoseconds to nine digits', () => {
    const m = stampedLatentMessage({ sec: 3, nanosec: 42 }, Float32Array.of(1, 2));
    assert.deepEqual(m.layout, { dim: [{ label: 'latent@3.000000042', size: 2, stride: 2 }], data_offset: 0 });
  });
});

describe('PerceptionNode: diagnostics', () => {
  test('one status a second: OK while encoding, WARN on bad frames, STALE without frames', async () => {
    const r = rig({ diagnosticsTopic: '/diagnostics' });
    const diags: DiagnosticArray[] = [];
    r.camera.createSubscription('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', (m) => diags.push(m));
    r.sendImage(frame(1));
    await r.settle();
    r.bus.advance(1);
    r.sendImage({ ...frame(2), encoding: 'nope' });
    await r.settle();
    r.bus.advance(1);
    r.bus.advance(1);
    const levels = diags.map((d) => d.status[0]!.level);
    assert.deepEqual(levels, [DIAGNOSTIC_LEVEL.OK, DIAGNOSTIC_LEVEL.WARN, DIAGNOSTIC_LEVEL.STALE], diags.map((d) => d.status[0]!.message).join(' | '));
    const first = diags[0]!.status[0]!;
    assert.equal(first.name, 'perception: perception', 'named after the node');
    const values = Object.fromEntries(first.values.map((v) => [v.key, v.value]));
    assert.equal(values['latent_dim'], String(D), 'latent size reported');
    assert.equal(values['encoded'], '1', 'encoded count');
    assert.ok(Number(values['encode_ms_p50']) > 0, `encode_ms_p50 ${values['encode_ms_p50']}`);
    assert.match(diags[1]!.status[0]!.message, /1 frames dropped \(unknown_encoding 1\)/, 'reason in the message');
    r.bus.destroy();
  });

  test('busy drops under a rate limit warn that the encoder cannot keep up', async () => {
    const r = rig({ maxRateHz: 1000 });
    r.sendImage(frame(1));
    r.bus.spinOnce();
    r.bus.advance(0.002);
    r.sendImage(frame(2));
    await r.settle();
    const s = r.perception.diagnosticStatus();
    assert.equal(s.level, DIAGNOSTIC_LEVEL.WARN, s.message);
    assert.match(s.message, /encoder slower than perception.max_rate_hz/, s.message);
    r.bus.destroy();
  });
});
