import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';
import type { LogRecord } from '../../src/bus/logger.ts';

describe('logger', () => {
  test('levels below the minimum are dropped; records carry node and stamp', () => {
    const logs: LogRecord[] = [];
    const bus = new InProcessBus({ logSink: (r) => logs.push(r), logLevel: 'info', startTimeS: 3 });
    const n = bus.createNode('agent', { namespace: '/odra' });
    n.logger.debug('hidden');
    n.logger.info('hello');
    n.logger.error('bad');
    assert.deepEqual(logs, [
      { level: 'info', logger: '/odra/agent', msg: 'hello', stampS: 3 },
      { level: 'error', logger: '/odra/agent', msg: 'bad', stampS: 3 },
    ]);
  });

  test('throttle: once per period per key, then says how many it held back', () => {
    const logs: LogRecord[] = [];
    const bus = new InProcessBus({ logSink: (r) => logs.push(r) });
    const n = bus.createNode('n');
    const tick = () => n.logger.throttle('warn', 1.0, 'joint_states stale');
    n.createTimer(0.1, tick);
    n.createTimer(0.5, () => n.logger.throttle('warn', 1.0, 'other', 'other-key'));
    bus.advance(2.05);
    const stale = logs.filter((r) => r.msg.startsWith('joint_states'));
    assert.deepEqual(
      stale.map((r) => [r.stampS.toFixed(1), r.msg]),
      [
        ['0.1', 'joint_states stale'],
        ['1.1', 'joint_states stale (9 similar suppressed)'],
      ],
    );
    assert.equal(logs.filter((r) => r.msg === 'other' || r.msg.startsWith('other (')).length, 2);
  });
});
