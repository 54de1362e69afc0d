/** Builds the configured encoder by kind; model-backed kinds load and check their model here. */
import type { ConfiguredEncoder, EncoderConfig, EncoderLog } from './encoder.ts';
import { NoneEncoder } from './encoder.ts';
import { PerceptionConfigError } from './errors.ts';
import { configureOnnxEncoder } from './onnx-encoder.ts';
import type { PreprocessConfig } from './preprocess.ts';
import { configureTfjsEncoder } from './tfjs-encoder.ts';

/** Throws PerceptionConfigError (every issue, with paths) when the model or its shapes are wrong. */
export async function configureEncoder(config: EncoderConfig, preprocess: PreprocessConfig = {}, log?: EncoderLog): Promise<ConfiguredEncoder> {
  switch (config.kind) {
    case 'none':
      return { encoder: new NoneEncoder(), preprocess: undefined };
    case 'onnx':
      return configureOnnxEncoder(config, preprocess, log);
    case 'tfjs':
      return configureTfjsEncoder(config, preprocess, log);
    default:
      throw new PerceptionConfigError([{ path: 'encoder.kind', message: `must be 'onnx', 'tfjs' or 'none', got ${JSON.stringify((config as { kind: unknown }).kind)}` }]);
  }
}
