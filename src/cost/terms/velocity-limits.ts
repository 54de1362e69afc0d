/** Guardrail: predicted joint velocities stay within their limits. Residual max(0, |qd| − maxVel) per joint. */
import { normScalar, type NormKind } from '../norms.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';

export class VelocityLimitsTerm implements CostTerm {
  readonly name = 'velocity_limits';
  readonly kind = 'guardrail' as const;
  readonly needsFk = false;
  private d = new Float64Array(1);
  constructor(
    public weight: number,
    public norm: NormKind = 'quadratic',
    public normParam = 0.1,
  ) {}

  active(p: CostProblem): boolean {
    return p.layout.dof > 0;
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const { dof, qdOffset, stateDim: D } = ctx.layout;
    const maxVel = ctx.limits.maxVel;
    const w = this.weight;
    const gs = ctx.gStates;
    const d = this.d;
    for (let t = 1; t <= ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const row = (t * ctx.B + b) * D + qdOffset;
        let c = 0;
        for (let j = 0; j < dof; j++) {
          const v = ctx.states[row + j]!;
          const excess = Math.abs(v) - maxVel[j]!;
          if (excess > 0) {
            c += normScalar(this.norm, excess, this.normParam, d);
            if (gs) gs[row + j]! += w * d[0]! * (v > 0 ? 1 : -1);
          }
        }
        out[b]! += w * c;
      }
    }
  }
}
