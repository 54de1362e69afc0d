/** Guardrail: small actions (commanded joint velocities). Residual a_t. */
import { normValue, type NormKind } from '../norms.ts';
import type { CostContext, CostTerm } from '../types.ts';

export class EffortTerm implements CostTerm {
  readonly name = 'effort';
  readonly kind = 'guardrail' as const;
  readonly needsFk = false;
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
    const w = this.weight;
    const ga = ctx.gActions;
    for (let t = 0; t < ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const off = (t * ctx.B + b) * A;
        out[b]! += w * normValue(this.norm, ctx.actions, off, A, this.normParam, ga, off, w);
      }
    }
  }
}
