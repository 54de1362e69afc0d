/** compute/: tfjs backend and ONNX Runtime provider selection, ONNX model building. */
export { DEFAULT_TF_BACKENDS, quietTfjs, selectTfBackend } from './tf-backend.ts';
export type { TfBackendChoice, TfBackendLoaders, TfBackendName } from './tf-backend.ts';
export { DEFAULT_ONNX_PROVIDERS, defaultOnnxProbe, selectOnnxProviders } from './onnx-providers.ts';
export type { OnnxProviderChoice, OnnxProviderName, OnnxProviderProbe } from './onnx-providers.ts';
export { buildOnnxModel, ONNX_OP_TYPES, OnnxBuildError } from './onnx-build.ts';
export type { OnnxAttribute, OnnxBuildIssue, OnnxElemType, OnnxModelSpec, OnnxNode, OnnxOpType, OnnxTensorData, OnnxTensorInit, OnnxValueInfo } from './onnx-build.ts';
export { readOnnxModelInfo } from './onnx-model-info.ts';
export type { OnnxModelInfo } from './onnx-model-info.ts';
