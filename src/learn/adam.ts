/**
 * Adam on tfjs variables, with global-norm gradient clipping and an exportable state (moments and step)
 * so that a resumed run continues exactly where a checkpoint left it.
 */
import * as tf from '@tensorflow/tfjs-core';

export class Adam {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  step = 0;

  constructor(
    readonly vars: readonly tf.Variable[],
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = vars.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = vars.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  /** One update with gradients keyed by variable name; returns the gradient norm before clipping. */
  apply(grads: Record<string, tf.Tensor>, lr: number, clipNorm: number): number {
    this.step++;
    const t = this.step;
    const gs = this.vars.map((x) => grads[x.name]);
    const norm = tf.tidy(() => Math.sqrt(tf.addN(gs.map((g) => (g ? tf.sum(tf.square(g)) : tf.scalar(0)))).dataSync()[0]!));
    const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
    const c1 = 1 - Math.pow(this.beta1, t);
    const c2 = 1 - Math.pow(this.beta2, t);
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        const g0 = gs[i];
        if (!g0) return;
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        x.assign(tf.sub(x, tf.mul(tf.div(m, tf.add(tf.sqrt(tf.div(v, c2)), this.eps)), lr / c1)));
      });
    });
    return norm;
  }

  /** Moments as flat arrays (m then v, in variable order). */
  exportState(): Float32Array[] {
    return [...this.m, ...this.v].map((t) => Float32Array.from(t.dataSync()));
  }

  importState(step: number, state: readonly Float32Array[]): void {
    const all = [...this.m, ...this.v];
    if (state.length !== all.length) throw new Error(`optimizer state: expected ${all.length} tensors, got ${state.length}`);
    all.forEach((t, i) => {
      if (state[i]!.length !== t.size) throw new Error(`optimizer state: tensor ${i} has ${state[i]!.length} values, expected ${t.size}`);
      t.assign(tf.tensor(state[i]!, t.shape));
    });
    this.step = step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** Linear warm-up, then cosine decay from lr to minLr over the remaining steps. */
export function learningRateAt(step: number, total: number, lr: number, minLr: number, warmup: number): number {
  if (warmup > 0 && step < warmup) return (lr * (step + 1)) / warmup;
  const span = Math.max(1, total - warmup);
  const p = Math.min(1, (step - warmup) / span);
  return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * p));
}
