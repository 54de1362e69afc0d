import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, filterOf, tick } from './helpers.ts';

describe('SafetyFilter, velocity interface: hand-computed limits', () => {
  test('velocity_limit scales the whole vector by one factor, keeping the direction', () => {
    const f = filterOf('velocity', [{ maxVel: 1 }, { maxVel: 2 }, {}]);
    // ratios maxVel/|v|: j0 1/3, j1 2/2 = 1 (not over), j2 unlimited → factor 1/3 set by j0:
    // [3, −2, 0.5]·(1/3) = [1, −2/3, 1/6]; direction 3 : −2 : 0.5 = 1 : −2/3 : 1/6 is kept
    const r = f.filter(tick([3, -2, 0.5], [0, 0, 0]));
    assert.equal(r.hold, false);
    assertClose(r.command[0]!, 1, 'j0');
    assertClose(r.command[1]!, -2 / 3, 'j1');
    assertClose(r.command[2]!, 1 / 6, 'j2');
    assertClose(r.command[1]! / r.command[0]!, -2 / 3, 'direction j1/j0');
    assertClose(r.command[2]! / r.command[0]!, 1 / 6, 'direction j2/j0');
    assert.deepEqual(
      r.interventions.map((i) => [i.kind, i.joint, i.limitingJoint, i.requested]),
      [
        ['velocity_limit', 'j0', 'j0', 3],
        ['velocity_limit', 'j1', 'j0', -2],
        ['velocity_limit', 'j2', 'j0', 0.5],
      ],
    );
    assertClose(r.interventions[1]!.applied, -2 / 3, 'reported j1');
    assert.deepEqual(f.counts().velocity_limit, 3);
  });

  test('a vector within its limits passes unchanged with no interventions', () => {
    const f = filterOf('velocity', [{ maxVel: 1, maxAcc: 10, lower: -1, upper: 1 }]);
    const r = f.filter(tick([0.5], [0]));
    assert.deepEqual(Array.from(r.command), [0.5]);
    assert.equal(r.interventions.length, 0);
  });

  test('acceleration_limit: |v − v_prev| ≤ maxAcc·dt, starting from 0 without a measured velocity', () => {
    const f = filterOf('velocity', [{ maxAcc: 2 }]);
    // maxAcc·dt = 2·0.1 = 0.2 rad/s per tick: 0 → 0.2 → 0.4, then back down 0.4 → 0.2
    let r = f.filter(tick([1], [0]));
    assertClose(r.command[0]!, 0.2, 'tick 1');
    assert.deepEqual([r.interventions[0]!.kind, r.interventions[0]!.requested], ['acceleration_limit', 1]);
    assertClose(r.interventions[0]!.applied, 0.2, 'reported');
    r = f.filter(tick([1], [0.02], { nowS: 10.1 }));
    assertClose(r.command[0]!, 0.4, 'tick 2');
    r = f.filter(tick([-1], [0.06], { nowS: 10.2 }));
    assertClose(r.command[0]!, 0.2, 'tick 3');
  });

  test('the first tick starts from the measured velocity when finite, else from 0', () => {
    const f = filterOf('velocity', [{ maxAcc: 2 }]);
    // 0.5 + 0.2 = 0.7
    assertClose(f.filter(tick([1], [0], { measuredVelocity: Float64Array.of(0.5) })).command[0]!, 0.7, 'seeded');
    f.reset();
    assertClose(f.filter(tick([1], [0], { measuredVelocity: Float64Array.of(NaN) })).command[0]!, 0.2, 'NaN seed');
  });

  test('jerk_limit bounds the change of acceleration and never pushes past the request', () => {
    const f = filterOf('velocity', [{ maxAcc: 100, maxJerk: 8 }]);
    // dt = 0.125: maxJerk·dt = 1 rad/s² more acceleration per tick, i.e. 1·0.125 rad/s more velocity change:
    // a: 0 → 1 → 2 → 3 rad/s², v: 0 → 0.125 → 0.375 → 0.75 rad/s
    const expected = [0.125, 0.375, 0.75];
    for (let k = 0; k < 3; k++) {
      const r = f.filter(tick([1], [0], { nowS: 10 + k * 0.125, dtS: 0.125 }));
      assert.equal(r.command[0], expected[k], `tick ${k}`);
      assert.equal(r.interventions[0]?.kind, 'jerk_limit');
    }
    // request 0.75 = current velocity: the jerk limit would need v ≥ 0.75 + (3 − 1)·0.125 = 1, past the request; it yields
    const r = f.filter(tick([0.75], [0], { nowS: 10.375, dtS: 0.125 }));
    assert.equal(r.command[0], 0.75);
    assert.equal(r.interventions.length, 0);
  });

  test('position_limit: braking distance toward a limit (A = 2, dt = 0.5)', () => {
    // upper − q = 0.5625: e = 0.5625 − A·dt²/8 = 0.5; v = sqrt(A²dt²/4 + 2Ae) − A·dt/2 = 1.5 − 0.5 = 1
    const f = filterOf('velocity', [{ lower: -10, upper: 0.5625, maxAcc: 2 }]);
    const r = f.filter(tick([3], [0], { dtS: 0.5, measuredVelocity: Float64Array.of(1) }));
    assertClose(r.command[0]!, 1, 'braking bound');
    assert.equal(r.interventions.length, 1);
    assert.equal(r.interventions[0]!.kind, 'position_limit');
    assert.equal(r.interventions[0]!.requested, 3);
    // next position 0 + 1·0.5 = 0.5 ≤ 0.5625
    assert.ok(0 + r.command[0]! * 0.5 <= 0.5625);
  });

  test('position_limit: the next position q + v·dt stays inside with unlimited acceleration', () => {
    const f = filterOf('velocity', [{ lower: -1, upper: 1 }]);
    // (1 − 0.9)/0.1 = 1 rad/s at most
    assertClose(f.filter(tick([5], [0.9])).command[0]!, 1, 'upper');
    assertClose(f.filter(tick([-50], [-0.5])).command[0]!, -5, 'lower: (−0.5 − (−1))/0.1');
  });

  test('a joint outside its limits may only move back inward', () => {
    const f = filterOf('velocity', [{ lower: -1, upper: 1 }]);
    let r = f.filter(tick([0.5], [1.2]));
    assert.equal(r.command[0], 0);
    assert.deepEqual([r.interventions[0]!.kind, r.interventions[0]!.requested, r.interventions[0]!.applied], ['position_limit', 0.5, 0]);
    r = f.filter(tick([-0.5], [1.2]));
    assert.equal(r.command[0], -0.5);
    assert.equal(r.interventions.length, 0);
    r = f.filter(tick([-0.5], [-1.5]));
    assert.equal(r.command[0], 0);
  });

  test('position limits are applied per joint before the uniform velocity scaling', () => {
    // j0 sits at its upper limit: its +5 request is cut to 0 first, so j1 is not slowed by it
    const f = filterOf('velocity', [{ lower: -1, upper: 1, maxVel: 1 }, { maxVel: 1 }]);
    const r = f.filter(tick([5, 0.5], [1, 0]));
    assert.deepEqual(Array.from(r.command), [0, 0.5]);
    assert.deepEqual(r.interventions.map((i) => i.kind), ['position_limit']);
  });

  test('the acceleration limit is exceeded only to brake when the robot lags its commands', () => {
    // A = 2, dt = 0.1, so A·dt = 0.2. The previous command was 1 rad/s but the robot is now at 0.95, 0.05 from
    // its upper limit 1: e = 0.05 − A·dt²/8 = 0.0475, v = sqrt(A²dt²/4 + 2Ae) − A·dt/2 = sqrt(0.2) − 0.1 ≈ 0.3472,
    // below 1 − 0.2 = 0.8: the position limit wins and the speed drops by more than A·dt
    const f = filterOf('velocity', [{ lower: -1, upper: 1, maxAcc: 2 }]);
    f.filter(tick([1], [0], { measuredVelocity: Float64Array.of(1) }));
    const r = f.filter(tick([1], [0.95], { nowS: 10.1 }));
    assertClose(r.command[0]!, Math.sqrt(0.2) - 0.1, 'braked', 1e-12);
    assert.ok(r.command[0]! < 1 - 0.2 && r.command[0]! >= 0);
    assert.deepEqual(r.interventions.map((i) => i.kind), ['position_limit']);
  });
});
