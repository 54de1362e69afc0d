/**
 * Task: the end-effector orientation matches a goal rotation G.
 * Residual e = ½ Σ_c R_c × G_c over the columns c (zero when R = G, ≈ the rotation vector for small errors).
 * ∂e/∂R_c = −½[G_c]×, so the gradient w.r.t. column R_c is ½ G_c × ∂L/∂e.
 */
import { normValue, type NormKind } from '../norms.ts';
import type { KinematicChain } from '../../robot/chain.ts';
import type { CostContext, CostProblem, CostTerm } from '../types.ts';

export class EeOrientationTerm implements CostTerm {
  readonly name = 'ee_orientation';
  readonly kind = 'task' as const;
  readonly needsFk = true;
  private r = new Float64Array(3);
  private ge = new Float64Array(3);
  constructor(
    public weight: number,
    public norm: NormKind = 'quadratic',
    public normParam = 0.1,
  ) {}

  active(p: CostProblem, chain: KinematicChain | null): boolean {
    return chain !== null && p.goal.eeRotation !== undefined && p.goal.eeRotation.length === 9;
  }

  evaluate(ctx: CostContext, out: Float64Array): void {
    const G = ctx.goal.eeRotation!;
    const R = ctx.fk!.eeRot;
    const r = this.r;
    const ge = this.ge;
    const w = this.weight;
    const gR = ctx.gEeRot;
    for (let t = 1; t <= ctx.T; t++) {
      for (let b = 0; b < ctx.B; b++) {
        const i = ((t - 1) * ctx.B + b) * 9;
        r[0] = 0;
        r[1] = 0;
        r[2] = 0;
        for (let c = 0; c < 3; c++) {
          const rx = R[i + c]!, ry = R[i + 3 + c]!, rz = R[i + 6 + c]!;
          const gx = G[c]!, gy = G[3 + c]!, gz = G[6 + c]!;
          r[0] += 0.5 * (ry * gz - rz * gy);
          r[1] += 0.5 * (rz * gx - rx * gz);
          r[2] += 0.5 * (rx * gy - ry * gx);
        }
        if (gR) {
          ge.fill(0);
          out[b]! += w * normValue(this.norm, r, 0, 3, this.normParam, ge, 0, w);
          for (let c = 0; c < 3; c++) {
            const gx = G[c]!, gy = G[3 + c]!, gz = G[6 + c]!;
            gR[i + c]! += 0.5 * (gy * ge[2]! - gz * ge[1]!);
            gR[i + 3 + c]! += 0.5 * (gz * ge[0]! - gx * ge[2]!);
            gR[i + 6 + c]! += 0.5 * (gx * ge[1]! - gy * ge[0]!);
          }
        } else {
          out[b]! += w * normValue(this.norm, r, 0, 3, this.normParam);
        }
      }
    }
  }
}
