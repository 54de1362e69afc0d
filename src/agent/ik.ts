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
  const B = opts.seeds ?? 32;
  const iters = opts.iterations ?? 150;
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
  const ev = evaluator.evaluate(problem, states, actions, 1, B, dof);
  const fk = chain.createFkResult(B);
  const qs = new Float64Array(B * dof);
  for (let b = 0; b < B; b++) qs.set(states.subarray((B + b) * D + qOffset, (B + b) * D + qOffset + dof), b * dof);
  chain.fk(qs, B, fk);
  const goal = problem.goal.eePosition!;
  let best = -1;
  let bestErr = Infinity;
  for (let b = 0; b < B; b++) {
    const err = Math.hypot(fk.eePos[b * 3]! - goal[0]!, fk.eePos[b * 3 + 1]! - goal[1]!, fk.eePos[b * 3 + 2]! - goal[2]!);
    // reachable solutions (within 5 mm) compete on cost; otherwise the closest one wins
    const key = err < 0.005 ? ev.total[b]! : 1e6 + err;
    const bestKey = best < 0 ? Infinity : bestErr < 0.005 ? ev.total[best]! : 1e6 + bestErr;
    if (key < bestKey) {
      best = b;
      bestErr = err;
    }
  }
  return { q: qs.slice(best * dof, (best + 1) * dof), positionErrorM: bestErr, cost: ev.total[best]! };
}
