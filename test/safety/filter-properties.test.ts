/**
 * Property tests of the safety filter's guarantees over arbitrary limits, requests and measured states
 * (NaN, ±Inf, ±1e308, subnormals, inside and outside the limits). 1,000 seeded cases each.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SafetyFilter, type SafetyInput, type SafetyLimits } from '../../src/safety/index.ts';
import { NAMES, configOf } from './helpers.ts';

const RUNS = { numRuns: 1000, seed: 42 } as const;
const MAX_DOF = 6;
const EPS = 2.3e-16;

const moderate = fc.double({ min: -5, max: 5, noNaN: true });
const extreme = fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -5e-324, 1e-300, 1e300, 0, -0);
const anyValue = fc.oneof({ arbitrary: moderate, weight: 8 }, { arbitrary: extreme, weight: 1 }, { arbitrary: fc.double(), weight: 1 });
const anyFinite = fc.oneof(
  { arbitrary: moderate, weight: 8 },
  { arbitrary: fc.constantFrom(1e308, -1e308, 1e300, -1e300, 5e-324, 0, -0), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
);
const vec = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(arb, { minLength: MAX_DOF, maxLength: MAX_DOF });

interface JointArb {
  continuous: boolean;
  lower: number;
  width: number;
  maxVel: number;
  maxAcc: number;
  maxJerk: number;
}
const jointArb: fc.Arbitrary<JointArb> = fc.record({
  continuous: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
  lower: fc.double({ min: -3, max: 0, noNaN: true }),
  width: fc.oneof({ arbitrary: fc.double({ min: 0, max: 4, noNaN: true }), weight: 9 }, { arbitrary: fc.constant(0), weight: 1 }),
  maxVel: fc.oneof({ arbitrary: fc.double({ min: 0.05, max: 5, noNaN: true }), weight: 5 }, { arbitrary: fc.constant(Infinity), weight: 1 }),
  maxAcc: fc.oneof({ arbitrary: fc.double({ min: 0.5, max: 50, noNaN: true }), weight: 5 }, { arbitrary: fc.constant(Infinity), weight: 1 }),
  maxJerk: fc.oneof({ arbitrary: fc.double({ min: 1, max: 500, noNaN: true }), weight: 5 }, { arbitrary: fc.constant(Infinity), weight: 1 }),
});

function limitsFrom(joints: readonly JointArb[], useJerk: boolean): SafetyLimits {
  return {
    lower: Float64Array.from(joints, (j) => (j.continuous ? -Infinity : j.lower)),
    upper: Float64Array.from(joints, (j) => (j.continuous ? Infinity : j.lower + j.width)),
    maxVel: Float64Array.from(joints, (j) => j.maxVel),
    maxAcc: Float64Array.from(joints, (j) => j.maxAcc),
    maxJerk: useJerk ? Float64Array.from(joints, (j) => j.maxJerk) : null,
  };
}

/** A measured position: a fraction of the joint's range (outside when < 0 or > 1), exactly at a limit, or anything. */
const measuredArb = fc.oneof(
  { arbitrary: fc.double({ min: -0.3, max: 1.3, noNaN: true }).map((f) => ({ frac: f, raw: null })), weight: 6 },
  { arbitrary: fc.constantFrom(0, 1).map((f) => ({ frac: f, raw: null })), weight: 2 },
  { arbitrary: anyValue.map((v) => ({ frac: 0, raw: v as number | null })), weight: 2 },
);
type Measured = { frac: number; raw: number | null };
function measuredValue(m: Measured, lim: SafetyLimits, i: number): number {
  if (m.raw !== null) return m.raw;
  const lo = lim.lower[i]!;
  const hi = lim.upper[i]!;
  return Number.isFinite(lo) ? lo + m.frac * (hi - lo) : (m.frac - 0.5) * 6;
}

const tickArb = fc.record({
  req: vec(anyValue),
  q: vec(measuredArb),
  dtS: fc.oneof(fc.double({ min: 1e-3, max: 0.1, noNaN: true }), fc.constantFrom(0.01, 0.002)),
});

const scenarioArb = fc.record({
  joints: fc.array(jointArb, { minLength: 1, maxLength: MAX_DOF }),
  useJerk: fc.boolean(),
  measuredVelocity: fc.option(vec(anyValue), { nil: null }),
  ticks: fc.array(tickArb, { minLength: 1, maxLength: 12 }),
});

function inputOf(req: readonly number[], q: Float64Array, dtS: number, nowS: number, mv: Float64Array | null): SafetyInput {
  return { requested: Float64Array.from(req.slice(0, q.length)), measuredPosition: q, measuredVelocity: mv, dtS, nowS, jointStateStampS: nowS, perceptionStampS: null };
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const clampFinite = (x: number): number => clamp(x, -Number.MAX_VALUE, Number.MAX_VALUE);

function initialVelocity(mv: readonly number[] | null, i: number): number {
  const v = mv?.[i];
  return v !== undefined && Number.isFinite(v) ? v : 0;
}

/** Acceleration within the limit, or a speed reduction (the one way the filter may exceed it, to respect a position/velocity limit). */
function accelerationOk(v: number, vRef: number, maxAcc: number, dtS: number, tol: number, cov: Coverage): boolean {
  if (Math.abs(v - vRef) <= maxAcc * dtS * (1 + 1e-9) + tol) return true;
  cov.braked++;
  return v * vRef >= 0 && Math.abs(v) <= Math.abs(vRef) + tol;
}

/** Kinds seen over a property run, and ticks that were not holds: guards against a vacuous property. */
interface Coverage {
  kinds: Map<string, number>;
  moving: number;
  braked: number;
}
function tally(cov: Coverage, hold: boolean, interventions: readonly { kind: string }[]): void {
  for (const it of interventions) cov.kinds.set(it.kind, (cov.kinds.get(it.kind) ?? 0) + 1);
  if (!hold) cov.moving++;
}
function assertCovered(cov: Coverage): void {
  for (const k of ['non_finite', 'invalid_measurement', 'position_limit', 'velocity_limit', 'acceleration_limit', 'jerk_limit']) {
    assert.ok((cov.kinds.get(k) ?? 0) >= 20, `the property exercised ${k} (${cov.kinds.get(k) ?? 0} times)`);
  }
  assert.ok(cov.moving >= 2000, `non-hold ticks: ${cov.moving}`);
  assert.ok(cov.braked >= 20, `acceleration exceeded to brake: ${cov.braked}`);
}

function reportedJoints(interventions: readonly { joint: string | null }[]): Set<string | null> {
  return new Set(interventions.map((i) => i.joint));
}

describe('SafetyFilter properties', () => {
  test('velocity interface: finite, within position and velocity limits, acceleration limited unless braking or holding', () => {
    const cov: Coverage = { kinds: new Map(), moving: 0, braked: 0 };
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const n = sc.joints.length;
        const lim = limitsFrom(sc.joints, sc.useJerk);
        const f = new SafetyFilter(NAMES.slice(0, n), lim, configOf('velocity'));
        const mv = sc.measuredVelocity === null ? null : Float64Array.from(sc.measuredVelocity.slice(0, n));
        const vRef = Float64Array.from({ length: n }, (_, i) => initialVelocity(sc.measuredVelocity, i));
        let nowS = 100;
        for (const t of sc.ticks) {
          nowS += t.dtS;
          const q = Float64Array.from({ length: n }, (_, i) => measuredValue(t.q[i]!, lim, i));
          const input = inputOf(t.req, q, t.dtS, nowS, mv);
          const r = f.filter(input);
          const cmd = r.command;
          tally(cov, r.hold, r.interventions);
          for (let i = 0; i < n; i++) assert.ok(Number.isFinite(cmd[i]), `finite j${i}: ${cmd[i]}`);
          const mustHold = input.requested.some((x) => !Number.isFinite(x)) || q.some((x) => !Number.isFinite(x));
          assert.equal(r.hold, mustHold, 'hold exactly when an input is not finite');
          if (r.hold) {
            for (let i = 0; i < n; i++) assert.equal(cmd[i], 0);
            vRef.fill(0);
            continue;
          }
          const reported = reportedJoints(r.interventions);
          for (let i = 0; i < n; i++) {
            const v = cmd[i]!;
            const qi = q[i]!;
            const lo = lim.lower[i]!;
            const hi = lim.upper[i]!;
            assert.ok(Math.abs(v) <= lim.maxVel[i]!, `|v| ≤ maxVel j${i}`);
            const tolQ = 1e-9 * (1 + Math.abs(qi));
            if (qi >= lo && qi <= hi) {
              const next = qi + v * t.dtS;
              assert.ok(next >= lo - tolQ && next <= hi + tolQ, `next position inside j${i}: ${next} ∉ [${lo}, ${hi}]`);
            } else if (qi > hi) assert.ok(v <= 0, `outside above moves inward j${i}`);
            else assert.ok(v >= 0, `outside below moves inward j${i}`);
            assert.ok(accelerationOk(v, vRef[i]!, lim.maxAcc[i]!, t.dtS, 1e-12 * (1 + Math.abs(vRef[i]!)), cov), `acceleration j${i}: ${vRef[i]} → ${v}`);
            if (v !== input.requested[i]) assert.ok(reported.has(NAMES[i]!), `change of j${i} reported`);
            vRef[i] = v;
          }
          if (r.interventions.length === 0) for (let i = 0; i < n; i++) assert.ok(cmd[i] === input.requested[i], 'unreported change');
        }
      }),
      RUNS,
    );
    assertCovered(cov);
  });

  test('position interface: finite, within position limits, implied velocity and acceleration limited unless braking or holding', () => {
    const cov: Coverage = { kinds: new Map(), moving: 0, braked: 0 };
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const n = sc.joints.length;
        const lim = limitsFrom(sc.joints, sc.useJerk);
        const f = new SafetyFilter(NAMES.slice(0, n), lim, configOf('position'));
        const mv = sc.measuredVelocity === null ? null : Float64Array.from(sc.measuredVelocity.slice(0, n));
        const vRef = Float64Array.from({ length: n }, (_, i) => initialVelocity(sc.measuredVelocity, i));
        let pRef: Float64Array | null = null;
        let nowS = 100;
        for (const t of sc.ticks) {
          nowS += t.dtS;
          const q = Float64Array.from({ length: n }, (_, i) => measuredValue(t.q[i]!, lim, i));
          const input = inputOf(t.req, q, t.dtS, nowS, mv);
          const r = f.filter(input);
          const cmd = r.command;
          tally(cov, r.hold, r.interventions);
          for (let i = 0; i < n; i++) {
            assert.ok(Number.isFinite(cmd[i]), `finite j${i}`);
            assert.ok(cmd[i]! >= lim.lower[i]! && cmd[i]! <= lim.upper[i]!, `p within limits j${i}`);
          }
          const mustHold = input.requested.some((x) => !Number.isFinite(x)) || q.some((x) => !Number.isFinite(x));
          assert.equal(r.hold, mustHold);
          if (r.hold) {
            if (pRef !== null) assert.deepEqual(Array.from(cmd), Array.from(pRef), 'holds the previous output');
            else if (q.every((x) => Number.isFinite(x))) assert.deepEqual(Array.from(cmd), Array.from(q, (x, i) => clamp(x, lim.lower[i]!, lim.upper[i]!)));
            // a published hold is the new previous output, at rest; an unpublished one leaves nothing to refer to
            if (r.publish) {
              pRef = Float64Array.from(cmd);
              vRef.fill(0);
            } else {
              for (let i = 0; i < n; i++) vRef[i] = initialVelocity(sc.measuredVelocity, i);
            }
            continue;
          }
          const base = pRef ?? Float64Array.from(q, (x, i) => clamp(x, lim.lower[i]!, lim.upper[i]!));
          const reported = reportedJoints(r.interventions);
          for (let i = 0; i < n; i++) {
            const p = cmd[i]!;
            const v = clampFinite((p - base[i]!) / t.dtS);
            // rounding of p − base is one ulp of the larger position, divided by dt
            const tolV = 1e-9 * (1 + Math.abs(v)) + (4 * EPS * Math.max(Math.abs(p), Math.abs(base[i]!))) / t.dtS;
            assert.ok(Math.abs(v) <= lim.maxVel[i]! + tolV, `implied |v| ≤ maxVel j${i}: ${v}`);
            assert.ok(accelerationOk(v, vRef[i]!, lim.maxAcc[i]!, t.dtS, tolV + 1e-12 * Math.abs(vRef[i]!), cov), `acceleration j${i}: ${vRef[i]} → ${v}`);
            if (p !== input.requested[i]) assert.ok(reported.has(NAMES[i]!), `change of j${i} reported`);
            vRef[i] = v;
          }
          pRef = Float64Array.from(cmd);
        }
      }),
      RUNS,
    );
    assertCovered(cov);
  });

  for (const iface of ['velocity', 'position'] as const) {
    test(`${iface} interface, robot following its commands: never holds, never exceeds the acceleration limit, stays inside`, () => {
      const closedLoop = fc.record({
        joints: fc.array(jointArb, { minLength: 1, maxLength: MAX_DOF }),
        useJerk: fc.boolean(),
        start: vec(fc.double({ min: 0, max: 1, noNaN: true })),
        dtS: fc.double({ min: 1e-3, max: 0.1, noNaN: true }),
        reqs: fc.array(vec(anyFinite), { minLength: 1, maxLength: 30 }),
      });
      fc.assert(
        fc.property(closedLoop, (sc) => {
          const n = sc.joints.length;
          const lim = limitsFrom(sc.joints, sc.useJerk);
          const f = new SafetyFilter(NAMES.slice(0, n), lim, configOf(iface));
          const q = Float64Array.from({ length: n }, (_, i) => measuredValue({ frac: sc.start[i]!, raw: null }, lim, i));
          const vRef = new Float64Array(n);
          let nowS = 0;
          for (const req of sc.reqs) {
            nowS += sc.dtS;
            const r = f.filter(inputOf(req, q, sc.dtS, nowS, new Float64Array(n)));
            assert.equal(r.hold, false);
            for (let i = 0; i < n; i++) {
              const lo = lim.lower[i]!;
              const hi = lim.upper[i]!;
              const next = iface === 'velocity' ? q[i]! + r.command[i]! * sc.dtS : r.command[i]!;
              const v = clampFinite(iface === 'velocity' ? r.command[i]! : (next - q[i]!) / sc.dtS);
              const tol = 1e-9 * (1 + Math.abs(v)) + (4 * EPS * Math.max(Math.abs(next), Math.abs(q[i]!))) / sc.dtS;
              assert.ok(Math.abs(v - vRef[i]!) <= lim.maxAcc[i]! * sc.dtS * (1 + 1e-9) + tol, `acceleration j${i}: ${vRef[i]} → ${v}`);
              assert.ok(Math.abs(v) <= lim.maxVel[i]! + tol, `velocity j${i}`);
              assert.ok(next >= lo - 1e-9 && next <= hi + 1e-9, `inside j${i}: ${next} ∉ [${lo}, ${hi}]`);
              vRef[i] = v;
              q[i] = next;
            }
          }
        }),
        RUNS,
      );
    });
  }

  for (const iface of ['velocity', 'position'] as const) {
    test(`${iface} interface: a stale or missing joint state holds on that very tick, fresh again is normal`, () => {
      const maxAgeS = 0.05;
      const staleArb = fc.record({
        ticks: fc.array(
          fc.record({
            req: fc.array(moderate, { minLength: 2, maxLength: 2 }),
            age: fc.oneof(
              fc.double({ min: 0, max: 3 * maxAgeS, noNaN: true }),
              fc.constantFrom(0, maxAgeS, null, -0.01, NaN),
            ),
          }),
          { minLength: 1, maxLength: 20 },
        ),
      });
      fc.assert(
        fc.property(staleArb, (sc) => {
          const f = new SafetyFilter(['a', 'b'], limitsFrom([JOINT, JOINT], false), configOf(iface, { jointStateMaxAgeS: maxAgeS }));
          let nowS = 50;
          for (const t of sc.ticks) {
            nowS += 0.01;
            const stamp = t.age === null ? null : nowS - t.age;
            const input = { ...inputOf(t.req, Float64Array.of(0.1, -0.1), 0.01, nowS, null), jointStateStampS: stamp };
            const fresh = stamp !== null && nowS - stamp >= 0 && nowS - stamp <= maxAgeS;
            const r = f.filter(input);
            assert.equal(r.hold, !fresh, `age ${t.age}`);
            const kinds = r.interventions.map((i) => i.kind);
            if (!fresh) assert.ok(kinds.includes(stamp === null ? 'no_joint_state' : 'stale_joint_state'));
            if (!fresh && iface === 'velocity') assert.deepEqual(Array.from(r.command), [0, 0]);
          }
        }),
        RUNS,
      );
    });

    test(`${iface} interface: after estop() every tick holds, whatever the inputs, until reset()`, () => {
      const estopArb = fc.record({
        ticks: fc.array(fc.record({ req: fc.array(anyValue, { minLength: 2, maxLength: 2 }), q: fc.array(anyValue, { minLength: 2, maxLength: 2 }), fresh: fc.boolean() }), {
          minLength: 2,
          maxLength: 20,
        }),
        estopAt: fc.nat({ max: 19 }),
        resetAfter: fc.option(fc.nat({ max: 19 }), { nil: null }),
      });
      fc.assert(
        fc.property(estopArb, (sc) => {
          const f = new SafetyFilter(['a', 'b'], limitsFrom([JOINT, JOINT], true), configOf(iface));
          const resetAt = sc.resetAfter === null ? Infinity : sc.estopAt + 1 + sc.resetAfter;
          let nowS = 0;
          let last: number[] | null = null;
          for (let k = 0; k < sc.ticks.length; k++) {
            const t = sc.ticks[k]!;
            nowS += 0.01;
            if (k === sc.estopAt) f.estop(nowS);
            if (k === resetAt) f.reset();
            const input = { ...inputOf(t.req, Float64Array.from(t.q), 0.01, nowS, null), jointStateStampS: t.fresh ? nowS : nowS - 1 };
            const r = f.filter(input);
            for (const c of r.command) assert.ok(Number.isFinite(c));
            const latched = k >= sc.estopAt && k < resetAt;
            assert.equal(f.estopped, latched);
            if (latched) {
              assert.equal(r.hold, true);
              assert.ok(r.interventions.some((i) => i.kind === 'estop'));
              if (iface === 'velocity') assert.deepEqual(Array.from(r.command), [0, 0]);
              else if (last !== null) assert.deepEqual(Array.from(r.command), last);
            } else if (k >= resetAt && t.fresh && [...t.req, ...t.q].every(Number.isFinite)) {
              assert.equal(r.hold, false, 'released by reset()');
            }
            if (r.publish) last = Array.from(r.command);
          }
        }),
        RUNS,
      );
    });
  }
});

const JOINT: JointArb = { continuous: false, lower: -1, width: 2, maxVel: 2, maxAcc: 20, maxJerk: 400 };
