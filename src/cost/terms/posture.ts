/**
 * Task: a weak pull toward a preferred configuration (goal.posture), e.g. an IK solution of a pose goal,
 * so the planner heads for one arm configuration instead of folding into a local minimum.
 */
import { normValue, type NormKind } from '../norms.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';

export class PostureTerm implements CostTerm {
  readonly name = 'posture';
  readonly kind = 'task' as const;
  readonly needsFk = false;
  private r = new Float64Array(0);
  constructor(
    public weight: number,
    public norm: NormKind = 'smooth_abs',
    public normParam = 0.2,
  ) {}

  active(p: CostProblem): boolean {
    return p.goal.posture !== undefined && p.goal.posture.length === p.layout.dof;
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const goal = ctx.goal.posture!;
    const { dof, qOffset, stateDim: D } = ctx.layout;
    if (this.r.length !== dof) this.r = new Float64Array(dof);
    const r = this.r;
    const w = this.weight;
    for (let t = 1; t <= ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const row = (t * ctx.B + b) * D + qOffset;
        for (let j = 0; j < dof; j++) r[j] = ctx.states[row + j]! - goal[j]!;
        out[b]! += w * normValue(this.norm, r, 0, dof, this.normParam, ctx.gStates, row, w);
      }
    }
  }
}
