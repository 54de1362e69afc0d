/**
 * Reads the top-level facts of an ONNX file that ONNX Runtime's Node API does not expose:
 * IR version, producer, opset and metadata_props (where odra stores preprocessing hints).
 */
import { readProtoFields } from './protobuf-wire.ts';

export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  /** Version of the default (ai.onnx) domain; 0 when absent. */
  opset: number;
  metadata: Record<string, string>;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** Undefined when the bytes are not a well-formed protobuf message. */
export function readOnnxModelInfo(bytes: Uint8Array): OnnxModelInfo | undefined {
  const fields = readProtoFields(bytes);
  if (fields === undefined) return undefined;
  const info: OnnxModelInfo = { irVersion: 0, producerName: '', opset: 0, metadata: {} };
  for (const f of fields) {
    if (f.field === 1 && f.varint !== undefined) info.irVersion = Number(f.varint);
    else if (f.field === 2 && f.bytes !== undefined && f.wire === 2) info.producerName = textDecoder.decode(f.bytes);
    else if (f.field === 8 && f.bytes !== undefined && f.wire === 2) {
      const sub = readProtoFields(f.bytes);
      if (sub === undefined) return undefined;
      let domain = '';
      let version = 0;
      for (const s of sub) {
        if (s.field === 1 && s.bytes !== undefined) domain = textDecoder.decode(s.bytes);
        else if (s.field === 2 && s.varint !== undefined) version = Number(s.varint);
      }
      if (domain === '' || domain === 'ai.onnx') info.opset = version;
    } else if (f.field === 14 && f.bytes !== undefined && f.wire === 2) {
      const sub = readProtoFields(f.bytes);
      if (sub === undefined) return undefined;
      let key = '';
      let value = '';
      for (const s of sub) {
        if (s.field === 1 && s.bytes !== undefined) key = textDecoder.decode(s.bytes);
        else if (s.field === 2 && s.bytes !== undefined) value = textDecoder.decode(s.bytes);
      }
      info.metadata[key] = value;
    }
  }
  return info;
}
