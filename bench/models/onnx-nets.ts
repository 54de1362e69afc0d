/**
 * ONNX models with random weights for the benchmarks, built with compute/onnx-build.ts: a single
 * MatMul (the GEMM peak reference), a small CNN for 64×64 frames and a network with ResNet-18's layer
 * shapes for 224×224 frames. Each builder reports its multiply-accumulate count, from the shapes.
 */
import { buildOnnxModel, type OnnxNode, type OnnxTensorInit } from '../../src/compute/onnx-build.ts';
import { PREPROCESS_METADATA_KEY } from '../../src/perception/encoder.ts';
import { randomF32, rng } from '../stats.ts';

export interface BuiltNet {
  bytes: Uint8Array;
  /** multiply-accumulates of one sample's forward pass (FLOPs ≈ 2 × MACs) */
  macs: number;
  inputName: string;
  outputName: string;
}

/** y [m, n] = x [m, k] · W [k, n]; 2·m·k·n FLOPs per run. */
export function matmulNet(m: number, k: number, n: number, seed = 1): BuiltNet {
  const next = rng(seed);
  const bytes = buildOnnxModel({
    inputs: [{ name: 'x', shape: [m, k] }],
    outputs: [{ name: 'y', shape: [m, n] }],
    initializers: [{ name: 'w', dims: [k, n], data: randomF32(k * n, 1 / Math.sqrt(k), next) }],
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    graphName: 'bench_matmul',
  });
  return { bytes, macs: m * k * n, inputName: 'x', outputName: 'y' };
}

/** Accumulates conv-net nodes and weights while tracking the feature map size and MACs. */
class NetBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensorInit[] = [];
  macs = 0;
  private count = 0;
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = rng(seed);
  }

  private name(prefix: string): string {
    return `${prefix}${this.count++}`;
  }

  /** Conv (+ optional ReLU); returns the output name and its spatial size. */
  conv(x: string, cin: number, cout: number, k: number, stride: number, hw: number, relu: boolean): { y: string; hw: number } {
    const pad = Math.floor(k / 2);
    const out = Math.floor((hw + 2 * pad - k) / stride) + 1;
    const w = this.name('w');
    const b = this.name('b');
    // He-uniform scale keeps activations of a random ReLU stack from vanishing or exploding
    this.inits.push({ name: w, dims: [cout, cin, k, k], data: randomF32(cout * cin * k * k, Math.sqrt(6 / (cin * k * k)), this.next) });
    this.inits.push({ name: b, dims: [cout], data: randomF32(cout, 0.01, this.next) });
    const y = this.name('conv');
    this.nodes.push({
      op: 'Conv',
      inputs: [x, w, b],
      outputs: [y],
      attributes: { kernel_shape: { ints: [k, k] }, strides: { ints: [stride, stride] }, pads: { ints: [pad, pad, pad, pad] } },
    });
    this.macs += out * out * cout * cin * k * k;
    if (!relu) return { y, hw: out };
    const r = this.name('relu');
    this.nodes.push({ op: 'Relu', inputs: [y], outputs: [r] });
    return { y: r, hw: out };
  }

  add(a: string, b: string, relu: boolean): string {
    const y = this.name('add');
    this.nodes.push({ op: 'Add', inputs: [a, b], outputs: [y] });
    if (!relu) return y;
    const r = this.name('relu');
    this.nodes.push({ op: 'Relu', inputs: [y], outputs: [r] });
    return r;
  }

  maxPool(x: string, hw: number): { y: string; hw: number } {
    const y = this.name('pool');
    this.nodes.push({ op: 'MaxPool', inputs: [x], outputs: [y], attributes: { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } } });
    return { y, hw: Math.floor((hw + 2 - 3) / 2) + 1 };
  }

  /** Global average pool, flatten, dense to `latent`: the latent output named 'latent'. */
  head(x: string, channels: number, latent: number): void {
    const g = this.name('gap');
    const f = this.name('flat');
    const w = this.name('fc_w');
    const b = this.name('fc_b');
    this.inits.push({ name: w, dims: [channels, latent], data: randomF32(channels * latent, Math.sqrt(3 / channels), this.next) });
    this.inits.push({ name: b, dims: [latent], data: new Float32Array(latent) });
    this.nodes.push(
      { op: 'GlobalAveragePool', inputs: [x], outputs: [g] },
      { op: 'Flatten', inputs: [g], outputs: [f], attributes: { axis: { i: 1 } } },
      { op: 'Gemm', inputs: [f, w, b], outputs: ['latent'] },
    );
    this.macs += channels * latent;
  }
}

function encoderModel(b: NetBuilder, size: number, latent: number, graphName: string): BuiltNet {
  const bytes = buildOnnxModel({
    inputs: [{ name: 'image', shape: ['batch', 3, size, size] }],
    outputs: [{ name: 'latent', shape: ['batch', latent] }],
    initializers: b.inits,
    nodes: b.nodes,
    graphName,
    metadata: {
      [PREPROCESS_METADATA_KEY]: JSON.stringify({ width: size, height: size, channels: 3, channelOrder: 'rgb', scale: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], layout: 'nchw' }),
    },
  });
  return { bytes, macs: b.macs, inputName: 'image', outputName: 'latent' };
}

/** Four 3×3 convolutions (stride 2, 2, 2, 1) to 64 channels, pooled to a 64-d latent: ≈ 5 M MACs at 64×64. */
export function smallCnn(size = 64, latent = 64, seed = 2): BuiltNet {
  const b = new NetBuilder(seed);
  let x = 'image';
  let hw = size;
  let c = 3;
  for (const [cout, stride] of [[16, 2], [32, 2], [64, 2], [64, 1]] as const) {
    const r = b.conv(x, c, cout, 3, stride, hw, true);
    x = r.y;
    hw = r.hw;
    c = cout;
  }
  b.head(x, c, latent);
  return encoderModel(b, size, latent, 'bench_small_cnn');
}

/**
 * ResNet-18's layer shapes (7×7/2 stem, max pool, four stages of two basic blocks at 64, 128, 256, 512
 * channels, 1×1/2 projections), batch norm folded away as in inference: ≈ 1.8 G MACs at 224×224.
 */
export function resnet18Like(size = 224, latent = 256, seed = 3): BuiltNet {
  const b = new NetBuilder(seed);
  let { y: x, hw } = b.conv('image', 3, 64, 7, 2, size, true);
  ({ y: x, hw } = b.maxPool(x, hw));
  let c = 64;
  for (const [cout, firstStride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    for (let block = 0; block < 2; block++) {
      const stride = block === 0 ? firstStride : 1;
      const a = b.conv(x, c, cout, 3, stride, hw, true);
      const m = b.conv(a.y, cout, cout, 3, 1, a.hw, false);
      const skip = stride !== 1 || c !== cout ? b.conv(x, c, cout, 1, stride, hw, false).y : x;
      x = b.add(m.y, skip, true);
      hw = m.hw;
      c = cout;
    }
  }
  b.head(x, c, latent);
  return encoderModel(b, size, latent, 'bench_resnet18_like');
}
