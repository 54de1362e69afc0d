/**
 * Terminal cost: the goal residuals (joint goal and/or end-effector position) at the last step t = T,
 * and the final joint velocity, so that a plan ends at the goal and at rest.
 */
import { normValue, type NormKind } from '../norms.ts';
import type { KinematicChain } from '../../robot/chain.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';

export class TerminalTerm implements CostTerm {
  readonly name = 'terminal';
  readonly kind = 'task' as const;
  private r = new Float64Array(0);
  private g = new Float64Array(0);
  private fkNeeded = false;
  constructor(
    public weight: number,
    public norm: NormKind = 'quadratic',
    public normParam = 0.05,
    /** weight of the final velocity relative to the goal residual */
    public velocityWeight = 0.01,
  ) {}

  get needsFk(): boolean {
    return this.fkNeeded;
  }

  active(p: CostProblem, chain: KinematicChain | null): boolean {
    const joints = p.goal.joints !== undefined && p.goal.joints.length === p.layout.dof;
    const ee = chain !== null && p.goal.eePosition !== undefined;
    this.fkNeeded = ee;
    return joints || ee;
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const { dof, qOffset, qdOffset, stateDim: D } = ctx.layout;
    const goalQ = ctx.goal.joints;
    const useJoints = goalQ !== undefined && goalQ.length === dof;
    const goalP = ctx.fk ? ctx.goal.eePosition : undefined;
    const n = (useJoints ? dof : 0) + (goalP ? 3 : 0);
    if (this.r.length < n) {
      this.r = new Float64Array(n);
      this.g = new Float64Array(n);
    }
    const { r, g } = this;
    const w = this.weight;
    const T = ctx.T;
    const gs = ctx.gStates;
    const vw = this.velocityWeight;
    for (let b = 0; b < ctx.B; b++) {
      const row = (T * ctx.B + b) * D;
      let k = 0;
      if (useJoints) for (let j = 0; j < dof; j++) r[k++] = ctx.states[row + qOffset + j]! - goalQ[j]!;
      const fi = ((T - 1) * ctx.B + b) * 3;
      if (goalP) for (let j = 0; j < 3; j++) r[k++] = ctx.fk!.eePos[fi + j]! - goalP[j]!;
      let c: number;
      if (gs || ctx.gEePos) {
        g.fill(0);
        c = normValue(this.norm, r, 0, n, this.normParam, g, 0, w);
        k = 0;
        if (useJoints) for (let j = 0; j < dof; j++) if (gs) gs[row + qOffset + j]! += g[k++]!;
        if (goalP && ctx.gEePos) for (let j = 0; j < 3; j++) ctx.gEePos[fi + j]! += g[k++]!;
      } else {
        c = normValue(this.norm, r, 0, n, this.normParam);
      }
      let v2 = 0;
      for (let j = 0; j < dof; j++) {
        const v = ctx.states[row + qdOffset + j]!;
        v2 += v * v;
        if (gs) gs[row + qdOffset + j]! += w * vw * v;
      }
      out[b]! += w * (c + 0.5 * vw * v2);
    }
  }
}
