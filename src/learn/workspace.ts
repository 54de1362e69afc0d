/**
 * Where the robot may play: a joint-space region (exploration stays in it, goal configurations are
 * drawn from it) and a clearance check of the planner's link spheres against keep-out boxes, the table
 * plane and the robot itself. Exploration uses the check to turn away before a zone, never to clean up after.
 */
import type { KinematicChain } from '../robot/chain.ts';

/** Joint ranges of the play region, rad, in the chain's joint order. */
export interface JointRegion {
  lower: Float64Array;
  upper: Float64Array;
}

/**
 * The demo arm's play region (config/robots/odra_arm.urdf): reaching forward over the table, in view
 * of the camera, shoulder pan wide enough to pass the obstacle on both sides.
 */
export const DEMO_ARM_REGION: Readonly<Record<string, readonly [number, number]>> = {
  shoulder_pan_joint: [-1.0, 1.0],
  shoulder_lift_joint: [0.2, 1.2],
  elbow_joint: [0.4, 1.9],
  wrist_1_joint: [-0.5, 1.5],
  wrist_2_joint: [-1.5, 1.5],
  wrist_3_joint: [-1.5, 1.5],
};

/**
 * A region for the chain's joints: named ranges where given, else the joint limits less `marginRad`
 * (±π for unlimited joints). Ranges are intersected with the limits.
 */
export function jointRegion(chain: KinematicChain, ranges: Readonly<Record<string, readonly [number, number]>> = {}, marginRad = 0.2): JointRegion {
  const n = chain.dof;
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  chain.jointNames.forEach((name, j) => {
    const l = chain.limits[j]!;
    const lo = (l.lower ?? -Math.PI) + marginRad;
    const hi = (l.upper ?? Math.PI) - marginRad;
    const r = ranges[name];
    lower[j] = r ? Math.max(lo, r[0]) : lo;
    upper[j] = r ? Math.min(hi, r[1]) : hi;
    if (lower[j]! > upper[j]!) lower[j] = upper[j] = (lo + hi) / 2;
  });
  return { lower, upper };
}

export interface ClearanceMargins {
  /** to keep-out boxes, m */
  zoneM: number;
  /** above the table plane, m */
  tableM: number;
  /** between non-adjacent links, m */
  selfM: number;
}

export const DEFAULT_CLEARANCE: ClearanceMargins = { zoneM: 0.06, tableM: 0.03, selfM: 0 };

/** Signed clearances of one configuration, m (negative = penetrating). */
export interface Clearance {
  zone: number;
  table: number;
  self: number;
}

export class ClearanceChecker {
  private readonly fk;
  private readonly moving: Int32Array;
  private readonly selfPairs: Int32Array;
  private readonly q: Float64Array;
  private readonly result: Clearance = { zone: Infinity, table: Infinity, self: Infinity };

  /**
   * boxes: keep-out boxes [minX, minY, minZ, maxX, maxY, maxZ]* in the base frame; tableZ: height of the
   * surface the arm stands on (null = none).
   */
  constructor(
    readonly chain: KinematicChain,
    readonly boxes: Float64Array,
    readonly tableZ: number | null = 0,
  ) {
    this.fk = chain.createFkResult(1);
    const idx: number[] = [];
    chain.spheres.forEach((s, i) => {
      if (s.body > 0) idx.push(i);
    });
    this.moving = Int32Array.from(idx);
    // world links (table, obstacle) are body 0: they are the zones and the table plane here, not self-contact
    const pairs: number[] = [];
    for (let k = 0; k < chain.collisionPairs.length; k += 2) {
      const i = chain.collisionPairs[k]!;
      const j = chain.collisionPairs[k + 1]!;
      if (chain.spheres[i]!.body > 0 && chain.spheres[j]!.body > 0) pairs.push(i, j);
    }
    this.selfPairs = Int32Array.from(pairs);
    this.q = new Float64Array(chain.dof);
  }

  /** Clearances at q (the returned object is reused by the next call). */
  measure(q: ArrayLike<number>): Clearance {
    for (let j = 0; j < this.chain.dof; j++) this.q[j] = q[j]!;
    this.chain.fk(this.q, 1, this.fk);
    const c = this.fk.spheres;
    const spheres = this.chain.spheres;
    let zone = Infinity;
    let table = Infinity;
    const nBox = Math.floor(this.boxes.length / 6);
    for (let k = 0; k < this.moving.length; k++) {
      const s = this.moving[k]!;
      const x = c[s * 3]!;
      const y = c[s * 3 + 1]!;
      const z = c[s * 3 + 2]!;
      const r = spheres[s]!.radiusM;
      // spheres of the first moving body sit on the base: the table test would always flag them
      if (this.tableZ !== null && spheres[s]!.body > 1) table = Math.min(table, z - r - this.tableZ);
      for (let b = 0; b < nBox; b++) {
        const o = b * 6;
        zone = Math.min(zone, boxDistance(x, y, z, this.boxes, o) - r);
      }
    }
    let self = Infinity;
    const pairs = this.selfPairs;
    for (let k = 0; k < pairs.length; k += 2) {
      const i = pairs[k]!;
      const j = pairs[k + 1]!;
      const d = Math.hypot(c[i * 3]! - c[j * 3]!, c[i * 3 + 1]! - c[j * 3 + 1]!, c[i * 3 + 2]! - c[j * 3 + 2]!);
      self = Math.min(self, d - spheres[i]!.radiusM - spheres[j]!.radiusM);
    }
    this.result.zone = zone;
    this.result.table = table;
    this.result.self = self;
    return this.result;
  }

  /** True when q keeps every margin. */
  clear(q: ArrayLike<number>, m: ClearanceMargins = DEFAULT_CLEARANCE): boolean {
    const c = this.measure(q);
    return c.zone >= m.zoneM && c.table >= m.tableM && c.self >= m.selfM;
  }

  /** The smallest clearance less its margin (≥ 0 when clear): one number to rank candidate motions by. */
  slack(q: ArrayLike<number>, m: ClearanceMargins = DEFAULT_CLEARANCE): number {
    const c = this.measure(q);
    return Math.min(c.zone - m.zoneM, c.table - m.tableM, c.self - m.selfM);
  }
}

/** Distance from a point to the axis-aligned box at boxes[o..o+6] (negative inside). */
function boxDistance(x: number, y: number, z: number, boxes: Float64Array, o: number): number {
  const x0 = boxes[o]!;
  const y0 = boxes[o + 1]!;
  const z0 = boxes[o + 2]!;
  const x1 = boxes[o + 3]!;
  const y1 = boxes[o + 4]!;
  const z1 = boxes[o + 5]!;
  const dx = Math.max(x0 - x, 0, x - x1);
  const dy = Math.max(y0 - y, 0, y - y1);
  const dz = Math.max(z0 - z, 0, z - z1);
  if (dx > 0 || dy > 0 || dz > 0) return Math.hypot(dx, dy, dz);
  return -Math.min(x - x0, x1 - x, y - y0, y1 - y, z - z0, z1 - z);
}
