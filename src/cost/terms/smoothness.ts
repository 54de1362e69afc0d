/** Guardrail: consecutive actions differ little. Residual a_t − a_{t−1}; a_{−1} is the action executed last tick. */
import { normValue, type NormKind } from '../norms.ts';
import type { CostContext, CostTerm } from '../types.ts';

export class SmoothnessTerm implements CostTerm {
  readonly name = 'smoothness';
  readonly kind = 'guardrail' as const;
  readonly needsFk = false;
  private r = new Float64Array(0);
  private g = new Float64Array(0);
  constructor(
    public weight: number,
    public norm: NormKind = 'quadratic',
    public normParam = 0.1,
  ) {}

  active(): boolean {
    return true;
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const A = ctx.actionDim;
    if (this.r.length !== A) {
      this.r = new Float64Array(A);
      this.g = new Float64Array(A);
    }
    const { r, g } = this;
    const w = this.weight;
    const ga = ctx.gActions;
    const acts = ctx.actions;
    for (let t = 0; t < ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const cur = (t * ctx.B + b) * A;
        const prev = t === 0 ? -1 : ((t - 1) * ctx.B + b) * A;
        for (let j = 0; j < A; j++) r[j] = acts[cur + j]! - (prev < 0 ? ctx.prevAction[j]! : acts[prev + j]!);
        if (ga) {
          g.fill(0);
          out[b]! += w * normValue(this.norm, r, 0, A, this.normParam, g, 0, w);
          for (let j = 0; j < A; j++) {
            ga[cur + j]! += g[j]!;
            if (prev >= 0) ga[prev + j]! -= g[j]!;
          }
        } else {
          out[b]! += w * normValue(this.norm, r, 0, A, this.normParam);
        }
      }
    }
  }
}

