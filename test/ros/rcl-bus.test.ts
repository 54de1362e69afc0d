import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BusError } from '../../src/bus/errors.ts';
import { makeHeader, type JointState } from '../../src/bus/messages.ts';
import { createRclNode, rclTimeSeconds } from '../../src/ros/rcl-bus.ts';
import { fakeRclnodejs, fakeTime } from './fake-rclnodejs.ts';

describe('rclnodejs bus node: entities', () => {
  test('names: the node expands ~ and relative names as rcl does', () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'odra_agent', { namespace: '/arm' });
    assert.equal(node.fullyQualifiedName, '/arm/odra_agent');
    assert.equal(node.resolveName('~/plan'), '/arm/odra_agent/plan');
    assert.equal(node.resolveName('joint_states'), '/arm/joint_states');
    assert.equal(node.resolveName('/diagnostics'), '/diagnostics');
    assert.throws(() => node.resolveName('bad name'), (e: unknown) => e instanceof BusError && e.code === 'INVALID_NAME');
  });

  test('publish hands rclnodejs the message as is (typed arrays included); subscriptions get what rclnodejs delivers', () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'n');
    const got: JointState[] = [];
    const sub = node.createSubscription('sensor_msgs/msg/JointState', '/joint_states', (m) => got.push(m));
    const pub = node.createPublisher('std_msgs/msg/Float64MultiArray', '/cmd');
    const msg = { layout: { dim: [], data_offset: 0 }, data: Float64Array.of(1, 2) };
    pub.publish(msg);
    const raw = fake.nodes[0]!;
    assert.equal(raw.published('/cmd')[0], msg);
    const js: JointState = { header: makeHeader(1), name: ['a'], position: Float64Array.of(0.5), velocity: new Float64Array(0), effort: new Float64Array(0) };
    assert.equal(raw.deliver('/joint_states', js), 1);
    assert.equal(got[0], js);
    assert.equal(pub.topic, '/cmd');
    assert.equal(sub.type, 'sensor_msgs/msg/JointState');
    assert.equal(pub.subscriptionCount(), 0);
    sub.destroy();
    pub.destroy();
    pub.publish(msg);
    assert.equal(raw.endpoints.length, 0);
  });

  test('a subscription callback that throws is logged (throttled), never rethrown', () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'n');
    node.createSubscription('std_msgs/msg/Bool', '/x', () => {
      throw new Error('bad');
    });
    const raw = fake.nodes[0]!;
    for (let i = 0; i < 5; i++) assert.doesNotThrow(() => raw.deliver('/x', { data: true }));
    assert.equal(raw.logs.filter((l) => l.includes('bad')).length, 1, 'throttled to one line per 5 s of steady time');
    fakeTime.steadyNs += 6_000_000_000n;
    raw.deliver('/x', { data: true });
    assert.ok(raw.logs.at(-1)!.includes('(4 similar suppressed)'));
  });

  test('a publish rclnodejs refuses is dropped and reported', () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'n');
    const pub = node.createPublisher('std_msgs/msg/Bool', '/b');
    const raw = fake.nodes[0]!;
    raw.endpoints[0]!.publish = () => {
      throw new TypeError('cannot serialize');
    };
    assert.doesNotThrow(() => pub.publish({ data: true }));
    assert.ok(raw.logs.some((l) => l.includes('cannot publish std_msgs/msg/Bool on /b')));
  });

  test('services: a value, a promise and a throw all answer the caller', async () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'n');
    node.createService('std_srvs/srv/Trigger', '~/reset', () => ({ success: true, message: 'now' }));
    node.createService('std_srvs/srv/SetBool', '~/later', async (req) => ({ success: req.data, message: 'later' }));
    node.createService('std_srvs/srv/Trigger', '~/broken', () => {
      throw new Error('nope');
    });
    const raw = fake.nodes[0]!;
    assert.deepEqual(await raw.callService('/n/reset', {}), { success: true, message: 'now' });
    assert.deepEqual(await raw.callService('/n/later', { data: true }), { success: true, message: 'later' });
    assert.deepEqual(await raw.callService('/n/broken', {}), { success: false, message: '' });
    assert.ok(raw.logs.some((l) => l.includes('service /n/broken failed: nope')));
  });

  test('a client with no server rejects with SERVICE_UNAVAILABLE', async () => {
    const node = createRclNode(fakeRclnodejs(), 'n');
    const c = node.createClient('std_srvs/srv/Trigger', '/other/reset');
    assert.equal(c.isServiceReady(), false);
    await assert.rejects(c.call({}), (e: unknown) => e instanceof BusError && e.code === 'SERVICE_UNAVAILABLE');
  });

  test('clocks: nowS is ROS time, steadyNowS the steady clock, both from bigint ns without losing precision', () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'n');
    fakeTime.rosNs = 1_700_000_000_123_456_789n;
    fakeTime.steadyNs = 42_500_000_000n;
    assert.equal(node.nowS(), 1_700_000_000 + 0.123456789);
    assert.equal(node.steadyNowS(), 42.5);
    assert.equal(rclTimeSeconds({ nanoseconds: 2_500_000_000 }), 2.5);
    assert.equal(rclTimeSeconds({ nanoseconds: '3000000001' }), 3.000000001);
  });

  test('destroy releases every entity, the parameter callback and the node', () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'n');
    node.createPublisher('std_msgs/msg/Bool', '/a');
    node.createSubscription('std_msgs/msg/Bool', '/b', () => {});
    node.createTimer(1, () => {});
    node.createService('std_srvs/srv/Trigger', '~/s', () => ({ success: true, message: '' }));
    node.spin();
    const raw = fake.nodes[0]!;
    assert.equal(raw.spinning, true);
    node.stop();
    node.destroy();
    assert.deepEqual([raw.endpoints.length, raw.timers.length, raw.services.length, raw.destroyed], [0, 0, 0, true]);
    assert.throws(() => node.createPublisher('std_msgs/msg/Bool', '/c'), (e: unknown) => e instanceof BusError && e.code === 'DESTROYED');
  });

  test('a lifecycle node is exposed as one', () => {
    const fake = fakeRclnodejs();
    assert.equal(createRclNode(fake, 'plain').lifecycleNode, undefined);
    const ln = createRclNode(fake, 'managed', { lifecycle: true }).lifecycleNode;
    assert.equal(ln?.currentState.label, 'unconfigured');
  });
});
