/**
 * A batched MLP on Float64Arrays with its exact vector-Jacobian product (plain matrix algebra), for
 * differentiating the learned predictor inside the planner's hot path without a tensor library.
 * Buffers grow to the largest batch seen and are reused: forward and backward allocate nothing after that.
 */
import { layerWidths, type Activation, type MlpSpec, type MlpWeights } from './learned-format.ts';

export class MlpF64 {
  readonly spec: MlpSpec;
  readonly inDim: number;
  readonly outDim: number;
  private readonly w: Float64Array[];
  private readonly b: Float64Array[];
  private readonly act: Activation[];
  /** per layer: pre-activations [n, out] of the last forward */
  private pre: Float64Array[] = [];
  /** per layer: outputs [n, out] of the last forward (post-activation) */
  private post: Float64Array[] = [];
  private gA = new Float64Array(0);
  private gB = new Float64Array(0);
  private input = new Float64Array(0);
  private capacity = 0;
  private lastN = 0;

  constructor(spec: MlpSpec, weights: MlpWeights) {
    this.spec = spec;
    this.inDim = layerWidths(spec.layers[0]!).in;
    this.outDim = layerWidths(spec.layers.at(-1)!).out;
    this.w = weights.w.map((a) => Float64Array.from(a));
    this.b = weights.b.map((a) => Float64Array.from(a));
    this.act = spec.layers.map((l) => l.activation);
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    this.capacity = n;
    this.pre = this.spec.layers.map((l) => new Float64Array(n * layerWidths(l).out));
    this.post = this.spec.layers.map((l) => new Float64Array(n * layerWidths(l).out));
    const widest = Math.max(this.inDim, ...this.spec.layers.map((l) => layerWidths(l).out));
    this.gA = new Float64Array(n * widest);
    this.gB = new Float64Array(n * widest);
    this.input = new Float64Array(n * this.inDim);
  }

  /** x [n, inDim] → out [n, outDim]; keeps what backward needs. */
  forward(x: Float64Array, n: number, out: Float64Array): void {
    this.ensure(n);
    this.input.set(x.subarray(0, n * this.inDim));
    let src: Float64Array = this.input;
    for (let l = 0; l < this.spec.layers.length; l++) {
      const { inDim, outDim } = this.spec.layers[l]!;
      // a patch layer is the same layer on n·patches rows of the same memory
      const rows = n * (this.spec.layers[l]!.patches ?? 1);
      const W = this.w[l]!;
      const bias = this.b[l]!;
      const pre = this.pre[l]!;
      const post = this.post[l]!;
      for (let i = 0; i < rows; i++) {
        const yo = i * outDim;
        for (let j = 0; j < outDim; j++) pre[yo + j] = bias[j]!;
        const xo = i * inDim;
        for (let k = 0; k < inDim; k++) {
          const xv = src[xo + k]!;
          if (xv === 0) continue;
          const wo = k * outDim;
          for (let j = 0; j < outDim; j++) pre[yo + j]! += xv * W[wo + j]!;
        }
      }
      applyActivation(this.act[l]!, pre, post, rows * outDim);
      src = post;
    }
    out.set(src.subarray(0, n * this.outDim));
    this.lastN = n;
  }

  /** gOut [n, outDim] (dL/d out of the last forward) → gIn [n, inDim] = dL/dx. */
  backward(gOut: Float64Array, n: number, gIn: Float64Array): void {
    if (n !== this.lastN) throw new Error(`MlpF64.backward: batch ${n} differs from the last forward's ${this.lastN}`);
    let g = this.gA;
    let next = this.gB;
    const L = this.spec.layers.length;
    g.set(gOut.subarray(0, n * this.outDim));
    for (let l = L - 1; l >= 0; l--) {
      const { inDim, outDim } = this.spec.layers[l]!;
      const rows = n * (this.spec.layers[l]!.patches ?? 1);
      // through the activation: g ← g ⊙ act'(pre)
      activationVjp(this.act[l]!, this.pre[l]!, this.post[l]!, g, rows * outDim);
      const W = this.w[l]!;
      const dst = l === 0 ? gIn : next;
      for (let i = 0; i < rows; i++) {
        const go = i * outDim;
        const xo = i * inDim;
        for (let k = 0; k < inDim; k++) {
          const wo = k * outDim;
          let s = 0;
          for (let j = 0; j < outDim; j++) s += g[go + j]! * W[wo + j]!;
          dst[xo + k] = s;
        }
      }
      if (l > 0) {
        const t = g;
        g = next;
        next = t;
      }
    }
  }
}

function applyActivation(act: Activation, pre: Float64Array, post: Float64Array, n: number): void {
  switch (act) {
    case 'relu':
      for (let i = 0; i < n; i++) post[i] = pre[i]! > 0 ? pre[i]! : 0;
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) post[i] = Math.tanh(pre[i]!);
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const x = pre[i]!;
        post[i] = x / (1 + Math.exp(-x));
      }
      return;
    case 'linear':
      for (let i = 0; i < n; i++) post[i] = pre[i]!;
      return;
  }
}

function activationVjp(act: Activation, pre: Float64Array, post: Float64Array, g: Float64Array, n: number): void {
  switch (act) {
    case 'relu':
      for (let i = 0; i < n; i++) if (!(pre[i]! > 0)) g[i] = 0;
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) g[i]! *= 1 - post[i]! * post[i]!;
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const s = 1 / (1 + Math.exp(-pre[i]!));
        // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
        g[i]! *= s * (1 + pre[i]! * (1 - s));
      }
      return;
    case 'linear':
      return;
  }
}
