/** The shape of a benchmark run's report: what --json prints and what the table is made from. */
import type { BackendInfo, MachineInfo } from './env.ts';
import type { RepeatOptions, Timing } from './stats.ts';

export const REPORT_SCHEMA = 'odra-bench/1';

/** A target from the issue, checked against this run's number. */
export interface TargetCheck {
  id: string;
  description: string;
  /** name of the case measured */
  case: string;
  measured: number;
  unit: string;
  op: '<=' | '>=';
  target: number;
  pass: boolean;
}

export function checkTarget(t: Omit<TargetCheck, 'pass'>): TargetCheck {
  return { ...t, pass: t.op === '<=' ? t.measured <= t.target : t.measured >= t.target };
}

export interface PeakCase {
  name: string;
  /** 'onnx' or 'tfjs-<backend>' */
  engine: string;
  /** intra-op threads (ONNX Runtime); 1 for the single-threaded tfjs backends */
  threads: number;
  m: number;
  k: number;
  n: number;
  timing: Timing;
  /** 2·m·k·n FLOPs over the p50 time */
  gflops: number;
}

export interface PeakReport {
  cases: PeakCase[];
  /** best ONNX Runtime GFLOP/s over the shapes, by intra-op thread count */
  onnxPeakGflops: Record<string, number>;
  notices: string[];
}

/**
 * The machine's speed at the start and at the end of a run: the peak suite's fastest all-core ONNX
 * Runtime GEMM case measured again after the other suites. On a shared machine the verdicts near a
 * target move with it.
 */
export interface DriftCheck {
  case: string;
  startGflops: number;
  endGflops: number;
  /** end / start − 1 */
  change: number;
}

/** A drift beyond this fraction (either way) gets a notice in the report. */
export const DRIFT_NOTICE = 0.15;

export function driftOf(start: PeakCase, end: PeakCase): DriftCheck {
  return { case: start.name, startGflops: start.gflops, endGflops: end.gflops, change: end.gflops / start.gflops - 1 };
}

export interface PlannerCase {
  name: string;
  planner: string;
  model: 'kinematic' | 'mlp';
  /** samples (cem, mppi, cem+gradient) or restarts (gradient) */
  samples: number;
  horizon: number;
  /** optimizer iterations asked for (CEM/MPPI iterations, Adam steps) */
  iterations: number;
  timing: Timing;
  /** state rows the model produced per second: rollouts × horizon / p50 */
  stateStepsPerS: number;
  /** trajectories evaluated per plan (as the planner reports them) */
  rollouts: number;
  /** final cost of the last plan */
  cost: number;
  /** MLP only: forward (and 2× for backward) predictor FLOPs over the p50 time */
  gflops?: number;
  /** MLP only: gflops / the ONNX Runtime peak at the model session's thread count */
  peakFraction?: number;
}

export interface PlannersReport {
  cases: PlannerCase[];
  targets: TargetCheck[];
  /** the reference the MLP utilization is measured against */
  peakReference: { engine: 'onnx'; threads: number; gflops: number } | null;
  mlp: { stateDim: number; actionDim: number; hidden: number[]; flopsPerRow: number; threads: number } | null;
  notes: string[];
}

export interface PerceptionCase {
  name: string;
  network: string;
  /** size of the frame fed in (the network input may be smaller) */
  frame: string;
  input: string;
  /** multiply-accumulates per frame, G */
  gmacs: number;
  /** the encoder alone on a preprocessed sample */
  encode: Timing;
  /** decode → preprocess → encode of an Image message (src/perception PerceptionPipeline) */
  pipeline: Timing;
  providers: string[];
  threads: string;
}

export interface PerceptionReport {
  cases: PerceptionCase[];
  notes: string[];
}

export interface TickReport {
  /** how a frame travels */
  path: string;
  ticks: number;
  /** camera frame received → command published, per tick */
  latency: Timing;
  encode: Timing;
  agentTick: Timing;
  plan: Timing;
  /** per tick: camera frame → command less the planning time (decode, encode, bus, memory, safety) */
  aroundPlan: Timing;
  /** everything around the planner adds ≤ 5 ms p99 */
  target: TargetCheck;
  latentDim: number;
  planner: string;
  notes: string[];
}

export interface MemoryReport {
  ticks: number;
  /** ticks run before the baseline sample (allocations that warm-up makes are not growth) */
  warmupTicks: number;
  tick: Timing;
  rssMiB: { start: number; end: number; max: number };
  heapUsedMiB: { start: number; end: number; max: number };
  rssGrowthPct: number;
  tensors: { start: number; end: number; max: number };
  gcExposed: boolean;
  pass: { rss: boolean; tensors: boolean };
  notes: string[];
}

export interface BenchReport {
  schema: typeof REPORT_SCHEMA;
  date: string;
  quick: boolean;
  suites: string[];
  filters: string[];
  repeat: RepeatOptions;
  machine: MachineInfo;
  backends: BackendInfo;
  notices: string[];
  peak?: PeakReport;
  planners?: PlannersReport;
  perception?: PerceptionReport;
  tick?: TickReport;
  memory?: MemoryReport;
  /** when the peak suite and another suite ran */
  drift?: DriftCheck;
  durationS: number;
  /** load averages when the run ended */
  loadAvgEnd: number[];
}

/** What every suite gets. */
export interface SuiteContext {
  quick: boolean;
  filters: string[];
  repeat: RepeatOptions;
  backends: BackendInfo;
  machine: MachineInfo;
  /** one progress line to stderr */
  progress: (line: string) => void;
  /** the peak suite's result when it ran before */
  peak: PeakReport | null;
  ticks: number | null;
}
