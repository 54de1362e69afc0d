/** Task: the end effector (chain tip) reaches a position in the base frame. Residual p_t − p_goal. */
import { normValue, type NormKind } from '../norms.ts';
import type { KinematicChain } from '../../robot/chain.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';

export class EePositionTerm implements CostTerm {
  readonly name = 'ee_position';
  readonly kind = 'task' as const;
  readonly needsFk = true;
  private r = new Float64Array(3);
  constructor(
    public weight: number,
    public norm: NormKind = 'smooth_abs',
    public normParam = 0.05,
  ) {}

  active(p: CostProblem, chain: KinematicChain | null): boolean {
    return chain !== null && p.goal.eePosition !== undefined && p.goal.eePosition.length === 3;
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const goal = ctx.goal.eePosition!;
    const pos = ctx.fk!.eePos;
    const r = this.r;
    const w = this.weight;
    const g = ctx.gEePos;
    for (let t = 1; t <= ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const i = ((t - 1) * ctx.B + b) * 3;
        r[0] = pos[i]! - goal[0]!;
        r[1] = pos[i + 1]! - goal[1]!;
        r[2] = pos[i + 2]! - goal[2]!;
        out[b]! += w * normValue(this.norm, r, 0, 3, this.normParam, g, i, w);
      }
    }
  }
}
