/**
 * MLPs in tfjs for training. Every matrix product goes through `matMulFast`, whose gradient uses
 * explicit transposes and plain products: the wasm backend's transposed-operand matMul (what tfjs's
 * built-in gradient uses) runs 10–40× slower than transpose + matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradient kernels; tfjs-layers' Node bundle registers them all
import '@tensorflow/tfjs-layers';
import type { Rng } from '../sim/random.ts';
import type { Activation, MlpSpec, MlpWeights } from '../world-model/learned-format.ts';

/** a·b for 2-D tensors with a fast gradient on every backend. */
export const matMulFast = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** Makes x·w for a constant x (no gradient toward x): saves the unused input-gradient product. */
function matMulConstInput(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [wt, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    // x is no input of this op: saving it keeps it alive until the backward pass
    save([x]);
    return {
      value: tf.matMul(x, wt),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy)],
    };
  }) as (wt: tf.Tensor2D) => tf.Tensor2D;
  return f(w);
}

export function activate(act: Activation, x: tf.Tensor2D): tf.Tensor2D {
  switch (act) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'linear':
      return x;
  }
}

export interface TfMlp {
  spec: MlpSpec;
  w: tf.Variable[];
  b: tf.Variable[];
}

/** Variables initialized from weights (copies). */
export function createTfMlp(spec: MlpSpec, weights: MlpWeights): TfMlp {
  return {
    spec,
    w: spec.layers.map((l, i) => tf.variable(tf.tensor2d(weights.w[i]!, [l.inDim, l.outDim]))),
    b: spec.layers.map((_, i) => tf.variable(tf.tensor1d(weights.b[i]!))),
  };
}

export function tfMlpVariables(m: TfMlp): tf.Variable[] {
  const out: tf.Variable[] = [];
  m.w.forEach((w, i) => out.push(w, m.b[i]!));
  return out;
}

/** Forward pass; `constInput` skips the gradient toward x (raw images). */
export function tfMlpForward(m: TfMlp, x: tf.Tensor2D, constInput = false): tf.Tensor2D {
  let h = x;
  const n = x.shape[0];
  m.spec.layers.forEach((l, i) => {
    const w = m.w[i]! as tf.Tensor as tf.Tensor2D;
    const P = l.patches ?? 1;
    // a patch layer: the same weights on n·P rows
    const rows = P === 1 ? h : (tf.reshape(h, [n * P, l.inDim]) as tf.Tensor2D);
    const y = i === 0 && constInput ? matMulConstInput(rows, w) : matMulFast(rows, w);
    const a = activate(l.activation, tf.add(y, m.b[i]!));
    h = P === 1 ? a : (tf.reshape(a, [n, P * l.outDim]) as tf.Tensor2D);
  });
  return h;
}

/** Reads the current weights out of the variables (copies). */
export function readTfMlp(m: TfMlp): MlpWeights {
  return { w: m.w.map((v) => Float32Array.from(v.dataSync())), b: m.b.map((v) => Float32Array.from(v.dataSync())) };
}

/** Writes weights into the variables. */
export function assignTfMlp(m: TfMlp, weights: MlpWeights): void {
  m.spec.layers.forEach((l, i) => {
    m.w[i]!.assign(tf.tensor2d(weights.w[i]!, [l.inDim, l.outDim]));
    m.b[i]!.assign(tf.tensor1d(weights.b[i]!));
  });
}

/**
 * Seeded initial weights: uniform ±√(6/(in+out))·gain (Glorot), biases 0. `zeroLast` starts the last
 * layer at zero (a residual predictor then begins as the identity).
 */
export function initMlpWeights(spec: MlpSpec, rng: Rng, zeroLast = false): MlpWeights {
  const w: Float32Array[] = [];
  const b: Float32Array[] = [];
  spec.layers.forEach((l, i) => {
    const a = new Float32Array(l.inDim * l.outDim);
    const last = i === spec.layers.length - 1;
    if (!(last && zeroLast)) {
      const gain = l.activation === 'relu' || l.activation === 'silu' ? Math.SQRT2 : 1;
      const lim = gain * Math.sqrt(6 / (l.inDim + l.outDim));
      for (let k = 0; k < a.length; k++) a[k] = rng.uniform(-lim, lim);
    }
    w.push(a);
    b.push(new Float32Array(l.outDim));
  });
  return { w, b };
}

/**
 * An MLP spec from sizes: hidden layers use `act`, the output layer is linear. With `patch`, a first layer
 * shared over `patch.count` chunks of `patch.inDim` values, `patch.features` outputs each, comes first.
 */
export function mlpSpec(inDim: number, hidden: readonly number[], outDim: number, act: Activation, patch?: { count: number; inDim: number; features: number }): MlpSpec {
  const head = patch ? [{ inDim: patch.inDim, outDim: patch.features, activation: act, patches: patch.count }] : [];
  const first = patch ? patch.count * patch.features : inDim;
  const sizes = [first, ...hidden, outDim];
  return {
    layers: [...head, ...sizes.slice(1).map((out, i) => ({ inDim: sizes[i]!, outDim: out, activation: i === sizes.length - 2 ? ('linear' as const) : act }))],
  };
}
