/**
 * `perception`: one camera frame to a latent through src/perception (PerceptionPipeline with the ONNX
 * Runtime encoder), for a small CNN at 64×64 and a ResNet-18-sized network at 224×224 (random
 * weights; what matters is the work per frame). The encoder alone and the whole pipeline (decode →
 * preprocess → encode) are timed separately.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_ENCODER_THREADS, OnnxEncoder } from '../../src/perception/onnx-encoder.ts';
import { PerceptionPipeline } from '../../src/perception/pipeline.ts';
import type { CompressedImageMsg, ImageMsg } from '../../src/perception/types.ts';
import { selected } from '../args.ts';
import { resnet18Like, smallCnn, type BuiltNet } from '../models/onnx-nets.ts';
import type { PerceptionCase, PerceptionReport, SuiteContext } from '../report.ts';
import { measure, randomF32, rng, scaledFor } from '../stats.ts';

interface FrameSpec {
  width: number;
  height: number;
  jpeg: boolean;
}

interface CaseSpec {
  name: string;
  network: 'small-cnn' | 'resnet18';
  input: number;
  frame: FrameSpec;
  /** run with --quick too */
  quick: boolean;
  /** ONNX Runtime intra-op threads (perception.threads; 0 = one per core) */
  threads: number;
}

const CASES: readonly CaseSpec[] = [
  { name: 'small-cnn/64', network: 'small-cnn', input: 64, frame: { width: 64, height: 64, jpeg: false }, quick: true, threads: DEFAULT_ENCODER_THREADS },
  { name: 'resnet18/224', network: 'resnet18', input: 224, frame: { width: 224, height: 224, jpeg: false }, quick: true, threads: DEFAULT_ENCODER_THREADS },
  { name: 'resnet18/224/threads-per-core', network: 'resnet18', input: 224, frame: { width: 224, height: 224, jpeg: false }, quick: false, threads: 0 },
  { name: 'resnet18/224/from-640x480', network: 'resnet18', input: 224, frame: { width: 640, height: 480, jpeg: false }, quick: false, threads: DEFAULT_ENCODER_THREADS },
  { name: 'resnet18/224/from-640x480-jpeg', network: 'resnet18', input: 224, frame: { width: 640, height: 480, jpeg: true }, quick: false, threads: DEFAULT_ENCODER_THREADS },
];

/** A smooth synthetic scene (gradients plus a seeded blob pattern): compresses like a camera image, unlike noise. */
function sceneRgb8(width: number, height: number, seed: number): Uint8Array {
  const next = rng(seed);
  const cx = next() * width;
  const cy = next() * height;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const d = Math.hypot(x - cx, y - cy) / Math.max(width, height);
      out[o] = (255 * x) / width;
      out[o + 1] = (255 * y) / height;
      out[o + 2] = 255 * Math.max(0, 1 - 3 * d);
    }
  }
  return out;
}

async function frameMessage(f: FrameSpec): Promise<ImageMsg | CompressedImageMsg> {
  const header = { stamp: { sec: 1, nanosec: 0 }, frame_id: 'camera_optical_frame' };
  const data = sceneRgb8(f.width, f.height, 3);
  if (!f.jpeg) return { header, width: f.width, height: f.height, encoding: 'rgb8', is_bigendian: 0, step: f.width * 3, data };
  const jpeg = await sharp(data, { raw: { width: f.width, height: f.height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  return { header, format: 'jpeg', data: new Uint8Array(jpeg) };
}

export async function runPerception(ctx: SuiteContext): Promise<PerceptionReport> {
  const specs = CASES.filter((c) => (!ctx.quick || c.quick) && selected(c.name, ctx.filters));
  const dir = await mkdtemp(join(tmpdir(), 'odra-bench-'));
  const nets = new Map<string, { net: BuiltNet; file: string }>();
  const cases: PerceptionCase[] = [];
  try {
    for (const spec of specs) {
      let built = nets.get(spec.network);
      if (!built) {
        const net = spec.network === 'small-cnn' ? smallCnn(spec.input) : resnet18Like(spec.input);
        const file = join(dir, `${spec.network}.onnx`);
        await writeFile(file, net.bytes);
        built = { net, file };
        nets.set(spec.network, built);
      }
      ctx.progress(`perception: ${spec.name}`);
      const pipeline = await PerceptionPipeline.create({ encoder: { kind: 'onnx', modelPath: built.file, executionProviders: ctx.backends.onnx.providers, threads: spec.threads } });
      try {
        const sample = randomF32(3 * spec.input * spec.input, 1, rng(4));
        const encoder = pipeline.encoder;
        const probe = performance.now();
        await encoder.encode(sample, 1);
        const repeat = scaledFor(ctx.repeat, performance.now() - probe, ctx.quick ? 2000 : 8000);
        const encode = await measure(async () => {
          await encoder.encode(sample, 1);
        }, repeat);
        const msg = await frameMessage(spec.frame);
        let failed = '';
        const pipelineTiming = await measure(async () => {
          const r = await pipeline.encodeMessage(msg);
          if (!r.ok) failed = `${r.reason}: ${r.detail}`;
        }, repeat);
        if (failed !== '') throw new Error(`perception bench: ${spec.name}: the pipeline dropped the frame (${failed})`);
        const providers = encoder instanceof OnnxEncoder ? [...encoder.providers] : [...ctx.backends.onnx.providers];
        cases.push({
          name: spec.name,
          network: spec.network === 'small-cnn' ? 'small CNN (4 conv 3×3, 64-d latent)' : 'ResNet-18 layer shapes (256-d latent)',
          frame: `${spec.frame.width}×${spec.frame.height} ${spec.frame.jpeg ? 'jpeg' : 'rgb8'}`,
          input: `3×${spec.input}×${spec.input}`,
          gmacs: built.net.macs / 1e9,
          encode,
          pipeline: pipelineTiming,
          providers,
          threads: spec.threads === 0 ? 'one per core (ONNX Runtime default)' : String(spec.threads),
        });
      } finally {
        await pipeline.dispose();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    cases,
    notes: [
      'random weights; GMAC = multiply-accumulates per frame (FLOPs ≈ 2 × GMAC; ResNet-18 is usually quoted as 1.8 "GFLOPs" = GMAC)',
      `encoder threads: perception.threads (default ${DEFAULT_ENCODER_THREADS}; the threads-per-core case: 0, one per core); pipeline = decode → preprocess (resize, normalize) → encode`,
    ],
  };
}
