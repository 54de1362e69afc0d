/**
 * `odra train`: self-supervised training of the learned (JEPA) world model on MCAP recordings — odra's
 * own play recordings or rosbag2 bags from a robot — into a model directory for
 * `world_model.kind: learned` (tfjs weights, ONNX exports, model.json).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../command.ts';
import { UsageError } from '../command.ts';

export const summary = 'train the learned latent world model (JEPA: encoder + action-conditioned predictor) on MCAP recordings';

const USAGE = `Usage: odra train --data FILE.mcap [FILE.mcap ...] --out DIR [options]

Reads camera images, joint states and velocity commands from the recordings, aligns them in time,
and trains an image encoder and an action-conditioned predictor in latent space (JEPA): the
predictor predicts the next frame's representation, never its pixels; VICReg variance and
covariance terms keep the representation from collapsing. See docs/learning.md.

Writes to DIR: model.json (dimensions, normalization, data hash, configuration, metrics),
encoder.weights.bin, predictor.weights.bin, encoder.onnx, predictor.onnx, and checkpoint/.

Options:
  --data FILE...     MCAP files (repeat --data or list several after it)
  --out DIR          model directory (required)
  --config FILE      training configuration (YAML/JSON; every key is optional, see docs/learning.md)
  --epochs E         passes over the training windows (overrides the configuration)
  --seed S           seed (overrides the configuration)
  --resume           continue from DIR/checkpoint (same data and configuration)
  --joints A,B,...   joint names in the recordings (default: the demo arm's)
  --image-topic T --joint-state-topic T --command-topic T   topics of a robot's bag
  --json             print the result as one JSON object
  -h, --help         show this help
`;

const OPTIONS = {
  data: { type: 'string', multiple: true },
  out: { type: 'string' },
  config: { type: 'string' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  resume: { type: 'boolean' },
  joints: { type: 'string' },
  'image-topic': { type: 'string' },
  'joint-state-topic': { type: 'string' },
  'command-topic': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see 'odra train --help')`);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  // files after --data arrive as positionals
  const data = [...(v.data ?? []), ...parsed.positionals].map((f) => resolve(io.cwd, f));
  const problems: string[] = [];
  if (data.length === 0) problems.push('--data FILE.mcap is required');
  if (v.out === undefined) problems.push('--out DIR is required');
  const overrides: Record<string, unknown> = {};
  if (v.epochs !== undefined) {
    const n = Number(v.epochs);
    if (!Number.isInteger(n) || n < 1) problems.push(`--epochs: expected an integer ≥ 1, got '${v.epochs}'`);
    else overrides.epochs = n;
  }
  if (v.seed !== undefined) {
    const n = Number(v.seed);
    if (!Number.isInteger(n)) problems.push(`--seed: expected an integer, got '${v.seed}'`);
    else overrides.seed = n;
  }
  const dataOver: Record<string, unknown> = {};
  if (v.joints !== undefined) dataOver.jointNames = v.joints.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (v['image-topic'] !== undefined) dataOver.imageTopic = v['image-topic'];
  if (v['joint-state-topic'] !== undefined) dataOver.jointStateTopic = v['joint-state-topic'];
  if (v['command-topic'] !== undefined) dataOver.commandTopic = v['command-topic'];
  if (Object.keys(dataOver).length > 0) overrides.data = dataOver;
  if (problems.length > 0) throw new UsageError(problems.join('; '));

  const { loadTrainConfigFile, resolveTrainConfig, TrainConfigError } = await import('../../learn/train-config.ts');
  const { DatasetError } = await import('../../learn/dataset.ts');
  const { trainWorldModel } = await import('../../learn/trainer.ts');
  let config;
  try {
    config = resolveTrainConfig(v.config !== undefined ? loadTrainConfigFile(resolve(io.cwd, v.config)) : {}, overrides);
  } catch (e) {
    if (e instanceof TrainConfigError) throw new UsageError(e.message);
    throw e;
  }
  const outDir = resolve(io.cwd, v.out!);
  let result;
  try {
    result = await trainWorldModel({
      dataFiles: data,
      outDir,
      config,
      resume: v.resume === true,
      progress: io.stderr,
      log: (line) => io.stderr.write(`${line}\n`),
    });
  } catch (e) {
    if (e instanceof DatasetError) throw new UsageError(e.message);
    throw e;
  }
  const out = {
    dir: result.dir,
    steps: result.steps,
    epochs: result.epochs,
    wallS: Number(result.wallS.toFixed(1)),
    backend: result.backend,
    dataHash: result.dataHash,
    train: result.train,
    val: result.val,
    onnxMaxAbsErr: result.onnxMaxAbsErr,
  };
  if (v.json) io.stdout.write(`${JSON.stringify(out)}\n`);
  else {
    const f = (x: number): string => x.toFixed(4);
    io.stdout.write(
      [
        `trained ${result.steps} steps (${result.epochs} epochs) on ${result.backend} in ${result.wallS.toFixed(1)} s → ${result.dir}`,
        `train: loss ${f(result.train.total)} tf_z ${f(result.train.tf_z)} roll_z ${f(result.train.roll_z)} var ${f(result.train.var)} cov ${f(result.train.cov)} idm ${f(result.train.idm)}`,
        result.val ? `val:   loss ${f(result.val.total)} tf_z ${f(result.val.tf_z)} roll_z ${f(result.val.roll_z)} var ${f(result.val.var)} cov ${f(result.val.cov)} idm ${f(result.val.idm)}` : 'val: (no held-out segments)',
        `ONNX export vs tfjs: max abs error ${result.onnxMaxAbsErr.toExponential(2)}`,
        `data sha256 ${result.dataHash}`,
      ].join('\n') + '\n',
    );
  }
  return 0;
}
