import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';
import { QOS_SENSOR_DATA } from '../../src/bus/port.ts';
import { seededRandom } from '../../src/bus/faults.ts';

/** Publishes `n` messages, one per `dtS`, and returns the bus times at which each arrived. */
function run(seed: number, faults: Parameters<InProcessBus['setTopicFaults']>[1], n = 200, dtS = 0.01) {
  const bus = new InProcessBus({ seed, logSink: () => {} });
  const node = bus.createNode('n');
  const pub = node.createPublisher('std_msgs/msg/Float64MultiArray', '/x', QOS_SENSOR_DATA);
  const arrivals: { i: number; atS: number }[] = [];
  const sub = node.createSubscription(
    'std_msgs/msg/Float64MultiArray',
    '/x',
    (m) => arrivals.push({ i: m.data[0] as number, atS: bus.nowS() }),
    { ...QOS_SENSOR_DATA, depth: 1000 },
  );
  bus.setTopicFaults('/x', faults);
  for (let i = 0; i < n; i++) {
    pub.publish({ layout: { dim: [], data_offset: 0 }, data: Float64Array.of(i) });
    bus.advance(dtS);
  }
  bus.advance(10);
  return { arrivals, sub };
}

describe('fault injection', () => {
  test('latency delays delivery by exactly latencyS', () => {
    const { arrivals } = run(1, { latencyS: 0.035 }, 10);
    assert.equal(arrivals.length, 10);
    for (const a of arrivals) assert.ok(Math.abs(a.atS - (a.i * 0.01 + 0.035)) < 1e-9, `${a.i} at ${a.atS}`);
  });

  test('messages wait in flight until due, even when spinning', () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const n = bus.createNode('n');
    const pub = n.createPublisher('std_msgs/msg/Bool', '/x');
    let got = 0;
    n.createSubscription('std_msgs/msg/Bool', '/x', () => got++);
    bus.setTopicFaults('/x', { latencyS: 0.1 });
    pub.publish({ data: true });
    bus.spinOnce();
    bus.advance(0.05);
    assert.equal(got, 0);
    assert.equal(bus.pendingDeliveries(), 1);
    bus.advance(0.05);
    assert.equal(got, 1);
  });

  test('drops are reproducible with a seed and near the asked rate', () => {
    const a = run(42, { dropProbability: 0.3 });
    const b = run(42, { dropProbability: 0.3 });
    const c = run(7, { dropProbability: 0.3 });
    const ids = (r: typeof a) => r.arrivals.map((x) => x.i);
    assert.deepEqual(ids(a), ids(b));
    assert.notDeepEqual(ids(a), ids(c));
    assert.equal(a.sub.injectedDrops + a.arrivals.length, 200);
    // 200 Bernoulli(0.3) draws: mean 60, sd ≈ 6.5; ±4 sd.
    assert.ok(a.sub.injectedDrops > 34 && a.sub.injectedDrops < 86, `${a.sub.injectedDrops}`);
  });

  test('jitter delays within bounds and never reorders a connection', () => {
    const { arrivals } = run(3, { latencyS: 0.01, jitterS: 0.05 });
    assert.equal(arrivals.length, 200);
    let spread = 0;
    for (let k = 0; k < arrivals.length; k++) {
      const a = arrivals[k] as { i: number; atS: number };
      assert.equal(a.i, k);
      const delay = a.atS - a.i * 0.01;
      assert.ok(delay >= 0.01 - 1e-9 && delay < 0.01 + 0.05 + 0.01 + 1e-9, `delay ${delay}`);
      spread = Math.max(spread, delay);
    }
    assert.ok(spread > 0.03, 'jitter had an effect');
  });

  test('faults can be removed and are validated', () => {
    const bus = new InProcessBus({ logSink: () => {} });
    assert.throws(
      () => bus.setTopicFaults('/x', { dropProbability: 1.5, latencyS: -1 }),
      (e: Error) => /dropProbability/.test(e.message) && /latencyS/.test(e.message),
    );
    assert.throws(() => bus.setTopicFaults('relative', { latencyS: 1 }), /fully qualified/);
    bus.setTopicFaults('/x', { dropProbability: 1 });
    const n = bus.createNode('n');
    const pub = n.createPublisher('std_msgs/msg/Bool', '/x');
    let got = 0;
    n.createSubscription('std_msgs/msg/Bool', '/x', () => got++);
    pub.publish({ data: true });
    bus.spinOnce();
    assert.equal(got, 0);
    bus.setTopicFaults('/x', null);
    pub.publish({ data: true });
    bus.spinOnce();
    assert.equal(got, 1);
  });

  test('the generator is deterministic and uniform enough', () => {
    const r1 = seededRandom(5);
    const r2 = seededRandom(5);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = r1();
      assert.equal(x, r2());
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  });
});
