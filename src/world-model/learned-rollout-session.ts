/**
 * Runs the fused rollout graphs (learned-rollout-onnx.ts) through ONNX Runtime: sessions are built
 * lazily per horizon T and cached; B is a dynamic dimension. Float32 input/output buffers and their
 * Tensors are kept per (T, B) and ONNX Runtime writes its outputs into them, so a planning tick
 * allocates no tensor memory once the sizes are seen.
 *
 * The VJP needs the activation derivatives of the rollout it differentiates. A rollout in 'save' mode
 * keeps them; `vjp` uses them when its actions and states are exactly the ones that rollout saw (the
 * gradient planner calls rollout then rolloutVjp on the same buffers), and otherwise reruns the saving
 * forward first. One call at a time: the buffers are shared.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { OnnxProviderName } from '../compute/onnx-providers.ts';
import type { MlpWeights, PredictorSpec } from './learned-format.ts';
import { buildRolloutForwardOnnx, buildRolloutVjpOnnx, dactName, fusedRolloutUnsupported, rowFold, savedLayers, type RolloutGraphMode } from './learned-rollout-onnx.ts';

export interface FusedRolloutOptions {
  /** ONNX Runtime intra-op threads for batches of at least `parallelMinRows` rows; default 1 */
  threads?: number;
  /**
   * smaller batches run single-threaded: at a few rows per GEMM the threads' synchronization costs
   * more than they save (8 restarts ran 2.5× slower on 2 threads; 64 rows 9 % slower, 128 rows 1.6×
   * faster on a quiet 2-core machine, but the goal-image agent's 64 rest-anchored samples (128 rows)
   * planned 2× slower on 2 threads in its busy process: 32 vs 17 ms p50); default 256
   */
  parallelMinRows?: number;
  /** execution providers; default ['cpu'] */
  providers?: readonly OnnxProviderName[];
}

export type GraphKind = RolloutGraphMode | 'vjp';

/** Buffers of one (T, B): float32 arrays with Tensors over them. */
interface Buffers {
  T: number;
  B: number;
  state0: Float32Array;
  actions: Float32Array;
  states: Float32Array;
  dacts: Float32Array[];
  gStates: Float32Array;
  gActions: Float32Array;
  gTotal: Float32Array;
  t: {
    state0: Tensor;
    actions: Tensor;
    states: Tensor;
    dacts: Tensor[];
    gStates: Tensor;
    gActions: Tensor;
    gTotal: Tensor;
  };
  /** the dacts hold the derivatives of the rollout in `actions`/`states` */
  saved: boolean;
}

/** How many (T, B) buffer sets and horizons' sessions are kept before the oldest is dropped. */
const MAX_CACHED = 8;

export class FusedRollout {
  readonly spec: PredictorSpec;
  private readonly weights: MlpWeights;
  private readonly sessionOptions: InferenceSession.SessionOptions;
  private readonly threads: number;
  private readonly parallelMinRows: number;
  private readonly sessions = new Map<string, Promise<InferenceSession>>();
  private readonly bufs = new Map<string, Buffers>();
  private readonly saved: number[];
  private readonly fold: number;
  /** ONNX Runtime calls so far, per graph (for profiles and tests) */
  readonly runs: Record<GraphKind, number> = { plain: 0, save: 0, vjp: 0 };

  constructor(spec: PredictorSpec, weights: MlpWeights, opts: FusedRolloutOptions = {}) {
    const why = fusedRolloutUnsupported(spec);
    if (why !== null) throw new Error(`fused rollout: ${why}`);
    this.spec = spec;
    this.weights = weights;
    this.saved = savedLayers(spec);
    this.fold = rowFold(spec);
    this.threads = Math.max(1, opts.threads ?? 1);
    this.parallelMinRows = opts.parallelMinRows ?? 256;
    this.sessionOptions = {
      executionProviders: [...(opts.providers ?? ['cpu'])],
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    };
  }

  /** Intra-op threads for a batch of B state rows. */
  threadsFor(B: number): number {
    return B * this.fold >= this.parallelMinRows ? this.threads : 1;
  }

  /** The session of one graph, built on first use. */
  private session(kind: GraphKind, T: number, B: number): Promise<InferenceSession> {
    const threads = this.threadsFor(B);
    const key = `${kind}/${T}/${threads}`;
    let s = this.sessions.get(key);
    if (!s) {
      if (this.sessions.size >= 3 * MAX_CACHED) void this.dropSessions();
      const bytes = kind === 'vjp' ? buildRolloutVjpOnnx(this.spec, this.weights, T) : buildRolloutForwardOnnx(this.spec, this.weights, T, kind);
      s = InferenceSession.create(bytes, { ...this.sessionOptions, intraOpNumThreads: threads });
      // a failed build is not cached: the next call tries again and reports its own error
      s.catch(() => this.sessions.delete(key));
      this.sessions.set(key, s);
    }
    return s;
  }

  private async dropSessions(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    // a session that failed to build has nothing to release
    await Promise.allSettled(all.map(async (s) => (await s).release()));
  }

  private buffers(T: number, B: number): Buffers {
    const key = `${T}x${B}`;
    let b = this.bufs.get(key);
    if (b) return b;
    if (this.bufs.size >= MAX_CACHED) this.bufs.clear(); // sizes change only when the planner is retuned
    const { stateDim: D, actionDim: A } = this.spec;
    const layers = this.spec.mlp.layers;
    const F = this.fold;
    const state0 = new Float32Array(B * D);
    const actions = new Float32Array(T * B * A);
    const states = new Float32Array((T + 1) * B * D);
    const dacts = this.saved.map((l) => new Float32Array(T * F * B * layers[l]!.outDim));
    const gStates = new Float32Array((T + 1) * B * D);
    const gActions = new Float32Array(T * B * A);
    const gTotal = new Float32Array((T + 1) * B * D);
    b = {
      T,
      B,
      state0,
      actions,
      states,
      dacts,
      gStates,
      gActions,
      gTotal,
      t: {
        state0: new Tensor('float32', state0, [B, D]),
        actions: new Tensor('float32', actions, [T * B, A]),
        states: new Tensor('float32', states, [(T + 1) * B, D]),
        dacts: this.saved.map((l, i) => new Tensor('float32', dacts[i]!, [T * F * B, layers[l]!.outDim])),
        gStates: new Tensor('float32', gStates, [(T + 1) * B, D]),
        gActions: new Tensor('float32', gActions, [T * B, A]),
        gTotal: new Tensor('float32', gTotal, [(T + 1) * B, D]),
      },
      saved: false,
    };
    this.bufs.set(key, b);
    return b;
  }

  /** Runs the forward graph on the float32 inputs already in `b`. */
  private async forward(b: Buffers, save: boolean): Promise<void> {
    const session = await this.session(save ? 'save' : 'plain', b.T, b.B);
    const fetches: Record<string, Tensor> = { states: b.t.states };
    if (save) this.saved.forEach((l, i) => (fetches[dactName(l)] = b.t.dacts[i]!));
    b.saved = false;
    this.runs[save ? 'save' : 'plain']++;
    await session.run({ state0: b.t.state0, actions: b.t.actions }, fetches);
    b.saved = save;
  }

  /**
   * states[0] = s0 broadcast to B rows, states[t+1] = f(states[t], actions[t]) (WorldModel.rollout).
   * With `save`, keeps what a following vjp on the same actions needs.
   */
  async rollout(s0: Float64Array, actions: Float64Array, T: number, B: number, states: Float64Array, save: boolean): Promise<void> {
    const { stateDim: D, actionDim: A } = this.spec;
    const b = this.buffers(T, B);
    // TypedArray.set converts between float widths natively, several times faster than a JS loop
    for (let r = 0; r < B; r++) b.state0.set(s0.subarray(0, D), r * D);
    b.actions.set(actions.subarray(0, T * B * A));
    await this.forward(b, save);
    // states[0] is s0 itself, not its float32 rounding
    for (let r = 0; r < B; r++) states.set(s0.subarray(0, D), r * D);
    states.set(b.states.subarray(B * D), B * D);
  }

  /** Whether `b` holds the saved forward of exactly these actions and states. */
  private matches(b: Buffers, actions: Float64Array, states: Float64Array): boolean {
    if (!b.saved) return false;
    const na = b.actions.length;
    for (let i = 0; i < na; i++) if (Math.fround(actions[i]!) !== b.actions[i]) return false;
    const n0 = b.state0.length;
    for (let i = 0; i < n0; i++) if (Math.fround(states[i]!) !== b.state0[i]) return false;
    const ns = b.states.length;
    for (let i = n0; i < ns; i++) if (states[i] !== b.states[i]) return false;
    return true;
  }

  /**
   * WorldModel.rolloutVjp: gStates [T+1, B, D] (dL/dstates, overwritten with the total derivatives) →
   * gActions [T, B, A].
   */
  async vjp(actions: Float64Array, T: number, B: number, states: Float64Array, gStates: Float64Array, gActions: Float64Array): Promise<void> {
    const { stateDim: D, actionDim: A } = this.spec;
    const b = this.buffers(T, B);
    if (!this.matches(b, actions, states)) {
      // differentiate at the caller's states[0] and actions
      b.state0.set(states.subarray(0, B * D));
      b.actions.set(actions.subarray(0, T * B * A));
      await this.forward(b, true);
    }
    b.gStates.set(gStates.subarray(0, (T + 1) * B * D));
    const feeds: Record<string, Tensor> = { g_states: b.t.gStates };
    this.saved.forEach((l, i) => (feeds[dactName(l)] = b.t.dacts[i]!));
    const session = await this.session('vjp', T, B);
    this.runs.vjp++;
    await session.run(feeds, { g_actions: b.t.gActions, g_states_total: b.t.gTotal });
    gActions.set(b.gActions);
    gStates.set(b.gTotal);
  }

  /** Builds the sessions of horizon T and batch B ahead of the first tick (each is otherwise built on first use). */
  async prepare(T: number, B: number, kinds: readonly GraphKind[] = ['plain', 'save', 'vjp']): Promise<void> {
    await Promise.all(kinds.map((k) => this.session(k, T, B)));
  }

  async release(): Promise<void> {
    await this.dropSessions();
    this.bufs.clear();
  }
}
