/**
 * Guardrail: links do not hit each other. For each sphere pair on non-adjacent bodies (chain.collisionPairs),
 * d = ‖c_i − c_j‖ − r_i − r_j; residual r = max(0, margin − d).
 * Broad phase: pairs are grouped by body pair, and a group is skipped when the two bodies' bounding
 * spheres (centred on the mean of their sphere centres, which is rigid with the body) are farther apart
 * than the margin — most body pairs of an arm are far apart most of the time.
 */
import { normScalar, type NormKind } from '../norms.ts';
import type { KinematicChain } from '../../robot/chain.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';
import { bodyBounds, bodyCentres, type BodyBounds } from './body-bounds.ts';

export class SelfCollisionTerm implements CostTerm {
  readonly name = 'self_collision';
  readonly kind = 'guardrail' as const;
  readonly needsFk = true;
  private d = new Float64Array(1);
  private chainRef: KinematicChain | null = null;
  private broad: BroadPhase | null = null;
  private centers = new Float64Array(0);
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

  active(_p: CostProblem, chain: KinematicChain | null): boolean {
    return chain !== null && chain.collisionPairs.length >= 2;
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const chain = ctx.chain!;
    if (this.chainRef !== chain) {
      this.broad = buildBroadPhase(chain);
      this.centers = new Float64Array(this.broad.bounds.bodies.length * 3);
      this.chainRef = chain;
    }
    const broad = this.broad!;
    const pairs = chain.collisionPairs;
    const S = chain.spheres.length;
    const centers = ctx.fk!.spheres;
    const spheres = chain.spheres;
    const m = this.marginM;
    const w = this.weight;
    const gS = ctx.gSpheres;
    const dn = this.d;
    const bc = this.centers;
    for (let t = 1; t <= ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const base = ((t - 1) * ctx.B + b) * S;
        bodyCentres(broad.bounds, centers, base, bc);
        let c = 0;
        for (let gi = 0; gi < broad.groups.length; gi++) {
          const grp = broad.groups[gi]!;
          const ka = grp.bodyA * 3, kb = grp.bodyB * 3;
          const bx = bc[ka]! - bc[kb]!, by = bc[ka + 1]! - bc[kb + 1]!, bz = bc[ka + 2]! - bc[kb + 2]!;
          const breach = grp.reach + m;
          if (bx * bx + by * by + bz * bz >= breach * breach) continue;
          for (let q = grp.start; q < grp.end; q++) {
            const p = broad.order[q]! * 2;
            const i = pairs[p]!;
            const j = pairs[p + 1]!;
            const oi = (base + i) * 3;
            const oj = (base + j) * 3;
            const dx = centers[oi]! - centers[oj]!;
            const dy = centers[oi + 1]! - centers[oj + 1]!;
            const dz = centers[oi + 2]! - centers[oj + 2]!;
            const reach = m + spheres[i]!.radiusM + spheres[j]!.radiusM;
            const d2 = dx * dx + dy * dy + dz * dz;
            if (d2 >= reach * reach) continue;
            const dc = Math.sqrt(d2);
            const r = reach - dc;
            c += normScalar(this.norm, r, m, dn);
            if (gS && dc > 1e-12) {
              const gv = (-w * dn[0]!) / dc;
              gS[oi]! += gv * dx;
              gS[oi + 1]! += gv * dy;
              gS[oi + 2]! += gv * dz;
              gS[oj]! -= gv * dx;
              gS[oj + 1]! -= gv * dy;
              gS[oj + 2]! -= gv * dz;
            }
          }
        }
        out[b]! += w * c;
      }
    }
  }
}

interface BroadPhase {
  bounds: BodyBounds;
  /** pair indices (into collisionPairs / 2) sorted by body pair */
  order: Int32Array;
  groups: { bodyA: number; bodyB: number; start: number; end: number; reach: number }[];
}

/** Groups collision pairs by body pair; a group's reach is the sum of its two bodies' bounding radii. */
function buildBroadPhase(chain: KinematicChain): BroadPhase {
  const pairs = chain.collisionPairs;
  const nPairs = pairs.length / 2;
  const bodyOf = (s: number): number => chain.spheres[s]!.body;
  const used = new Set<number>();
  for (let p = 0; p < pairs.length; p++) used.add(bodyOf(pairs[p]!));
  const bounds = bodyBounds(chain, [...used]);
  const slot = new Map(bounds.bodies.map((b, i) => [b, i]));
  const keyed = Array.from({ length: nPairs }, (_, p) => {
    const a = slot.get(bodyOf(pairs[2 * p]!))!;
    const b = slot.get(bodyOf(pairs[2 * p + 1]!))!;
    return { p, a: Math.min(a, b), b: Math.max(a, b) };
  }).sort((u, v) => u.a - v.a || u.b - v.b || u.p - v.p);
  const order = Int32Array.from(keyed.map((k) => k.p));
  const groups: BroadPhase['groups'] = [];
  keyed.forEach((k, q) => {
    const last = groups[groups.length - 1];
    if (last && last.bodyA === k.a && last.bodyB === k.b) last.end = q + 1;
    else groups.push({ bodyA: k.a, bodyB: k.b, start: q, end: q + 1, reach: bounds.radius[k.a]! + bounds.radius[k.b]! });
  });
  return { bounds, order, groups };
}
