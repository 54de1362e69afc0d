import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';
import { QOS_DEFAULT, QOS_SENSOR_DATA, qosProfile } from '../../src/bus/port.ts';
import { qosIncompatibility, qosProblems } from '../../src/bus/qos.ts';
import type { LogRecord } from '../../src/bus/logger.ts';

describe('QoS', () => {
  test('presets', () => {
    assert.deepEqual({ ...QOS_SENSOR_DATA }, { reliability: 'best_effort', durability: 'volatile', depth: 5 });
    assert.deepEqual({ ...QOS_DEFAULT }, { reliability: 'reliable', durability: 'volatile', depth: 10 });
    assert.deepEqual(qosProfile({ depth: 1 }), { reliability: 'reliable', durability: 'volatile', depth: 1 });
    assert.equal(qosProblems(qosProfile({ depth: 2.5 })).length, 1);
  });

  test('request/offered matching as in DDS', () => {
    const be = QOS_SENSOR_DATA;
    const rel = QOS_DEFAULT;
    const latched = qosProfile({ durability: 'transient_local' });
    assert.equal(qosIncompatibility(rel, be), null); // best-effort reader takes a reliable writer
    assert.equal(qosIncompatibility(be, be), null);
    assert.match(qosIncompatibility(be, rel) ?? '', /reliability/);
    assert.match(qosIncompatibility(rel, latched) ?? '', /durability/);
    assert.equal(qosIncompatibility(latched, rel), null);
  });

  test('a reliable subscription receives nothing from a best-effort publisher', () => {
    const logs: LogRecord[] = [];
    const bus = new InProcessBus({ logSink: (r) => logs.push(r) });
    const cam = bus.createNode('camera');
    const agent = bus.createNode('agent');
    const pub = cam.createPublisher('sensor_msgs/msg/CompressedImage', '/camera/image_raw/compressed', QOS_SENSOR_DATA);
    let reliableGot = 0;
    let bestEffortGot = 0;
    agent.createSubscription('sensor_msgs/msg/CompressedImage', '/camera/image_raw/compressed', () => reliableGot++, QOS_DEFAULT);
    agent.createSubscription(
      'sensor_msgs/msg/CompressedImage',
      '/camera/image_raw/compressed',
      () => bestEffortGot++,
      QOS_SENSOR_DATA,
    );
    for (let i = 0; i < 3; i++) {
      pub.publish({ header: { stamp: { sec: i, nanosec: 0 }, frame_id: 'cam' }, format: 'jpeg', data: new Uint8Array(4) });
    }
    bus.spinOnce();
    assert.equal(reliableGot, 0);
    assert.equal(bestEffortGot, 3);
    assert.equal(pub.subscriptionCount(), 1);
    const inc = bus.incompatibilities();
    assert.equal(inc.length, 1);
    assert.deepEqual(
      { topic: inc[0]?.topic, pub: inc[0]?.publisherNode, sub: inc[0]?.subscriptionNode },
      { topic: '/camera/image_raw/compressed', pub: '/camera', sub: '/agent' },
    );
    const warn = logs.find((r) => r.level === 'warn');
    assert.ok(warn);
    assert.equal(warn.logger, '/agent');
    assert.match(warn.msg, /reliability/);
  });

  test('the order of creation does not matter for matching', () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const n = bus.createNode('n');
    let got = 0;
    n.createSubscription('std_msgs/msg/Bool', '/x', () => got++, QOS_DEFAULT);
    const be = n.createPublisher('std_msgs/msg/Bool', '/x', QOS_SENSOR_DATA);
    const rel = n.createPublisher('std_msgs/msg/Bool', '/x', QOS_DEFAULT);
    be.publish({ data: true });
    rel.publish({ data: true });
    bus.spinOnce();
    assert.equal(got, 1);
    assert.equal(bus.incompatibilities().length, 1);
  });
});
