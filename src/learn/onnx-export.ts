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
  });
  return { nodes, inits, output: x };
}

export function buildEncoderOnnx(spec: EncoderSpec, weights: MlpWeights, latentDim: number): Uint8Array {
  const { width: W, height: H, meanImage, std } = spec.image;
  const mlp = mlpGraph('enc', spec.mlp, weights, 'flat');
  return buildOnnxModel({
    inputs: [{ name: 'image', shape: ['batch', 3, H, W] }],
    outputs: [{ name: 'latent', shape: ['batch', latentDim] }],
    initializers: [
      { name: 'mean_image', dims: [1, 3, H, W], data: Float32Array.from(meanImage) },
      { name: 'inv_std', dims: [1, 3, 1, 1], data: Float32Array.from(std, (s) => 1 / s) },
      ...mlp.inits,
    ],
    nodes: [
      { op: 'Sub', inputs: ['image', 'mean_image'], outputs: ['centred'] },
      { op: 'Mul', inputs: ['centred', 'inv_std'], outputs: ['scaled'] },
      { op: 'Flatten', inputs: ['scaled'], outputs: ['flat'], attributes: { axis: { i: 1 } } },
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
  const mlp = mlpGraph('pred', spec.mlp, weights, 'x_norm');
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
      ...mlp.inits,
    ],
    nodes: [
      { op: 'Concat', inputs: ['state', 'action'], outputs: ['sa'], attributes: { axis: { i: 1 } } },
      { op: 'Sub', inputs: ['sa', 'in_mean'], outputs: ['sa_c'] },
      { op: 'Mul', inputs: ['sa_c', 'in_inv_std'], outputs: ['x_norm'] },
      ...mlp.nodes,
      { op: 'Mul', inputs: [mlp.output, 'out_scale'], outputs: ['delta'] },
      { op: 'Mul', inputs: ['state', 'keep'], outputs: ['kept'] },
      { op: 'Add', inputs: ['kept', 'delta'], outputs: ['sum'] },
      { op: 'Add', inputs: ['sum', 'out_offset'], outputs: ['next_state'] },
    ],
    graphName: 'odra_jepa_predictor_step',
    metadata: { 'odra.state_layout': `latent ${spec.latentDim} | q ${spec.dof} | qd ${spec.dof}`, 'odra.action': 'joint velocity, rad/s' },
  });
}
