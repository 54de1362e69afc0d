/**
 * Deep copy of a message, so that publisher and subscribers never share a buffer.
 *
 * Hand-written rather than `structuredClone` for two reasons: a typed array that is a view into a
 * larger buffer is copied alone (structuredClone copies the whole underlying buffer), and a Node
 * `Buffer` becomes a plain `Uint8Array`, which is what rclnodejs delivers for `uint8[]`.
 */

export function cloneMessage<T>(msg: T): T {
  return copy(msg) as T;
}

function copy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView) return new DataView(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    if (Buffer.isBuffer(v)) return new Uint8Array(v);
    return (v as unknown as { slice(): unknown }).slice();
  }
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k]);
    return out;
  }
  // Anything else (Date, Map, a class instance) is not a ROS message field; keep its data anyway.
  return structuredClone(v);
}
