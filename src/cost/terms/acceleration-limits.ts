/**
 * Guardrail: predicted joint accelerations (qd_t − qd_{t−1}) / dt stay within their limits; state 0 holds
 * the measured velocity. Residual max(0, |acc| − maxAcc) per joint, in rad/s².
 */
import { normScalar, type NormKind } from '../norms.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';

export class AccelerationLimitsTerm implements CostTerm {
  readonly name = 'acceleration_limits';
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
    const maxAcc = ctx.limits.maxAcc;
    const w = this.weight;
    const gs = ctx.gStates;
    const d = this.d;
    const invDt = 1 / ctx.dtS;
    for (let t = 1; t <= ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const row = (t * ctx.B + b) * D + qdOffset;
        const prev = t === 1 ? b * D + qdOffset : ((t - 1) * ctx.B + b) * D + qdOffset;
        let c = 0;
        for (let j = 0; j < dof; j++) {
          const acc = (ctx.states[row + j]! - ctx.states[prev + j]!) * invDt;
          const excess = Math.abs(acc) - maxAcc[j]!;
          if (excess > 0) {
            c += normScalar(this.norm, excess, this.normParam, d);
            if (gs) {
              const gv = w * d[0]! * (acc > 0 ? 1 : -1) * invDt;
              gs[row + j]! += gv;
              gs[prev + j]! -= gv;
            }
          }
        }
        out[b]! += w * c;
      }
    }
  }
}
