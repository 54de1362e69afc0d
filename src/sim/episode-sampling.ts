/**
 * Seeded start/goal configurations for simulated episodes: inside the joint limits with a margin, and
 * clear (by margins) of the keep-out zones, of the table and of self-collision. Clearances use the
 * chain's covering spheres, which enclose the real shapes, so a configuration accepted here is also
 * clear for the simulator's exact geometry.
 */
import type { KinematicChain } from '../robot/chain.ts';
import type { KeepOutZone } from './keep-out.ts';
import { sampleStartGoal, type Rng } from './random.ts';

export interface EpisodeSamplingOptions {
  /** distance kept inside every joint limit, rad; default 0.3 */
  limitMarginRad?: number;
  /** clearance of every moving covering sphere to every keep-out zone, m; default 0.08 */
  keepOutMarginM?: number;
  /** lowest point of every moving covering sphere above the table top (z = 0), m; default 0.03 */
  tableClearanceM?: number;
  /** clearance between the arm's own sphere pairs whose distance can change, m; default 0.02 (the default cost margin) */
  selfMarginM?: number;
  /** joint-space (Euclidean) distance between start and goal, rad; default [0.5, ∞) */
  minDistanceRad?: number;
  maxDistanceRad?: number;
}

/** Signed distance from point (x, y, z) to a zone's surface (negative inside). */
export function zoneDistance(zone: KeepOutZone, x: number, y: number, z: number): number {
  let d = Number.POSITIVE_INFINITY;
  if (zone.sphere !== undefined) {
    const c = zone.sphere.center;
    d = Math.min(d, Math.hypot(x - c[0], y - c[1], z - c[2]) - zone.sphere.radius);
  }
  if (zone.box !== undefined) {
    const { min, max } = zone.box;
    const qx = Math.max(min[0] - x, x - max[0]);
    const qy = Math.max(min[1] - y, y - max[1]);
    const qz = Math.max(min[2] - z, z - max[2]);
    const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0), Math.max(qz, 0));
    d = Math.min(d, outside + Math.min(Math.max(qx, qy, qz), 0));
  }
  return d;
}

/** Clearance checks of single configurations against zones, the table and the chain itself. */
export class ConfigurationChecker {
  private readonly chain: KinematicChain;
  private readonly fk;
  private readonly zones: readonly KeepOutZone[];
  /** the arm's own sphere pairs whose distance some joint can change, flattened [i, j]* */
  private readonly pairs: Int32Array;

  constructor(chain: KinematicChain, zones: readonly KeepOutZone[]) {
    this.chain = chain;
    this.zones = zones;
    this.fk = chain.createFkResult(1);
    this.pairs = changingPairs(chain);
  }

  /** Smallest clearance of the moving spheres at q to the zones (m), to the table top, and between the arm's own collision pairs. */
  clearances(q: Float64Array): { keepOutM: number; tableM: number; selfM: number } {
    const { chain, fk } = this;
    chain.fk(q, 1, fk);
    const s = fk.spheres;
    let keepOutM = Number.POSITIVE_INFINITY;
    let tableM = Number.POSITIVE_INFINITY;
    chain.spheres.forEach((sphere, i) => {
      if (sphere.body === 0) return;
      const x = s[i * 3]!;
      const y = s[i * 3 + 1]!;
      const z = s[i * 3 + 2]!;
      tableM = Math.min(tableM, z - sphere.radiusM);
      for (const zone of this.zones) keepOutM = Math.min(keepOutM, zoneDistance(zone, x, y, z) - sphere.radiusM);
    });
    let selfM = Number.POSITIVE_INFINITY;
    const pairs = this.pairs;
    for (let k = 0; k + 1 < pairs.length; k += 2) {
      const i = pairs[k]!;
      const j = pairs[k + 1]!;
      selfM = Math.min(selfM, pairClearance(chain, s, i, j));
    }
    return { keepOutM, tableM, selfM };
  }

  /** End-effector position and row-major rotation at q. */
  endEffector(q: Float64Array): { position: Float64Array; rotation: Float64Array } {
    this.chain.fk(q, 1, this.fk);
    return { position: this.fk.eePos.slice(0, 3), rotation: this.fk.eeRot.slice(0, 9) };
  }
}

function pairClearance(chain: KinematicChain, s: Float64Array, i: number, j: number): number {
  const d = Math.hypot(s[i * 3]! - s[j * 3]!, s[i * 3 + 1]! - s[j * 3 + 1]!, s[i * 3 + 2]! - s[j * 3 + 2]!);
  return d - chain.spheres[i]!.radiusM - chain.spheres[j]!.radiusM;
}

/**
 * The chain's self-collision pairs that belong to the arm (not the fixed world, which the table and
 * zone clearances judge) and whose distance changes with the joints. A pair of spheres on one joint
 * axis keeps its distance whatever the joints do: it can never come closer than it is.
 */
function changingPairs(chain: KinematicChain): Int32Array {
  const all = chain.collisionPairs;
  const fk = chain.createFkResult(1);
  const q = new Float64Array(chain.dof);
  const samples = 8;
  const lo = new Float64Array(all.length / 2).fill(Number.POSITIVE_INFINITY);
  const hi = new Float64Array(all.length / 2).fill(Number.NEGATIVE_INFINITY);
  for (let n = 0; n < samples; n++) {
    // fixed, spread configurations (no randomness needed): joint j at a different fraction of its range
    chain.limits.forEach((l, j) => {
      const a = l.lower ?? -Math.PI;
      const b = l.upper ?? Math.PI;
      q[j] = a + (b - a) * (((n * (j + 3) * 0.618034) % 1) * 0.8 + 0.1);
    });
    chain.fk(q, 1, fk);
    for (let k = 0; k + 1 < all.length; k += 2) {
      const c = pairClearance(chain, fk.spheres, all[k]!, all[k + 1]!);
      lo[k / 2] = Math.min(lo[k / 2]!, c);
      hi[k / 2] = Math.max(hi[k / 2]!, c);
    }
  }
  const out: number[] = [];
  for (let k = 0; k + 1 < all.length; k += 2) {
    const i = all[k]!;
    const j = all[k + 1]!;
    if (chain.spheres[i]!.body === 0 || chain.spheres[j]!.body === 0) continue;
    if (hi[k / 2]! - lo[k / 2]! < 1e-9) continue;
    out.push(i, j);
  }
  return Int32Array.from(out);
}

/** A seeded start and goal satisfying every margin; throws when none is found. */
export function sampleEpisodeJoints(
  rng: Rng,
  chain: KinematicChain,
  zones: readonly KeepOutZone[],
  opts: EpisodeSamplingOptions = {},
): { start: Float64Array; goal: Float64Array } {
  const checker = new ConfigurationChecker(chain, zones);
  const keepOutMarginM = opts.keepOutMarginM ?? 0.08;
  const tableClearanceM = opts.tableClearanceM ?? 0.03;
  const selfMarginM = opts.selfMarginM ?? 0.02;
  const { start, goal } = sampleStartGoal(rng, chain.limits, {
    marginRad: opts.limitMarginRad ?? 0.3,
    minDistanceRad: opts.minDistanceRad ?? 0.5,
    ...(opts.maxDistanceRad !== undefined ? { maxDistanceRad: opts.maxDistanceRad } : {}),
    maxTries: 10000,
    accept: (q) => {
      const c = checker.clearances(q);
      return c.keepOutM >= keepOutMarginM && c.tableM >= tableClearanceM && c.selfM >= selfMarginM;
    },
  });
  return { start: start.slice(), goal: goal.slice() };
}
