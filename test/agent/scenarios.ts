/** Seeded random feasible start/goal pairs for the 6-DoF fixture, with an optional box between them. */
import type { KinematicChain } from '../../src/robot/chain.ts';
import { rng } from '../cost/helpers.ts';
import { boxClearance, selfClearance } from './helpers.ts';

export interface Pair {
  start: Float64Array;
  goal: Float64Array;
  goalEe: Float64Array;
  /** [min xyz, max xyz], between the start and goal end-effector positions, clear of both by ≥ 8 cm */
  box: Float64Array;
}

/** Joints stay 0.3 rad inside their limits; both configurations are 2.5 cm clear of self-collision (beyond its 2 cm cost margin). */
export function feasiblePairs(chain: KinematicChain, n: number, seed: number): Pair[] {
  const rand = rng(seed);
  const dof = chain.dof;
  const sample = (): Float64Array => {
    for (;;) {
      const q = new Float64Array(dof);
      chain.limits.forEach((l, j) => {
        const lo = (l.lower ?? -Math.PI) + 0.3;
        const hi = (l.upper ?? Math.PI) - 0.3;
        q[j] = lo + (hi - lo) * rand();
      });
      if (selfClearance(chain, q) > 0.025) return q;
    }
  };
  const fk = chain.createFkResult(1);
  const ee = (q: Float64Array): Float64Array => {
    chain.fk(q, 1, fk);
    return fk.eePos.slice(0, 3);
  };
  const pairs: Pair[] = [];
  while (pairs.length < n) {
    const start = sample();
    const goal = sample();
    const a = ee(start);
    const b = ee(goal);
    if (Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!) < 0.3) continue;
    const half = 0.05;
    const c = [0, 1, 2].map((k) => 0.5 * (a[k]! + b[k]!));
    const box = Float64Array.from([c[0]! - half, c[1]! - half, c[2]! - half, c[0]! + half, c[1]! + half, c[2]! + half]);
    if (boxClearance(chain, start, box) < 0.08 || boxClearance(chain, goal, box) < 0.08) continue;
    pairs.push({ start, goal, goalEe: b, box });
  }
  return pairs;
}
