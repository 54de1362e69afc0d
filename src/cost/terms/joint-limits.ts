/**
 * Guardrail: joint positions stay away from their limits. Residual per joint: how far q is inside the
 * band of width `marginRad` next to a limit, r = max(0, lower + margin − q) + max(0, q − (upper − margin));
 * r = margin at the limit. With the log_barrier norm the band width is the norm parameter.
 */
import { normScalar, type NormKind } from '../norms.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';

export class JointLimitsTerm implements CostTerm {
  readonly name = 'joint_limits';
  readonly kind = 'guardrail' as const;
  readonly needsFk = false;
  private d = new Float64Array(1);
  constructor(
    public weight: number,
    public marginRad: number,
    public norm: NormKind = 'log_barrier',
  ) {}

  get normParam(): number {
    return this.marginRad;
  }
  set normParam(v: number) {
    this.marginRad = v;
  }

  active(p: CostProblem): boolean {
    return p.layout.dof > 0 && this.marginRad > 0;
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const { dof, qOffset, stateDim: D } = ctx.layout;
    const { lower, upper } = ctx.limits;
    const m = this.marginRad;
    const w = this.weight;
    const gs = ctx.gStates;
    const d = this.d;
    for (let t = 1; t <= ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const row = (t * ctx.B + b) * D + qOffset;
        let c = 0;
        for (let j = 0; j < dof; j++) {
          const q = ctx.states[row + j]!;
          const lo = lower[j]! + m - q;
          const hi = q - (upper[j]! - m);
          if (lo > 0) {
            c += normScalar(this.norm, lo, m, d);
            if (gs) gs[row + j]! -= w * d[0]!;
          } else if (hi > 0) {
            c += normScalar(this.norm, hi, m, d);
            if (gs) gs[row + j]! += w * d[0]!;
          }
        }
        out[b]! += w * c;
      }
    }
  }
}
