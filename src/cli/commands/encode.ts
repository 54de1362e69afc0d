/**
 * `odra encode`: one image file through the configured perception pipeline, exactly as a camera
 * frame would go (PNG/JPEG → Image message → decode → preprocess → encoder), to check an exported
 * encoder before it drives a robot.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../command.ts';
import { UsageError } from '../command.ts';

export const summary = 'encode one PNG/JPEG file with the configured perception encoder and print the latent';

const USAGE = `Usage: odra encode --config FILE --image PATH [options]

Loads the perception.* parameters from FILE, configures the encoder (perception.encoder,
perception.model_path, ...), reads the image through the same decode and preprocessing path as
camera frames, and prints the latent's size, first values, L2 norm and the time taken.

Options:
  --config FILE      ROS 2 parameter file (odra_agent: ros__parameters: perception: ...)
  --image PATH       PNG or JPEG file
  -p, --param N:=V   set any parameter, e.g. -p perception.model_path:=enc.onnx (repeatable)
  --json             print exactly {"dim": n, "latent": [...], "ms": t} on stdout
  -h, --help         show this help
`;

const OPTIONS = {
  config: { type: 'string' },
  image: { type: 'string' },
  param: { type: 'string', short: 'p', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface EncodeArgs {
  config: string | null;
  image: string | null;
  params: string[];
  json: boolean;
  help: boolean;
}

/** Values printed in the human-readable summary. */
const SHOWN_VALUES = 8;

/** Reads the command line; throws UsageError naming the bad argument. */
export function parseEncodeArgs(argv: readonly string[]): EncodeArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see 'odra encode --help')`);
  }
  const v = parsed.values;
  return { config: v.config ?? null, image: v.image ?? null, params: v.param ?? [], json: v.json === true, help: v.help === true };
}

/** Pipeline issue paths in the parameter names a user sets. */
const PARAM_OF_ISSUE: Readonly<Record<string, string>> = {
  'encoder.modelPath': 'perception.model_path',
  'encoder.kind': 'perception.encoder',
  'preprocess.width': 'perception.width',
  'preprocess.height': 'perception.height',
  'preprocess.mean': 'perception.mean',
  'preprocess.std': 'perception.std',
  'preprocess.layout': 'perception.layout',
  'preprocess.channelOrder': 'perception.channel_order',
  maxPixels: 'perception.max_pixels',
};

function fileProblem(flag: string, path: string): string | null {
  try {
    if (!statSync(path).isFile()) return `${flag}: ${path} is not a file`;
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${flag}: ${path}: file not found` : `${flag}: ${path}: cannot read (${(e as Error).message})`;
  }
}

function l2(z: Float32Array): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += z[i]! * z[i]!;
  return Math.sqrt(s);
}

export async function run(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  const args = parseEncodeArgs(argv);
  if (args.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  // every argument problem at once, before any model is loaded
  const problems: string[] = [];
  if (args.config === null) problems.push('--config FILE is required');
  if (args.image === null) problems.push('--image PATH is required');
  const configFile = args.config === null ? null : resolve(io.cwd, args.config);
  const imageFile = args.image === null ? null : resolve(io.cwd, args.image);
  if (imageFile !== null) {
    const p = fileProblem('--image', imageFile);
    if (p !== null) problems.push(p);
  }
  const [{ ConfigError, loadConfig, parseOverrideArgs }, { pipelineConfigFromParams }] = await Promise.all([
    import('../../config/index.ts'),
    import('../../nodes/perception-node.ts'),
  ]);
  let perception: import('../../config/schema.ts').OdraConfig['perception'] | null = null;
  try {
    const overrides = parseOverrideArgs(args.params);
    if (configFile !== null) perception = loadConfig({ files: [configFile], overrides }).perception;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(e.message);
  }
  if (perception !== null && perception.encoder === 'none') {
    problems.push(`perception.encoder is none in ${args.config}: there is no encoder to run (set perception.encoder and perception.model_path)`);
  }
  if (problems.length > 0 || perception === null || imageFile === null) throw new UsageError(problems.join('\n'));

  // a relative model path is relative to where odra runs; a URL (tfjs file://) is left as given
  const modelPath = perception.model_path === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(perception.model_path) ? perception.model_path : resolve(io.cwd, perception.model_path);
  const p = { ...perception, model_path: modelPath };
  const { config, notices } = pipelineConfigFromParams(p);
  for (const n of notices) io.stderr.write(`${n}\n`);
  const { PerceptionPipeline } = await import('../../perception/pipeline.ts');
  const { PerceptionConfigError } = await import('../../perception/errors.ts');
  let pipeline: import('../../perception/pipeline.ts').PerceptionPipeline;
  try {
    pipeline = await PerceptionPipeline.create(config, { log: (m) => io.stderr.write(`${m}\n`) });
  } catch (e) {
    if (!(e instanceof PerceptionConfigError)) throw e;
    throw new UsageError(`perception configuration is invalid:\n${e.issues.map((i) => `  ${PARAM_OF_ISSUE[i.path] ?? i.path}: ${i.message}`).join('\n')}`);
  }
  try {
    const t0 = performance.now();
    const r = await pipeline.encodeImageFile(imageFile);
    const ms = performance.now() - t0;
    if (!r.ok) {
      const input = r.reason === 'file_unreadable' || r.reason === 'corrupt_compressed' || r.reason === 'too_large';
      if (input) throw new UsageError(`--image: ${r.reason}: ${r.detail}`);
      io.stderr.write(`odra encode: the encoder failed (${r.reason}): ${r.detail}\n`);
      return 1;
    }
    const z = r.latent;
    if (args.json) {
      io.stdout.write(`${JSON.stringify({ dim: z.length, latent: Array.from(z), ms: Math.round(ms * 1000) / 1000 })}\n`);
      return 0;
    }
    const first = Array.from(z.subarray(0, SHOWN_VALUES), (x) => x.toPrecision(5)).join(', ');
    io.stdout.write(
      [
        `image    ${args.image} (${r.width}×${r.height} ${r.kind})`,
        `encoder  ${p.encoder} ${p.model_path}`,
        `latent   ${z.length} floats`,
        `first    [${first}${z.length > SHOWN_VALUES ? ', …' : ''}]`,
        `L2 norm  ${l2(z).toPrecision(6)}`,
        `time     ${ms.toFixed(2)} ms (read, decode, preprocess, encode)`,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await pipeline.dispose();
  }
}
