/**
 * ONNX export of the trained networks (built with compute/onnx-build.ts):
 *   encoder.onnx    image [N, 3, H, W] (RGB in [0, 1], NCHW) → latent [N, D_z], with `odra.preprocess` metadata
 *                   so the perception pipeline can load it as an ordinary ONNX encoder;
 *   predictor.onnx  state [N, D], action [N, A] → next_state [N, D], normalization included.
 */
import { buildOnnxModel, type OnnxNode, type OnnxTensorInit } from '../compute/onnx-build.ts';
import { PREPROCESS_METADATA_KEY } from '../perception/encoder.ts';
import type { EncoderSpec, MlpSpec, MlpWeights, PredictorSpec } from '../world-model/learned-format.ts';

/** Nodes and initializers of an MLP from `input` to the returned output name. */
function mlpGraph(prefix: string, spec: MlpSpec, weights: MlpWeights, input: string): { nodes: OnnxNode[]; inits: OnnxTensorInit[]; output: string } {
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensorInit[] = [];
  let x = input;
  spec.layers.forEach((l, i) => {
    const w = `${prefix}_w${i}`;
    const b = `${prefix}_b${i}`;
    inits.push({ name: w, dims: [l.inDim, l.outDim], data: weights.w[i]! }, { name: b, dims: [l.outDim], data: weights.b[i]! });
    const P = l.patches ?? 1;
    if (P > 1) {
      // patch rows: [N, P·in] → [N·P, in]
      inits.push({ name: `${prefix}_rows${i}`, dims: [2], data: BigInt64Array.of(-1n, BigInt(l.inDim)) });
      nodes.push({ op: 'Reshape', inputs: [x, `${prefix}_rows${i}`], outputs: [`${prefix}_in${i}`] });
      x = `${prefix}_in${i}`;
    }
    const pre = `${prefix}_pre${i}`;
    nodes.push({ op: 'Gemm', inputs: [x, w, b], outputs: [pre] });
    const out = `${prefix}_h${i}`;
    switch (l.activation) {
      case 'relu':
        nodes.push({ op: 'Relu', inputs: [pre], outputs: [out] });
        break;
      case 'tanh':
        nodes.push({ op: 'Tanh', inputs: [pre], outputs: [out] });
        break;
      case 'silu':
        nodes.push({ op: 'Sigmoid', inputs: [pre], outputs: [`${prefix}_sig${i}`] });
        nodes.push({ op: 'Mul', inputs: [pre, `${prefix}_sig${i}`], outputs: [out] });
        break;
      case 'linear':
        nodes.push({ op: 'Identity', inputs: [pre], outputs: [out] });
        break;
    }
    x = out;
    if (P > 1) {
      inits.push({ name: `${prefix}_back${i}`, dims: [2], data: BigInt64Array.of(-1n, BigInt(P * l.outDim)) });
      nodes.push({ op: 'Reshape', inputs: [x, `${prefix}_back${i}`], outputs: [`${prefix}_flat${i}`] });
      x = `${prefix}_flat${i}`;
    }
  });
  return { nodes, inits, output: x };
}

export function buildEncoderOnnx(spec: EncoderSpec, weights: MlpWeights, latentDim: number): Uint8Array {
  const { width: W, height: H, meanImage, std } = spec.image;
  const p = spec.image.patchSize ?? 0;
  const mlp = mlpGraph('enc', spec.mlp, weights, 'flat');
  // patch order: [N, 3, H/p, p, W/p, p] → [N, H/p, W/p, 3, p, p] → [N, 3·H·W]
  const patchNodes: OnnxNode[] =
    p > 0
      ? [
          { op: 'Reshape', inputs: ['scaled', 'patch_grid'], outputs: ['grid'] },
          { op: 'Transpose', inputs: ['grid'], outputs: ['grid_t'], attributes: { perm: { ints: [0, 2, 4, 1, 3, 5] } } },
          { op: 'Reshape', inputs: ['grid_t', 'flat_shape'], outputs: ['flat'] },
        ]
      : [{ op: 'Flatten', inputs: ['scaled'], outputs: ['flat'], attributes: { axis: { i: 1 } } }];
  const patchInits: OnnxTensorInit[] =
    p > 0
      ? [
          { name: 'patch_grid', dims: [6], data: BigInt64Array.of(-1n, 3n, BigInt(H / p), BigInt(p), BigInt(W / p), BigInt(p)) },
          { name: 'flat_shape', dims: [2], data: BigInt64Array.of(-1n, BigInt(3 * H * W)) },
        ]
      : [];
  return buildOnnxModel({
    inputs: [{ name: 'image', shape: ['batch', 3, H, W] }],
    outputs: [{ name: 'latent', shape: ['batch', latentDim] }],
    initializers: [
      { name: 'mean_image', dims: [1, 3, H, W], data: Float32Array.from(meanImage) },
      { name: 'inv_std', dims: [1, 3, 1, 1], data: Float32Array.from(std, (s) => 1 / s) },
      ...patchInits,
      ...mlp.inits,
    ],
    nodes: [
      { op: 'Sub', inputs: ['image', 'mean_image'], outputs: ['centred'] },
      { op: 'Mul', inputs: ['centred', 'inv_std'], outputs: ['scaled'] },
      ...patchNodes,
      ...mlp.nodes,
      { op: 'Identity', inputs: [mlp.output], outputs: ['latent'] },
    ],
    graphName: 'odra_jepa_encoder',
    metadata: {
      // the graph normalizes itself: the pipeline feeds [0, 1] RGB, NCHW, at the encoder's size
      [PREPROCESS_METADATA_KEY]: JSON.stringify({ width: W, height: H, channels: 3, channelOrder: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], layout: 'nchw' }),
      'odra.latent_dim': String(latentDim),
    },
  });
}

export function buildPredictorOnnx(spec: PredictorSpec, weights: MlpWeights): Uint8Array {
  const D = spec.stateDim;
  const A = spec.actionDim;
  const f32 = (name: string, v: readonly number[]): OnnxTensorInit => ({ name, dims: [v.length], data: Float32Array.from(v) });
  const rest = spec.restMask !== undefined;
  const mlp = mlpGraph('pred', spec.mlp, weights, rest ? 'x_both' : 'x_norm');
  // anchored at rest: one pass over [x; x_rest] stacked on the batch axis, then the difference
  const restNodes: OnnxNode[] = rest
    ? [
        { op: 'Mul', inputs: ['sa', 'rest_mask'], outputs: ['sa_rest'] },
        { op: 'Sub', inputs: ['sa_rest', 'in_mean'], outputs: ['sa_rest_c'] },
        { op: 'Mul', inputs: ['sa_rest_c', 'in_inv_std'], outputs: ['x_rest'] },
        { op: 'Concat', inputs: ['x_norm', 'x_rest'], outputs: ['x_both'], attributes: { axis: { i: 0 } } },
      ]
    : [];
  const outNodes: OnnxNode[] = rest
    ? [
        { op: 'Split', inputs: [mlp.output], outputs: ['y_move', 'y_rest'], attributes: { axis: { i: 0 } } },
        { op: 'Sub', inputs: ['y_move', 'y_rest'], outputs: ['y'] },
      ]
    : [{ op: 'Identity', inputs: [mlp.output], outputs: ['y'] }];
  return buildOnnxModel({
    inputs: [
      { name: 'state', shape: ['batch', D] },
      { name: 'action', shape: ['batch', A] },
    ],
    outputs: [{ name: 'next_state', shape: ['batch', D] }],
    initializers: [
      f32('in_mean', spec.inputMean),
      f32('in_inv_std', spec.inputScale),
      f32('keep', spec.keep),
      f32('out_scale', spec.outputScale),
      f32('out_offset', spec.outputOffset),
      ...(rest ? [f32('rest_mask', spec.restMask!)] : []),
      ...mlp.inits,
    ],
    nodes: [
      { op: 'Concat', inputs: ['state', 'action'], outputs: ['sa'], attributes: { axis: { i: 1 } } },
      { op: 'Sub', inputs: ['sa', 'in_mean'], outputs: ['sa_c'] },
      { op: 'Mul', inputs: ['sa_c', 'in_inv_std'], outputs: ['x_norm'] },
      ...restNodes,
      ...mlp.nodes,
      ...outNodes,
      { op: 'Mul', inputs: ['y', 'out_scale'], outputs: ['delta'] },
      { op: 'Mul', inputs: ['state', 'keep'], outputs: ['kept'] },
      { op: 'Add', inputs: ['kept', 'delta'], outputs: ['sum'] },
      { op: 'Add', inputs: ['sum', 'out_offset'], outputs: ['next_state'] },
    ],
    graphName: 'odra_jepa_predictor_step',
    metadata: { 'odra.state_layout': `latent ${spec.latentDim} | q ${spec.dof} | qd ${spec.dof}`, 'odra.action': 'joint velocity, rad/s' },
  });
}
