/**
 * Braking-distance speed bound for a joint integrated as q[k+1] = q[k] + v[k]·dt whose speed may drop
 * by at most maxAcc·dt per tick.
 *
 * Stopping from v = (k + f)·A·dt (k whole ticks, 0 ≤ f < 1) covers S(v) = A·dt²·(k + 1)·(f + k/2), which
 * exceeds the continuous-time curve S_c(v) = (v² + v·A·dt)/(2A) by (f − f²)/2·A·dt² ≤ A·dt²/8. The bound
 * used here is therefore S_c(v) ≤ d − A·dt²/8, i.e. v ≤ sqrt(A²dt²/4 + 2A·e) − A·dt/2 with e = d − A·dt²/8:
 * - it is safe: S(v) ≤ d, and since S(v) ≥ v·dt the next position q + v·dt is inside the limit too;
 * - it is self-consistent: if v ≤ V(d) then v − A·dt ≤ V(d − v·dt), so a joint that obeyed the bound last
 *   tick can always obey it again without exceeding the acceleration limit.
 */

/**
 * Largest speed (≥ 0) toward a limit `distance` ahead (rad or m) that can still be braked to rest before it,
 * with `maxAcc` (rad/s², may be Infinity) and tick `dtS` (> 0). 0 when the distance is not positive.
 */
export function brakingSpeed(distance: number, maxAcc: number, dtS: number): number {
  if (!(distance > 0)) return 0;
  if (distance === Infinity) return Infinity;
  // an instantly stoppable joint only has to keep its next position inside
  if (maxAcc === Infinity) return distance / dtS;
  const e = distance - (maxAcc * dtS * dtS) / 8;
  if (!(e > 0)) return 0;
  // rationalized form of sqrt(A²dt²/4 + 2Ae) − A·dt/2, divided through by A: no cancellation
  const half = dtS / 2;
  const twoEOverA = (2 * e) / maxAcc;
  if (twoEOverA < Infinity && half < 1e150) return e / (0.5 * Math.sqrt(half * half + twoEOverA) + dtS / 4);
  // absurd magnitudes: the same value without overflow (Math.hypot is slow, so only here)
  const root = Math.hypot(half, (Math.SQRT2 * Math.sqrt(e)) / Math.sqrt(maxAcc));
  return e / (0.5 * root + dtS / 4);
}
