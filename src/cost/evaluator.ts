/**
 * The one cost evaluator: Σ_terms weight · Σ_t norm(residual), per sample, with the per-term breakdown,
 * and (when asked) the gradient w.r.t. states and actions. FK is computed once per evaluation for all
 * terms that need it, and its vector-Jacobian product is applied once at the end.
 *
 * Value-only evaluations of the built-in terms take the fused path (fused.ts): FK once per state-step,
 * shared by every term, in cache; the same costs up to rounding; large batches spread over the cost
 * worker threads (parallel.ts). Gradients, and any term the fused kernel does not know, run the terms'
 * own `evaluate`.
 */
import type { FkResult, KinematicChain } from '../robot/chain.ts';
import { evaluateFused, type FusedProblem, FusedScratch, fusedProblem } from './fused.ts';
import { evaluateFusedParallel } from './parallel.ts';
import type { CostContext, CostProblem, CostTerm } from './types.ts';

export interface CostEvaluation {
  /** [B] total cost per sample (a view into a reused buffer: copy to keep) */
  total: Float64Array;
  /** [terms, B] cost of each active term per sample */
  perTerm: Float64Array;
  /** names of the terms in perTerm order (the active ones) */
  termNames: readonly string[];
  termKinds: readonly ('task' | 'guardrail')[];
}

export interface TermCost {
  name: string;
  kind: 'task' | 'guardrail';
  cost: number;
}

export interface CostEvaluatorOptions {
  /** use the fused value-only path when it applies (default true); false runs every term's own evaluate */
  fused?: boolean;
  /**
   * let large fused evaluations use the shared cost worker threads (default true; parallel.ts). Results
   * are the same either way; the batch must live in SharedArrayBuffers (the planners' buffers do).
   */
  parallel?: boolean;
}

export class CostEvaluator {
  private buffers = new Map<string, EvalBuffers>();
  private readonly fused: boolean;
  private readonly parallel: boolean;
  private scratch: FusedScratch | null = null;

  constructor(
    readonly terms: readonly CostTerm[],
    readonly chain: KinematicChain | null,
    options: CostEvaluatorOptions = {},
  ) {
    this.fused = options.fused ?? true;
    this.parallel = options.parallel ?? true;
  }

  term(name: string): CostTerm | undefined {
    return this.terms.find((t) => t.name === name);
  }

  /**
   * Evaluates B trajectories. With grad buffers given (gStates [T+1,B,D], gActions [T,B,A], zeroed here),
   * also computes ∂total/∂states (including FK paths) and the direct ∂total/∂actions.
   */
  evaluate(
    problem: CostProblem,
    states: Float64Array,
    actions: Float64Array,
    T: number,
    B: number,
    actionDim: number,
    grad: { gStates: Float64Array; gActions: Float64Array } | null = null,
  ): CostEvaluation {
    const active = this.activeTerms(problem);
    const batch = grad === null ? this.fusedBatchOf(active, problem, T, B, actionDim) : null;
    if (batch !== null) {
      const { fused, perTerm, total, scratch } = batch;
      if (this.parallel) evaluateFusedParallel(fused, states, actions, T, B, perTerm, total, scratch);
      else evaluateFused(fused, states, actions, T, B, 0, B, perTerm, total, scratch);
      return batch.evaluation;
    }
    const needsFk = this.chain !== null && active.some((t) => t.needsFk);
    const buf = this.buffersFor(T, B, problem.layout.dof, needsFk);
    const nTerms = active.length;
    if (buf.perTerm.length < nTerms * B) buf.perTerm = sharedF64(nTerms * B);
    const perTerm = buf.perTerm.subarray(0, nTerms * B);
    perTerm.fill(0);
    const total = buf.total;
    total.fill(0);

    let fk: FkResult | null = null;
    const n = T * B;
    if (needsFk) {
      const { dof, qOffset, stateDim: D } = problem.layout;
      const q = buf.q!;
      for (let i = 0; i < n; i++) {
        const row = (B + i) * D + qOffset; // state rows 1..T
        for (let j = 0; j < dof; j++) q[i * dof + j] = states[row + j]!;
      }
      fk = buf.fk!;
      this.chain!.fk(q, n, fk);
    }
    if (grad) {
      grad.gStates.fill(0);
      grad.gActions.fill(0);
      if (needsFk) {
        buf.gEePos!.fill(0);
        buf.gEeRot!.fill(0);
        buf.gSpheres!.fill(0);
      }
    }
    const ctx: CostContext = {
      ...problem,
      T,
      B,
      actionDim,
      states,
      actions,
      chain: this.chain,
      fk,
      gStates: grad ? grad.gStates : null,
      gActions: grad ? grad.gActions : null,
      gEePos: grad && needsFk ? buf.gEePos : null,
      gEeRot: grad && needsFk ? buf.gEeRot : null,
      gSpheres: grad && needsFk ? buf.gSpheres : null,
    };
    for (let k = 0; k < nTerms; k++) {
      const out = perTerm.subarray(k * B, (k + 1) * B);
      active[k]!.evaluate(ctx, out);
      for (let b = 0; b < B; b++) total[b]! += out[b]!;
    }
    for (let b = 0; b < B; b++) if (Number.isNaN(total[b]!)) total[b] = Infinity;

    if (grad && needsFk) {
      const { dof, qOffset, stateDim: D } = problem.layout;
      const gq = buf.gq!;
      gq.fill(0);
      this.chain!.fkVjp(buf.q!, n, fk!, buf.gEePos, buf.gEeRot, buf.gSpheres, gq);
      for (let i = 0; i < n; i++) {
        const row = (B + i) * D + qOffset;
        for (let j = 0; j < dof; j++) grad.gStates[row + j]! += gq[i * dof + j]!;
      }
    }
    return {
      total,
      perTerm,
      termNames: active.map((t) => t.name),
      termKinds: active.map((t) => t.kind),
    };
  }

  private activeTerms(problem: CostProblem): CostTerm[] {
    return this.terms.filter((t) => t.weight > 0 && t.active(problem, this.chain));
  }

  /**
   * The fused form of a value-only evaluation of B samples, with the shared output buffers it writes and
   * the evaluation they will hold; null when the fused path does not apply (then `evaluate` runs the
   * terms). For callers that run evaluateFused themselves on parts of the batch (planner/batch-chunk.ts);
   * `parallel` says whether this evaluator may use worker threads.
   */
  fusedBatch(problem: CostProblem, T: number, B: number, actionDim: number): FusedBatch | null {
    return this.fusedBatchOf(this.activeTerms(problem), problem, T, B, actionDim);
  }

  private fusedBatchOf(active: CostTerm[], problem: CostProblem, T: number, B: number, actionDim: number): FusedBatch | null {
    if (!this.fused) return null;
    const fused = fusedProblem(active, problem, this.chain, actionDim);
    if (fused === null) return null;
    const buf = this.buffersFor(T, B, problem.layout.dof, false);
    const n = active.length * B;
    if (buf.perTerm.length < n) buf.perTerm = sharedF64(n);
    const perTerm = buf.perTerm.subarray(0, n);
    this.scratch ??= new FusedScratch();
    return {
      fused,
      perTerm,
      total: buf.total,
      scratch: this.scratch,
      parallel: this.parallel,
      evaluation: { total: buf.total, perTerm, termNames: active.map((t) => t.name), termKinds: active.map((t) => t.kind) },
    };
  }

  /** Breakdown of sample b of an evaluation. */
  static breakdown(ev: CostEvaluation, b: number, B: number): TermCost[] {
    return ev.termNames.map((name, k) => ({ name, kind: ev.termKinds[k]!, cost: ev.perTerm[k * B + b]! }));
  }

  private buffersFor(T: number, B: number, dof: number, needsFk: boolean): EvalBuffers {
    const key = `${T}x${B}x${dof}`;
    let buf = this.buffers.get(key);
    if (!buf) {
      if (this.buffers.size > 8) this.buffers.clear(); // sizes change only when horizon/samples are retuned
      buf = { total: sharedF64(B), perTerm: sharedF64(0), q: null, gq: null, fk: null, gEePos: null, gEeRot: null, gSpheres: null };
      this.buffers.set(key, buf);
    }
    if (needsFk && this.chain && !buf.fk) {
      const n = T * B;
      const S = this.chain.spheres.length;
      buf.q = new Float64Array(n * dof);
      buf.gq = new Float64Array(n * dof);
      buf.fk = this.chain.createFkResult(n);
      buf.gEePos = new Float64Array(n * 3);
      buf.gEeRot = new Float64Array(n * 9);
      buf.gSpheres = new Float64Array(n * S * 3);
    }
    return buf;
  }
}

/** A fused evaluation set up for its caller to run (CostEvaluator.fusedBatch). */
export interface FusedBatch {
  fused: FusedProblem;
  /** [terms, B] and [B], on SharedArrayBuffers */
  perTerm: Float64Array;
  total: Float64Array;
  scratch: FusedScratch;
  parallel: boolean;
  /** what evaluate would return, once perTerm and total are written */
  evaluation: CostEvaluation;
}

interface EvalBuffers {
  total: Float64Array;
  perTerm: Float64Array;
  q: Float64Array | null;
  gq: Float64Array | null;
  fk: FkResult | null;
  gEePos: Float64Array | null;
  gEeRot: Float64Array | null;
  gSpheres: Float64Array | null;
}

/** A Float64Array on a SharedArrayBuffer, so that cost worker threads can write into it. */
export function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT));
}
