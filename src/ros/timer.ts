/**
 * The one place that knows rclnodejs's timer unit: `Node.createTimer(period, ...)` took a number of
 * milliseconds up to 0.30 and takes a bigint of nanoseconds from 0.31 on. odra speaks seconds.
 */

import type { RclClock, RclNode, RclTimer } from './rclnodejs-types.ts';

export type TimerPeriodUnit = 'ns_bigint' | 'ms_number';

/** The first rclnodejs release whose timers take bigint nanoseconds. */
export const BIGINT_TIMER_VERSION: readonly [number, number, number] = [0, 31, 0];

function parseVersion(version: string): [number, number, number] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return m === null ? null : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The unit `createTimer` wants for an rclnodejs version; unknown versions get today's (bigint ns). */
export function timerPeriodUnit(version: string): TimerPeriodUnit {
  const v = parseVersion(version);
  if (v === null) return 'ns_bigint';
  for (let i = 0; i < 3; i++) {
    const a = v[i]!;
    const b = BIGINT_TIMER_VERSION[i]!;
    if (a !== b) return a > b ? 'ns_bigint' : 'ms_number';
  }
  return 'ns_bigint';
}

/** Seconds → the period argument; rounds to whole nanoseconds (or to fractional ms, which 0.x took). */
export function timerPeriodArg(periodS: number, unit: TimerPeriodUnit): bigint | number {
  return unit === 'ns_bigint' ? BigInt(Math.round(periodS * 1e9)) : periodS * 1e3;
}

/** A timer's `period` (either unit) → seconds. */
export function timerPeriodSeconds(period: bigint | number, unit: TimerPeriodUnit): number {
  if (typeof period === 'bigint') return Number(period) / 1e9;
  return unit === 'ns_bigint' ? period / 1e9 : period / 1e3;
}

/** Creates an rclnodejs timer firing every `periodS` seconds on `clock` (the node's ROS clock when omitted). */
export function createTimerSeconds(
  node: RclNode,
  unit: TimerPeriodUnit,
  periodS: number,
  callback: () => void,
  clock?: RclClock,
): RclTimer {
  const arg = timerPeriodArg(periodS, unit);
  return clock === undefined ? node.createTimer(arg, callback) : node.createTimer(arg, callback, clock);
}
