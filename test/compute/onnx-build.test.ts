import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildOnnxModel, OnnxBuildError } from '../../src/compute/onnx-build.ts';
import { readOnnxModelInfo } from '../../src/compute/onnx-model-info.ts';
import { readProtoFields } from '../../src/compute/protobuf-wire.ts';
import { maxAbsDiff, randomArray, randomBytes } from '../perception/helpers.ts';

/** The part of onnx.proto (proto2) the builder writes, for an independent decode with protobufjs. */
const ONNX_PROTO_SUBSET = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1; optional float f = 2; optional int64 i = 3; optional bytes s = 4;
  optional TensorProto t = 5; repeated float floats = 7; repeated int64 ints = 8; optional int32 type = 20;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message NodeProto {
  repeated string input = 1; repeated string output = 2; optional string name = 3;
  optional string op_type = 4; repeated AttributeProto attribute = 5;
}
message ModelProto {
  optional int64 ir_version = 1; optional string producer_name = 2; optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8; repeated StringStringEntryProto metadata_props = 14;
}
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message GraphProto {
  repeated NodeProto node = 1; optional string name = 2; repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12;
}
message TensorProto { repeated int64 dims = 1; optional int32 data_type = 2; optional string name = 8; optional bytes raw_data = 9; }
message TensorShapeProto {
  message Dimension { optional int64 dim_value = 1; optional string dim_param = 2; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  optional Tensor tensor_type = 1;
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
`;

const B = 4;
const W = randomArray(4 * 3, 1);
const BIAS = randomArray(3, 2);
const C = randomArray(3, 3);

/** An MLP-style graph touching MatMul, Add, Tanh, Mul, Sub, Concat, Slice, ReduceMean, Relu, Gemm, Flatten. */
function mlpModel(): Uint8Array {
  return buildOnnxModel({
    inputs: [
      { name: 'x', shape: ['batch', 4] },
      { name: 'y', shape: ['batch', 3] },
    ],
    outputs: [
      { name: 'sliced', shape: ['batch', 4] },
      { name: 'mean', shape: ['batch', 1] },
      { name: 'gemm', shape: ['batch', 2] },
    ],
    initializers: [
      { name: 'W', dims: [4, 3], data: W },
      { name: 'b', dims: [3], data: BIAS },
      { name: 'c', dims: [3], data: C },
      { name: 'starts', dims: [1], data: BigInt64Array.from([1n]) },
      { name: 'ends', dims: [1], data: BigInt64Array.from([5n]) },
      { name: 'axes', dims: [1], data: [1], elemType: 'int64' },
      { name: 'G', dims: [2, 7], data: randomArray(14, 4) },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'W'], outputs: ['xw'] },
      { op: 'Add', inputs: ['xw', 'b'], outputs: ['h'] },
      { op: 'Tanh', inputs: ['h'], outputs: ['t'] },
      { op: 'Mul', inputs: ['t', 'y'], outputs: ['ty'] },
      { op: 'Sub', inputs: ['ty', 'c'], outputs: ['d'] },
      { op: 'Concat', inputs: ['d', 'x'], outputs: ['cat'], attributes: { axis: { i: -1 } } },
      { op: 'Slice', inputs: ['cat', 'starts', 'ends', 'axes'], outputs: ['sliced'] },
      { op: 'ReduceMean', inputs: ['sliced'], outputs: ['mean'], attributes: { axes: { ints: [1] }, keepdims: { i: 1 } } },
      { op: 'Relu', inputs: ['cat'], outputs: ['r'] },
      { op: 'Flatten', inputs: ['r'], outputs: ['f'], attributes: { axis: { i: 1 } } },
      { op: 'Gemm', inputs: ['f', 'G'], outputs: ['gemm'], attributes: { transB: { i: 1 }, alpha: { f: 0.5 } } },
    ],
    metadata: { 'odra.kind': 'test', note: 'ünïcode' },
  });
}

describe('buildOnnxModel', () => {
  test('ONNX Runtime runs the built graph and matches a TypeScript reference (≤ 1e-5)', async () => {
    const session = await InferenceSession.create(mlpModel());
    assert.deepEqual(session.inputNames, ['x', 'y']);
    assert.deepEqual(session.outputMetadata.map((m) => (m.isTensor ? m.shape : [])), [['batch', 4], ['batch', 1], ['batch', 2]]);
    const x = randomArray(B * 4, 5);
    const y = randomArray(B * 3, 6);
    const out = await session.run({ x: new Tensor('float32', x, [B, 4]), y: new Tensor('float32', y, [B, 3]) });
    const refSliced: number[] = [];
    const refMean: number[] = [];
    const refGemm: number[] = [];
    const G = randomArray(14, 4);
    for (let b = 0; b < B; b++) {
      const cat: number[] = [];
      for (let j = 0; j < 3; j++) {
        let s = BIAS[j]!;
        for (let i = 0; i < 4; i++) s += x[b * 4 + i]! * W[i * 3 + j]!;
        cat.push(Math.tanh(s) * y[b * 3 + j]! - C[j]!);
      }
      for (let i = 0; i < 4; i++) cat.push(x[b * 4 + i]!);
      const sl = cat.slice(1, 5);
      refSliced.push(...sl);
      refMean.push(sl.reduce((a, v) => a + v, 0) / 4);
      for (let o = 0; o < 2; o++) refGemm.push(0.5 * cat.reduce((a, v, k) => a + Math.max(0, v) * G[o * 7 + k]!, 0));
    }
    assert.ok(maxAbsDiff(out.sliced!.data as Float32Array, refSliced) <= 1e-5, 'Slice of Concat');
    assert.ok(maxAbsDiff(out.mean!.data as Float32Array, refMean) <= 1e-5, 'ReduceMean');
    assert.ok(maxAbsDiff(out.gemm!.data as Float32Array, refGemm) <= 1e-5, 'Gemm alpha');
    await session.release();
  });

  test('an independent protobuf decoder (protobufjs) reads back every field', () => {
    const root = protobuf.parse(ONNX_PROTO_SUBSET, { keepCase: true }).root;
    const Model = root.lookupType('onnx.ModelProto');
    const m = Model.toObject(Model.decode(mlpModel()), { longs: Number, bytes: Array, defaults: false }) as {
      ir_version: number;
      producer_name: string;
      opset_import: { domain?: string; version: number }[];
      metadata_props: { key: string; value: string }[];
      graph: {
        name: string;
        node: { op_type: string; input: string[]; output: string[]; attribute?: { name: string; type: number; i?: number; f?: number; ints?: number[] }[] }[];
        initializer: { name: string; dims: number[]; data_type: number; raw_data: number[] }[];
        input: { name: string; type: { tensor_type: { elem_type: number; shape: { dim: { dim_value?: number; dim_param?: string }[] } } } }[];
      };
    };
    assert.equal(m.ir_version, 8);
    assert.equal(m.producer_name, 'odra');
    assert.deepEqual(m.opset_import, [{ domain: '', version: 17 }]);
    assert.deepEqual(m.metadata_props, [{ key: 'odra.kind', value: 'test' }, { key: 'note', value: 'ünïcode' }]);
    assert.deepEqual(m.graph.node.map((n) => n.op_type), ['MatMul', 'Add', 'Tanh', 'Mul', 'Sub', 'Concat', 'Slice', 'ReduceMean', 'Relu', 'Flatten', 'Gemm']);
    const concat = m.graph.node[5]!;
    assert.deepEqual(concat.attribute, [{ name: 'axis', type: 2, i: -1 }]);
    assert.deepEqual(m.graph.node[7]!.attribute, [{ name: 'axes', type: 7, ints: [1] }, { name: 'keepdims', type: 2, i: 1 }]);
    assert.deepEqual(m.graph.node[10]!.attribute?.[1], { name: 'alpha', type: 1, f: 0.5 });
    const w = m.graph.initializer[0]!;
    assert.deepEqual([w.name, w.dims, w.data_type], ['W', [4, 3], 1]);
    assert.deepEqual([...new Float32Array(Uint8Array.from(w.raw_data).buffer)], [...W]);
    const axes = m.graph.initializer[5]!;
    assert.deepEqual([axes.data_type, [...new BigInt64Array(Uint8Array.from(axes.raw_data).buffer)]], [7, [1n]]);
    assert.deepEqual(m.graph.input[0]!.type.tensor_type.shape.dim, [{ dim_param: 'batch' }, { dim_value: 4 }]);
    assert.equal(m.graph.input[0]!.type.tensor_type.elem_type, 1);
  });

  test('readOnnxModelInfo reads ir version, opset and metadata', () => {
    assert.deepEqual(readOnnxModelInfo(mlpModel()), { irVersion: 8, producerName: 'odra', opset: 17, metadata: { 'odra.kind': 'test', note: 'ünïcode' } });
  });

  test('the wire reader rejects truncated input instead of throwing', () => {
    const bytes = mlpModel();
    for (const cut of [1, 2, 5, 17, bytes.length - 1]) {
      const r = readProtoFields(bytes.subarray(0, cut));
      assert.ok(r === undefined || Array.isArray(r), `cut ${cut}`);
    }
    assert.equal(readProtoFields(Uint8Array.from([0x0a, 0x05, 0x01])), undefined, 'length past the end');
    for (let seed = 0; seed < 200; seed++) readOnnxModelInfo(randomBytes(64, seed));
  });

  test('every problem of a spec is reported with its path, at once', () => {
    assert.throws(
      () =>
        buildOnnxModel({
          inputs: [{ name: 'x', shape: ['batch', -2] }],
          outputs: [{ name: 'nowhere', shape: [1] }],
          initializers: [{ name: 'w', dims: [2, 2], data: [1, 2, 3] }],
          nodes: [
            { op: 'MatMul', inputs: ['x', 'missing'], outputs: ['y'] },
            { op: 'Relu', inputs: ['y'], outputs: ['x'] },
            { op: 'Frobnicate' as 'Relu', inputs: ['y'], outputs: ['z'] },
          ],
          opset: 3,
        }),
      (err: unknown) => {
        assert.ok(err instanceof OnnxBuildError, 'OnnxBuildError');
        assert.deepEqual(
          err.issues.map((i) => i.path),
          ['inputs[0].shape[1]', 'initializers[0].data', 'nodes[0].inputs[1]', 'nodes[1].outputs[0]', 'nodes[2].op', 'outputs[0].name', 'opset'],
        );
        return true;
      },
    );
  });
});
