/**
 * Inverse kinematics for pose goals, by batched gradient descent through the same cost evaluator the
 * planners use: a one-step "trajectory" whose state is the candidate configuration, scored by the goal
 * terms plus joint-limit, self-collision and keep-out guardrails, plus a pull toward the current
 * configuration. Many seeds run in one batch; the best feasible one is returned.
 *
 * The agent uses the solution as a posture hint for the planner, which turns a myopic pose-goal MPC
 * that can fold into a local minimum into one that knows which arm configuration it is heading for.
 */
import { CostEvaluator } from '../cost/evaluator.ts';
import { normValue } from '../cost/norms.ts';
import type { CostContext, CostProblem, CostTerm } from '../cost/types.ts';
import type { KinematicChain } from '../robot/chain.ts';
import { NoiseSource } from '../planner/common.ts';

/** Pull toward a reference configuration (the current one): prefers the nearest IK branch. */
class NearTerm implements CostTerm {
  readonly name = 'near';
  readonly kind = 'task' as const;
  readonly needsFk = false;
  norm = 'quadratic' as const;
  normParam = 0;
  constructor(
    public weight: number,
    private readonly ref: Float64Array,
  ) {}
  active(): boolean {
    return true;
  }
  evaluate(ctx: CostContext, out: Float64Array): void {
    const { dof, qOffset, stateDim: D } = ctx.layout;
    const r = new Float64Array(dof);
    for (let b = 0; b < ctx.B; b++) {
      const row = (ctx.B + b) * D + qOffset;
      for (let j = 0; j < dof; j++) r[j] = ctx.states[row + j]! - this.ref[j]!;
      out[b]! += this.weight * normValue('quadratic', r, 0, dof, 0, ctx.gStates, row, this.weight);
    }
  }
}

export interface IkResult {
  q: Float64Array;
  positionErrorM: number;
  cost: number;
}

/**
 * Solves for a configuration whose tip reaches `problem.goal.eePosition` (and rotation if given).
 * `terms` are the goal and guardrail terms to respect; `current` seeds the search and is preferred.
 */
export function solveIk(
  chain: KinematicChain,
  terms: readonly CostTerm[],
  problem: CostProblem,
  current: Float64Array,
  opts: { seeds?: number; iterations?: number; learningRate?: number; seed?: number } = {},
): IkResult {
  const B = opts.seeds ?? 16;
  const iters = opts.iterations ?? 80;
  const lr = opts.learningRate ?? 0.05;
  const dof = chain.dof;
  const { qOffset, stateDim: D } = problem.layout;
  const evaluator = new CostEvaluator([...terms, new NearTerm(0.01, current)], chain);
  const states = new Float64Array(2 * B * D);
  const actions = new Float64Array(B * dof);
  const gStates = new Float64Array(states.length);
  const gActions = new Float64Array(actions.length);
  const noise = new NoiseSource(opts.seed ?? 11);
  const eps = new Float64Array(dof);
  const lower = problem.limits.lower;
  const upper = problem.limits.upper;
  for (let b = 0; b < B; b++) {
    const row = (B + b) * D + qOffset;
    if (b === 0) states.set(current.subarray(0, dof), row);
    else {
      noise.fill(eps, dof);
      for (let j = 0; j < dof; j++) {
        const lo = Number.isFinite(lower[j]!) ? lower[j]! : -Math.PI;
        const hi = Number.isFinite(upper[j]!) ? upper[j]! : Math.PI;
        // half the seeds near the current configuration, half anywhere in the limits
        const v = b % 2 === 1 ? current[j]! + 0.5 * eps[j]! : lo + ((hi - lo) * (noise.uniform()));
        states[row + j] = Math.min(hi, Math.max(lo, v));
      }
    }
  }
  const m = new Float64Array(B * dof);
  const v = new Float64Array(B * dof);
  for (let it = 1; it <= iters; it++) {
    evaluator.evaluate(problem, states, actions, 1, B, dof, { gStates, gActions });
    const c1 = 1 - 0.9 ** it;
    const c2 = 1 - 0.999 ** it;
    const step = lr * (1 - (0.9 * (it - 1)) / iters);
    for (let b = 0; b < B; b++) {
      const row = (B + b) * D + qOffset;
      for (let j = 0; j < dof; j++) {
        const i = b * dof + j;
        let g = gStates[row + j]!;
        if (!Number.isFinite(g)) g = 0;
        m[i] = 0.9 * m[i]! + 0.1 * g;
        v[i] = 0.999 * v[i]! + 0.001 * g * g;
        const q = states[row + j]! - (step * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
        states[row + j] = Math.min(upper[j]!, Math.max(lower[j]!, q));
      }
    }
  }
  // polish every candidate, then score the polished ones: the polish ignores the guardrails, so a
  // candidate it pushed into a self-collision or keep-out band must lose to one it did not
  const goal = problem.goal.eePosition!;
  const errs = new Float64Array(B);
  const qs = new Float64Array(B * dof);
  for (let b = 0; b < B; b++) {
    const row = (B + b) * D + qOffset;
    const q = states.slice(row, row + dof);
    errs[b] = polishPosition(chain, q, goal, lower, upper);
    qs.set(q, b * dof);
    states.set(q, row);
  }
  const ev = evaluator.evaluate(problem, states, actions, 1, B, dof);
  let best = 0;
  const key = (b: number): number => (errs[b]! < 1e-3 ? ev.total[b]! : 1e6 + errs[b]!);
  for (let b = 1; b < B; b++) if (key(b) < key(best)) best = b;
  return { q: qs.slice(best * dof, (best + 1) * dof), positionErrorM: errs[best]!, cost: ev.total[best]! };
}

/**
 * Damped least-squares refinement of the tip position (Δq = Jᵀ(JJᵀ + λ²I)⁻¹ e), clamped to the limits:
 * the gradient search above lands within millimetres; this takes it to well below a tenth of one.
 * Returns the final position error (m).
 */
export function polishPosition(chain: KinematicChain, q: Float64Array, goal: Float64Array, lower: Float64Array, upper: Float64Array, iterations = 20): number {
  const dof = chain.dof;
  const fk = chain.createFkResult(1);
  const J = new Float64Array(3 * dof);
  const g = new Float64Array(3);
  const row = new Float64Array(dof);
  const lambda2 = 1e-4;
  let err = Infinity;
  for (let it = 0; it <= iterations; it++) {
    chain.fk(q, 1, fk);
    const e0 = goal[0]! - fk.eePos[0]!, e1 = goal[1]! - fk.eePos[1]!, e2 = goal[2]! - fk.eePos[2]!;
    err = Math.hypot(e0, e1, e2);
    if (err < 1e-5 || it === iterations) break;
    for (let k = 0; k < 3; k++) {
      g.fill(0);
      g[k] = 1;
      row.fill(0);
      chain.fkVjp(q, 1, fk, g, null, null, row);
      J.set(row, k * dof);
    }
    // A = J Jᵀ + λ² I (3×3), solve A y = e, Δq = Jᵀ y
    const A = new Float64Array(9);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) {
      let sum = a === b ? lambda2 : 0;
      for (let j = 0; j < dof; j++) sum += J[a * dof + j]! * J[b * dof + j]!;
      A[a * 3 + b] = sum;
    }
    const y = solve3(A, [e0, e1, e2]);
    for (let j = 0; j < dof; j++) {
      const dq = J[j]! * y[0]! + J[dof + j]! * y[1]! + J[2 * dof + j]! * y[2]!;
      q[j] = Math.min(upper[j]!, Math.max(lower[j]!, q[j]! + dq));
    }
  }
  return err;
}

/** Solves a 3×3 system by Cramer's rule (A is symmetric positive definite here). */
function solve3(A: Float64Array, b: number[]): number[] {
  const [a, b1, c, d, e, f, g, h, i] = Array.from(A) as [number, number, number, number, number, number, number, number, number];
  const det = a * (e * i - f * h) - b1 * (d * i - f * g) + c * (d * h - e * g);
  const x = (M: number[]): number => (M[0]! * (M[4]! * M[8]! - M[5]! * M[7]!) - M[1]! * (M[3]! * M[8]! - M[5]! * M[6]!) + M[2]! * (M[3]! * M[7]! - M[4]! * M[6]!)) / det;
  return [
    x([b[0]!, b1, c, b[1]!, e, f, b[2]!, h, i]),
    x([a, b[0]!, c, d, b[1]!, f, g, b[2]!, i]),
    x([a, b1, b[0]!, d, e, b[1]!, g, h, b[2]!]),
  ];
}
