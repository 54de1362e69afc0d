import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, filterOf, tick } from './helpers.ts';

describe('SafetyFilter, position interface: hand-computed limits', () => {
  test('position_limit clamps the target into the limits', () => {
    const f = filterOf('position', [{ lower: -1, upper: 1 }]);
    const r = f.filter(tick([2], [0.95]));
    assert.equal(r.command[0], 1);
    assert.deepEqual(
      r.interventions.map((i) => [i.kind, i.joint, i.requested, i.applied]),
      [['position_limit', 'j0', 2, 1]],
    );
  });

  test('an unlimited joint passes the target through exactly', () => {
    const f = filterOf('position', [{}, {}]);
    const r = f.filter(tick([0.3, -1e300], [0, 0]));
    assert.deepEqual(Array.from(r.command), [0.3, -1e300]);
    assert.equal(r.interventions.length, 0);
  });

  test('velocity_limit scales the step vector by one factor, keeping the direction', () => {
    const f = filterOf('position', [{ maxVel: 1 }, { maxVel: 2 }]);
    // implied velocities (0.3, 0.2)/0.1 = (3, 2) rad/s; factors j0 1/3, j1 1 → 1/3:
    // p = 0 + (3, 2)·(1/3)·0.1 = (0.1, 0.0667); step direction 0.3 : 0.2 is kept
    const r = f.filter(tick([0.3, 0.2], [0, 0]));
    assertClose(r.command[0]!, 0.1, 'j0');
    assertClose(r.command[1]!, 0.2 / 3, 'j1');
    assertClose(r.command[1]! / r.command[0]!, 2 / 3, 'direction');
    assert.deepEqual(
      r.interventions.map((i) => [i.kind, i.joint, i.limitingJoint]),
      [
        ['velocity_limit', 'j0', 'j0'],
        ['velocity_limit', 'j1', 'j0'],
      ],
    );
    // reported in positions
    assertClose(r.interventions[0]!.requested, 0.3, 'requested j0');
    assertClose(r.interventions[0]!.applied, 0.1, 'applied j0');
  });

  test('acceleration_limit on the implied velocity, from the previous output', () => {
    const f = filterOf('position', [{ maxAcc: 2 }]);
    // A·dt = 0.2 rad/s per tick: v 0 → 0.2 → 0.4, p = 0 + 0.2·0.1 = 0.02, then 0.02 + 0.4·0.1 = 0.06
    let r = f.filter(tick([1], [0]));
    assertClose(r.command[0]!, 0.02, 'tick 1');
    assert.equal(r.interventions[0]!.kind, 'acceleration_limit');
    assertClose(r.interventions[0]!.requested, 1, 'requested');
    assertClose(r.interventions[0]!.applied, 0.02, 'applied');
    // the measured position no longer matters once there is a previous output
    r = f.filter(tick([1], [0.5], { nowS: 10.1 }));
    assertClose(r.command[0]!, 0.06, 'tick 2');
  });

  test('position_limit: braking distance from the previous output (A = 2, dt = 0.5)', () => {
    // target clamped to 0.5625; the braking bound from 0 is v = 1 rad/s (see braking.test.ts), so p = 0 + 1·0.5 = 0.5
    const f = filterOf('position', [{ lower: -10, upper: 0.5625, maxAcc: 2 }]);
    const r = f.filter(tick([3], [0], { dtS: 0.5, measuredVelocity: Float64Array.of(1) }));
    assertClose(r.command[0]!, 0.5, 'p');
    assert.equal(r.interventions.length, 1);
    assert.equal(r.interventions[0]!.kind, 'position_limit');
    assert.equal(r.interventions[0]!.requested, 3);
    assertClose(r.interventions[0]!.applied, 0.5, 'applied');
  });

  test('a robot measured outside its limits gets a first target at the nearest limit', () => {
    const f = filterOf('position', [{ lower: -1, upper: 1, maxVel: 1, maxAcc: 1 }]);
    const r = f.filter(tick([1.2], [1.2]));
    assert.equal(r.command[0], 1);
    assert.deepEqual(r.interventions.map((i) => [i.kind, i.requested, i.applied]), [['position_limit', 1.2, 1]]);
  });

  test('jerk_limit on the implied velocity', () => {
    const f = filterOf('position', [{ maxAcc: 100, maxJerk: 8 }]);
    // dt = 0.125: as in the velocity test, v = 0.125 then 0.375 rad/s; p = 0.125·0.125 = 0.015625, then + 0.375·0.125
    let r = f.filter(tick([1], [0], { dtS: 0.125 }));
    assert.equal(r.command[0], 0.015625);
    assert.equal(r.interventions[0]!.kind, 'jerk_limit');
    r = f.filter(tick([1], [0], { dtS: 0.125, nowS: 10.125 }));
    assert.equal(r.command[0], 0.015625 + 0.046875);
  });
});
