/**
 * A first step of hierarchical planning: before the MPC chases a goal configuration, check the straight
 * joint-space path to it against the keep-out zones and self-collision; when it is blocked, search for one
 * via configuration whose two straight segments are both clear, and hand the MPC that subgoal first.
 * The MPC stays in charge of the motion and of every guardrail; the route only tells it where to head,
 * which a short horizon cannot see around an obstacle.
 */
import type { KeepOutZones } from '../cost/types.ts';
import { NoiseSource } from '../planner/common.ts';
import type { FkResult, KinematicChain } from '../robot/chain.ts';

export interface RouteOptions {
  /** required clearance from keep-out zones, m */
  zoneClearanceM: number;
  /** required clearance between non-adjacent links, m */
  selfClearanceM: number;
  /** joint-space step between collision checks along a segment, rad */
  resolutionRad?: number;
  /** max joint change between subgoals along the route, rad */
  stepRad?: number;
  /** via candidates to try */
  candidates?: number;
  seed?: number;
}

export class RouteChecker {
  private readonly fk: FkResult;
  private readonly q: Float64Array;

  constructor(
    private readonly chain: KinematicChain,
    private readonly zones: KeepOutZones,
    private readonly lower: Float64Array,
    private readonly upper: Float64Array,
  ) {
    this.fk = chain.createFkResult(1);
    this.q = new Float64Array(chain.dof);
  }

  /** Smallest clearance of configuration q to the keep-out zones (m), and between non-adjacent links in selfOut[0]. */
  clearance(q: Float64Array, selfOut?: Float64Array): number {
    const chain = this.chain;
    chain.fk(q, 1, this.fk);
    const c = this.fk.spheres;
    let best = Infinity;
    const boxes = this.zones.boxes;
    const sph = this.zones.spheres;
    chain.spheres.forEach((s, i) => {
      if (s.body === 0) return;
      const x = c[i * 3]!, y = c[i * 3 + 1]!, z = c[i * 3 + 2]!;
      for (let b = 0; b + 5 < boxes.length; b += 6) {
        const dx = Math.max(boxes[b]! - x, 0, x - boxes[b + 3]!);
        const dy = Math.max(boxes[b + 1]! - y, 0, y - boxes[b + 4]!);
        const dz = Math.max(boxes[b + 2]! - z, 0, z - boxes[b + 5]!);
        const out = Math.hypot(dx, dy, dz);
        const inside = out > 0 ? 0 : Math.min(x - boxes[b]!, boxes[b + 3]! - x, y - boxes[b + 1]!, boxes[b + 4]! - y, z - boxes[b + 2]!, boxes[b + 5]! - z);
        best = Math.min(best, (out > 0 ? out : -inside) - s.radiusM);
      }
      for (let k = 0; k + 3 < sph.length; k += 4) {
        best = Math.min(best, Math.hypot(x - sph[k]!, y - sph[k + 1]!, z - sph[k + 2]!) - sph[k + 3]! - s.radiusM);
      }
    });
    if (!selfOut) return best;
    let self = Infinity;
    const p = chain.collisionPairs;
    for (let k = 0; k < p.length; k += 2) {
      const i = p[k]!;
      const j = p[k + 1]!;
      const d = Math.hypot(c[i * 3]! - c[j * 3]!, c[i * 3 + 1]! - c[j * 3 + 1]!, c[i * 3 + 2]! - c[j * 3 + 2]!);
      self = Math.min(self, d - chain.spheres[i]!.radiusM - chain.spheres[j]!.radiusM);
    }
    selfOut[0] = self;
    return best;
  }

  private readonly self = new Float64Array(1);

  /** True when q keeps both clearances. */
  clear(q: Float64Array, opts: RouteOptions): boolean {
    return this.clearance(q, this.self) >= opts.zoneClearanceM && this.self[0]! >= opts.selfClearanceM;
  }

  /** True when every configuration on the straight segment a → b keeps the clearance. */
  segmentClear(a: Float64Array, b: Float64Array, opts: RouteOptions): boolean {
    const resolutionRad = opts.resolutionRad ?? 0.05;
    let span = 0;
    for (let j = 0; j < a.length; j++) span = Math.max(span, Math.abs(b[j]! - a[j]!));
    const n = Math.max(1, Math.ceil(span / resolutionRad));
    for (let k = 0; k <= n; k++) {
      const t = k / n;
      for (let j = 0; j < a.length; j++) this.q[j] = a[j]! + t * (b[j]! - a[j]!);
      if (!this.clear(this.q, opts)) return false;
    }
    return true;
  }

  /**
   * Via configurations from `from` to `to`: [] when the straight path is clear, [via] when one was found,
   * null when none was found (the MPC then goes straight for the goal and its guardrails still hold).
   */
  plan(from: Float64Array, to: Float64Array, opts: RouteOptions): Float64Array[] | null {
    if (this.segmentClear(from, to, opts)) return densify([from, to], opts.stepRad ?? 0.4);
    const noise = new NoiseSource(opts.seed ?? 5);
    const dof = from.length;
    const n = opts.candidates ?? 300;
    let best: Float64Array | null = null;
    let bestLen = Infinity;
    const v = new Float64Array(dof);
    for (let c = 0; c < n; c++) {
      // candidates spread around the midpoint, from near to far
      const spread = 0.3 + (3.0 * c) / n;
      for (let j = 0; j < dof; j++) {
        const mid = 0.5 * (from[j]! + to[j]!);
        const lo = Number.isFinite(this.lower[j]!) ? this.lower[j]! : mid - Math.PI;
        const hi = Number.isFinite(this.upper[j]!) ? this.upper[j]! : mid + Math.PI;
        v[j] = Math.min(hi, Math.max(lo, mid + spread * (2 * noise.uniform() - 1)));
      }
      let len = 0;
      for (let j = 0; j < dof; j++) len += Math.abs(v[j]! - from[j]!) + Math.abs(to[j]! - v[j]!);
      if (len >= bestLen) continue;
      if (!this.clear(v, opts)) continue;
      if (!this.segmentClear(from, v, opts) || !this.segmentClear(v, to, opts)) continue;
      best = v.slice();
      bestLen = len;
    }
    return best ? densify([from, best, to], opts.stepRad ?? 0.4) : null;
  }
}

/**
 * Subgoals every `stepRad` (max joint change) along the polyline, without its first and last points: the MPC
 * follows the checked straight segments instead of moving each joint at its own speed.
 */
export function densify(points: readonly Float64Array[], stepRad: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k]!;
    const b = points[k + 1]!;
    let span = 0;
    for (let j = 0; j < a.length; j++) span = Math.max(span, Math.abs(b[j]! - a[j]!));
    const n = Math.max(1, Math.ceil(span / stepRad));
    for (let i = 1; i <= n; i++) {
      if (k + 1 === points.length - 1 && i === n) break;
      const t = i / n;
      out.push(a.map((v, j) => v + t * (b[j]! - v)));
    }
  }
  return out;
}
