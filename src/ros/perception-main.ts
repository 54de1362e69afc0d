/**
 * `odra_perception`: the optional perception node of a split deployment (camera and GPU on one
 * machine, the agent on another, or just two processes). It encodes camera frames with the
 * configured encoder and publishes stamped latents on `~/latent` (`latent-message.ts` describes
 * the message); the agent subscribes with `--latent-topic /odra_perception/latent`. Goal images on
 * `~/goal_image` (and `~/goal_image/compressed`) become goal latents on `~/goal_latent` (latched),
 * which the agent takes beside the latents (`nodes/perception-node.ts` is the node logic).
 *
 * With world_model.kind learned, the encoder is the model directory's encoder.onnx, preprocessed as
 * its metadata says (the perception.encoder/model_path/width/height/mean/std parameters do not apply).
 *
 *   node dist/ros/perception-main.js --params-file config/odra_agent.yaml [--ros-args ...]
 *   odra ros perception --params-file config/odra_agent.yaml
 *
 * It reads the agent's parameter file (the `odra_agent` section, or `--config-node <name>`), so
 * both nodes agree on perception.* and topics.*; `--ros-args -p` overrides for this node apply last.
 */

import { paramInfo } from '../config/catalog.ts';
import { loadConfig } from '../config/load.ts';
import { PerceptionNode, pipelineConfigFromParams } from '../nodes/perception-node.ts';
import type { PerceptionPipeline } from '../perception/pipeline.ts';
import { learnedEncoderPath, learnedEncoderPipeline, learnedModelDir } from './learned-model.ts';
import { loadRclnodejs, RosUnavailableError } from './load-rclnodejs.ts';
import { isMainModule } from './main-module.ts';
import { createRclNode } from './rcl-bus.ts';
import type { LoadedRclnodejs } from './rclnodejs-types.ts';

export const PERCEPTION_NODE_NAME = 'odra_perception';

export interface PerceptionMainOptions {
  paramsFiles: string[];
  configNode: string;
  rosArgs: string[];
}

export function parsePerceptionArgs(argv: readonly string[]): PerceptionMainOptions {
  const out: PerceptionMainOptions = { paramsFiles: [], configNode: 'odra_agent', rosArgs: [] };
  const ros = argv.indexOf('--ros-args');
  const own = ros < 0 ? argv : argv.slice(0, ros);
  if (ros >= 0) out.rosArgs.push(...argv.slice(ros));
  for (let i = 0; i < own.length; i++) {
    const a = own[i]!;
    const v = own[i + 1];
    if ((a === '--params-file' || a === '--config-node') && (v === undefined || v.startsWith('--'))) throw new Error(`${a} needs a value`);
    if (a === '--params-file') out.paramsFiles.push(own[++i]!);
    else if (a === '--config-node') out.configNode = own[++i]!;
    else throw new Error(`unknown option '${a}' (options: --params-file <file>, --config-node <name>; rcl arguments go after --ros-args)`);
  }
  return out;
}

export async function runPerception(argv: readonly string[], loadedIn?: LoadedRclnodejs): Promise<number> {
  const opts = parsePerceptionArgs(argv);
  const loaded = loadedIn ?? loadRclnodejs();
  const { rcl } = loaded;
  await rcl.init(undefined, [process.argv0, PERCEPTION_NODE_NAME, ...opts.rosArgs]);
  rcl.removeSignalHandlers?.();
  const node = createRclNode(loaded, PERCEPTION_NODE_NAME);
  const overrides: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node.parameterOverrides())) if (paramInfo(k) !== undefined) overrides[k] = v;
  const config = loadConfig({ files: opts.paramsFiles, nodeName: opts.configNode, overrides });
  const p = config.perception;
  const log = (m: string): void => node.logger.info(m);
  let pipeline: PerceptionPipeline;
  if (config.world_model.kind === 'learned') {
    pipeline = await learnedEncoderPipeline(config, await learnedEncoderPath(learnedModelDir(config)), log);
  } else {
    if (p.encoder === 'none') throw new Error('perception.encoder is none: there is nothing for odra_perception to encode');
    const { PerceptionPipeline } = await import('../perception/pipeline.ts');
    const { config: pc, notices } = pipelineConfigFromParams(p);
    for (const n of notices) node.logger.warn(n);
    pipeline = await PerceptionPipeline.create(pc, { log });
  }
  const perception = new PerceptionNode(node, pipeline, {
    imageTopic: config.topics.image,
    compressedImageTopic: config.topics.compressed_image,
    maxRateHz: p.max_rate_hz,
    publishLatent: true,
  });
  node.spin();
  node.logger.info(
    `encoding ${config.topics.image} into ${perception.latentTopic} (latent size ${perception.latentDim}); ` +
      `goal images on ${node.resolveName('~/goal_image')} into ${node.resolveName('~/goal_latent')}`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  perception.destroy();
  node.stop();
  node.destroy();
  await perception.idle();
  await pipeline.dispose();
  if (!rcl.isShutdown()) rcl.shutdown();
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await runPerception(argv);
  } catch (e) {
    if (e instanceof RosUnavailableError) process.stderr.write(`${e.message}\n`);
    else process.stderr.write(`odra_perception: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (isMainModule(import.meta.url)) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
