import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';

describe('timers', () => {
  test('manual clock: advance fires every expiry in time order', () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const n = bus.createNode('n');
    const log: string[] = [];
    n.createTimer(0.1, () => log.push(`a@${n.nowS().toFixed(2)}`));
    n.createTimer(0.25, () => log.push(`b@${n.nowS().toFixed(2)}`));
    assert.equal(bus.advance(0.5), 7);
    assert.deepEqual(log, ['a@0.10', 'a@0.20', 'b@0.25', 'a@0.30', 'a@0.40', 'a@0.50', 'b@0.50']);
    assert.equal(bus.nowS(), 0.5);
  });

  test('many small steps do not lose or double expiries to round-off', () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const n = bus.createNode('n');
    let fired = 0;
    const timer = n.createTimer(0.02, () => fired++);
    for (let i = 0; i < 1000; i++) bus.advance(0.001);
    assert.equal(fired, 50);
    assert.equal(timer.fired, 50);
  });

  test('messages published by a timer reach a subscriber before the next timer fires', () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const sim = bus.createNode('sim');
    const agent = bus.createNode('agent');
    const pub = sim.createPublisher('std_msgs/msg/Float64MultiArray', '/state');
    let state = -1;
    const seen: number[] = [];
    agent.createSubscription('std_msgs/msg/Float64MultiArray', '/state', (m) => (state = m.data[0] as number));
    let k = 0;
    sim.createTimer(0.01, () => pub.publish({ layout: { dim: [], data_offset: 0 }, data: Float64Array.of(++k) }));
    agent.createTimer(0.01, () => seen.push(state));
    bus.advance(0.03);
    // Same expiry time: the sim timer (created first) fires, its message is delivered, then the agent's timer.
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test('cancel, reset and destroy', () => {
    const bus = new InProcessBus({ startTimeS: 10, logSink: () => {} });
    const n = bus.createNode('n');
    let fired = 0;
    const t = n.createTimer(1, () => fired++);
    bus.advance(2.5);
    assert.equal(fired, 2);
    t.cancel();
    assert.equal(t.canceled, true);
    bus.advance(3);
    assert.equal(fired, 2);
    t.reset(); // at 15.5: next expiry 16.5
    bus.advance(0.9);
    assert.equal(fired, 2);
    bus.advance(0.1);
    assert.equal(fired, 3);
    t.destroy();
    bus.advance(5);
    assert.equal(fired, 3);
    assert.throws(() => n.createTimer(0, () => {}), /period/);
    assert.throws(() => n.createTimer(Number.NaN, () => {}), /period/);
  });

  test('advanceTo never moves backwards; advance refuses bad steps', () => {
    const bus = new InProcessBus({ logSink: () => {} });
    bus.advanceTo(2);
    bus.advanceTo(1);
    assert.equal(bus.nowS(), 2);
    assert.throws(() => bus.advance(-1));
    assert.throws(() => bus.advance(Number.NaN));
  });

  test('a node may run on its own clock', () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const skewed = bus.createNode('skewed', { clock: () => bus.nowS() + 0.5 });
    bus.advance(1);
    assert.equal(skewed.nowS(), 1.5);
    assert.equal(skewed.steadyNowS(), 1);
  });

  test('a throwing callback surfaces from advance', () => {
    const bus = new InProcessBus({ logSink: () => {} });
    bus.createNode('n').createTimer(0.1, () => {
      throw new Error('boom');
    });
    assert.throws(() => bus.advance(0.1), /boom/);
  });

  test('realtime clock: timers and deliveries run by themselves', async () => {
    const bus = new InProcessBus({ clock: 'realtime', logSink: () => {} });
    assert.throws(() => bus.advance(1), /manual/);
    const n = bus.createNode('n');
    const pub = n.createPublisher('std_msgs/msg/String', '/x');
    const got: string[] = [];
    n.createSubscription('std_msgs/msg/String', '/x', (m) => got.push(m.data));
    let ticks = 0;
    let enough: () => void = () => {};
    const reached = new Promise<void>((r) => (enough = r));
    n.createTimer(0.005, () => {
      ticks++;
      pub.publish({ data: `t${ticks}` });
      if (ticks === 3) enough();
    });
    pub.publish({ data: 'first' });
    // Wait for three ticks, with a generous deadline for loaded machines.
    const deadline = setTimeout(() => enough(), 2000);
    await reached;
    clearTimeout(deadline);
    await new Promise((r) => setImmediate(r));
    bus.destroy();
    assert.equal(got[0], 'first');
    assert.ok(ticks >= 3, `ticks ${ticks}`);
    // Every tick's message was delivered (at most the very last one may still be queued).
    assert.ok(got.length >= ticks, `${got.length} of ${ticks + 1}`);
    assert.ok(Math.abs(bus.nowS() - Date.now() / 1000) < 1);
    const stopped = ticks;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(ticks, stopped);
  });
});
