/**
 * Guardrail: the robot's link spheres stay out of keep-out zones (axis-aligned boxes and spheres in the
 * base frame). For each moving sphere and zone, d = signed distance between sphere surface and zone
 * (negative = penetrating); residual r = max(0, margin − d), so r = margin at contact.
 * Spheres on body 0 (fixed to the base) are skipped: they cannot move out of anything. A body whose
 * bounding sphere is farther than the margin from every zone is skipped whole (broad phase).
 */
import { normScalar, type NormKind } from '../norms.ts';
import type { KinematicChain } from '../../robot/chain.ts';
import { bodyCentres, movingBodyBounds, type BodyBounds } from './body-bounds.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';

export class KeepOutTerm implements CostTerm {
  readonly name = 'keep_out';
  readonly kind = 'guardrail' as const;
  readonly needsFk = true;
  private d = new Float64Array(1);
  private bounds: BodyBounds | null = null;
  private centres = new Float64Array(0);
  private chainRef: KinematicChain | null = null;
  constructor(
    public weight: number,
    public marginM: number,
    public norm: NormKind = 'log_barrier',
  ) {}

  get normParam(): number {
    return this.marginM;
  }
  set normParam(v: number) {
    this.marginM = v;
  }

  active(p: CostProblem, chain: KinematicChain | null): boolean {
    return chain !== null && chain.spheres.length > 0 && (p.keepOut.boxes.length >= 6 || p.keepOut.spheres.length >= 4);
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const chain = ctx.chain!;
    if (this.chainRef !== chain) {
      this.bounds = movingBodyBounds(chain);
      this.centres = new Float64Array(this.bounds.members.length * 3);
      this.chainRef = chain;
    }
    const bounds = this.bounds!;
    const bc = this.centres;
    const S = chain.spheres.length;
    const centers = ctx.fk!.spheres;
    const boxes = ctx.keepOut.boxes;
    const zones = ctx.keepOut.spheres;
    const nBox = Math.floor(boxes.length / 6);
    const nSph = Math.floor(zones.length / 4);
    const m = this.marginM;
    const w = this.weight;
    const gS = ctx.gSpheres;
    const dn = this.d;
    const radii = chain.spheres;
    for (let t = 1; t <= ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const base = ((t - 1) * ctx.B + b) * S;
        let c = 0;
        bodyCentres(bounds, centers, base, bc);
        for (let kb = 0; kb < bounds.members.length; kb++) {
          if (!nearAnyZone(bc, kb, bounds.radius[kb]! + m, boxes, nBox, zones, nSph)) continue;
          const members = bounds.members[kb]!;
          for (let k = 0; k < members.length; k++) {
            const s = members[k]!;
            const o = (base + s) * 3;
            const x = centers[o]!, y = centers[o + 1]!, z = centers[o + 2]!;
            const rs = radii[s]!.radiusM;
            for (let zb = 0; zb < nBox; zb++) {
              const bo = zb * 6;
              const x0 = boxes[bo]!, y0 = boxes[bo + 1]!, z0 = boxes[bo + 2]!;
              const x1 = boxes[bo + 3]!, y1 = boxes[bo + 4]!, z1 = boxes[bo + 5]!;
              // cheap reject: farther than margin + radius along any axis
              const reach = m + rs;
              if (x < x0 - reach || x > x1 + reach || y < y0 - reach || y > y1 + reach || z < z0 - reach || z > z1 + reach) continue;
              const cx = x < x0 ? x0 : x > x1 ? x1 : x;
              const cy = y < y0 ? y0 : y > y1 ? y1 : y;
              const cz = z < z0 ? z0 : z > z1 ? z1 : z;
              const dx = x - cx, dy = y - cy, dz = z - cz;
              const dist2 = dx * dx + dy * dy + dz * dz;
              let dist: number;
              let gx = 0, gy = 0, gz = 0;
              if (dist2 > 1e-18) {
                dist = Math.sqrt(dist2);
                gx = dx / dist;
                gy = dy / dist;
                gz = dz / dist;
              } else {
                // inside: distance to the nearest face, negative
                const faces = [x - x0, x1 - x, y - y0, y1 - y, z - z0, z1 - z];
                let best = 0;
                for (let f = 1; f < 6; f++) if (faces[f]! < faces[best]!) best = f;
                dist = -faces[best]!;
                const sign = best % 2 === 0 ? -1 : 1;
                if (best < 2) gx = sign;
                else if (best < 4) gy = sign;
                else gz = sign;
                // d(dist)/dc: dist = −(x − x0) → −1 along x for face 0, +1 for face 1
              }
              const r = m - (dist - rs);
              if (r <= 0) continue;
              c += normScalar(this.norm, r, m, dn);
              if (gS) {
                const gv = -w * dn[0]!;
                gS[o]! += gv * gx;
                gS[o + 1]! += gv * gy;
                gS[o + 2]! += gv * gz;
              }
            }
            for (let zs = 0; zs < nSph; zs++) {
              const so = zs * 4;
              const dx = x - zones[so]!, dy = y - zones[so + 1]!, dz = z - zones[so + 2]!;
              const dc = Math.sqrt(dx * dx + dy * dy + dz * dz);
              const r = m - (dc - zones[so + 3]! - rs);
              if (r <= 0) continue;
              c += normScalar(this.norm, r, m, dn);
              if (gS && dc > 1e-12) {
                const gv = (-w * dn[0]!) / dc;
                gS[o]! += gv * dx;
                gS[o + 1]! += gv * dy;
                gS[o + 2]! += gv * dz;
              }
            }
          }
        }
        out[b]! += w * c;
      }
    }
  }
}

/** True when the bounding sphere of body kb (centre in bc, radius + margin = reach) comes within reach of a zone. */
function nearAnyZone(bc: Float64Array, kb: number, reach: number, boxes: Float64Array, nBox: number, zones: Float64Array, nSph: number): boolean {
  const x = bc[kb * 3]!, y = bc[kb * 3 + 1]!, z = bc[kb * 3 + 2]!;
  for (let zb = 0; zb < nBox; zb++) {
    const bo = zb * 6;
    const dx = Math.max(boxes[bo]! - x, 0, x - boxes[bo + 3]!);
    const dy = Math.max(boxes[bo + 1]! - y, 0, y - boxes[bo + 4]!);
    const dz = Math.max(boxes[bo + 2]! - z, 0, z - boxes[bo + 5]!);
    if (dx * dx + dy * dy + dz * dz < reach * reach) return true;
  }
  for (let zs = 0; zs < nSph; zs++) {
    const so = zs * 4;
    const r = reach + zones[so + 3]!;
    const dx = x - zones[so]!, dy = y - zones[so + 1]!, dz = z - zones[so + 2]!;
    if (dx * dx + dy * dy + dz * dz < r * r) return true;
  }
  return false;
}
