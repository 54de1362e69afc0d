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
  /** clearance between the arm's self-collision sphere pairs, m; default 0.001 (some wrist pairs sit at a fixed 2 mm) */
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

  constructor(chain: KinematicChain, zones: readonly KeepOutZone[]) {
    this.chain = chain;
    this.zones = zones;
    this.fk = chain.createFkResult(1);
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
    const pairs = chain.collisionPairs;
    for (let k = 0; k + 1 < pairs.length; k += 2) {
      const i = pairs[k]!;
      const j = pairs[k + 1]!;
      // the fixed world (table, obstacle) is judged by the table and zone clearances, not as a link
      if (chain.spheres[i]!.body === 0 || chain.spheres[j]!.body === 0) continue;
      const d = Math.hypot(s[i * 3]! - s[j * 3]!, s[i * 3 + 1]! - s[j * 3 + 1]!, s[i * 3 + 2]! - s[j * 3 + 2]!);
      selfM = Math.min(selfM, d - chain.spheres[i]!.radiusM - chain.spheres[j]!.radiusM);
    }
    return { keepOutM, tableM, selfM };
  }

  /** End-effector position and row-major rotation at q. */
  endEffector(q: Float64Array): { position: Float64Array; rotation: Float64Array } {
    this.chain.fk(q, 1, this.fk);
    return { position: this.fk.eePos.slice(0, 3), rotation: this.fk.eeRot.slice(0, 9) };
  }
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
  const selfMarginM = opts.selfMarginM ?? 0.001;
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
