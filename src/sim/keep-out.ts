/**
 * Ground-truth keep-out checks: how deep the robot's real collision shapes reach into keep-out
 * zones, from the simulator's geom poses (not from the planner's covering spheres).
 *
 * Exactness per pair (zone × shape):
 * - sphere zone: exact for sphere, capsule, cylinder and box (signed distance of the zone centre);
 * - box zone: exact for sphere; capsule to solver tolerance (convex line search); box exact
 *   (separating axes give the minimum translation depth of two boxes); cylinder conservative: the
 *   smaller of the depths of its enclosing capsule and its enclosing box, an upper bound.
 * Ellipsoids count as their enclosing sphere (conservative). Planes are ignored.
 */
import type { Vec3 } from '../robot/types.ts';
import { GEOM_BOX, GEOM_CAPSULE, GEOM_CYLINDER, GEOM_ELLIPSOID, GEOM_SPHERE } from './scene.ts';
import type { GeomSet } from './scene.ts';

export interface KeepOutZone {
  /** axis-aligned box in the world (= base) frame, m */
  box?: { min: Vec3; max: Vec3 };
  sphere?: { center: Vec3; radius: number };
}

/** Signed distance from local point (x, y, z) to a centred box with half sizes (hx, hy, hz). */
export function sdBox(x: number, y: number, z: number, hx: number, hy: number, hz: number): number {
  const qx = Math.abs(x) - hx;
  const qy = Math.abs(y) - hy;
  const qz = Math.abs(z) - hz;
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0), Math.max(qz, 0));
  return outside + Math.min(Math.max(qx, qy, qz), 0);
}

/** Signed distance to a z-axis cylinder of radius r and half-length h centred at the origin. */
export function sdCylinder(x: number, y: number, z: number, r: number, h: number): number {
  const dr = Math.hypot(x, y) - r;
  const dz = Math.abs(z) - h;
  return Math.min(Math.max(dr, dz), 0) + Math.hypot(Math.max(dr, 0), Math.max(dz, 0));
}

/** Signed distance to a z-axis capsule (segment z ∈ [-h, h] swept by radius r). */
export function sdCapsule(x: number, y: number, z: number, r: number, h: number): number {
  const cz = z > h ? h : z < -h ? -h : z;
  return Math.hypot(x, y, z - cz) - r;
}

/** Signed distance from a world point to an axis-aligned box. */
function sdAabb(px: number, py: number, pz: number, min: Vec3, max: Vec3): number {
  const hx = (max[0] - min[0]) / 2;
  const hy = (max[1] - min[1]) / 2;
  const hz = (max[2] - min[2]) / 2;
  return sdBox(px - (min[0] + hx), py - (min[1] + hy), pz - (min[2] + hz), hx, hy, hz);
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * min over t ∈ [-h, h] of the AABB signed distance of p + t·a. The signed distance to a convex
 * set is convex, so a golden-section search converges to the true minimum.
 */
function minSdAabbOnSegment(
  px: number, py: number, pz: number,
  ax: number, ay: number, az: number,
  h: number, min: Vec3, max: Vec3,
): number {
  let lo = -h;
  let hi = h;
  let t1 = hi - GOLDEN * (hi - lo);
  let t2 = lo + GOLDEN * (hi - lo);
  let f1 = sdAabb(px + t1 * ax, py + t1 * ay, pz + t1 * az, min, max);
  let f2 = sdAabb(px + t2 * ax, py + t2 * ay, pz + t2 * az, min, max);
  // 40 iterations shrink the interval by 0.618^40 ≈ 4e-9
  for (let it = 0; it < 40; it++) {
    if (f1 <= f2) {
      hi = t2;
      t2 = t1;
      f2 = f1;
      t1 = hi - GOLDEN * (hi - lo);
      f1 = sdAabb(px + t1 * ax, py + t1 * ay, pz + t1 * az, min, max);
    } else {
      lo = t1;
      t1 = t2;
      f1 = f2;
      t2 = lo + GOLDEN * (hi - lo);
      f2 = sdAabb(px + t2 * ax, py + t2 * ay, pz + t2 * az, min, max);
    }
  }
  const ends = Math.min(
    sdAabb(px - h * ax, py - h * ay, pz - h * az, min, max),
    sdAabb(px + h * ax, py + h * ay, pz + h * az, min, max),
  );
  return Math.min(f1, f2, ends);
}

/**
 * Overlap of an oriented box (half sizes hx, hy, hz, rotation at m[o..o+9]) and an AABB (half
 * sizes ah*, centre offset d* from the AABB to the box) along axis l; +∞ for a degenerate axis.
 */
function axisOverlap(
  lx: number, ly: number, lz: number,
  ahx: number, ahy: number, ahz: number,
  hx: number, hy: number, hz: number,
  m: Float64Array, o: number,
  dx: number, dy: number, dz: number,
): number {
  const len = Math.hypot(lx, ly, lz);
  // parallel edges give a zero cross product, which is no axis
  if (len < 1e-9) return Number.POSITIVE_INFINITY;
  lx /= len;
  ly /= len;
  lz /= len;
  const rA = ahx * Math.abs(lx) + ahy * Math.abs(ly) + ahz * Math.abs(lz);
  // box axis k is column k of m
  const rB =
    hx * Math.abs(lx * m[o]! + ly * m[o + 3]! + lz * m[o + 6]!) +
    hy * Math.abs(lx * m[o + 1]! + ly * m[o + 4]! + lz * m[o + 7]!) +
    hz * Math.abs(lx * m[o + 2]! + ly * m[o + 5]! + lz * m[o + 8]!);
  return rA + rB - Math.abs(lx * dx + ly * dy + lz * dz);
}

/**
 * Overlap depth of geom i taken as an oriented box with half sizes (hx, hy, hz) and an AABB, by
 * separating axes: the smallest overlap over the 15 axes; negative when separated.
 */
function obbAabbDepth(g: GeomSet, i: number, hx: number, hy: number, hz: number, min: Vec3, max: Vec3): number {
  const m = g.mat;
  const o = i * 9;
  const ahx = (max[0] - min[0]) / 2;
  const ahy = (max[1] - min[1]) / 2;
  const ahz = (max[2] - min[2]) / 2;
  const dx = g.pos[i * 3]! - (min[0] + ahx);
  const dy = g.pos[i * 3 + 1]! - (min[1] + ahy);
  const dz = g.pos[i * 3 + 2]! - (min[2] + ahz);
  let best = Math.min(
    axisOverlap(1, 0, 0, ahx, ahy, ahz, hx, hy, hz, m, o, dx, dy, dz),
    axisOverlap(0, 1, 0, ahx, ahy, ahz, hx, hy, hz, m, o, dx, dy, dz),
    axisOverlap(0, 0, 1, ahx, ahy, ahz, hx, hy, hz, m, o, dx, dy, dz),
  );
  for (let k = 0; k < 3; k++) {
    const ax = m[o + k]!;
    const ay = m[o + 3 + k]!;
    const az = m[o + 6 + k]!;
    best = Math.min(
      best,
      axisOverlap(ax, ay, az, ahx, ahy, ahz, hx, hy, hz, m, o, dx, dy, dz),
      // cross products of box axis k with the world axes e_x, e_y, e_z
      axisOverlap(0, -az, ay, ahx, ahy, ahz, hx, hy, hz, m, o, dx, dy, dz),
      axisOverlap(az, 0, -ax, ahx, ahy, ahz, hx, hy, hz, m, o, dx, dy, dz),
      axisOverlap(-ay, ax, 0, ahx, ahy, ahz, hx, hy, hz, m, o, dx, dy, dz),
    );
  }
  return best;
}

/** Depth (m, negative when clear) of geom i in one zone. */
export function geomZoneDepth(g: GeomSet, i: number, zone: KeepOutZone): number {
  const t = g.type[i]!;
  const s0 = g.size[i * 3]!;
  const s1 = g.size[i * 3 + 1]!;
  const s2 = g.size[i * 3 + 2]!;
  const px = g.pos[i * 3]!;
  const py = g.pos[i * 3 + 1]!;
  const pz = g.pos[i * 3 + 2]!;
  const m = g.mat;
  const o = i * 9;
  let depth = Number.NEGATIVE_INFINITY;
  if (zone.sphere !== undefined) {
    const c = zone.sphere.center;
    const wx = c[0] - px;
    const wy = c[1] - py;
    const wz = c[2] - pz;
    // local = Rᵀ · (c − p)
    const x = m[o]! * wx + m[o + 3]! * wy + m[o + 6]! * wz;
    const y = m[o + 1]! * wx + m[o + 4]! * wy + m[o + 7]! * wz;
    const z = m[o + 2]! * wx + m[o + 5]! * wy + m[o + 8]! * wz;
    let sd = Number.POSITIVE_INFINITY;
    if (t === GEOM_SPHERE) sd = Math.hypot(x, y, z) - s0;
    else if (t === GEOM_ELLIPSOID) sd = Math.hypot(x, y, z) - Math.max(s0, s1, s2);
    else if (t === GEOM_CAPSULE) sd = sdCapsule(x, y, z, s0, s1);
    else if (t === GEOM_CYLINDER) sd = sdCylinder(x, y, z, s0, s1);
    else if (t === GEOM_BOX) sd = sdBox(x, y, z, s0, s1, s2);
    depth = Math.max(depth, zone.sphere.radius - sd);
  }
  if (zone.box !== undefined) {
    const { min, max } = zone.box;
    let d = Number.NEGATIVE_INFINITY;
    if (t === GEOM_SPHERE) d = s0 - sdAabb(px, py, pz, min, max);
    else if (t === GEOM_ELLIPSOID) d = Math.max(s0, s1, s2) - sdAabb(px, py, pz, min, max);
    else if (t === GEOM_CAPSULE || t === GEOM_CYLINDER) {
      const capsule = s0 - minSdAabbOnSegment(px, py, pz, m[o + 2]!, m[o + 5]!, m[o + 8]!, s1, min, max);
      d = t === GEOM_CAPSULE ? capsule : Math.min(capsule, obbAabbDepth(g, i, s0, s0, s1, min, max));
    } else if (t === GEOM_BOX) d = obbAabbDepth(g, i, s0, s1, s2, min, max);
    depth = Math.max(depth, d);
  }
  return depth;
}

/**
 * The deepest penetration (m) of any moving collision geom into any zone; 0 when all are clear.
 * Allocates nothing.
 */
export function keepOutPenetration(g: GeomSet, zones: readonly KeepOutZone[]): number {
  let worst = 0;
  for (let i = 0; i < g.count; i++) {
    if (g.moving[i] !== 1 || g.collision[i] !== 1) continue;
    for (let z = 0; z < zones.length; z++) {
      const d = geomZoneDepth(g, i, zones[z]!);
      if (d > worst) worst = d;
    }
  }
  return worst;
}

/**
 * An axis-aligned box zone enclosing the collision shapes of `link` (e.g. the demo's `obstacle`),
 * grown by marginM on every side; null when the link has none. Exact for axis-aligned boxes.
 */
export function linkBoxZone(g: GeomSet, link: string, marginM = 0): KeepOutZone | null {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  let found = false;
  for (let i = 0; i < g.count; i++) {
    if (g.links[i] !== link || g.collision[i] !== 1) continue;
    const t = g.type[i]!;
    const s0 = g.size[i * 3]!;
    const s1 = g.size[i * 3 + 1]!;
    const s2 = g.size[i * 3 + 2]!;
    for (let r = 0; r < 3; r++) {
      // half-extent along world axis r of the shape's local extents
      const a0 = Math.abs(g.mat[i * 9 + r * 3]!);
      const a1 = Math.abs(g.mat[i * 9 + r * 3 + 1]!);
      const a2 = Math.abs(g.mat[i * 9 + r * 3 + 2]!);
      let half: number;
      if (t === GEOM_BOX) half = a0 * s0 + a1 * s1 + a2 * s2;
      else if (t === GEOM_SPHERE) half = s0;
      else if (t === GEOM_ELLIPSOID) half = Math.max(s0, s1, s2);
      else if (t === GEOM_CYLINDER) half = a2 * s1 + s0 * Math.sqrt(Math.max(0, 1 - a2 * a2));
      else if (t === GEOM_CAPSULE) half = a2 * s1 + s0;
      else continue;
      found = true;
      const c = g.pos[i * 3 + r]!;
      min[r] = Math.min(min[r]!, c - half - marginM);
      max[r] = Math.max(max[r]!, c + half + marginM);
    }
  }
  return found ? { box: { min, max } } : null;
}
