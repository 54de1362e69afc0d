/**
 * `planners`: every registered planner on the kinematic 6-DoF model (full default cost: FK, keep-out
 * box, self-collision) and on a learned-size MLP model, over a grid of sizes. Each plan is
 * warm-started from the previous one, as the agent does; time budgets are off so every iteration runs
 * (except for the `odra sim` default case, which runs exactly as configured).
 */
import { availableParallelism } from 'node:os';
import { fusedKernelNotice } from '../../src/cost/fused.ts';
import { shiftWarmStart } from '../../src/planner/common.ts';
import type { PlanBudget, PlannerSettings, PlanProblem } from '../../src/planner/planner.ts';
import { createPlanner, plannerNames } from '../../src/planner/registry.ts';
import { learnedThreads } from '../../src/world-model/learned.ts';
import { selected } from '../args.ts';
import { createMlpWorld, MLP_HIDDEN, type MlpWorld } from '../models/mlp-world.ts';
import { kinematicProblem, latentProblem, loadDemoArm, type DemoArm } from '../problems.ts';
import { checkTarget, type PlannerCase, type PlannersReport, type SuiteContext, type TargetCheck } from '../report.ts';
import { measure, scaledFor } from '../stats.ts';
import { onnxMatmulCase, PEAK_SHAPES } from './peak.ts';

export interface PlannerCaseSpec {
  planner: string;
  model: 'kinematic' | 'mlp';
  samples: number;
  horizon: number;
  iterations: number;
  /** run with the configuration's own budget and settings (the `odra sim` default) */
  asConfigured?: boolean;
  /** label prefix instead of the planner name */
  label?: string;
}

export function caseName(c: PlannerCaseSpec): string {
  return `${c.label ?? c.planner}/${c.model}/${c.samples}x${c.horizon}x${c.iterations}`;
}

/** The targets of the issue, each naming the case it is measured on. */
export const TARGET_CASES = {
  simDefault: { planner: 'cem', model: 'kinematic', samples: 64, horizon: 12, iterations: 3, asConfigured: true, label: 'sim-default' },
  mppiKinematic: { planner: 'mppi', model: 'kinematic', samples: 1024, horizon: 32, iterations: 3 },
  mlpCem: { planner: 'cem', model: 'mlp', samples: 256, horizon: 16, iterations: 4 },
  mlpGradient: { planner: 'gradient', model: 'mlp', samples: 8, horizon: 16, iterations: 16 },
} as const satisfies Record<string, PlannerCaseSpec>;

function grid(planner: string, model: 'kinematic' | 'mlp', samples: readonly number[], horizons: readonly number[], iterations: number): PlannerCaseSpec[] {
  return samples.flatMap((s) => horizons.map((h) => ({ planner, model, samples: s, horizon: h, iterations })));
}

/** The cases of a run, targets included, without duplicates. */
export function plannerCases(quick: boolean): PlannerCaseSpec[] {
  const cases: PlannerCaseSpec[] = [TARGET_CASES.simDefault];
  if (quick) {
    // small cases, and the targets whose case takes under a second or so
    cases.push(
      { planner: 'cem', model: 'kinematic', samples: 256, horizon: 16, iterations: 3 },
      TARGET_CASES.mppiKinematic,
      { planner: 'gradient', model: 'kinematic', samples: 4, horizon: 12, iterations: 16 },
      { planner: 'cem+gradient', model: 'kinematic', samples: 64, horizon: 12, iterations: 3 },
      TARGET_CASES.mlpCem,
      { planner: 'gradient', model: 'mlp', samples: 4, horizon: 8, iterations: 4 },
      TARGET_CASES.mlpGradient,
    );
  } else {
    const S = [64, 256, 1024, 2048];
    const H = [8, 16, 32, 64];
    cases.push(
      ...grid('cem', 'kinematic', S, H, 3),
      ...grid('mppi', 'kinematic', S, H, 3),
      ...grid('gradient', 'kinematic', [4, 16, 64], H, 16),
      ...grid('cem+gradient', 'kinematic', S, H, 3),
      ...grid('cem', 'mlp', [64, 256, 1024], [8, 16, 32], 4),
      ...grid('mppi', 'mlp', [64, 256, 1024], [8, 16, 32], 4),
      ...grid('gradient', 'mlp', [4, 8, 16], [8, 16, 32], 16),
      ...grid('cem+gradient', 'mlp', [64, 256], [16], 4),
    );
  }
  const known = new Set(plannerNames());
  const seen = new Set<string>();
  return cases.filter((c) => {
    const name = caseName(c);
    if (seen.has(name) || !known.has(c.planner)) return false;
    seen.add(name);
    return true;
  });
}

function settingsFor(base: PlannerSettings, c: PlannerCaseSpec): PlannerSettings {
  if (c.asConfigured === true) return base;
  if (c.planner === 'gradient') return { ...base, gradient: { ...base.gradient, restarts: c.samples, steps: c.iterations } };
  return { ...base, samples: c.samples };
}

/** Rows the predictor ran forward and backward in one plan, from the planner's own counts. */
function mlpRows(c: PlannerCaseSpec, horizon: number, rollouts: number, iterations: number, hybridSteps: number): { forward: number; backward: number } {
  const forward = rollouts * horizon;
  if (c.planner === 'gradient') return { forward, backward: iterations * c.samples * horizon };
  // cem+gradient refines the best elite and the mean: 2 rows per Adam step
  if (c.planner === 'cem+gradient') return { forward, backward: Math.min(hybridSteps, Math.max(0, iterations - c.iterations)) * 2 * horizon };
  return { forward, backward: 0 };
}

interface Lazy {
  arm: DemoArm | null;
  mlp: MlpWorld | null;
}

async function runCase(ctx: SuiteContext, lazy: Lazy, c: PlannerCaseSpec, peakGflops: number | null, mlpThreads: number): Promise<PlannerCase> {
  const arm = (lazy.arm ??= loadDemoArm());
  const base = arm.settings.planner.settings;
  const settings = settingsFor(base, c);
  let problem: PlanProblem;
  if (c.model === 'kinematic') problem = kinematicProblem(arm, c.horizon);
  else {
    lazy.mlp ??= await createMlpWorld({ dtS: arm.dtS, threads: mlpThreads, providers: ctx.backends.onnx.providers });
    problem = latentProblem(arm, lazy.mlp.model, c.horizon);
  }
  const planner = createPlanner(c.planner, settings);
  const budget: PlanBudget = c.asConfigured === true ? { iterations: arm.settings.planner.iterations, timeMs: arm.settings.planner.timeBudgetMs } : { iterations: c.iterations, timeMs: 0 };
  const T = c.horizon;
  const A = problem.model.actionDim;
  const warm = new Float64Array(T * A);
  let previous: Float64Array | null = null;
  let last = { rollouts: 0, iterations: 0, cost: Number.NaN };
  const once = async (): Promise<number> => {
    if (previous) shiftWarmStart(previous, T, A, T, warm);
    const t0 = performance.now();
    const res = await planner.plan(problem, previous ? warm : null, budget);
    const ms = performance.now() - t0;
    previous = res.actions;
    last = { rollouts: res.rollouts, iterations: res.iterations, cost: res.cost };
    return ms;
  };
  // one probe run sizes the repetitions of slow cases
  const probeMs = await once();
  const repeat = scaledFor(ctx.repeat, probeMs, ctx.quick ? 3000 : 8000);
  const timing = await measure(once, repeat);
  const seconds = timing.p50Ms / 1000;
  const out: PlannerCase = {
    name: caseName(c),
    planner: c.planner,
    model: c.model,
    samples: c.samples,
    horizon: T,
    iterations: c.iterations,
    timing,
    stateStepsPerS: (last.rollouts * T) / seconds,
    rollouts: last.rollouts,
    cost: last.cost,
  };
  if (c.model === 'mlp' && lazy.mlp) {
    const rows = mlpRows(c, T, last.rollouts, last.iterations, settings.hybrid.gradientSteps);
    // the VJP needs only input gradients: per dense layer one product with Wᵀ, as many FLOPs as forward
    out.gflops = ((rows.forward + rows.backward) * lazy.mlp.flopsPerRow) / (timing.p50Ms * 1e6);
    if (peakGflops !== null && peakGflops > 0) out.peakFraction = out.gflops / peakGflops;
  }
  return out;
}

/** Names of the target cases that did not run (filtered out, or not part of --quick). */
function unmeasuredTargets(cases: readonly PlannerCase[]): string[] {
  return Object.values(TARGET_CASES)
    .map((spec) => caseName(spec))
    .filter((name) => !cases.some((c) => c.name === name));
}

function targetChecks(cases: readonly PlannerCase[]): TargetCheck[] {
  const find = (spec: PlannerCaseSpec): PlannerCase | undefined => cases.find((c) => c.name === caseName(spec));
  const checks: TargetCheck[] = [];
  const sim = find(TARGET_CASES.simDefault);
  if (sim) {
    checks.push(checkTarget({ id: 'sim-default-plan', description: 'default `odra sim` planner (cem, 64 samples, horizon 12, 3 iterations) plan time p50', case: sim.name, measured: sim.timing.p50Ms, unit: 'ms', op: '<=', target: 5 }));
  }
  const mppi = find(TARGET_CASES.mppiKinematic);
  if (mppi) {
    checks.push(checkTarget({ id: 'mppi-kinematic-throughput', description: 'kinematic 6-DoF MPPI with FK guardrails, state-steps/s', case: mppi.name, measured: mppi.stateStepsPerS / 1e6, unit: 'M/s', op: '>=', target: 5.6 }));
  }
  const cem = find(TARGET_CASES.mlpCem);
  if (cem) {
    if (cem.peakFraction !== undefined) {
      checks.push(checkTarget({ id: 'mlp-cem-utilization', description: 'MLP model CEM 256 × 16 × 4: fraction of the ONNX Runtime GEMM peak', case: cem.name, measured: cem.peakFraction * 100, unit: '%', op: '>=', target: 50 }));
    }
    checks.push(checkTarget({ id: 'mlp-cem-plan', description: 'MLP model CEM 256 × 16 × 4 plan time p50', case: cem.name, measured: cem.timing.p50Ms, unit: 'ms', op: '<=', target: 40 }));
  }
  const grad = find(TARGET_CASES.mlpGradient);
  if (grad) {
    checks.push(checkTarget({ id: 'mlp-gradient-plan', description: 'gradient planner on the MLP model, 8 restarts × horizon 16 × 16 Adam steps, plan time p50', case: grad.name, measured: grad.timing.p50Ms, unit: 'ms', op: '<=', target: 60 }));
  }
  return checks;
}

export async function runPlanners(ctx: SuiteContext): Promise<PlannersReport> {
  const specs = plannerCases(ctx.quick).filter((c) => selected(caseName(c), ctx.filters));
  const notes: string[] = [];
  // the MLP model runs as a loaded model does: world_model.threads (capped at the CPU count), and its
  // utilization is measured against the GEMM peak at that same thread count
  const lazy: Lazy = { arm: null, mlp: null };
  const mlpThreads = specs.some((c) => c.model === 'mlp') ? learnedThreads((lazy.arm ??= loadDemoArm()).config.world_model.threads) : 1;
  let peakReference: PlannersReport['peakReference'] = null;
  if (specs.some((c) => c.model === 'mlp')) {
    let gflops = ctx.peak?.onnxPeakGflops[String(mlpThreads)];
    if (gflops === undefined) {
      // the utilization needs a peak from this same run: measure the ONNX Runtime part of `peak`
      ctx.progress(`planners: measuring the ONNX Runtime GEMM peak on ${mlpThreads} thread(s) for reference`);
      gflops = 0;
      for (const shape of PEAK_SHAPES) gflops = Math.max(gflops, (await onnxMatmulCase(shape, mlpThreads, ctx.backends.onnx.providers, ctx.repeat)).gflops);
      notes.push('the peak reference was measured by this suite (the peak suite did not run)');
    }
    peakReference = { engine: 'onnx', threads: mlpThreads, gflops };
  }
  const cases: PlannerCase[] = [];
  try {
    for (const spec of specs) {
      ctx.progress(`planners: ${caseName(spec)}`);
      cases.push(await runCase(ctx, lazy, spec, peakReference?.gflops ?? null, mlpThreads));
    }
  } finally {
    await lazy.mlp?.dispose();
  }
  if (lazy.mlp) {
    notes.push(
      `MLP model: the real LearnedWorldModel with random weights; rollouts and gradients through its fused ONNX Runtime graphs ` +
        `(one call per rollout, one per VJP; ${mlpThreads} intra-op thread(s) for batches of 256+ network rows, as world_model.threads sets it, one below); GFLOP/s counts 2·in·out per dense layer per state row forward, and as much again for each row backpropagated (input gradients only)`,
    );
  }
  if (lazy.arm && cases.some((c) => c.model === 'kinematic')) notes.push(fusedKernelNotice(lazy.arm.chain));
  notes.push('state-steps/s = rollouts the planner reports × horizon / p50 plan time; "samples" of the gradient planner are its restarts, "iterations" its Adam steps');
  if (availableParallelism() > 1) {
    notes.push(
      'kinematic cem/mppi batches of 8192+ state-steps go chunk by chunk (sampling, rollout, cost) to the calling thread and the cost worker threads, other cost evaluations of that size are shared the same way; the planners\' updates run on the calling thread',
    );
  }
  const unmeasured = unmeasuredTargets(cases);
  if (unmeasured.length > 0) notes.push(`targets not measured in this run (their cases did not run): ${unmeasured.join(', ')}`);
  return {
    cases,
    targets: targetChecks(cases),
    peakReference,
    mlp: lazy.mlp
      ? { stateDim: lazy.mlp.spec.stateDim, actionDim: lazy.mlp.spec.actionDim, hidden: [...MLP_HIDDEN], flopsPerRow: lazy.mlp.flopsPerRow, threads: mlpThreads }
      : null,
    notes,
  };
}
