/**
 * The few pieces of the protobuf wire format odra needs to write ONNX models and read their
 * top-level fields, without a runtime dependency on a protobuf library.
 */

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const textEncoder = new TextEncoder();

/** Appends fields to a growable buffer; nested messages are encoded separately and written as bytes. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;
  private readonly view4 = new DataView(new ArrayBuffer(8));

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private rawVarint(value: bigint): void {
    // int64 negatives are sent as their 64-bit two's complement (10 bytes), as protobuf requires.
    let v = BigInt.asUintN(64, value);
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(BigInt((field << 3) | wire));
  }

  /** int32, int64, enum and bool fields. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(typeof value === 'bigint' ? value : BigInt(Math.trunc(value)));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_I32);
    this.reserve(4);
    this.view4.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.buf[this.len++] = this.view4.getUint8(i);
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, WIRE_I64);
    this.reserve(8);
    this.view4.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.buf[this.len++] = this.view4.getUint8(i);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(BigInt(value.length));
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export interface ProtoField {
  field: number;
  wire: number;
  /** Varint value for wire type 0 (as bigint, so int64 survives). */
  varint?: bigint;
  /** Payload for length-delimited (and raw bytes of fixed-width) fields; a view, not a copy. */
  bytes?: Uint8Array;
}

/**
 * Reads the fields of one message, top level only. Returns undefined on malformed input
 * (truncated varint or length, unknown wire type) instead of throwing.
 */
export function readProtoFields(data: Uint8Array): ProtoField[] | undefined {
  const out: ProtoField[] = [];
  let pos = 0;
  const readVarint = (): bigint | undefined => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= data.length) return undefined;
      const b = data[pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    return undefined;
  };
  while (pos < data.length) {
    const key = readVarint();
    if (key === undefined) return undefined;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) return undefined;
    if (wire === WIRE_VARINT) {
      const v = readVarint();
      if (v === undefined) return undefined;
      out.push({ field, wire, varint: v });
    } else if (wire === WIRE_LEN || wire === WIRE_I64 || wire === WIRE_I32) {
      let n: number;
      if (wire === WIRE_LEN) {
        const l = readVarint();
        if (l === undefined || l > BigInt(data.length - pos)) return undefined;
        n = Number(l);
      } else {
        n = wire === WIRE_I64 ? 8 : 4;
        if (pos + n > data.length) return undefined;
      }
      out.push({ field, wire, bytes: data.subarray(pos, pos + n) });
      pos += n;
    } else {
      return undefined;
    }
  }
  return out;
}
