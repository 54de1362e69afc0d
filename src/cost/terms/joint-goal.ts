/** Task: joint positions reach the goal configuration. Residual q_t − q_goal at every step t = 1..T. */
import { normValue, type NormKind } from '../norms.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';

export class JointGoalTerm implements CostTerm {
  readonly name = 'joint_goal';
  readonly kind = 'task' as const;
  readonly needsFk = false;
  private r = new Float64Array(0);
  private g = new Float64Array(0);
  constructor(
    public weight: number,
    public norm: NormKind = 'quadratic',
    public normParam = 0.1,
  ) {}

  active(p: CostProblem): boolean {
    return p.goal.joints !== undefined && p.goal.joints.length === p.layout.dof;
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const goal = ctx.goal.joints!;
    const { dof, qOffset, stateDim: D } = ctx.layout;
    if (this.r.length !== dof) {
      this.r = new Float64Array(dof);
      this.g = new Float64Array(dof);
    }
    const r = this.r;
    const g = this.g;
    const w = this.weight;
    const gs = ctx.gStates;
    for (let t = 1; t <= ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const row = (t * ctx.B + b) * D + qOffset;
        for (let j = 0; j < dof; j++) r[j] = ctx.states[row + j]! - goal[j]!;
        if (gs) {
          g.fill(0);
          out[b]! += w * normValue(this.norm, r, 0, dof, this.normParam, g, 0, w);
          for (let j = 0; j < dof; j++) gs[row + j]! += g[j]!;
        } else {
          out[b]! += w * normValue(this.norm, r, 0, dof, this.normParam);
        }
      }
    }
  }
}
