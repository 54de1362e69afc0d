/** perception/: camera frame → latent (decode → preprocess → encode). */
export { createDecodeBuffers, decodeCompressed, decodeImage, isCompressedImageMsg, SUPPORTED_ENCODINGS } from './decode.ts';
export type { DecodeBuffers } from './decode.ts';
export { buildAxisTable, Preprocessor, resolvePreprocess, sampleShape } from './preprocess.ts';
export type { ChannelOrder, Layout, PreprocessConfig, PreprocessSpec } from './preprocess.ts';
export { NoneEncoder, PREPROCESS_METADATA_KEY } from './encoder.ts';
export type { ConfiguredEncoder, Encoder, EncoderConfig, EncoderKind, EncoderLog } from './encoder.ts';
export { configureEncoder } from './configure-encoder.ts';
export { configureOnnxEncoder, OnnxEncoder } from './onnx-encoder.ts';
export { configureTfjsEncoder, TfjsEncoder } from './tfjs-encoder.ts';
export { fileIO, localModelPath } from './tfjs-file-io.ts';
export { PerceptionPipeline, readImageFileAsMessage } from './pipeline.ts';
export type { EncodeResult, PerceptionConfig, PerceptionCounters } from './pipeline.ts';
export { PerceptionConfigError } from './errors.ts';
export type { ConfigIssue } from './errors.ts';
export { DEFAULT_MAX_PIXELS, DROP_REASONS } from './types.ts';
export type { CompressedImageMsg, DecodedImage, DecodeOptions, DecodeResult, DropReason, Dropped, HeaderMsg, ImageKind, ImageMsg, TimeMsg } from './types.ts';
