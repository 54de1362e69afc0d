import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SafetyConfigError,
  SafetyFilter,
  buildSafetyLimits,
  validateSafetyConfig,
  validateSafetyLimits,
} from '../../src/safety/index.ts';
import { configOf, limitsOf } from './helpers.ts';

const base = { positionMarginRad: 0.125, velocityScale: 0.5, defaultMaxAccRadS2: 4 };

function problemsOf(fn: () => unknown): { path: string; code: string }[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SafetyConfigError, `expected SafetyConfigError, got ${String(e)}`);
    assert.equal(e.code, 'SAFETY_CONFIG_INVALID');
    for (const p of e.problems) assert.ok(e.message.includes(p.message), `message lists ${p.message}`);
    return e.problems.map((p) => ({ path: p.path, code: p.code }));
  }
  assert.fail('expected a SafetyConfigError');
}

describe('buildSafetyLimits', () => {
  test('margin, soft limits, velocity scale, default acceleration, continuous joints', () => {
    const lim = buildSafetyLimits(
      ['shoulder', 'elbow', 'wrist'],
      [
        // margin: [-1 + 0.125, 1 − 0.125] = [-0.875, 0.875]; soft limits looser → ignored
        { lower: -1, upper: 1, velocity: 2, softLower: -2, softUpper: 2 },
        // soft limits tighter than [−1.875, 1.875] → [−0.5, 1.75]; acceleration from the URDF/config entry
        { lower: -2, upper: 2, velocity: 3, acceleration: 8, softLower: -0.5, softUpper: 1.75 },
        // continuous: no position limits, no velocity limit given
        {},
      ],
      base,
    );
    assert.deepEqual(Array.from(lim.lower), [-0.875, -0.5, -Infinity]);
    assert.deepEqual(Array.from(lim.upper), [0.875, 1.75, Infinity]);
    // velocity · 0.5
    assert.deepEqual(Array.from(lim.maxVel), [1, 1.5, Infinity]);
    assert.deepEqual(Array.from(lim.maxAcc), [4, 8, 4]);
    assert.equal(lim.maxJerk, null);
  });

  test('jerk: per joint where given, the configured value elsewhere, Infinity when neither', () => {
    const a = buildSafetyLimits(['a', 'b'], [{ jerk: 50 }, {}], base);
    assert.deepEqual(Array.from(a.maxJerk ?? []), [50, Infinity]);
    const b = buildSafetyLimits(['a', 'b'], [{ jerk: 50 }, {}], { ...base, maxJerkRadS3: 100 });
    assert.deepEqual(Array.from(b.maxJerk ?? []), [50, 100]);
  });

  test('rejects inconsistent limits, listing every problem at once', () => {
    const problems = problemsOf(() =>
      buildSafetyLimits(
        ['a', 'b', 'c', 'd', 'a'],
        [
          { lower: 1, upper: -1, velocity: 0 }, // lower > upper; non-positive velocity
          { lower: -0.1, upper: 0.1, velocity: 1, acceleration: -2 }, // empty after the 0.125 margin; bad acceleration
          { lower: NaN, velocity: NaN, jerk: 0, softLower: 1, softUpper: 0 }, // NaN lower, NaN velocity, zero jerk, soft crossed
          { velocity: -3 },
        ],
        { positionMarginRad: -1, velocityScale: 1.5, defaultMaxAccRadS2: 0, maxJerkRadS3: -1 },
      ),
    );
    const expected = [
      { path: 'jointNames[4]', code: 'duplicate_name' },
      { path: 'limits', code: 'invalid_length' },
      { path: 'positionMarginRad', code: 'invalid_value' },
      { path: 'velocityScale', code: 'invalid_value' },
      { path: 'defaultMaxAccRadS2', code: 'too_small' },
      { path: 'maxJerkRadS3', code: 'too_small' },
      { path: 'limits.a.lower', code: 'cross_field' },
      { path: 'limits.a.velocity', code: 'too_small' },
      { path: 'limits.b.acceleration', code: 'too_small' },
      { path: 'limits.c.lower', code: 'invalid_value' },
      { path: 'limits.c.softLower', code: 'cross_field' },
      { path: 'limits.c.velocity', code: 'too_small' },
      { path: 'limits.c.jerk', code: 'too_small' },
      { path: 'limits.d.velocity', code: 'too_small' },
    ];
    for (const e of expected) assert.ok(problems.some((p) => p.path === e.path && p.code === e.code), `missing ${JSON.stringify(e)}`);
    // the margin check needs a valid margin to speak about b: with a good margin it reports the empty range
    const withMargin = problemsOf(() => buildSafetyLimits(['b'], [{ lower: -0.1, upper: 0.1, velocity: 1 }], base));
    assert.deepEqual(withMargin, [{ path: 'limits.b.lower', code: 'cross_field' }]);
  });
});

describe('validateSafetyLimits / validateSafetyConfig', () => {
  test('hand-made limits: lengths, NaN, crossed bounds, non-positive rates', () => {
    assert.deepEqual(validateSafetyLimits(['a'], limitsOf([{ lower: -1, upper: 1, maxVel: 1, maxAcc: 1 }])), []);
    const wrongLength = validateSafetyLimits(['a', 'b'], limitsOf([{}]));
    assert.equal(wrongLength.length, 4); // lower, upper, maxVel, maxAcc (maxJerk is null)
    const bad = validateSafetyLimits(['a'], limitsOf([{ lower: 2, upper: 1, maxVel: 0, maxAcc: NaN, maxJerk: -1 }]));
    assert.deepEqual(
      bad.map((p) => p.path),
      ['limits.a.lower', 'limits.a.maxVel', 'limits.a.maxAcc', 'limits.a.maxJerk'],
    );
  });

  test('configuration veto with a reason per field', () => {
    assert.deepEqual(validateSafetyConfig(configOf('velocity')), []);
    const bad = validateSafetyConfig({
      commandInterface: 'effort' as 'velocity',
      positionMarginRad: NaN,
      velocityScale: 0,
      jointStateMaxAgeS: -1,
      perceptionMaxAgeS: Infinity,
    });
    assert.deepEqual(
      bad.map((p) => p.path),
      ['commandInterface', 'positionMarginRad', 'velocityScale', 'jointStateMaxAgeS', 'perceptionMaxAgeS'],
    );
    for (const p of bad) assert.ok(p.message.startsWith(`${p.path}: `));
  });

  test('the filter refuses inconsistent limits or configuration at construction and on update', () => {
    const problems = problemsOf(() => new SafetyFilter(['a', 'b'], limitsOf([{ lower: 1, upper: 0 }]), configOf('velocity', { velocityScale: 2 })));
    assert.ok(problems.some((p) => p.path === 'velocityScale'));
    assert.ok(problems.some((p) => p.path === 'limits.lower' && p.code === 'invalid_length'));
    const f = new SafetyFilter(['a'], limitsOf([{ maxVel: 1 }]), configOf('velocity'));
    problemsOf(() => f.updateConfig(configOf('velocity', { jointStateMaxAgeS: 0 }), limitsOf([{ maxVel: -1 }])));
    // a refused update changes nothing
    assert.equal(f.config.jointStateMaxAgeS, 0.1);
    assert.equal(f.limits.maxVel[0], 1);
  });
});
