/** builtin_interfaces/msg/Time ⇄ nanoseconds since the epoch as a bigint (MCAP log and publish times). */

export interface RosTime {
  sec: number;
  nanosec: number;
}

const NS_PER_S = 1_000_000_000n;

export function rosTimeToNs(t: RosTime): bigint {
  return BigInt(t.sec) * NS_PER_S + BigInt(t.nanosec);
}

export function nsToRosTime(ns: bigint): RosTime {
  // floor division so that negative times keep 0 ≤ nanosec < 1e9, as ROS does
  let sec = ns / NS_PER_S;
  let rem = ns % NS_PER_S;
  if (rem < 0n) {
    rem += NS_PER_S;
    sec -= 1n;
  }
  return { sec: Number(sec), nanosec: Number(rem) };
}

/** Seconds (float) to nanoseconds, rounded to the nearest nanosecond. */
export function secondsToNs(s: number): bigint {
  const whole = Math.floor(s);
  return BigInt(whole) * NS_PER_S + BigInt(Math.round((s - whole) * 1e9));
}
