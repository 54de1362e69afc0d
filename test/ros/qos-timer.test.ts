import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { QOS_DEFAULT, QOS_LATCHED, QOS_SENSOR_DATA } from '../../src/bus/qos.ts';
import { BusError } from '../../src/bus/errors.ts';
import { toRclQos } from '../../src/ros/qos.ts';
import { createRclNode } from '../../src/ros/rcl-bus.ts';
import { createTimerSeconds, timerPeriodArg, timerPeriodSeconds, timerPeriodUnit } from '../../src/ros/timer.ts';
import { FakeQoS, fakeRclnodejs, type FakeNode, type FakeTimer } from './fake-rclnodejs.ts';

describe('QoS mapping', () => {
  test('camera frames: best effort, volatile, keep last 5', () => {
    const q = toRclQos(FakeQoS, QOS_SENSOR_DATA);
    assert.deepEqual({ ...q }, { history: 1, depth: 5, reliability: 2, durability: 2 });
  });

  test('default: reliable depth 10; latched: transient local depth 1', () => {
    assert.deepEqual({ ...toRclQos(FakeQoS, QOS_DEFAULT) }, { history: 1, depth: 10, reliability: 1, durability: 2 });
    assert.deepEqual({ ...toRclQos(FakeQoS, QOS_LATCHED) }, { history: 1, depth: 1, reliability: 1, durability: 1 });
  });

  test('what the node hands rclnodejs for a subscription and a publisher', () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'n');
    node.createSubscription('sensor_msgs/msg/Image', '/camera/image_raw', () => {}, QOS_SENSOR_DATA);
    node.createPublisher('std_msgs/msg/Float64MultiArray', '/cmd', { depth: 3 });
    const raw = fake.nodes[0]!;
    assert.deepEqual({ ...(raw.endpoints.find((e) => e.topic === '/camera/image_raw')!.qos as object) }, { history: 1, depth: 5, reliability: 2, durability: 2 });
    assert.deepEqual({ ...(raw.endpoints.find((e) => e.topic === '/cmd')!.qos as object) }, { history: 1, depth: 3, reliability: 1, durability: 2 });
  });

  test('an invalid profile is refused before rclnodejs sees it', () => {
    const node = createRclNode(fakeRclnodejs(), 'n');
    assert.throws(() => node.createPublisher('std_msgs/msg/Bool', '/x', { depth: 0 }), (e: unknown) => e instanceof BusError && /depth/.test(e.message));
  });
});

describe('timer wrapper', () => {
  test('the unit follows the rclnodejs version (bigint ns from 0.31)', () => {
    assert.equal(timerPeriodUnit('2.2.0'), 'ns_bigint');
    assert.equal(timerPeriodUnit('0.31.0'), 'ns_bigint');
    assert.equal(timerPeriodUnit('1.0.0-rc.1'), 'ns_bigint');
    assert.equal(timerPeriodUnit('0.30.2'), 'ms_number');
    assert.equal(timerPeriodUnit('0.21.3'), 'ms_number');
    assert.equal(timerPeriodUnit(''), 'ns_bigint');
  });

  test('seconds ↔ period argument', () => {
    assert.equal(timerPeriodArg(0.05, 'ns_bigint'), 50_000_000n);
    assert.equal(timerPeriodArg(1 / 3, 'ns_bigint'), 333_333_333n);
    assert.equal(timerPeriodArg(0.05, 'ms_number'), 50);
    assert.equal(timerPeriodSeconds(50_000_000n, 'ns_bigint'), 0.05);
    assert.equal(timerPeriodSeconds(50, 'ms_number'), 0.05);
  });

  test('createTimerSeconds passes the clock only when given', () => {
    const fake = fakeRclnodejs();
    const raw = new fake.rcl.Node('n') as unknown as FakeNode;
    const t1 = createTimerSeconds(raw as never, 'ns_bigint', 0.1, () => {}) as unknown as FakeTimer;
    assert.equal(t1.period, 100_000_000n);
    assert.equal(t1.clock, undefined);
  });

  test('a node on rclnodejs 2.2.0 creates steady-clock timers in bigint ns; 0.21 in ms', () => {
    for (const [version, period] of [
      ['2.2.0', 50_000_000n],
      ['0.21.3', 50],
    ] as const) {
      const fake = fakeRclnodejs(version);
      const node = createRclNode(fake, 'n');
      let fired = 0;
      const timer = node.createTimer(0.05, () => fired++);
      const raw = fake.nodes[0]!.timers[0]!;
      assert.equal(raw.period, period);
      assert.equal(raw.clock?.clockType, 3, 'STEADY_TIME');
      assert.equal(timer.periodS, 0.05);
      raw.callback();
      assert.equal(fired, 1);
      timer.cancel();
      assert.equal(timer.canceled, true);
      timer.reset();
      assert.equal(timer.canceled, false);
      timer.destroy();
      assert.equal(fake.nodes[0]!.timers.length, 0);
    }
  });

  test('with use_sim_time the timer runs on the node clock (which follows /clock)', () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'n');
    fake.nodes[0]!.setParameters([new fake.rcl.Parameter('use_sim_time', 1, true)]);
    assert.equal(node.useSimTime(), true);
    node.createTimer(0.01, () => {});
    assert.equal(fake.nodes[0]!.timers[0]!.clock, undefined);
  });

  test('a timer callback that throws is logged, not thrown into the executor', () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'n');
    node.createTimer(0.1, () => {
      throw new Error('boom');
    });
    assert.doesNotThrow(() => fake.nodes[0]!.timers[0]!.callback());
    assert.ok(fake.nodes[0]!.logs.some((l) => l.startsWith('error:') && l.includes('boom')));
  });

  test('invalid periods are configuration errors', () => {
    const node = createRclNode(fakeRclnodejs(), 'n');
    for (const p of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => node.createTimer(p, () => {}), (e: unknown) => e instanceof BusError && e.code === 'INVALID_ARGUMENT');
    }
  });
});
