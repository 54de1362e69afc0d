/**
 * The chain's forward kinematics as a differentiable tfjs function, for learned models that need
 * FK inside a tensor graph (and as a cross-check of the analytic VJP). Built from slices, matMul
 * and concat only: the wasm backend has no gather gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradient kernels; tfjs-layers' Node bundle registers them all
import '@tensorflow/tfjs-layers';
import type { RobotChain } from './kinematics.ts';

export interface FkTfResult {
  /** [B, 3] tip position in the base frame, m */
  eePos: tf.Tensor2D;
  /** [B, 3, 3] tip rotation */
  eeRot: tf.Tensor3D;
  /** [B, S, 3] sphere centres in the base frame, m */
  spheres: tf.Tensor3D;
}

/** q: [B, dof] joint positions. Intermediate tensors are disposed; the caller owns the result. */
export function fkTf(chain: RobotChain, q: tf.Tensor2D): FkTfResult {
  const g = chain.constants;
  const dof = chain.dof;
  const batch = q.shape[0];
  return tf.tidy(() => {
    // R as [B·3, 3] so one matMul applies a constant 3×3 (or 3×S) on the right for the whole batch
    let rot: tf.Tensor2D = tf.tile(tf.eye(3), [batch, 1]);
    let pos: tf.Tensor2D = tf.zeros([batch, 3]);
    const parts: tf.Tensor3D[] = [];

    const emitSpheres = (body: number): void => {
      const start = g.bodyStart[body]!;
      const count = g.bodyStart[body + 1]! - start;
      if (count === 0) return;
      const centres = tf.tensor2d(Array.from(g.sphereCenters.subarray(start * 3, (start + count) * 3)), [count, 3]);
      const rc = tf.transpose(tf.reshape(tf.matMul(rot, tf.transpose(centres)), [batch, 3, count]), [0, 2, 1]);
      parts.push(tf.add(rc, tf.reshape(pos, [batch, 1, 3])));
    };
    const applyOffset = (t: Float64Array): tf.Tensor2D =>
      tf.add(pos, tf.reshape(tf.matMul(rot, tf.tensor2d(Array.from(t), [3, 1])), [batch, 3]));

    emitSpheres(0);
    for (let k = 0; k < dof; k++) {
      const origin = applyOffset(g.jointTrans.subarray(k * 3, k * 3 + 3));
      const m = tf.reshape(tf.matMul(rot, tf.tensor2d(Array.from(g.jointRot.subarray(k * 9, k * 9 + 9)), [3, 3])), [batch, 3, 3]) as tf.Tensor3D;
      const qk = tf.slice(q, [0, k], [batch, 1]);
      const col = (c: number): tf.Tensor3D => tf.slice(m, [0, 0, c], [batch, 3, 1]);
      if (g.prismatic[k] === 1) {
        pos = tf.add(origin, tf.mul(tf.reshape(col(2), [batch, 3]), qk));
        rot = tf.reshape(m, [batch * 3, 3]);
      } else {
        const c = tf.reshape(tf.cos(qk), [batch, 1, 1]);
        const s = tf.reshape(tf.sin(qk), [batch, 1, 1]);
        const x = col(0);
        const y = col(1);
        const xNew = tf.add(tf.mul(x, c), tf.mul(y, s));
        const yNew = tf.sub(tf.mul(y, c), tf.mul(x, s));
        pos = origin;
        rot = tf.reshape(tf.concat([xNew, yNew, col(2)], 2), [batch * 3, 3]);
      }
      emitSpheres(k + 1);
    }
    const eePos = applyOffset(g.tipTrans);
    const eeRot = tf.reshape(tf.matMul(rot, tf.tensor2d(Array.from(g.tipRot), [3, 3])), [batch, 3, 3]) as tf.Tensor3D;
    const spheres =
      parts.length === 0
        ? (tf.zeros([batch, 0, 3]) as tf.Tensor3D)
        : parts.length === 1
          ? parts[0]!
          : tf.concat(parts, 1);
    return { eePos, eeRot, spheres };
  });
}
