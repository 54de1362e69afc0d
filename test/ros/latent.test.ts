import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';
import { makeHeader, type Image } from '../../src/bus/messages.ts';
import type { PerceptionPipeline } from '../../src/perception/pipeline.ts';
import { CameraLatents, RemoteLatents } from '../../src/ros/latent-input.ts';
import { decodeLatent, encodeLatent, latentLabel } from '../../src/ros/latent-message.ts';

describe('stamped latent message', () => {
  test('round trip: the stamp rides in the label, size and stride stay a 1-D array', () => {
    const msg = encodeLatent({ sec: 1712345678, nanosec: 5_000 }, Float32Array.of(0.5, -1, 2));
    assert.deepEqual(msg.layout, { dim: [{ label: 'latent@1712345678.000005000', size: 3, stride: 3 }], data_offset: 0 });
    const back = decodeLatent(msg);
    assert.ok(back.ok);
    assert.deepEqual(back.value.stamp, { sec: 1712345678, nanosec: 5000 });
    assert.deepEqual([...back.value.latent], [0.5, -1, 2]);
    assert.equal(latentLabel({ sec: 0, nanosec: 0 }), 'latent@0.000000000');
  });

  test('malformed latents are refused with a reason', () => {
    const ok = encodeLatent({ sec: 1, nanosec: 2 }, Float32Array.of(1, 2));
    const cases: [unknown, RegExp][] = [
      [{ layout: { dim: [], data_offset: 0 }, data: new Float32Array(2) }, /no layout.dim\[0\]/],
      [{ ...ok, layout: { dim: [{ label: 'latent', size: 2, stride: 2 }], data_offset: 0 } }, /not latent@/],
      [{ ...ok, data: Float32Array.of(1) }, /says 2 values, data has 1/],
      [{ ...ok, data: Float32Array.of(1, Number.NaN) }, /data\[1\] is not finite/],
      [null, /no layout/],
    ];
    for (const [m, why] of cases) {
      const r = decodeLatent(m as never);
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.reason : '', why);
    }
  });
});

describe('latent inputs', () => {
  test('remote latents: handed out once, stamped back by their age, wrong sizes dropped', () => {
    const bus = new InProcessBus({ startTimeS: 100, logSink: () => {} });
    const agent = bus.createNode('odra_agent');
    const perception = bus.createNode('odra_perception');
    const remote = new RemoteLatents(agent, '/odra_perception/latent', 2);
    const pub = perception.createPublisher('std_msgs/msg/Float32MultiArray', '/odra_perception/latent');
    pub.publish(encodeLatent({ sec: 99, nanosec: 900_000_000 }, Float32Array.of(1, 2)));
    bus.spinOnce();
    const got = remote.source();
    assert.ok(got !== null);
    assert.ok(Math.abs(got.stampS - (100 - 0.1)) < 1e-9, `stamp ${got.stampS}`);
    assert.deepEqual([...got.z], [1, 2]);
    assert.equal(remote.source(), null, 'only once');
    pub.publish(encodeLatent({ sec: 100, nanosec: 0 }, Float32Array.of(1, 2, 3)));
    bus.spinOnce();
    assert.equal(remote.source(), null);
    assert.equal(remote.dropped, 1);
  });

  test('camera latents: frames over the rate limit are dropped; encoded ones are stamped with their arrival', async () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const agent = bus.createNode('odra_agent');
    const camera = bus.createNode('camera');
    let encoded = 0;
    const pipeline = {
      latentDim: 4,
      encodeMessage: async () => ({ ok: true, latent: Float32Array.of(encoded++, 0, 0, 0), kind: 'rgb', width: 2, height: 2 }),
    } as unknown as PerceptionPipeline;
    const published: number[] = [];
    const latents = new CameraLatents(agent, pipeline, {
      imageTopic: '/camera/image_raw',
      compressedImageTopic: '/camera/image_raw/compressed',
      maxRateHz: () => 10,
      onLatent: (stampS) => published.push(stampS),
    });
    const img = camera.createPublisher('sensor_msgs/msg/Image', '/camera/image_raw', { reliability: 'best_effort', depth: 5 });
    const frame: Image = { header: makeHeader(0), height: 2, width: 2, encoding: 'rgb8', is_bigendian: 0, step: 6, data: new Uint8Array(12) };
    camera.createTimer(0.04, () => img.publish(frame)); // 25 Hz camera, 10 Hz limit
    for (let i = 0; i < 25; i++) {
      bus.advance(0.04);
      await new Promise<void>((r) => setImmediate(r));
    }
    assert.equal(latents.latentDim, 4);
    assert.ok(encoded >= 9 && encoded <= 10, `encoded ${encoded} of 25 frames in 1 s at 10 Hz`);
    assert.equal(latents.rateDropped, 25 - encoded);
    const last = latents.source();
    assert.ok(last !== null && last.z[0] === encoded - 1);
    assert.equal(published.length, encoded);
  });
});
