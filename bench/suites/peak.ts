/**
 * `peak`: GEMM throughput measured in this run, the reference for utilization. ONNX Runtime runs a
 * one-node MatMul model (single-threaded, as odra's world-model sessions run, and on every core);
 * each tfjs backend present multiplies the same shapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { OnnxProviderName } from '../../src/compute/onnx-providers.ts';
import { selected } from '../args.ts';
import { matmulNet } from '../models/onnx-nets.ts';
import { driftOf, type DriftCheck, type PeakCase, type PeakReport, type SuiteContext } from '../report.ts';
import { measure, randomF32, rng, scaledFor, type RepeatOptions } from '../stats.ts';

/** [m, k, n]: a planner-sized batch and a larger one. */
export const PEAK_SHAPES: readonly (readonly [number, number, number])[] = [
  [256, 256, 256],
  [1024, 256, 256],
];

const TFJS_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

function gflops(m: number, k: number, n: number, ms: number): number {
  return (2 * m * k * n) / (ms * 1e6);
}

/** Thread counts ONNX Runtime is measured at: 1 and every core (when there is more than one). */
export function onnxThreadCounts(cpus: number): number[] {
  return cpus > 1 ? [1, cpus] : [1];
}

/** One ONNX Runtime MatMul case. */
export async function onnxMatmulCase(
  [m, k, n]: readonly [number, number, number],
  threads: number,
  providers: readonly OnnxProviderName[],
  repeat: RepeatOptions,
): Promise<PeakCase> {
  const net = matmulNet(m, k, n);
  const session = await InferenceSession.create(net.bytes, {
    executionProviders: [...providers],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  try {
    const x = new Tensor('float32', randomF32(m * k, 1, rng(5)), [m, k]);
    const timing = await measure(async () => {
      await session.run({ [net.inputName]: x });
    }, repeat);
    return { name: `onnx/t${threads}/${m}x${k}x${n}`, engine: 'onnx', threads, m, k, n, timing, gflops: gflops(m, k, n, timing.p50Ms) };
  } finally {
    await session.release();
  }
}

/** The best ONNX Runtime GFLOP/s per thread count. */
export function onnxPeaks(cases: readonly PeakCase[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of cases) if (c.engine === 'onnx') out[String(c.threads)] = Math.max(out[String(c.threads)] ?? 0, c.gflops);
  return out;
}

async function tfjsCases(ctx: SuiteContext, notices: string[]): Promise<PeakCase[]> {
  const cases: PeakCase[] = [];
  const restore = tf.getBackend();
  for (const name of TFJS_BACKENDS) {
    // tfjs is far from the peak; --quick measures its first shape only
    const shapes = (ctx.quick ? PEAK_SHAPES.slice(0, 1) : PEAK_SHAPES).filter(([m, k, n]) => selected(`tfjs-${name}/t1/${m}x${k}x${n}`, ctx.filters));
    if (shapes.length === 0) continue;
    if (tf.findBackendFactory(name) === null) {
      // only the selected backend is loaded by odra; the bundled ones are loaded here to be measured
      if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      else if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
    }
    let ok = false;
    try {
      ok = tf.findBackendFactory(name) !== null && (await tf.setBackend(name));
      if (ok) await tf.ready();
    } catch {
      ok = false;
    }
    if (!ok) {
      // a missing native backend is already the selection's notice
      if (name !== 'tensorflow') notices.push(`tfjs backend '${name}' is not present here; not measured`);
      continue;
    }
    for (const [m, k, n] of shapes) {
      ctx.progress(`peak: tfjs-${name} matMul ${m}×${k}×${n}`);
      const next = rng(6);
      const a = tf.tensor2d(randomF32(m * k, 1, next), [m, k]);
      const b = tf.tensor2d(randomF32(k * n, 1, next), [k, n]);
      const once = async (): Promise<void> => {
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
      };
      const probe = performance.now();
      await once();
      const timing = await measure(once, scaledFor(ctx.repeat, performance.now() - probe, ctx.quick ? 1500 : 5000));
      a.dispose();
      b.dispose();
      cases.push({ name: `tfjs-${name}/t1/${m}x${k}x${n}`, engine: `tfjs-${name}`, threads: 1, m, k, n, timing, gflops: gflops(m, k, n, timing.p50Ms) });
    }
  }
  if (restore !== '' && tf.getBackend() !== restore) await tf.setBackend(restore);
  return cases;
}

export async function runPeak(ctx: SuiteContext): Promise<PeakReport> {
  const cases: PeakCase[] = [];
  const notices: string[] = [];
  for (const shape of PEAK_SHAPES) {
    for (const threads of onnxThreadCounts(ctx.machine.cpus)) {
      const [m, k, n] = shape;
      if (!selected(`onnx/t${threads}/${m}x${k}x${n}`, ctx.filters)) continue;
      ctx.progress(`peak: onnx MatMul ${m}×${k}×${n}, ${threads} thread(s)`);
      cases.push(await onnxMatmulCase(shape, threads, ctx.backends.onnx.providers, ctx.repeat));
    }
  }
  cases.push(...(await tfjsCases(ctx, notices)));
  return { cases, onnxPeakGflops: onnxPeaks(cases), notices };
}

/**
 * Measures the peak's fastest ONNX Runtime case on every core again (after the other suites), to say
 * how far the machine's speed moved during the run; null when the peak suite measured no such case.
 */
export async function measureDrift(ctx: SuiteContext, peak: PeakReport): Promise<DriftCheck | null> {
  const allCores = Math.max(...onnxThreadCounts(ctx.machine.cpus));
  let start: PeakCase | null = null;
  for (const c of peak.cases) if (c.engine === 'onnx' && c.threads === allCores && (start === null || c.gflops > start.gflops)) start = c;
  if (start === null) return null;
  ctx.progress(`peak again: onnx MatMul ${start.m}×${start.k}×${start.n}, ${start.threads} thread(s)`);
  const end = await onnxMatmulCase([start.m, start.k, start.n], start.threads, ctx.backends.onnx.providers, ctx.repeat);
  return driftOf(start, end);
}
