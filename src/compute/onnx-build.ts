/**
 * Builds ONNX model files (ModelProto bytes) from a small typed description, so odra can
 * export its own networks (encoders in tests, learned world-model MLPs) for ONNX Runtime.
 * Written on the protobuf wire format directly: no protobuf library at run time.
 */
import { ProtoWriter } from './protobuf-wire.ts';

export type OnnxElemType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool';

/** Operators odra builds models from (ai.onnx domain); their attributes follow the chosen opset. */
export type OnnxOpType =
  | 'Add' | 'Sub' | 'Mul' | 'Div' | 'Neg' | 'Abs' | 'Sqrt' | 'Exp' | 'Log' | 'Pow'
  | 'MatMul' | 'Gemm' | 'Conv' | 'MaxPool' | 'AveragePool' | 'GlobalAveragePool'
  | 'Relu' | 'LeakyRelu' | 'Elu' | 'Tanh' | 'Sigmoid' | 'Softmax' | 'Clip'
  | 'Flatten' | 'Reshape' | 'Transpose' | 'Concat' | 'Slice' | 'Split' | 'Gather' | 'Squeeze' | 'Unsqueeze'
  | 'ReduceMean' | 'ReduceSum' | 'Identity' | 'Cast' | 'LayerNormalization' | 'BatchNormalization';

export const ONNX_OP_TYPES: readonly OnnxOpType[] = [
  'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Log', 'Pow',
  'MatMul', 'Gemm', 'Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'Relu', 'LeakyRelu', 'Elu', 'Tanh', 'Sigmoid', 'Softmax', 'Clip',
  'Flatten', 'Reshape', 'Transpose', 'Concat', 'Slice', 'Split', 'Gather', 'Squeeze', 'Unsqueeze',
  'ReduceMean', 'ReduceSum', 'Identity', 'Cast', 'LayerNormalization', 'BatchNormalization',
];

/** A graph input or output. A string dimension is symbolic (dynamic), e.g. 'batch'. */
export interface OnnxValueInfo {
  name: string;
  elemType?: OnnxElemType;
  shape: readonly (number | string)[];
}

export type OnnxTensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | readonly number[];

/** A constant tensor (initializer or tensor attribute); `elemType` defaults from the array type, float32 for number[]. */
export interface OnnxTensorInit {
  name: string;
  dims: readonly number[];
  data: OnnxTensorData;
  elemType?: OnnxElemType;
}

/** One attribute, tagged with its ONNX type so 1 (int) and 1.0 (float) cannot be confused. */
export type OnnxAttribute =
  | { f: number }
  | { i: number }
  | { s: string }
  | { floats: readonly number[] }
  | { ints: readonly number[] }
  | { t: OnnxTensorInit };

export interface OnnxNode {
  op: OnnxOpType;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  attributes?: Readonly<Record<string, OnnxAttribute>>;
}

export interface OnnxModelSpec {
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  initializers?: readonly OnnxTensorInit[];
  /** In topological order, as ONNX requires. */
  nodes: readonly OnnxNode[];
  /** ai.onnx opset; default 17 (the last in which ReduceMean takes `axes` as an attribute). */
  opset?: number;
  /** Default 8. */
  irVersion?: number;
  graphName?: string;
  producerName?: string;
  /** Stored as ModelProto.metadata_props (key/value strings). */
  metadata?: Readonly<Record<string, string>>;
}

export interface OnnxBuildIssue {
  path: string;
  message: string;
}

/** Every problem of a spec, each with its path; thrown once. */
export class OnnxBuildError extends Error {
  readonly issues: readonly OnnxBuildIssue[];
  constructor(issues: readonly OnnxBuildIssue[]) {
    super(`invalid ONNX model spec:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'OnnxBuildError';
    this.issues = issues;
  }
}

const ELEM_CODE: Record<OnnxElemType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

// ONNX AttributeProto.AttributeType values.
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_TENSOR = 4;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function inferElemType(t: OnnxTensorInit): OnnxElemType {
  if (t.elemType !== undefined) return t.elemType;
  if (t.data instanceof Float64Array) return 'float64';
  if (t.data instanceof Int32Array) return 'int32';
  if (t.data instanceof BigInt64Array) return 'int64';
  if (t.data instanceof Uint8Array) return 'uint8';
  if (t.data instanceof Int8Array) return 'int8';
  return 'float32';
}

const BYTES_PER: Record<OnnxElemType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1, int8: 1, bool: 1 };

/** Little-endian raw_data bytes of a tensor. */
function tensorRawBytes(t: OnnxTensorInit, elem: OnnxElemType): Uint8Array {
  const n = t.data.length;
  const out = new Uint8Array(n * BYTES_PER[elem]);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = t.data[i] ?? 0;
    switch (elem) {
      case 'float32': view.setFloat32(i * 4, Number(v), true); break;
      case 'float64': view.setFloat64(i * 8, Number(v), true); break;
      case 'int32': view.setInt32(i * 4, Number(v), true); break;
      case 'int64': view.setBigInt64(i * 8, typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v))), true); break;
      case 'uint8': view.setUint8(i, Number(v)); break;
      case 'int8': view.setInt8(i, Number(v)); break;
      case 'bool': view.setUint8(i, Number(v) !== 0 ? 1 : 0); break;
    }
  }
  return out;
}

function writeTensor(t: OnnxTensorInit): ProtoWriter {
  const elem = inferElemType(t);
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d); // dims
  w.int(2, ELEM_CODE[elem]); // data_type
  w.string(8, t.name); // name
  w.bytes(9, tensorRawBytes(t, elem)); // raw_data
  return w;
}

function writeValueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d); // dim_value
    else dim.string(2, d); // dim_param
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, ELEM_CODE[v.elemType ?? 'float32']).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType); // TypeProto.tensor_type
  return new ProtoWriter().string(1, v.name).message(2, type);
}

function writeAttribute(name: string, a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ('f' in a) w.float(2, a.f).int(20, ATTR_FLOAT);
  else if ('i' in a) w.int(3, a.i).int(20, ATTR_INT);
  else if ('s' in a) w.string(4, a.s).int(20, ATTR_STRING);
  else if ('t' in a) w.message(5, writeTensor(a.t)).int(20, ATTR_TENSOR);
  else if ('floats' in a) {
    for (const f of a.floats) w.float(7, f);
    w.int(20, ATTR_FLOATS);
  } else {
    for (const i of a.ints) w.int(8, i);
    w.int(20, ATTR_INTS);
  }
  return w;
}

function writeNode(n: OnnxNode, index: number): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name ?? `${n.op.toLowerCase()}_${index}`);
  w.string(4, n.op);
  for (const [name, a] of Object.entries(n.attributes ?? {})) w.message(5, writeAttribute(name, a));
  return w;
}

function validate(spec: OnnxModelSpec): OnnxBuildIssue[] {
  const issues: OnnxBuildIssue[] = [];
  const defined = new Set<string>();
  const define = (name: string, path: string): void => {
    if (name === '') issues.push({ path, message: 'empty name' });
    else if (defined.has(name)) issues.push({ path, message: `'${name}' is defined twice` });
    defined.add(name);
  };
  spec.inputs.forEach((v, i) => {
    define(v.name, `inputs[${i}].name`);
    v.shape.forEach((d, j) => {
      if (typeof d === 'number' && !(Number.isInteger(d) && d >= 0)) {
        issues.push({ path: `inputs[${i}].shape[${j}]`, message: `dimension must be a non-negative integer or a symbol, got ${d}` });
      }
    });
  });
  (spec.initializers ?? []).forEach((t, i) => {
    define(t.name, `initializers[${i}].name`);
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (t.dims.some((d) => !Number.isInteger(d) || d < 0)) {
      issues.push({ path: `initializers[${i}].dims`, message: `dims must be non-negative integers, got [${t.dims.join(', ')}]` });
    } else if (count !== t.data.length) {
      issues.push({ path: `initializers[${i}].data`, message: `dims [${t.dims.join(', ')}] need ${count} values, got ${t.data.length}` });
    }
  });
  const ops = new Set<string>(ONNX_OP_TYPES);
  spec.nodes.forEach((n, i) => {
    if (!ops.has(n.op)) issues.push({ path: `nodes[${i}].op`, message: `unsupported op '${n.op}'` });
    n.inputs.forEach((name, j) => {
      // '' marks an omitted optional input.
      if (name !== '' && !defined.has(name)) {
        issues.push({ path: `nodes[${i}].inputs[${j}]`, message: `'${name}' is not a graph input, initializer or earlier node output` });
      }
    });
    if (n.outputs.length === 0) issues.push({ path: `nodes[${i}].outputs`, message: 'a node needs at least one output' });
    n.outputs.forEach((name, j) => define(name, `nodes[${i}].outputs[${j}]`));
  });
  spec.outputs.forEach((v, i) => {
    if (!defined.has(v.name)) issues.push({ path: `outputs[${i}].name`, message: `'${v.name}' is produced by no node` });
  });
  if (spec.opset !== undefined && !(Number.isInteger(spec.opset) && spec.opset >= 7)) {
    issues.push({ path: 'opset', message: `opset must be an integer >= 7, got ${spec.opset}` });
  }
  return issues;
}

/** Serialises `spec` to ONNX ModelProto bytes. Throws OnnxBuildError listing every problem. */
export function buildOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const issues = validate(spec);
  if (issues.length > 0) throw new OnnxBuildError(issues);

  const graph = new ProtoWriter();
  spec.nodes.forEach((n, i) => graph.message(1, writeNode(n, i)));
  graph.string(2, spec.graphName ?? 'odra');
  for (const t of spec.initializers ?? []) graph.message(5, writeTensor(t));
  for (const v of spec.inputs) graph.message(11, writeValueInfo(v));
  for (const v of spec.outputs) graph.message(12, writeValueInfo(v));

  const model = new ProtoWriter();
  model.int(1, spec.irVersion ?? 8); // ir_version
  model.string(2, spec.producerName ?? 'odra'); // producer_name
  model.message(7, graph); // graph
  model.message(8, new ProtoWriter().string(1, '').int(2, spec.opset ?? 17)); // opset_import
  for (const [key, value] of Object.entries(spec.metadata ?? {})) {
    model.message(14, new ProtoWriter().string(1, key).string(2, value)); // metadata_props
  }
  return model.finish();
}
