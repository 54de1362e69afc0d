/** Shared test helpers for perception: seeded randomness, a tiny ONNX conv encoder and its reference. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnnxModel } from '../../src/compute/onnx-build.ts';

/** mulberry32: a small seeded PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'odra-perception-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Weights of conv 3×3 (pad 1) → relu → global average pool → gemm. */
export interface ConvEncoderWeights {
  channels: number;
  filters: number;
  latent: number;
  /** [filters, channels, 3, 3] */
  convW: Float32Array;
  /** [filters] */
  convB: Float32Array;
  /** [latent, filters] (Gemm with transB = 1) */
  fcW: Float32Array;
  /** [latent] */
  fcB: Float32Array;
}

export function convEncoderWeights(channels: number, filters: number, latent: number, seed: number): ConvEncoderWeights {
  return {
    channels,
    filters,
    latent,
    convW: randomArray(filters * channels * 9, seed, -0.5, 0.5),
    convB: randomArray(filters, seed + 1, -0.1, 0.1),
    fcW: randomArray(latent * filters, seed + 2, -1, 1),
    fcB: randomArray(latent, seed + 3, -0.2, 0.2),
  };
}

/**
 * The ONNX model: input [batch, C, H, W] with a symbolic batch axis ('batch'); H and W fixed, or
 * symbolic when `size` is undefined. `batch` may be fixed to test chunked encoding.
 */
export function convEncoderOnnx(w: ConvEncoderWeights, size: number | undefined, opts: { batch?: number; metadata?: Record<string, string> } = {}): Uint8Array {
  const spec = {
    inputs: [{ name: 'image', shape: [opts.batch ?? 'batch', w.channels, size ?? 'height', size ?? 'width'] }],
    outputs: [{ name: 'latent', shape: [opts.batch ?? 'batch', w.latent] }],
    initializers: [
      { name: 'conv_w', dims: [w.filters, w.channels, 3, 3], data: w.convW },
      { name: 'conv_b', dims: [w.filters], data: w.convB },
      { name: 'fc_w', dims: [w.latent, w.filters], data: w.fcW },
      { name: 'fc_b', dims: [w.latent], data: w.fcB },
    ],
    nodes: [
      { op: 'Conv' as const, inputs: ['image', 'conv_w', 'conv_b'], outputs: ['conv'], attributes: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } } },
      { op: 'Relu' as const, inputs: ['conv'], outputs: ['act'] },
      { op: 'GlobalAveragePool' as const, inputs: ['act'], outputs: ['pool'] },
      { op: 'Flatten' as const, inputs: ['pool'], outputs: ['flat'], attributes: { axis: { i: 1 } } },
      { op: 'Gemm' as const, inputs: ['flat', 'fc_w', 'fc_b'], outputs: ['latent'], attributes: { transB: { i: 1 } } },
    ],
  };
  return buildOnnxModel(opts.metadata === undefined ? spec : { ...spec, metadata: opts.metadata });
}

/** Plain TypeScript forward pass of the same network on an NCHW batch; float64 accumulation. */
export function convEncoderReference(w: ConvEncoderWeights, x: Float32Array, n: number, h: number, wd: number): Float64Array {
  const { channels: C, filters: F, latent: D } = w;
  const out = new Float64Array(n * D);
  const pooled = new Float64Array(F);
  for (let b = 0; b < n; b++) {
    for (let f = 0; f < F; f++) {
      let sum = 0;
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < wd; xx++) {
          let acc = w.convB[f] as number;
          for (let c = 0; c < C; c++) {
            for (let ky = 0; ky < 3; ky++) {
              const sy = y + ky - 1;
              if (sy < 0 || sy >= h) continue;
              for (let kx = 0; kx < 3; kx++) {
                const sx = xx + kx - 1;
                if (sx < 0 || sx >= wd) continue;
                acc += (w.convW[((f * C + c) * 3 + ky) * 3 + kx] as number) * (x[((b * C + c) * h + sy) * wd + sx] as number);
              }
            }
          }
          sum += Math.max(0, acc);
        }
      }
      pooled[f] = sum / (h * wd);
    }
    for (let d = 0; d < D; d++) {
      let z = w.fcB[d] as number;
      for (let f = 0; f < F; f++) z += (w.fcW[d * F + f] as number) * (pooled[f] as number);
      out[b * D + d] = z;
    }
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
