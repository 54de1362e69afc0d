/**
 * Decodes sensor_msgs/Image (raw) and sensor_msgs/CompressedImage (jpeg, png, compressedDepth png)
 * into float32 HWC images. Never throws: every failure is a Dropped result with a reason.
 */
import { endianness } from 'node:os';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import type { CompressedImageMsg, DecodeOptions, DecodeResult, DropReason, Dropped, ImageKind, ImageMsg } from './types.ts';
import { DEFAULT_MAX_PIXELS } from './types.ts';

interface EncodingInfo {
  /** Bytes per pixel in the message. */
  bpp: number;
  kind: ImageKind;
  /** Byte offsets of R, G, B within a pixel (per channel for 16-bit, the first byte). */
  r: number;
  g: number;
  b: number;
  /** Bytes per channel value: 1, 2 (uint16) or 4 (float32). */
  width: 1 | 2 | 4;
}

const ENCODINGS: Readonly<Record<string, EncodingInfo>> = {
  rgb8: { bpp: 3, kind: 'rgb', r: 0, g: 1, b: 2, width: 1 },
  bgr8: { bpp: 3, kind: 'rgb', r: 2, g: 1, b: 0, width: 1 },
  rgba8: { bpp: 4, kind: 'rgb', r: 0, g: 1, b: 2, width: 1 },
  bgra8: { bpp: 4, kind: 'rgb', r: 2, g: 1, b: 0, width: 1 },
  rgb16: { bpp: 6, kind: 'rgb', r: 0, g: 2, b: 4, width: 2 },
  bgr16: { bpp: 6, kind: 'rgb', r: 4, g: 2, b: 0, width: 2 },
  mono8: { bpp: 1, kind: 'mono', r: 0, g: 0, b: 0, width: 1 },
  '8UC1': { bpp: 1, kind: 'mono', r: 0, g: 0, b: 0, width: 1 },
  mono16: { bpp: 2, kind: 'mono', r: 0, g: 0, b: 0, width: 2 },
  '16UC1': { bpp: 2, kind: 'depth', r: 0, g: 0, b: 0, width: 2 },
  '32FC1': { bpp: 4, kind: 'depth', r: 0, g: 0, b: 0, width: 4 },
};

export const SUPPORTED_ENCODINGS: readonly string[] = Object.keys(ENCODINGS);

/** Reusable output storage; decode grows it when a frame is larger. Results are views into it. */
export interface DecodeBuffers {
  data: Float32Array;
  valid: Uint8Array;
}

export function createDecodeBuffers(): DecodeBuffers {
  return { data: new Float32Array(0), valid: new Uint8Array(0) };
}

function drop(reason: DropReason, detail: string): Dropped {
  return { ok: false, reason, detail };
}

function isByteArray(x: unknown): x is Uint8Array | readonly unknown[] {
  return x instanceof Uint8Array || Array.isArray(x);
}

/** Plain arrays (some bridges deliver uint8[] as number[]) become bytes; values wrap modulo 256. */
function toBytes(x: Uint8Array | readonly unknown[]): Uint8Array {
  if (x instanceof Uint8Array) return x;
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = typeof v === 'number' ? v : 0;
  }
  return out;
}

const INV_255 = 1 / 255;
const INV_65535 = 1 / 65535;
const MM_TO_M = 0.001;

/**
 * Decodes a raw sensor_msgs/Image. When `buffers` is given, the result's arrays are views into it
 * and stay valid only until the next call with the same buffers.
 */
export function decodeImage(msg: ImageMsg, options: DecodeOptions = {}, buffers?: DecodeBuffers): DecodeResult {
  try {
    return decodeImageUnchecked(msg, options, buffers);
  } catch (err) {
    // Last line of defence against hostile field values (getters that throw, proxies).
    return drop('bad_message', `decode failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function decodeImageUnchecked(msg: ImageMsg, options: DecodeOptions, buffers: DecodeBuffers | undefined): DecodeResult {
  if (typeof msg !== 'object' || msg === null) return drop('bad_message', 'message is not an object');
  const { width, height, encoding, step } = msg;
  if (typeof width !== 'number' || typeof height !== 'number') return drop('bad_message', 'width/height are not numbers');
  if (typeof encoding !== 'string') return drop('bad_message', 'encoding is not a string');
  if (typeof step !== 'number') return drop('bad_message', 'step is not a number');
  if (!isByteArray(msg.data)) return drop('bad_message', 'data is not a byte array');
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    return drop('bad_size', `invalid size ${width}x${height}`);
  }
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (width * height > maxPixels) return drop('too_large', `${width}x${height} exceeds maxPixels ${maxPixels}`);
  const info = Object.hasOwn(ENCODINGS, encoding) ? ENCODINGS[encoding] : undefined;
  if (info === undefined) return drop('unknown_encoding', `encoding '${encoding.slice(0, 40)}' is not supported`);
  const rowBytes = width * info.bpp;
  if (!Number.isInteger(step) || step < rowBytes) return drop('bad_step', `step ${step} < ${rowBytes} bytes per row`);
  // The last row's padding may be omitted by some publishers; its pixels may not.
  const needed = step * (height - 1) + rowBytes;
  if (msg.data.length < needed) return drop('short_data', `${msg.data.length} bytes < ${needed} needed`);
  const data = toBytes(msg.data);
  const big = msg.is_bigendian === true || msg.is_bigendian === 1;

  const channels: 1 | 3 = info.kind === 'rgb' ? 3 : 1;
  const n = width * height * channels;
  let out: Float32Array;
  if (buffers !== undefined) {
    if (buffers.data.length < n) buffers.data = new Float32Array(n);
    out = buffers.data.subarray(0, n);
  } else {
    out = new Float32Array(n);
  }

  if (info.kind === 'rgb') {
    decodeColour(data, width, height, step, info, big, out);
    return { ok: true, image: { width, height, channels, kind: 'rgb', data: out } };
  }
  if (info.kind === 'mono') {
    decodeMono(data, width, height, step, info.width, big, out);
    return { ok: true, image: { width, height, channels, kind: 'mono', data: out } };
  }
  let valid: Uint8Array;
  if (buffers !== undefined) {
    if (buffers.valid.length < n) buffers.valid = new Uint8Array(n);
    valid = buffers.valid.subarray(0, n);
  } else {
    valid = new Uint8Array(n);
  }
  if (info.width === 2) decodeDepth16(data, width, height, step, big, out, valid);
  else decodeDepth32(data, width, height, step, big, out, valid);
  return { ok: true, image: { width, height, channels, kind: 'depth', data: out, valid } };
}

function decodeColour(data: Uint8Array, w: number, h: number, step: number, info: EncodingInfo, big: boolean, out: Float32Array): void {
  const { bpp, r, g, b } = info;
  let o = 0;
  if (info.width === 1) {
    for (let y = 0; y < h; y++) {
      let p = y * step;
      for (let x = 0; x < w; x++, p += bpp) {
        out[o++] = (data[p + r] as number) * INV_255;
        out[o++] = (data[p + g] as number) * INV_255;
        out[o++] = (data[p + b] as number) * INV_255;
      }
    }
    return;
  }
  // 16-bit channels: `hi`/`lo` are the byte offsets of the high and low byte.
  const hi = big ? 0 : 1;
  const lo = big ? 1 : 0;
  for (let y = 0; y < h; y++) {
    let p = y * step;
    for (let x = 0; x < w; x++, p += bpp) {
      out[o++] = (((data[p + r + hi] as number) << 8) | (data[p + r + lo] as number)) * INV_65535;
      out[o++] = (((data[p + g + hi] as number) << 8) | (data[p + g + lo] as number)) * INV_65535;
      out[o++] = (((data[p + b + hi] as number) << 8) | (data[p + b + lo] as number)) * INV_65535;
    }
  }
}

function decodeMono(data: Uint8Array, w: number, h: number, step: number, bytes: 1 | 2 | 4, big: boolean, out: Float32Array): void {
  let o = 0;
  if (bytes === 1) {
    for (let y = 0; y < h; y++) {
      const p = y * step;
      for (let x = 0; x < w; x++) out[o++] = (data[p + x] as number) * INV_255;
    }
    return;
  }
  const hi = big ? 0 : 1;
  const lo = big ? 1 : 0;
  for (let y = 0; y < h; y++) {
    let p = y * step;
    for (let x = 0; x < w; x++, p += 2) out[o++] = (((data[p + hi] as number) << 8) | (data[p + lo] as number)) * INV_65535;
  }
}

/** 16UC1: millimetres, 0 = no reading (REP 118). */
function decodeDepth16(data: Uint8Array, w: number, h: number, step: number, big: boolean, out: Float32Array, valid: Uint8Array): void {
  const hi = big ? 0 : 1;
  const lo = big ? 1 : 0;
  let o = 0;
  for (let y = 0; y < h; y++) {
    let p = y * step;
    for (let x = 0; x < w; x++, p += 2, o++) {
      const mm = ((data[p + hi] as number) << 8) | (data[p + lo] as number);
      if (mm === 0) {
        out[o] = NaN;
        valid[o] = 0;
      } else {
        out[o] = mm * MM_TO_M;
        valid[o] = 1;
      }
    }
  }
}

/** 32FC1: metres; NaN, ±Inf and non-positive values are no reading. */
function decodeDepth32(data: Uint8Array, w: number, h: number, step: number, big: boolean, out: Float32Array, valid: Uint8Array): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const little = !big;
  let o = 0;
  for (let y = 0; y < h; y++) {
    let p = y * step;
    for (let x = 0; x < w; x++, p += 4, o++) {
      const m = view.getFloat32(p, little);
      if (m > 0 && m < Infinity) {
        out[o] = m;
        valid[o] = 1;
      } else {
        out[o] = NaN;
        valid[o] = 0;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compressed images

/** Codecs sharp reads; anything else named in a format string is 'unsupported_format'. */
const SHARP_CODECS = ['jpeg', 'jpg', 'png', 'webp'];
const COLOUR_ENCODINGS = new Set(['rgb8', 'bgr8', 'rgba8', 'bgra8', 'rgb16', 'bgr16', 'rgba16', 'bgra16']);
const HOST_BIG_ENDIAN = endianness() === 'BE';
/** compressed_depth_image_transport's ConfigHeader: int32 format, float32 depthParam[2]. */
const COMPRESSED_DEPTH_HEADER_BYTES = 12;

interface ParsedFormat {
  /** Encoding of the original image, as written before ';' (case kept), or '' when absent. */
  original: string;
  depth: boolean;
  codec: string;
}

function parseFormat(format: string): ParsedFormat {
  const semi = format.indexOf(';');
  const original = semi >= 0 ? format.slice(0, semi).trim() : '';
  const rest = (semi >= 0 ? format.slice(semi + 1) : format).trim().toLowerCase();
  const depth = rest.includes('compresseddepth');
  const words = rest.split(/\s+/).filter((w) => w !== '' && w !== 'compressed' && w !== 'compresseddepth');
  // 'bgr8; jpeg compressed bgr8': the codec is the first word that is not an encoding.
  const codec = words.find((w) => !Object.hasOwn(ENCODINGS, w.toUpperCase()) && !Object.hasOwn(ENCODINGS, w) && !COLOUR_ENCODINGS.has(w)) ?? '';
  return { original, depth, codec };
}

/**
 * Decodes a sensor_msgs/CompressedImage via sharp: jpeg and png (image_transport 'compressed'),
 * and png inside compressed_depth_image_transport's 'compressedDepth'. Never throws.
 */
export async function decodeCompressed(msg: CompressedImageMsg, options: DecodeOptions = {}, buffers?: DecodeBuffers): Promise<DecodeResult> {
  try {
    return await decodeCompressedUnchecked(msg, options, buffers);
  } catch (err) {
    return drop('corrupt_compressed', `decode failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function decodeCompressedUnchecked(msg: CompressedImageMsg, options: DecodeOptions, buffers: DecodeBuffers | undefined): Promise<DecodeResult> {
  if (typeof msg !== 'object' || msg === null) return drop('bad_message', 'message is not an object');
  if (typeof msg.format !== 'string') return drop('bad_message', 'format is not a string');
  if (!isByteArray(msg.data)) return drop('bad_message', 'data is not a byte array');
  const bytes = toBytes(msg.data);
  if (bytes.length === 0) return drop('short_data', 'no compressed bytes');
  const fmt = parseFormat(msg.format);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;

  if (fmt.depth) {
    if (fmt.codec !== '' && fmt.codec !== 'png') return drop('unsupported_format', `compressedDepth codec '${fmt.codec}' is not supported`);
    return decodeCompressedDepth(bytes, fmt.original, maxPixels, buffers);
  }
  if (fmt.codec !== '' && !SHARP_CODECS.includes(fmt.codec)) return drop('unsupported_format', `codec '${fmt.codec.slice(0, 40)}' is not supported`);
  if (fmt.original === '32FC1') return drop('unsupported_format', '32FC1 needs compressedDepth');

  const meta = await readMeta(bytes, maxPixels);
  if (!meta.ok) return meta;
  const { width, height, channels: fileChannels, wide } = meta;
  const original = fmt.original;
  let target: 'rgb8' | 'mono8' | 'mono16' | '16UC1';
  if (original === '16UC1') target = '16UC1';
  else if (original === 'mono16') target = 'mono16';
  else if (original === 'mono8' || original === '8UC1') target = 'mono8';
  else if (COLOUR_ENCODINGS.has(original)) target = 'rgb8';
  else if (fileChannels <= 2) target = wide ? 'mono16' : 'mono8';
  else target = 'rgb8';

  const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).removeAlpha();
  const raw =
    target === 'rgb8'
      ? await pipeline.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
      : target === 'mono8'
        ? await pipeline.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })
        : await pipeline.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const bpp = target === 'rgb8' ? 3 : target === 'mono8' ? 1 : 2;
  if (raw.info.width !== width || raw.info.height !== height || raw.info.channels * (target === 'rgb8' || target === 'mono8' ? 1 : 2) !== bpp) {
    return drop('corrupt_compressed', `decoder returned ${raw.info.width}x${raw.info.height}x${raw.info.channels}`);
  }
  return decodeImage({ width, height, encoding: target, is_bigendian: HOST_BIG_ENDIAN ? 1 : 0, step: width * bpp, data: raw.data }, { maxPixels }, buffers);
}

type Meta = { ok: true; width: number; height: number; channels: number; wide: boolean } | Dropped;

async function readMeta(bytes: Uint8Array, maxPixels: number): Promise<Meta> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (err) {
    return drop('corrupt_compressed', `unreadable: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { width, height } = meta;
  if (width === undefined || height === undefined || width <= 0 || height <= 0) return drop('corrupt_compressed', 'no image size in header');
  // Checked from the header, before any pixel is decoded.
  if (width * height > maxPixels) return drop('too_large', `${width}x${height} exceeds maxPixels ${maxPixels}`);
  const wide = meta.depth === 'ushort' || meta.depth === 'short';
  return { ok: true, width, height, channels: meta.channels ?? 3, wide };
}

async function decodeCompressedDepth(bytes: Uint8Array, original: string, maxPixels: number, buffers: DecodeBuffers | undefined): Promise<DecodeResult> {
  if (bytes.length <= COMPRESSED_DEPTH_HEADER_BYTES) return drop('short_data', `compressedDepth needs a ${COMPRESSED_DEPTH_HEADER_BYTES}-byte header and a PNG`);
  if (original !== '' && original !== '16UC1' && original !== '32FC1') {
    return drop('unsupported_format', `compressedDepth of '${original.slice(0, 40)}' is not supported`);
  }
  const header = new DataView(bytes.buffer, bytes.byteOffset, COMPRESSED_DEPTH_HEADER_BYTES);
  const quantA = header.getFloat32(4, true);
  const quantB = header.getFloat32(8, true);
  const png = bytes.subarray(COMPRESSED_DEPTH_HEADER_BYTES);
  const meta = await readMeta(png, maxPixels);
  if (!meta.ok) return meta;
  const { width, height } = meta;
  const raw = await sharp(png, { limitInputPixels: maxPixels, failOn: 'error' })
    .removeAlpha()
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  if (raw.info.width !== width || raw.info.height !== height || raw.info.channels !== 1) {
    return drop('corrupt_compressed', `decoder returned ${raw.info.width}x${raw.info.height}x${raw.info.channels}`);
  }
  const msg: ImageMsg = { width, height, encoding: '16UC1', is_bigendian: HOST_BIG_ENDIAN ? 1 : 0, step: width * 2, data: raw.data };
  if (original !== '32FC1') return decodeImage(msg, { maxPixels }, buffers);
  if (!Number.isFinite(quantA) || !Number.isFinite(quantB)) return drop('corrupt_compressed', 'compressedDepth quantisation parameters are not finite');
  return decodeInverseDepth(raw.data, width, height, quantA, quantB, buffers);
}

/** 32FC1 compressedDepth stores q = A / depth + B as uint16, 0 for no reading; depth = A / (q - B). */
function decodeInverseDepth(data: Uint8Array, width: number, height: number, quantA: number, quantB: number, buffers: DecodeBuffers | undefined): DecodeResult {
  const n = width * height;
  let out: Float32Array;
  let valid: Uint8Array;
  if (buffers !== undefined) {
    if (buffers.data.length < n) buffers.data = new Float32Array(n);
    if (buffers.valid.length < n) buffers.valid = new Uint8Array(n);
    out = buffers.data.subarray(0, n);
    valid = buffers.valid.subarray(0, n);
  } else {
    out = new Float32Array(n);
    valid = new Uint8Array(n);
  }
  const hi = HOST_BIG_ENDIAN ? 0 : 1;
  const lo = HOST_BIG_ENDIAN ? 1 : 0;
  for (let i = 0, p = 0; i < n; i++, p += 2) {
    const q = ((data[p + hi] as number) << 8) | (data[p + lo] as number);
    const m = q === 0 ? NaN : quantA / (q - quantB);
    if (m > 0 && m < Infinity) {
      out[i] = m;
      valid[i] = 1;
    } else {
      out[i] = NaN;
      valid[i] = 0;
    }
  }
  return { ok: true, image: { width, height, channels: 1, kind: 'depth', data: out, valid } };
}

/** Whether a message is a CompressedImage (has `format`) rather than a raw Image (has `encoding`). */
export function isCompressedImageMsg(msg: ImageMsg | CompressedImageMsg): msg is CompressedImageMsg {
  return typeof msg === 'object' && msg !== null && 'format' in msg && !('encoding' in msg);
}
