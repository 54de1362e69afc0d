import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DIAGNOSTIC_LEVEL,
  durationFromSeconds,
  makeHeader,
  secondsFromDuration,
  secondsFromTime,
  timeFromSeconds,
  type JointState,
  type MessageTypes,
} from '../../src/bus/messages.ts';

describe('message helpers', () => {
  test('timeFromSeconds splits into sec and nanosec in [0, 1e9)', () => {
    assert.deepEqual(timeFromSeconds(0), { sec: 0, nanosec: 0 });
    assert.deepEqual(timeFromSeconds(1.5), { sec: 1, nanosec: 500_000_000 });
    assert.deepEqual(timeFromSeconds(12.000000001), { sec: 12, nanosec: 1 });
    // Negative times keep nanosec positive (sec carries the sign), as builtin_interfaces does.
    assert.deepEqual(timeFromSeconds(-0.25), { sec: -1, nanosec: 750_000_000 });
    // Rounding up to a whole second carries into sec.
    assert.deepEqual(timeFromSeconds(2.9999999999), { sec: 3, nanosec: 0 });
  });

  test('round trip within double precision', () => {
    for (const s of [0, 0.001, 1.25, 123.456789, 1_700_000_000.123456]) {
      const t = timeFromSeconds(s);
      assert.ok(t.nanosec >= 0 && t.nanosec < 1e9 && Number.isInteger(t.nanosec));
      // ~0.24 µs is the resolution of a double near 1.7e9 s.
      assert.ok(Math.abs(secondsFromTime(t) - s) < 5e-7, `${s}`);
    }
    assert.equal(secondsFromDuration(durationFromSeconds(0.02)), 0.02);
  });

  test('makeHeader stamps and names the frame', () => {
    assert.deepEqual(makeHeader(3.5, 'base_link'), { stamp: { sec: 3, nanosec: 500_000_000 }, frame_id: 'base_link' });
    assert.equal(makeHeader(0).frame_id, '');
  });

  test('diagnostic levels match diagnostic_msgs', () => {
    assert.deepEqual(DIAGNOSTIC_LEVEL, { OK: 0, WARN: 1, ERROR: 2, STALE: 3 });
  });

  test('the type map ties names to interfaces', () => {
    const msg: MessageTypes['sensor_msgs/msg/JointState'] = {
      header: makeHeader(1),
      name: ['a'],
      position: Float64Array.of(1),
      velocity: new Float64Array(0),
      effort: new Float64Array(0),
    };
    const same: JointState = msg;
    assert.equal(same.position[0], 1);
  });
});
