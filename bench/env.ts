/** What a benchmark ran on: the machine, the runtime, and the compute backends chosen for this run. */
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { selectOnnxProviders, type OnnxProviderName } from '../src/compute/onnx-providers.ts';
import { selectTfBackend, type TfBackendName } from '../src/compute/tf-backend.ts';
import { fusedKernelDescription, fusedKernelKind, fusedWasmEnabled } from '../src/cost/fused-kernel.ts';

const require = createRequire(import.meta.url);

export interface MachineInfo {
  /** logical CPUs the process may use */
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  arch: string;
  totalMemGiB: number;
  onnxruntime: string;
  tfjs: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews timings */
  loadAvg: number[];
}

export interface BackendInfo {
  tfjs: { name: TfBackendName; notice?: string };
  onnx: { providers: OnnxProviderName[]; notice?: string };
  /** the fused kinematic cost's kernel on the calling thread: native (C), wasm, or the JS path; notice when not native */
  fusedCost: { kernel: 'native' | 'wasm' | 'js'; description: string; notice?: string };
}

/** Version of an installed package, from its package.json; 'unknown' when it cannot be read. */
function readVersion(name: string): string {
  try {
    const pkg = require(`${name}/package.json`) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The load averages, rounded to 0.01. */
export function loadAvgNow(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: availableParallelism(),
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    onnxruntime: readVersion('onnxruntime-node'),
    tfjs: readVersion('@tensorflow/tfjs-core'),
    loadAvg: loadAvgNow(),
  };
}

/** Selects the tfjs backend (tensorflow, else wasm, else cpu) and the ONNX Runtime providers, and names the fused cost's kernel, as odra does. */
export async function chooseBackends(): Promise<BackendInfo> {
  const tf = await selectTfBackend();
  const onnx = selectOnnxProviders();
  const kernel = fusedWasmEnabled() ? (fusedKernelKind() ?? 'js') : 'js';
  const description = fusedWasmEnabled() ? fusedKernelDescription() : 'JavaScript path (ODRA_FUSED_WASM=0)';
  return {
    fusedCost: kernel === 'native' ? { kernel, description } : { kernel, description, notice: `fused cost kernel: ${description}` },
    tfjs: tf.notice === undefined ? { name: tf.name } : { name: tf.name, notice: tf.notice },
    onnx: onnx.notice === undefined ? { providers: onnx.providers } : { providers: onnx.providers, notice: onnx.notice },
  };
}
