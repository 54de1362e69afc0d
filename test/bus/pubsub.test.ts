import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';
import { makeHeader, type JointState } from '../../src/bus/messages.ts';
import { QOS_LATCHED, QOS_SENSOR_DATA } from '../../src/bus/port.ts';
import type { LogRecord } from '../../src/bus/logger.ts';

function jointState(stampS: number, q: number[]): JointState {
  return {
    header: makeHeader(stampS, ''),
    name: q.map((_, i) => `j${i}`),
    position: Float64Array.from(q),
    velocity: new Float64Array(0),
    effort: new Float64Array(0),
  };
}

function quietBus(logs: LogRecord[] = []): InProcessBus {
  return new InProcessBus({ logSink: (r) => logs.push(r) });
}

describe('publish / subscribe', () => {
  test('nothing is delivered inside publish; spinOnce delivers in publish order', () => {
    const bus = quietBus();
    const a = bus.createNode('a');
    const b = bus.createNode('b');
    const pub = a.createPublisher('sensor_msgs/msg/JointState', '/joint_states');
    const got: number[] = [];
    b.createSubscription('sensor_msgs/msg/JointState', '/joint_states', (m) => got.push(m.position[0] as number));
    for (let i = 0; i < 5; i++) pub.publish(jointState(i, [i]));
    assert.deepEqual(got, []);
    assert.equal(bus.pendingDeliveries(), 5);
    assert.equal(bus.spinOnce(), 5);
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
    assert.equal(bus.spinOnce(), 0);
  });

  test('arrival order holds across topics and subscriptions', () => {
    const bus = quietBus();
    const n = bus.createNode('n');
    const p1 = n.createPublisher('std_msgs/msg/String', '/one');
    const p2 = n.createPublisher('std_msgs/msg/String', '/two');
    const order: string[] = [];
    n.createSubscription('std_msgs/msg/String', '/one', (m) => order.push(`s1:${m.data}`));
    n.createSubscription('std_msgs/msg/String', '/two', (m) => order.push(`s2:${m.data}`));
    n.createSubscription('std_msgs/msg/String', '/one', (m) => order.push(`s3:${m.data}`));
    p1.publish({ data: 'a' });
    p2.publish({ data: 'b' });
    p1.publish({ data: 'c' });
    bus.spinOnce();
    assert.deepEqual(order, ['s1:a', 's3:a', 's2:b', 's1:c', 's3:c']);
  });

  test('messages published by a callback are delivered in the same spin', () => {
    const bus = quietBus();
    const relay = bus.createNode('relay');
    const out = relay.createPublisher('std_msgs/msg/String', '/out');
    relay.createSubscription('std_msgs/msg/String', '/in', (m) => out.publish({ data: `${m.data}!` }));
    const got: string[] = [];
    relay.createSubscription('std_msgs/msg/String', '/out', (m) => got.push(m.data));
    relay.createPublisher('std_msgs/msg/String', '/in').publish({ data: 'hi' });
    assert.equal(bus.spinOnce(), 2);
    assert.deepEqual(got, ['hi!']);
  });

  test('a full queue drops the oldest and counts it (keep-last depth)', () => {
    const bus = quietBus();
    const n = bus.createNode('n');
    const pub = n.createPublisher('sensor_msgs/msg/JointState', '/js', QOS_SENSOR_DATA);
    const got: number[] = [];
    const sub = n.createSubscription('sensor_msgs/msg/JointState', '/js', (m) => got.push(m.header.stamp.sec), {
      ...QOS_SENSOR_DATA,
      depth: 3,
    });
    const deep: number[] = [];
    const deepSub = n.createSubscription('sensor_msgs/msg/JointState', '/js', (m) => deep.push(m.header.stamp.sec), {
      reliability: 'best_effort',
      depth: 100,
    });
    for (let i = 0; i < 10; i++) pub.publish(jointState(i, [0]));
    assert.equal(sub.pending, 3);
    bus.spinOnce();
    assert.deepEqual(got, [7, 8, 9]);
    assert.equal(sub.queueDrops, 7);
    assert.equal(sub.received, 3);
    assert.equal(deep.length, 10);
    assert.equal(deepSub.queueDrops, 0);
  });

  test('messages are deep-copied: no aliasing between publisher and subscribers', () => {
    const bus = quietBus();
    const n = bus.createNode('n');
    const pub = n.createPublisher('sensor_msgs/msg/JointState', '/js');
    const seen: JointState[] = [];
    n.createSubscription('sensor_msgs/msg/JointState', '/js', (m) => {
      m.position[0] = -1; // a rude subscriber
      m.name.push('extra');
      seen.push(m);
    });
    n.createSubscription('sensor_msgs/msg/JointState', '/js', (m) => seen.push(m));
    const big = new Float64Array(100).fill(3);
    const msg = jointState(1, [5, 6]);
    msg.velocity = big.subarray(10, 12);
    pub.publish(msg);
    msg.position[1] = 99; // the publisher reuses its buffer right away
    bus.spinOnce();
    const [first, second] = seen;
    assert.ok(first && second);
    assert.deepEqual([...second.position], [5, 6]);
    assert.deepEqual(second.name, ['j0', 'j1']);
    assert.notEqual(first.position, second.position);
    assert.ok(second.position instanceof Float64Array);
    // A view is copied on its own, not with the buffer behind it.
    assert.equal(second.velocity.buffer.byteLength, 16);
    assert.deepEqual([...msg.position], [5, 99]);
  });

  test('only matching types connect; the mismatch is reported', () => {
    const logs: LogRecord[] = [];
    const bus = quietBus(logs);
    const n = bus.createNode('n');
    const pub = n.createPublisher('std_msgs/msg/String', '/x');
    let got = 0;
    n.createSubscription('std_msgs/msg/Bool', '/x', () => got++);
    pub.publish({ data: 'a' });
    bus.spinOnce();
    assert.equal(got, 0);
    assert.equal(pub.subscriptionCount(), 0);
    assert.equal(n.countSubscribers('/x'), 1);
    assert.match(bus.incompatibilities()[0]?.reason ?? '', /^type:/);
    assert.equal(logs.filter((r) => r.level === 'warn').length, 1);
    assert.deepEqual(bus.topicNamesAndTypes(), [{ name: '/x', types: ['std_msgs/msg/Bool', 'std_msgs/msg/String'] }]);
  });

  test('destroyed subscriptions, publishers and nodes stop delivering', () => {
    const bus = quietBus();
    const a = bus.createNode('a');
    const b = bus.createNode('b');
    const pub = a.createPublisher('std_msgs/msg/String', '/t');
    let got = 0;
    const sub = b.createSubscription('std_msgs/msg/String', '/t', () => got++);
    pub.publish({ data: '1' });
    sub.destroy();
    bus.spinOnce();
    assert.equal(got, 0);
    b.createSubscription('std_msgs/msg/String', '/t', () => got++);
    assert.equal(a.countSubscribers('/t'), 1);
    b.destroy();
    assert.equal(a.countSubscribers('/t'), 0);
    assert.equal(bus.node('/b'), undefined);
    assert.throws(() => b.createTimer(1, () => {}), /destroyed/);
    pub.destroy();
    pub.publish({ data: '2' }); // a no-op, not an error
    assert.equal(pub.published, 1);
    bus.spinOnce();
    assert.equal(got, 0);
  });

  test('transient-local: a late subscriber gets the kept samples, a volatile one does not', () => {
    const bus = quietBus();
    const n = bus.createNode('n');
    const pub = n.createPublisher('std_msgs/msg/String', '/robot_description', { ...QOS_LATCHED, depth: 2 });
    pub.publish({ data: 'v1' });
    pub.publish({ data: 'v2' });
    pub.publish({ data: 'v3' });
    const latched: string[] = [];
    const fresh: string[] = [];
    n.createSubscription('std_msgs/msg/String', '/robot_description', (m) => latched.push(m.data), {
      ...QOS_LATCHED,
      depth: 5,
    });
    // The reader's own depth still bounds what it keeps.
    const shallow: string[] = [];
    n.createSubscription('std_msgs/msg/String', '/robot_description', (m) => shallow.push(m.data), QOS_LATCHED);
    n.createSubscription('std_msgs/msg/String', '/robot_description', (m) => fresh.push(m.data));
    bus.spinOnce();
    assert.deepEqual(latched, ['v2', 'v3']);
    assert.deepEqual(shallow, ['v3']);
    assert.deepEqual(fresh, []);
    pub.publish({ data: 'v4' });
    bus.spinOnce();
    assert.deepEqual(latched, ['v2', 'v3', 'v4']);
    assert.deepEqual(fresh, ['v4']);
  });

  test('invalid QoS is refused at creation', () => {
    const bus = quietBus();
    const n = bus.createNode('n');
    assert.throws(() => n.createPublisher('std_msgs/msg/Bool', '/x', { depth: 0 }), /depth/);
  });

  test('spinning from inside a callback is refused', () => {
    const bus = quietBus();
    const n = bus.createNode('n');
    let err: unknown = null;
    n.createSubscription('std_msgs/msg/Bool', '/x', () => {
      try {
        bus.spinOnce();
      } catch (e) {
        err = e;
      }
    });
    n.createPublisher('std_msgs/msg/Bool', '/x').publish({ data: true });
    bus.spinOnce();
    assert.match(String(err), /inside a callback/);
  });

  test('a ping-pong without time moving is reported as a livelock', () => {
    const bus = new InProcessBus({ maxCallbacksPerSpin: 100, logSink: () => {} });
    const n = bus.createNode('n');
    const pub = n.createPublisher('std_msgs/msg/Bool', '/x');
    n.createSubscription('std_msgs/msg/Bool', '/x', (m) => pub.publish(m));
    pub.publish({ data: true });
    assert.throws(() => bus.spinOnce(), /callbacks without time moving/);
  });
});
