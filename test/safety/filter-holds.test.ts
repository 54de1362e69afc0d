import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SafetyInput } from '../../src/safety/index.ts';
import { configOf, filterOf, limitsOf, tick } from './helpers.ts';

describe('SafetyFilter holds', () => {
  test('non_finite on one joint holds all joints (velocity → zeros)', () => {
    const f = filterOf('velocity', [{}, {}]);
    const r = f.filter(tick([0.5, NaN], [0, 0]));
    assert.equal(r.hold, true);
    assert.equal(r.publish, true);
    assert.deepEqual(Array.from(r.command), [0, 0]);
    assert.equal(r.interventions.length, 1);
    const it = r.interventions[0]!;
    assert.deepEqual([it.kind, it.joint, it.applied], ['non_finite', 'j1', 0]);
    assert.ok(Number.isNaN(it.requested));
  });

  test('non_finite holds the previous position (position interface)', () => {
    const f = filterOf('position', [{}, {}]);
    f.filter(tick([0.1, 0.2], [0, 0]));
    const r = f.filter(tick([Infinity, 0.3], [0, 0], { nowS: 10.1 }));
    assert.equal(r.hold, true);
    assert.deepEqual(Array.from(r.command), [0.1, 0.2]);
    assert.deepEqual(r.interventions.map((i) => [i.kind, i.joint, i.requested, i.applied]), [['non_finite', 'j0', Infinity, 0.1]]);
  });

  test('a hold is allowed even when stopping exceeds the acceleration limit; motion then ramps from rest', () => {
    const f = filterOf('velocity', [{ maxAcc: 1 }]);
    // A·dt = 0.1 rad/s per tick
    assert.equal(f.filter(tick([1], [0], { measuredVelocity: Float64Array.of(1) })).command[0], 1);
    f.estop(10.05);
    const r = f.filter(tick([1], [0.1], { nowS: 10.1 }));
    assert.equal(r.hold, true);
    assert.equal(r.command[0], 0); // a change of 1 rad/s > 0.1: a stop is never refused
    f.reset();
    // after reset the rate limit starts from the measured velocity again: 0 here
    assert.equal(f.filter(tick([1], [0.1], { nowS: 10.2, measuredVelocity: Float64Array.of(0) })).command[0], 0.1);
  });

  test('estop latches until reset(), whatever the inputs', () => {
    const f = filterOf('velocity', [{}]);
    f.estop(10);
    f.estop(12); // a second e-stop does not move the latch time
    assert.equal(f.estopped, true);
    for (const k of [1, 2, 3]) {
      const r = f.filter(tick([0.5], [0], { nowS: 10 + k }));
      assert.equal(r.hold, true);
      assert.equal(r.command[0], 0);
      assert.deepEqual(r.interventions.map((i) => [i.kind, i.joint, i.requested, i.applied]), [['estop', null, k, 0]]);
    }
    f.updateConfig(configOf('velocity', { jointStateMaxAgeS: 0.5 }));
    assert.equal(f.estopped, true, 'a configuration change does not release the e-stop');
    f.reset();
    assert.equal(f.estopped, false);
    const r = f.filter(tick([0.5], [0], { nowS: 14 }));
    assert.equal(r.hold, false);
    assert.equal(r.command[0], 0.5);
    assert.equal(f.counts().estop, 3);
  });

  test('stale joint state holds on that very tick; fresh again is normal', () => {
    const f = filterOf('velocity', [{}]); // jointStateMaxAgeS = 0.1
    let r = f.filter(tick([0.5], [0], { nowS: 10, jointStateStampS: 9.875 }));
    assert.equal(r.hold, true);
    assert.deepEqual(r.interventions.map((i) => [i.kind, i.joint, i.requested, i.applied]), [['stale_joint_state', null, 0.125, 0.1]]);
    r = f.filter(tick([0.5], [0], { nowS: 10, jointStateStampS: 9.9375 }));
    assert.equal(r.hold, false);
    assert.equal(r.command[0], 0.5);
    // a stamp ahead of the clock or a non-finite clock is not trusted
    assert.equal(f.filter(tick([0.5], [0], { nowS: 10, jointStateStampS: 10.5 })).hold, true);
    assert.equal(f.filter(tick([0.5], [0], { nowS: NaN, jointStateStampS: 10 })).hold, true);
  });

  test('no joint state yet holds', () => {
    const f = filterOf('velocity', [{}]);
    const r = f.filter(tick([0.5], [0], { jointStateStampS: null }));
    assert.equal(r.hold, true);
    assert.deepEqual(r.interventions.map((i) => [i.kind, i.requested, i.applied]), [['no_joint_state', Infinity, 0.1]]);
  });

  test('stale perception holds only when perception is required', () => {
    const required = filterOf('velocity', [{}], { perceptionMaxAgeS: 0.25 });
    let r = required.filter(tick([0.5], [0], { perceptionStampS: null }));
    assert.deepEqual(r.interventions.map((i) => [i.kind, i.requested, i.applied]), [['stale_perception', Infinity, 0.25]]);
    r = required.filter(tick([0.5], [0], { perceptionStampS: 9.5 }));
    assert.deepEqual(r.interventions.map((i) => [i.kind, i.requested]), [['stale_perception', 0.5]]);
    assert.equal(r.hold, true);
    assert.equal(required.filter(tick([0.5], [0], { perceptionStampS: 9.75 })).hold, false);
    const optional = filterOf('velocity', [{}]);
    assert.equal(optional.filter(tick([0.5], [0], { perceptionStampS: null })).hold, false);
  });

  test('invalid_measurement: a non-finite measured position holds all joints', () => {
    const f = filterOf('velocity', [{}, {}]);
    const r = f.filter(tick([0.5, 0.5], [0, NaN]));
    assert.equal(r.hold, true);
    assert.deepEqual(Array.from(r.command), [0, 0]);
    assert.deepEqual(r.interventions.map((i) => [i.kind, i.joint]), [['invalid_measurement', 'j1']]);
  });

  test('invalid_input: bad period or vector lengths hold, and every cause is reported', () => {
    const f = filterOf('velocity', [{}, {}]);
    for (const dtS of [0, -0.1, NaN, Infinity]) {
      const r = f.filter(tick([0.5, 0.5], [0, 0], { dtS }));
      assert.equal(r.hold, true, `dtS ${dtS}`);
      assert.equal(r.interventions[0]!.kind, 'invalid_input');
    }
    const r = f.filter({ ...tick([0.5], [0, 0, 0]), jointStateStampS: null });
    assert.equal(r.hold, true);
    assert.deepEqual(Array.from(r.command), [0, 0]);
    assert.deepEqual(
      r.interventions.map((i) => [i.kind, i.requested, i.applied]),
      [
        ['invalid_input', 1, 2],
        ['invalid_input', 3, 2],
        ['no_joint_state', Infinity, 0.1],
      ],
    );
  });

  test('a caller breaking the types gets a hold, not an exception', () => {
    for (const iface of ['velocity', 'position'] as const) {
      const f = filterOf(iface, [{ lower: -1, upper: 1 }]);
      f.filter(tick([0.25], [0.25]));
      for (const bad of [null, {}, { ...tick([0.5], [0]), requested: null }, { ...tick([0.5], [0]), measuredPosition: undefined }]) {
        const r = f.filter(bad as unknown as SafetyInput);
        assert.equal(r.hold, true);
        assert.ok(r.command.every(Number.isFinite));
        assert.deepEqual(Array.from(r.command), [iface === 'velocity' ? 0 : 0.25]);
        assert.ok(r.interventions.some((i) => i.kind === 'invalid_input'));
      }
    }
  });

  test('position hold: previous output, else the measured position clamped, else the last good one', () => {
    const f = filterOf('position', [{ lower: -1, upper: 1 }]);
    // no previous: the measured position, clamped into the limits
    let r = f.filter(tick([0.5], [1.5], { jointStateStampS: null }));
    assert.deepEqual([r.hold, r.publish, r.command[0]], [true, true, 1]);
    // that hold is now the previous output
    r = f.filter(tick([0.5], [0], { jointStateStampS: null }));
    assert.equal(r.command[0], 1);
    r = f.filter(tick([0.5], [0.5]));
    assert.deepEqual([r.hold, r.command[0]], [false, 0.5]);
    // reset forgets the previous output; with a NaN measurement the last good position is held
    f.reset();
    r = f.filter(tick([0.2], [NaN]));
    assert.deepEqual([r.hold, r.publish, r.command[0]], [true, true, 0.5]);
  });

  test('position hold with nothing known: a placeholder inside the limits that must not be published', () => {
    const f = filterOf('position', [{ lower: 0.5, upper: 1 }]);
    let r = f.filter(tick([0.7], [NaN]));
    assert.deepEqual([r.hold, r.publish, r.command[0]], [true, false, 0.5]);
    // the placeholder is not taken as a previous output: the next valid tick starts from the measurement
    r = f.filter(tick([0.7], [0.8]));
    assert.deepEqual([r.hold, r.publish, r.command[0]], [false, true, 0.7]);
  });

  test('position hold clamps the previous output into limits tightened since', () => {
    const f = filterOf('position', [{ lower: -1, upper: 1 }]);
    f.filter(tick([0.9], [0.9]));
    f.updateConfig(configOf('position'), limitsOf([{ lower: -0.5, upper: 0.5 }]));
    const r = f.filter(tick([0.9], [0.9], { jointStateStampS: null }));
    assert.equal(r.command[0], 0.5);
  });
});

describe('SafetyFilter bookkeeping', () => {
  test('nothing limited: the same result object, buffer and frozen empty interventions every tick', () => {
    const f = filterOf('velocity', [{ lower: -1, upper: 1, maxVel: 2, maxAcc: 10 }]);
    const a = f.filter(tick([0.1], [0]));
    const command = a.command;
    const interventions = a.interventions;
    assert.equal(interventions.length, 0);
    assert.ok(Object.isFrozen(interventions));
    const b = f.filter(tick([0.2], [0.01], { nowS: 10.1 }));
    assert.equal(b, a);
    assert.equal(b.command, command);
    assert.equal(b.interventions, interventions);
    const c = f.filter(tick([5], [0.03], { nowS: 10.2 }));
    assert.notEqual(c.interventions, interventions);
    assert.equal(c.command, command);
  });

  test('counts() accumulates by kind over ticks', () => {
    const f = filterOf('velocity', [{ maxVel: 1 }]);
    f.filter(tick([2], [0]));
    f.filter(tick([NaN], [0]));
    f.filter(tick([3], [0]));
    const c = f.counts();
    assert.equal(c.velocity_limit, 2);
    assert.equal(c.non_finite, 1);
    assert.equal(c.estop, 0);
    assert.equal(Object.keys(c).length, 11);
  });

  test('switching the command interface forgets previous commands', () => {
    const f = filterOf('position', [{ maxAcc: 2 }]);
    f.filter(tick([0.02], [0]));
    f.updateConfig(configOf('velocity'));
    // starts from the measured velocity 0.5: 0.5 + A·dt = 0.7
    const r = f.filter(tick([1], [0.02], { measuredVelocity: Float64Array.of(0.5) }));
    assert.ok(Math.abs(r.command[0]! - 0.7) < 1e-12);
  });

  test('new limits apply from the next tick', () => {
    const f = filterOf('velocity', [{ maxVel: 2 }]);
    assert.equal(f.filter(tick([1.5], [0])).command[0], 1.5);
    f.updateConfig(configOf('velocity'), limitsOf([{ maxVel: 1 }]));
    assert.equal(f.filter(tick([1.5], [0])).command[0], 1);
  });
});
