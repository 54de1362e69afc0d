/** Task: the predicted latent reaches the goal latent (e.g. an encoded goal image). Residual z_t − z_goal. */
import { normValue, type NormKind } from '../norms.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';

export class LatentGoalTerm implements CostTerm {
  readonly name = 'latent_goal';
  readonly kind = 'task' as const;
  readonly needsFk = false;
  private r = new Float64Array(0);
  constructor(
    public weight: number,
    public norm: NormKind = 'l1',
    public normParam = 0.1,
  ) {}

  active(p: CostProblem): boolean {
    return p.layout.latentDim > 0 && p.goal.latent !== undefined && p.goal.latent.length === p.layout.latentDim;
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const goal = ctx.goal.latent!;
    const { latentDim, stateDim: D } = ctx.layout;
    if (this.r.length !== latentDim) this.r = new Float64Array(latentDim);
    const r = this.r;
    const w = this.weight;
    const gs = ctx.gStates;
    for (let t = 1; t <= ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const row = (t * ctx.B + b) * D;
        for (let j = 0; j < latentDim; j++) r[j] = ctx.states[row + j]! - goal[j]!;
        out[b]! += w * normValue(this.norm, r, 0, latentDim, this.normParam, gs, row, w);
      }
    }
  }
}
