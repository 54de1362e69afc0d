/**
 * ONNX graphs of a whole learned-predictor rollout, unrolled over T steps, and of its vector-Jacobian
 * product, so the planner's hot path is one ONNX Runtime call per rollout and one per VJP instead of one
 * call per step plus a Float64 backward in JavaScript.
 *
 *   forward  state0 [B, D], actions [T·B, A]  →  states [(T+1)·B, D]
 *            (mode 'save': also dact_l [T·F·B, H_l] = act'(pre) of every nonlinear hidden layer, step-major)
 *   vjp      g_states [(T+1)·B, D], dact_l  →  g_actions [T·B, A], g_states_total [(T+1)·B, D]
 *
 * F is 2 for a predictor anchored at rest (its network runs on [x; x_rest], see PredictorSpec), else 1.
 * The weights are folded once, in Float64, so each step is one GEMM per layer and a few elementwise nodes:
 *   - the input normalization goes into the first layer: W' = diag(scale)·W, b' = b − (mean ⊙ scale)·W;
 *   - for a rest-anchored predictor, the rest copy's first layer is diag(restMask)·W' side by side with W',
 *     so one GEMM gives [pre | pre_rest] per row and a free Reshape stacks them as 2B rows;
 *   - outputScale goes into the last (linear) layer; without rest anchoring, keep ⊙ s + outputOffset + bias
 *     rides in as that GEMM's C input.
 * Rows stay in the same order as the caller's [T, B, ·] arrays, so nothing is transposed on the way.
 */
import { buildOnnxModel, type OnnxNode, type OnnxTensorInit } from '../compute/onnx-build.ts';
import type { Activation, PredictorSpec, MlpWeights } from './learned-format.ts';

export type RolloutGraphMode = 'plain' | 'save';

/** Why the fused graphs cannot represent this predictor, or null when they can. */
export function fusedRolloutUnsupported(spec: PredictorSpec): string | null {
  const layers = spec.mlp.layers;
  if (layers.length < 2) return 'the predictor MLP needs at least one hidden layer';
  if (layers.some((l) => (l.patches ?? 1) !== 1)) return 'patch layers are not supported in the predictor';
  if (layers.at(-1)!.activation !== 'linear') return 'the predictor’s last layer must be linear';
  return null;
}

/** Name of the saved activation derivative of hidden layer l (present only for nonlinear layers). */
export function dactName(l: number): string {
  return `dact${l}`;
}

/** Indices of the hidden layers whose activation derivative the VJP needs. */
export function savedLayers(spec: PredictorSpec): number[] {
  const out: number[] = [];
  spec.mlp.layers.forEach((l, i) => {
    if (i < spec.mlp.layers.length - 1 && l.activation !== 'linear') out.push(i);
  });
  return out;
}

/** Network rows per state row: 2 when anchored at rest ([x; x_rest]), else 1. */
export function rowFold(spec: PredictorSpec): number {
  return spec.restMask ? 2 : 1;
}

interface Folded {
  /** [D, F·H0]: state part of the first layer, normalization folded; rest copy in columns H0.. */
  w0s: Float32Array;
  /** [A, F·H0] */
  w0a: Float32Array;
  /** [F·H0] */
  b0: Float32Array;
  /** [H_{L−1}, D]: last layer with outputScale folded */
  wL: Float32Array;
  /** [D]: bL ⊙ outputScale (+ outputOffset when not anchored: the rest copy cancels the bias) */
  bL: Float32Array;
}

function fold(spec: PredictorSpec, weights: MlpWeights): Folded {
  const { stateDim: D, actionDim: A } = spec;
  const layers = spec.mlp.layers;
  const F = rowFold(spec);
  const H0 = layers[0]!.outDim;
  const W = weights.w[0]!;
  const b = weights.b[0]!;
  const w0s = new Float32Array(D * F * H0);
  const w0a = new Float32Array(A * F * H0);
  const b0 = new Float32Array(F * H0);
  for (let j = 0; j < H0; j++) {
    let s = b[j]!;
    for (let k = 0; k < D + A; k++) s -= spec.inputMean[k]! * spec.inputScale[k]! * W[k * H0 + j]!;
    for (let f = 0; f < F; f++) b0[f * H0 + j] = s;
  }
  for (let k = 0; k < D + A; k++) {
    const dst = k < D ? w0s : w0a;
    const row = k < D ? k : k - D;
    for (let f = 0; f < F; f++) {
      const mask = f === 0 ? 1 : spec.restMask![k]!;
      for (let j = 0; j < H0; j++) dst[row * F * H0 + f * H0 + j] = mask * spec.inputScale[k]! * W[k * H0 + j]!;
    }
  }
  const last = layers.length - 1;
  const H = layers[last]!.inDim;
  const Wl = weights.w[last]!;
  const bl = weights.b[last]!;
  const wL = new Float32Array(H * D);
  const bL = new Float32Array(D);
  for (let k = 0; k < H; k++) for (let d = 0; d < D; d++) wL[k * D + d] = Wl[k * D + d]! * spec.outputScale[d]!;
  for (let d = 0; d < D; d++) bL[d] = bl[d]! * spec.outputScale[d]! + (F === 1 ? spec.outputOffset[d]! : 0);
  return { w0s, w0a, b0, wL, bL };
}

function concatF32(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

const shape2 = (name: string, a: number, b: number): OnnxTensorInit => ({ name, dims: [2], data: BigInt64Array.of(BigInt(a), BigInt(b)) });

/** Nodes of h = act(pre), plus dact = act'(pre) when `save`. */
function activation(act: Activation, pre: string, h: string, dact: string | null): OnnxNode[] {
  switch (act) {
    case 'linear':
      return [{ op: 'Identity', inputs: [pre], outputs: [h] }];
    case 'relu':
      return [
        { op: 'Relu', inputs: [pre], outputs: [h] },
        // (pre > 0) as 0/1: every positive normal float times 2^126 is ≥ 1, then clipped to [0, 1]
        ...(dact ? ([{ op: 'Mul', inputs: [pre, 'big'], outputs: [`${dact}_big`] }, { op: 'Clip', inputs: [`${dact}_big`, 'zero', 'one'], outputs: [dact] }] as OnnxNode[]) : []),
      ];
    case 'tanh':
      return [
        { op: 'Tanh', inputs: [pre], outputs: [h] },
        ...(dact ? ([{ op: 'Mul', inputs: [h, h], outputs: [`${dact}_sq`] }, { op: 'Sub', inputs: ['one', `${dact}_sq`], outputs: [dact] }] as OnnxNode[]) : []),
      ];
    case 'silu':
      return [
        { op: 'Sigmoid', inputs: [pre], outputs: [`${pre}_sig`] },
        { op: 'Mul', inputs: [pre, `${pre}_sig`], outputs: [h] },
        // σ(x)·(1 + x·(1 − σ(x))) = σ + h·(1 − σ)
        ...(dact
          ? ([
              { op: 'Sub', inputs: ['one', `${pre}_sig`], outputs: [`${dact}_oms`] },
              { op: 'Mul', inputs: [h, `${dact}_oms`], outputs: [`${dact}_homs`] },
              { op: 'Add', inputs: [`${pre}_sig`, `${dact}_homs`], outputs: [dact] },
            ] as OnnxNode[])
          : []),
      ];
  }
}

/** Splits `input` along axis 0 into T equal parts; with T = 1 the input itself. */
function splitRows(input: string, T: number, name: (t: number) => string): OnnxNode[] {
  if (T === 1) return [{ op: 'Identity', inputs: [input], outputs: [name(0)] }];
  return [{ op: 'Split', inputs: [input], outputs: Array.from({ length: T }, (_, t) => name(t)), attributes: { axis: { i: 0 } } }];
}

function concatRows(inputs: string[], output: string): OnnxNode {
  return inputs.length === 1 ? { op: 'Identity', inputs, outputs: [output] } : { op: 'Concat', inputs, outputs: [output], attributes: { axis: { i: 0 } } };
}

const SCALARS: OnnxTensorInit[] = [
  { name: 'one', dims: [], data: Float32Array.of(1) },
  { name: 'zero', dims: [], data: Float32Array.of(0) },
  { name: 'big', dims: [], data: Float32Array.of(2 ** 126) },
];

/** What both graph builders start from: the checks, the sizes and the folded weights. */
function graphBasics(spec: PredictorSpec, weights: MlpWeights, T: number) {
  const why = fusedRolloutUnsupported(spec);
  if (why !== null) throw new Error(`fused rollout: ${why}`);
  if (!(Number.isInteger(T) && T >= 1)) throw new RangeError(`fused rollout: horizon must be an integer ≥ 1, got ${T}`);
  const layers = spec.mlp.layers;
  return {
    D: spec.stateDim,
    A: spec.actionDim,
    layers,
    L: layers.length,
    F: rowFold(spec),
    H0: layers[0]!.outDim,
    fw: fold(spec, weights),
    keepAllOnes: spec.keep.every((k) => k === 1),
  };
}

/** The unrolled forward rollout over T steps (see the file comment). */
export function buildRolloutForwardOnnx(spec: PredictorSpec, weights: MlpWeights, T: number, mode: RolloutGraphMode): Uint8Array {
  const { D, A, layers, L, F, H0, fw, keepAllOnes } = graphBasics(spec, weights, T);
  const save = mode === 'save';
  const inits: OnnxTensorInit[] = [
    // [state rows; action rows]: the layer reads [s | a] as the exported step does
    { name: 'w0', dims: [D + A, F * H0], data: concatF32(fw.w0s, fw.w0a) },
    { name: 'b0', dims: [F * H0], data: fw.b0 },
    { name: 'wL', dims: [layers[L - 1]!.inDim, D], data: fw.wL },
    { name: 'bL', dims: [D], data: fw.bL },
    { name: 'keep', dims: [D], data: Float32Array.from(spec.keep) },
    ...(F === 2 ? [{ name: 'out_offset', dims: [D], data: Float32Array.from(spec.outputOffset) }, shape2('rows0', -1, H0), shape2('pair_out', -1, 2 * D)] : []),
  ];
  for (let l = 1; l < L - 1; l++) {
    inits.push({ name: `w${l}`, dims: [layers[l]!.inDim, layers[l]!.outDim], data: weights.w[l]! }, { name: `b${l}`, dims: [layers[l]!.outDim], data: weights.b[l]! });
  }
  const nodes: OnnxNode[] = [
    ...splitRows('actions', T, (t) => `a_${t}`),
  ];
  const saved = savedLayers(spec);
  const dacts = new Map<number, string[]>(saved.map((l) => [l, []]));
  const states = ['state0'];
  for (let t = 0; t < T; t++) {
    const s = states[t]!;
    // (copying B·(D+A) values per step is cheaper than precomputing a·W0a for all steps and splitting B·H0)
    nodes.push(
      { op: 'Concat', inputs: [s, `a_${t}`], outputs: [`x_${t}`], attributes: { axis: { i: 1 } } },
      { op: 'Gemm', inputs: [`x_${t}`, 'w0', 'b0'], outputs: [`p0_${t}${F === 2 ? '_pair' : ''}`] },
    );
    if (F === 2) nodes.push({ op: 'Reshape', inputs: [`p0_${t}_pair`, 'rows0'], outputs: [`p0_${t}`] });
    let h = '';
    for (let l = 0; l < L - 1; l++) {
      const pre = `p${l}_${t}`;
      if (l > 0) nodes.push({ op: 'Gemm', inputs: [h, `w${l}`, `b${l}`], outputs: [pre] });
      const d = save && dacts.has(l) ? `dact${l}_${t}` : null;
      if (d) dacts.get(l)!.push(d);
      h = `h${l}_${t}`;
      nodes.push(...activation(layers[l]!.activation, pre, h, d));
    }
    const next = `s_${t + 1}`;
    const kept = keepAllOnes ? s : `kept_${t}`;
    if (!keepAllOnes) nodes.push({ op: 'Mul', inputs: [s, 'keep'], outputs: [kept] });
    if (F === 1) {
      nodes.push({ op: 'Add', inputs: [kept, 'bL'], outputs: [`c_${t}`] }, { op: 'Gemm', inputs: [h, 'wL', `c_${t}`], outputs: [next] });
    } else {
      // rows 2i and 2i+1 are sample i and its rest copy: [B·2, D] → [B, 2D] → halves → difference
      nodes.push(
        { op: 'Gemm', inputs: [h, 'wL', 'bL'], outputs: [`y_${t}`] },
        { op: 'Reshape', inputs: [`y_${t}`, 'pair_out'], outputs: [`y_${t}_pair`] },
        { op: 'Split', inputs: [`y_${t}_pair`], outputs: [`ym_${t}`, `yr_${t}`], attributes: { axis: { i: 1 } } },
        { op: 'Sub', inputs: [`ym_${t}`, `yr_${t}`], outputs: [`o_${t}`] },
        { op: 'Add', inputs: [kept, 'out_offset'], outputs: [`c_${t}`] },
        { op: 'Add', inputs: [`c_${t}`, `o_${t}`], outputs: [next] },
      );
    }
    states.push(next);
  }
  nodes.push(concatRows(states, 'states'));
  for (const [l, names] of dacts) if (save) nodes.push(concatRows(names, dactName(l)));
  // only the constants some node reads (ONNX Runtime warns about the others)
  const read = new Set(nodes.flatMap((n) => n.inputs));
  inits.push(...SCALARS.filter((c) => read.has(c.name)));
  return buildOnnxModel({
    inputs: [
      { name: 'state0', shape: ['batch', D] },
      { name: 'actions', shape: ['steps_batch', A] },
    ],
    outputs: [
      { name: 'states', shape: ['steps1_batch', D] },
      ...(save ? saved.map((l) => ({ name: dactName(l), shape: ['steps_rows', layers[l]!.outDim] })) : []),
    ],
    initializers: inits,
    nodes,
    graphName: `odra_predictor_rollout_${mode}_t${T}`,
    metadata: { 'odra.horizon': String(T), 'odra.mode': mode },
  });
}

/** The reverse-mode graph of the T-step rollout (see the file comment). */
export function buildRolloutVjpOnnx(spec: PredictorSpec, weights: MlpWeights, T: number): Uint8Array {
  const { D, A, layers, L, F, H0, fw, keepAllOnes } = graphBasics(spec, weights, T);
  const HL = layers[L - 1]!.inDim;
  const keepAllZeros = spec.keep.every((k) => k === 0);
  const saved = savedLayers(spec);
  const inits: OnnxTensorInit[] = [
    // the transposes, so every backward product is a plain GEMM on prepacked weights
    { name: 'w0sT', dims: [F * H0, D], data: transpose(fw.w0s, D, F * H0) },
    { name: 'w0aT', dims: [F * H0, A], data: transpose(fw.w0a, A, F * H0) },
    { name: 'wLT', dims: [D, HL], data: transpose(fw.wL, HL, D) },
    { name: 'keep', dims: [D], data: Float32Array.from(spec.keep) },
    ...(F === 2 ? [shape2('rows_out', -1, D), shape2('pair0', -1, 2 * H0)] : []),
  ];
  for (let l = 1; l < L - 1; l++) {
    const { inDim, outDim } = layers[l]!;
    inits.push({ name: `w${l}T`, dims: [outDim, inDim], data: transpose(weights.w[l]!, inDim, outDim) });
  }
  const nodes: OnnxNode[] = [...splitRows('g_states', T + 1, (t) => `gs_${t}`)];
  for (const l of saved) nodes.push(...splitRows(dactName(l), T, (t) => `dact${l}_${t}`));
  // G[t] = total derivative of the state at step t; G[T] is the cost's own gradient
  const G: string[] = new Array<string>(T + 1);
  G[T] = `gs_${T}`;
  const gp0: string[] = new Array<string>(T);
  for (let t = T - 1; t >= 0; t--) {
    const g = G[t + 1]!;
    let gh: string;
    if (F === 1) {
      gh = `gh${L - 2}_${t}`;
      nodes.push({ op: 'Gemm', inputs: [g, 'wLT'], outputs: [gh] });
    } else {
      // the rest copy entered with a minus sign: rows [g; −g] interleaved as in the forward
      gh = `gh${L - 2}_${t}`;
      nodes.push(
        { op: 'Neg', inputs: [g], outputs: [`gneg_${t}`] },
        { op: 'Concat', inputs: [g, `gneg_${t}`], outputs: [`gy_${t}_pair`], attributes: { axis: { i: 1 } } },
        { op: 'Reshape', inputs: [`gy_${t}_pair`, 'rows_out'], outputs: [`gy_${t}`] },
        { op: 'Gemm', inputs: [`gy_${t}`, 'wLT'], outputs: [gh] },
      );
    }
    for (let l = L - 2; l >= 0; l--) {
      let gpre = gh;
      if (layers[l]!.activation !== 'linear') {
        gpre = `gp${l}_${t}`;
        nodes.push({ op: 'Mul', inputs: [gh, `dact${l}_${t}`], outputs: [gpre] });
      }
      if (l > 0) {
        gh = `gh${l - 1}_${t}`;
        nodes.push({ op: 'Gemm', inputs: [gpre, `w${l}T`], outputs: [gh] });
      } else if (F === 2) {
        nodes.push({ op: 'Reshape', inputs: [gpre, 'pair0'], outputs: [`gp0_${t}_pair`] });
        gp0[t] = `gp0_${t}_pair`;
      } else {
        gp0[t] = gpre;
      }
    }
    // G[t] = gs[t] + keep ⊙ G[t+1] + (dL/dpre0) · W0sᵀ
    let acc = `gs_${t}`;
    if (!keepAllZeros) {
      const kept = keepAllOnes ? g : `gkept_${t}`;
      if (!keepAllOnes) nodes.push({ op: 'Mul', inputs: [g, 'keep'], outputs: [kept] });
      acc = `gacc_${t}`;
      nodes.push({ op: 'Add', inputs: [`gs_${t}`, kept], outputs: [acc] });
    }
    G[t] = `G_${t}`;
    nodes.push({ op: 'Gemm', inputs: [gp0[t]!, 'w0sT', acc], outputs: [G[t]!] });
  }
  nodes.push(concatRows(gp0, 'gp0_all'), { op: 'Gemm', inputs: ['gp0_all', 'w0aT'], outputs: ['g_actions'] });
  nodes.push(concatRows(G, 'g_states_total'));
  return buildOnnxModel({
    inputs: [{ name: 'g_states', shape: ['steps1_batch', D] }, ...saved.map((l) => ({ name: dactName(l), shape: ['steps_rows', layers[l]!.outDim] }))],
    outputs: [
      { name: 'g_actions', shape: ['steps_batch', A] },
      { name: 'g_states_total', shape: ['steps1_batch', D] },
    ],
    initializers: inits,
    nodes,
    graphName: `odra_predictor_rollout_vjp_t${T}`,
    metadata: { 'odra.horizon': String(T) },
  });
}
