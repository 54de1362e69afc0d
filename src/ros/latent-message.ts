/**
 * Stamped latents between the perception node and the agent (split deployment), as a standard
 * std_msgs/msg/Float32MultiArray so no custom message package has to be built:
 *
 *   layout.dim = [{ label: 'latent@<sec>.<nanosec, 9 digits>', size: D, stride: D }]
 *   layout.data_offset = 0
 *   data = the D latent floats
 *
 * The stamp is the camera frame's header stamp (ROS time; the receive time when the frame had
 * none). It rides in the label so that `size`/`stride` keep their MultiArray meaning and generic
 * consumers (`ros2 topic echo`, Foxglove plots) still read a plain 1-D array.
 */

import type { Float32MultiArray, Time } from '../bus/messages.ts';

const LABEL = /^latent@(\d+)\.(\d{9})$/;

export interface StampedLatent {
  stamp: Time;
  latent: Float32Array;
}

export function latentLabel(stamp: Time): string {
  return `latent@${stamp.sec}.${String(stamp.nanosec).padStart(9, '0')}`;
}

export function encodeLatent(stamp: Time, latent: Float32Array): Float32MultiArray {
  return {
    layout: { dim: [{ label: latentLabel(stamp), size: latent.length, stride: latent.length }], data_offset: 0 },
    data: latent,
  };
}

/** The stamped latent in a message, or why it is not one. Never throws. */
export function decodeLatent(msg: Float32MultiArray): { ok: true; value: StampedLatent } | { ok: false; reason: string } {
  const dim = msg?.layout?.dim?.[0];
  if (dim === undefined || typeof dim.label !== 'string') return { ok: false, reason: "no layout.dim[0] with a 'latent@' label" };
  const m = LABEL.exec(dim.label);
  if (m === null) return { ok: false, reason: `layout.dim[0].label '${dim.label}' is not latent@<sec>.<nanosec>` };
  const data = msg.data;
  if (!(data instanceof Float32Array) && !Array.isArray(data)) return { ok: false, reason: 'data is not a float array' };
  if (dim.size !== data.length) return { ok: false, reason: `layout says ${dim.size} values, data has ${data.length}` };
  const latent = Float32Array.from(data as ArrayLike<number>);
  for (let i = 0; i < latent.length; i++) {
    if (!Number.isFinite(latent[i]!)) return { ok: false, reason: `data[${i}] is not finite` };
  }
  return { ok: true, value: { stamp: { sec: Number(m[1]), nanosec: Number(m[2]) }, latent } };
}
