/**
 * One camera frame to one latent: decode → preprocess → encode, with every dropped frame counted
 * by reason. Image files and goal images take the same path as camera messages.
 */
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import sharp from 'sharp';
import { configureEncoder } from './configure-encoder.ts';
import type { DecodeBuffers } from './decode.ts';
import { createDecodeBuffers, decodeCompressed, decodeImage, isCompressedImageMsg } from './decode.ts';
import type { Encoder, EncoderConfig, EncoderLog } from './encoder.ts';
import { PerceptionConfigError } from './errors.ts';
import type { PreprocessConfig, PreprocessSpec } from './preprocess.ts';
import { Preprocessor } from './preprocess.ts';
import type { CompressedImageMsg, DecodedImage, DecodeResult, DropReason, Dropped, ImageKind, ImageMsg, TimeMsg } from './types.ts';
import { DEFAULT_MAX_PIXELS, DROP_REASONS } from './types.ts';

export interface PerceptionConfig {
  encoder: EncoderConfig;
  /** Merged over what the model says (input size, channels, layout, metadata hints). */
  preprocess?: PreprocessConfig;
  /** Frames with more pixels are dropped before any pixel buffer is allocated. Default 4096 × 4096. */
  maxPixels?: number;
  /** Drop a camera frame that arrives while the previous one is still being encoded. Default true. */
  dropWhenBusy?: boolean;
}

export type EncodeResult =
  | {
      ok: true;
      /** latentDim floats; empty for the 'none' encoder. */
      latent: Float32Array;
      /** The message's header stamp, when it had one. */
      stamp?: TimeMsg;
      kind: ImageKind;
      width: number;
      height: number;
    }
  | Dropped;

export interface PerceptionCounters {
  received: number;
  encoded: number;
  dropped: Record<DropReason, number>;
  /** The most recent drop, for diagnostics. */
  lastDrop?: { reason: DropReason; detail: string };
}

function zeroDrops(): Record<DropReason, number> {
  const out = {} as Record<DropReason, number>;
  for (const r of DROP_REASONS) out[r] = 0;
  return out;
}

function drop(reason: DropReason, detail: string): Dropped {
  return { ok: false, reason, detail };
}

/**
 * Reads a PNG or JPEG file into an Image-shaped message (rgb8, mono8 or mono16), so files enter
 * perception exactly as camera frames do. Never throws.
 */
export async function readImageFileAsMessage(path: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<{ ok: true; msg: ImageMsg } | Dropped> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return drop('file_unreadable', `${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const meta = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
    const { width, height } = meta;
    if (width === undefined || height === undefined || width <= 0 || height <= 0) return drop('corrupt_compressed', `${path}: no image size`);
    if (width * height > maxPixels) return drop('too_large', `${path}: ${width}x${height} exceeds maxPixels ${maxPixels}`);
    const grey = (meta.channels ?? 3) <= 2;
    const wide = meta.depth === 'ushort';
    const base = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).removeAlpha();
    if (grey && wide) {
      const { data, info } = await base.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const big = endianness() === 'BE';
      return { ok: true, msg: { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, width: info.width, height: info.height, encoding: 'mono16', is_bigendian: big ? 1 : 0, step: info.width * 2, data } };
    }
    const { data, info } = await (grey ? base.toColourspace('b-w') : base.toColourspace('srgb')).raw().toBuffer({ resolveWithObject: true });
    const encoding = grey ? 'mono8' : 'rgb8';
    return { ok: true, msg: { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, width: info.width, height: info.height, encoding, is_bigendian: 0, step: info.width * info.channels, data } };
  } catch (err) {
    return drop('corrupt_compressed', `${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export class PerceptionPipeline {
  readonly encoder: Encoder;
  /** Undefined for the 'none' encoder. */
  readonly preprocess: PreprocessSpec | undefined;
  readonly maxPixels: number;
  private readonly preprocessor: Preprocessor | undefined;
  private readonly dropWhenBusy: boolean;
  private readonly buffers: DecodeBuffers = createDecodeBuffers();
  private readonly sample: Float32Array;
  /** Camera frames being decoded or encoded. */
  private inFlight = 0;
  private stats: PerceptionCounters = { received: 0, encoded: 0, dropped: zeroDrops() };

  private constructor(encoder: Encoder, preprocess: PreprocessSpec | undefined, maxPixels: number, dropWhenBusy: boolean) {
    this.encoder = encoder;
    this.preprocess = preprocess;
    this.maxPixels = maxPixels;
    this.dropWhenBusy = dropWhenBusy;
    this.preprocessor = preprocess === undefined ? undefined : new Preprocessor(preprocess);
    this.sample = new Float32Array(this.preprocessor?.sampleSize ?? 0);
  }

  /** Loads and checks the encoder; throws PerceptionConfigError with every problem found. */
  static async create(config: PerceptionConfig, options: { log?: EncoderLog } = {}): Promise<PerceptionPipeline> {
    const maxPixels = config.maxPixels ?? DEFAULT_MAX_PIXELS;
    if (!(Number.isInteger(maxPixels) && maxPixels > 0)) {
      throw new PerceptionConfigError([{ path: 'maxPixels', message: `must be a positive integer, got ${maxPixels}` }]);
    }
    const { encoder, preprocess } = await configureEncoder(config.encoder, config.preprocess ?? {}, options.log);
    return new PerceptionPipeline(encoder, preprocess, maxPixels, config.dropWhenBusy ?? true);
  }

  get latentDim(): number {
    return this.encoder.latentDim;
  }

  get notices(): readonly string[] {
    return this.encoder.notices;
  }

  /** A copy of the counters. */
  counters(): PerceptionCounters {
    const c: PerceptionCounters = { received: this.stats.received, encoded: this.stats.encoded, dropped: { ...this.stats.dropped } };
    if (this.stats.lastDrop !== undefined) c.lastDrop = { ...this.stats.lastDrop };
    return c;
  }

  resetCounters(): void {
    this.stats = { received: 0, encoded: 0, dropped: zeroDrops() };
  }

  private count(result: Dropped): Dropped {
    this.stats.dropped[result.reason] += 1;
    this.stats.lastDrop = { reason: result.reason, detail: result.detail };
    return result;
  }

  /** A camera frame (Image or CompressedImage) to a latent. Never throws. */
  async encodeMessage(msg: ImageMsg | CompressedImageMsg): Promise<EncodeResult> {
    this.stats.received += 1;
    if (this.inFlight > 0 && this.dropWhenBusy) return this.count(drop('busy', 'previous frame still encoding'));
    // The shared buffers serve one frame at a time; overlapping frames get their own.
    const shared = this.inFlight === 0;
    this.inFlight += 1;
    try {
      const decoded = await this.decode(msg, shared ? this.buffers : undefined);
      if (!decoded.ok) return this.count(decoded);
      return await this.encodeDecoded(decoded.image, shared ? this.sample : new Float32Array(this.sample.length), stampOf(msg));
    } finally {
      this.inFlight -= 1;
    }
  }

  /** A PNG/JPEG file to a latent, through the same decode path as camera frames. Never throws. */
  async encodeImageFile(path: string): Promise<EncodeResult> {
    this.stats.received += 1;
    const read = await readImageFileAsMessage(path, this.maxPixels);
    if (!read.ok) return this.count(read);
    const decoded = decodeImage(read.msg, { maxPixels: this.maxPixels });
    if (!decoded.ok) return this.count(decoded);
    return this.encodeDecoded(decoded.image, new Float32Array(this.sample.length), undefined);
  }

  /**
   * The latent of a goal image: a file path, or an Image/CompressedImage message (e.g. from
   * `~/goal_image`). Uses its own buffers, so it may run while a camera frame is being encoded.
   */
  async encodeGoalImage(source: string | ImageMsg | CompressedImageMsg): Promise<EncodeResult> {
    if (typeof source === 'string') return this.encodeImageFile(source);
    this.stats.received += 1;
    const decoded = await this.decode(source, undefined);
    if (!decoded.ok) return this.count(decoded);
    return this.encodeDecoded(decoded.image, new Float32Array(this.sample.length), stampOf(source));
  }

  /**
   * Encodes already decoded images as one batch (dataset encoding in learn/). Rejects on encoder
   * failure; not for the per-frame path.
   */
  async encodeBatch(images: readonly DecodedImage[]): Promise<Float32Array> {
    if (this.preprocessor === undefined) return new Float32Array(0);
    const size = this.preprocessor.sampleSize;
    const batch = new Float32Array(images.length * size);
    images.forEach((img, i) => this.preprocessor?.run(img, batch, i * size));
    return this.encoder.encode(batch, images.length);
  }

  private async decode(msg: ImageMsg | CompressedImageMsg, buffers: DecodeBuffers | undefined): Promise<DecodeResult> {
    try {
      if (isCompressedImageMsg(msg)) return await decodeCompressed(msg, { maxPixels: this.maxPixels }, buffers);
      return decodeImage(msg, { maxPixels: this.maxPixels }, buffers);
    } catch (err) {
      return drop('bad_message', err instanceof Error ? err.message : String(err));
    }
  }

  private async encodeDecoded(img: DecodedImage, sample: Float32Array, stamp: TimeMsg | undefined): Promise<EncodeResult> {
    let latent: Float32Array;
    try {
      if (this.preprocessor === undefined) {
        latent = new Float32Array(0);
      } else {
        this.preprocessor.run(img, sample, 0);
        latent = await this.encoder.encode(sample, 1);
      }
    } catch (err) {
      return this.count(drop('encoder_failed', err instanceof Error ? err.message : String(err)));
    }
    for (let i = 0; i < latent.length; i++) {
      if (!Number.isFinite(latent[i] as number)) return this.count(drop('non_finite_latent', `latent[${i}] = ${latent[i]}`));
    }
    this.stats.encoded += 1;
    const out: EncodeResult = { ok: true, latent, kind: img.kind, width: img.width, height: img.height };
    if (stamp !== undefined) out.stamp = stamp;
    return out;
  }

  async dispose(): Promise<void> {
    await this.encoder.dispose();
  }
}

function stampOf(msg: ImageMsg | CompressedImageMsg): TimeMsg | undefined {
  try {
    const s = msg.header?.stamp;
    return s !== undefined && typeof s.sec === 'number' && typeof s.nanosec === 'number' ? { sec: s.sec, nanosec: s.nanosec } : undefined;
  } catch {
    return undefined;
  }
}
