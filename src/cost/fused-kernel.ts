/**
 * The fused cost kernel's joint-space pass and FK pass (fused.ts, jointPass and fkPass), in one of two
 * builds of the same kernel with the same memory layout: native (native/fused-fk.c, a Node-API addon
 * built by scripts/build-native.mjs, four samples per vector; loaded by compute/native-kernel.ts) where
 * it is built, else WebAssembly SIMD (wasm/fused-fk.ts → wasm/fused-fk.wasm by scripts/build-wasm.mjs,
 * two samples per f64x2; compiled by compute/wasm-kernel.ts). One call per block of samples (evalBlock)
 * takes the block's state rows (t = 0 .. T) and action rows and computes:
 * - the joint-space terms: joint_goal, posture, joint_limits, velocity_limits, acceleration_limits,
 *   smoothness (against prevAction at t = 1) and effort — for any layout (the latent of a learned model
 *   included) and with or without a chain;
 * - where the FK pass applies: forward kinematics, the bounding centres, ee_position, ee_orientation,
 *   keep_out and self_collision, plus the tip position of t = T that the terminal term reads.
 * Per sample and term it returns Σ_t weight · value, summed from +0 in time order: each value is
 * bit-identical to what the JS path computes (the kernel repeats its operations in the same order;
 * test/cost/fused-kernel.test.ts compares both builds with it, Object.is), and the sums are the JS path's
 * own additions, so results do not depend on which path ran. The terminal term stays in JS; the latent
 * goal too, except in the native build (latentRows).
 *
 * For a sampling planner's chunk on the kinematic model (planner/batch-chunk.ts) sampleRun also writes
 * the block's rows first (sampleRows: the noisy actions of writeNoisySample from a copy of the noise table
 * in the instance's memory, then kinematicRolloutRows), evaluates them in place and writes the actions
 * and states back to the batch buffers: the same doubles as the JS steps (test/planner/batch-chunk.test.ts).
 * The native build also writes the noisy samples of batches that are not chunked (nativeNoisyActions).
 *
 * A module whose memory layout version differs from LAYOUT_VERSION is refused; each FusedScratch (one per
 * evaluator and per cost worker) owns an instance, its memory (the wasm instance's, or an ArrayBuffer for
 * the native build) laid out here: geometry constants (written when the geometry changes), problem
 * constants (goals, limits, zones, norms, weights, reaches; written when the FusedProblem object changes —
 * it is plain data built per evaluation and not changed afterwards), scratch, then the block's rows and
 * the per-sample sums.
 *
 * The FK pass does revolute chains (any fixed joint rotation) up to MAX_DOF joints and MAX_SPHERES
 * spheres; for anything else (prismatic joints) fkPass runs it in JS while the joint-space pass stays
 * here, and fusedWasmSupport says why. Without either build everything runs in JS. (The names with
 * "wasm" — setFusedWasm, ODRA_FUSED_WASM, WASM_TERMS — are the kernel's, whichever build runs.)
 */
import { loadNativeKernel } from '../compute/native-kernel.ts';
import { compileWasmKernel, instantiateWasmKernel, type WasmMemory, type WasmModule } from '../compute/wasm-kernel.ts';
import type { KinematicRolloutSpec } from '../world-model/kinematic.ts';
import { D2F_MAX, DF_MAX, F_MAX } from './norms.ts';
import type { FusedGeometry, FusedProblem } from './fused.ts';

/** the largest chain the kernel takes: far beyond arms, and keeps an instance's memory small */
export const MAX_DOF = 64;
export const MAX_SPHERES = 65536;
/** the layout's limit on one block's rows (a block is 32 samples × horizon) */
const MAX_MEMORY_BYTES = 1 << 30;
const PAGE = 65536;

/** Slack added to every broad-phase reach (fused.ts and the kernel), m: far above FK rounding (~1e-15 m), far below any margin. */
export const BROAD_SLACK_M = 1e-9;

/** flag of evalBlock: forward kinematics (and the tip of t = T) in the kernel; the sums' flags: wasmSlotFlag */
export const WASM_FK = 16;

/** the terms the kernel sums, in the order of its accumulator slots */
export const WASM_TERMS = [
  'ee_position', 'ee_orientation', 'keep_out', 'self_collision',
  'joint_goal', 'posture', 'joint_limits', 'velocity_limits', 'acceleration_limits', 'smoothness', 'effort',
] as const;
export type WasmTermType = (typeof WASM_TERMS)[number];
/** the flag of accumulator slot s (around WASM_FK: the FK terms' slots below it, the joint-space ones above) */
export function wasmSlotFlag(s: number): number {
  return s < 4 ? 1 << s : 1 << (s + 1);
}
/** the terms that read the action rows */
const WASM_ACTION = wasmSlotFlag(WASM_TERMS.indexOf('smoothness')) | wasmSlotFlag(WASM_TERMS.indexOf('effort'));

/** what the kernel needs of a term's slot (fused.ts, Slot; k < 0: inactive) */
export interface WasmSlot {
  k: number;
  weight: number;
  norm: number;
  param: number;
  inv: number;
}

/** The slots of the terms the kernel sums; a goal term counts only with its goal set. */
export type WasmSlots = Record<WasmTermType, WasmSlot>;

/**
 * Where one block's results lie in run's view: sums of slot s (WASM_TERMS[s]) for sample c0 + i at
 * s · stride + i; the tip position of t = T at tip + 4·i (with WASM_FK).
 */
export interface WasmBlock {
  out: Float64Array;
  stride: number;
  tip: number;
}

interface KernelExports {
  memory: WasmMemory;
  /** bytes of one vector of the kernel's scratch (16: wasm f64x2; 32: the native kernel's four doubles) */
  vectorBytes: number;
  layoutVersion(): number;
  header(): number;
  heapBase(): number;
  configure(): void;
  evalBlock(T: number, nb: number, flags: number): void;
  sampleRows(
    T: number, nb: number, c0: number, pNoise: number, noiseLen: number, pOff: number, pMean: number, pStd: number, pLo: number, pHi: number,
    pS0: number, pPrev: number, latent: number, rho: number, c: number, scale: number, alpha: number, k: number, dt: number,
  ): void;
}

/**
 * How a sampling planner draws sample b ≥ 1 of a batch: clamp(mean + scale·sampleScale(b)·(std ⊙ ε_b))
 * into [lo, hi], ε_b a noise run made AR(1) with rho (planner/common.ts, writeNoisySample; std null = 1),
 * rolled out from s0.
 */
export interface NoiseSampling {
  rho: number;
  mean: Float64Array;
  std: Float64Array | null;
  scale: number;
  lo: Float64Array;
  hi: Float64Array;
  s0: Float64Array;
}

/**
 * A sampling planner's chunk as the kernel writes it (sampleRun): ε_b the run of `noise` from offsets[b],
 * rolled out through the kinematic model (world-model/kinematic.ts, KinematicRolloutSpec and
 * kinematicRolloutRows; its layout and action dimension must be the problem's). `noiseKey` names the
 * table's contents: equal keys, equal tables (it is copied into the instance once per key).
 */
export interface WasmSampling extends NoiseSampling {
  noise: Float64Array;
  noiseKey: string;
  offsets: Int32Array;
  rollout: KinematicRolloutSpec;
  /**
   * false: only the rows the cost reads after the kernel (the last step's, and every step's where a latent
   * goal is active) are written to the batch's states, the rest stay in the kernel's memory; for callers
   * that read only the actions and the costs, as the sampling planners do.
   */
  keepStates: boolean;
}

let enabled = process.env.ODRA_FUSED_WASM !== '0';

/**
 * Use the WebAssembly kernel where it applies (default; ODRA_FUSED_WASM=0 in the environment starts a
 * process, and the cost workers it starts, with it off). Affects the calling thread only.
 */
export function setFusedWasm(on: boolean): void {
  enabled = on;
}

export function fusedWasmEnabled(): boolean {
  return enabled;
}

let compiled: WasmModule | null = null;
let compileError: string | null = null;

/**
 * The native build of the same kernel (native/fused-fk.c, scripts/build-native.mjs): its functions take
 * the kernel's memory, a plain ArrayBuffer laid out as the wasm memory, as their first argument.
 */
interface NativeFusedModule {
  /** whether this CPU has the instructions the build targets (a build for AVX2 copied to a CPU without it) */
  cpuSupported(): boolean;
  layoutVersion(): number;
  vectorBytes(): number;
  heapBase(): number;
  /** the instruction set it was built for (avx2, sse2, neon, …) */
  target(): string;
  /** fdlibm's log as the kernel computes it (Math.log's algorithm in V8) */
  log(x: number): number;
  configure(mem: ArrayBuffer): void;
  evalBlock(mem: ArrayBuffer, T: number, nb: number, flags: number): void;
  sampleRows(
    mem: ArrayBuffer, T: number, nb: number, c0: number, pNoise: number, noiseLen: number, pOff: number, pMean: number, pStd: number, pLo: number, pHi: number,
    pS0: number, pPrev: number, latent: number, rho: number, c: number, scale: number, alpha: number, k: number, dt: number,
  ): void;
  // on the planner's own arrays (plain or shared Float64Arrays), in place
  /** writeNoisySample for samples b0 .. b1-1 (b ≥ 1) of actions [T, B, A], noise runs from offsets[b] */
  noisyActions(
    actions: Float64Array, noise: Float64Array, offsets: Int32Array, mean: Float64Array, std: Float64Array | null, lo: Float64Array, hi: Float64Array,
    T: number, B: number, A: number, b0: number, b1: number, rho: number, c: number, scale: number,
  ): void;
  /** latentPass of fused.ts (perTerm from index slot) */
  latentRows(
    states: Float64Array, perTerm: Float64Array, goal: Float64Array, T: number, B: number, c0: number, c1: number, D: number, latentDim: number,
    slot: number, code: number, inv: number, param: number, weight: number, fMax: number, dfMax: number, d2fMax: number,
  ): void;
  /** q then qd of rows t = 0 .. T, samples c0 .. c1-1, into the kernel's memory at byte dst */
  gatherRows(mem: ArrayBuffer, states: Float64Array, dst: number, T: number, B: number, c0: number, c1: number, D: number, qOffset: number, qdOffset: number, dof: number): void;
}

let nativeOn = process.env.ODRA_FUSED_NATIVE !== '0';
let nativeModule: NativeFusedModule | null = null;
let nativeError: string | null = null;

/**
 * Use the native kernel where it is built (default; ODRA_FUSED_NATIVE=0 or ODRA_NATIVE=0 in the environment
 * starts a process, and its cost workers, on the WebAssembly kernel). Both compute the same doubles; the
 * native one four samples per vector. Affects instances created afterwards on the calling thread.
 */
export function setFusedNative(on: boolean): void {
  nativeOn = on;
}

/** The native kernel module when built and loadable on this thread; null with the reason otherwise. */
function nativeKernel(): NativeFusedModule | null {
  if (nativeModule !== null || nativeError !== null) return nativeModule;
  const c = loadNativeKernel<NativeFusedModule>('fused-fk.node');
  if ('error' in c) nativeError = c.error;
  else if (typeof c.module.cpuSupported !== 'function' || !c.module.cpuSupported()) nativeError = `native/fused-fk.node was built for ${c.module.target()}, which this CPU lacks (rebuild it on this machine: npm run build:native)`;
  else if (c.module.layoutVersion() !== LAYOUT_VERSION) nativeError = `native/fused-fk.node has memory layout ${c.module.layoutVersion()}, this odra writes layout ${LAYOUT_VERSION} (rebuild it: npm run build:native)`;
  else nativeModule = c.module;
  return nativeModule;
}

/** Which kernel FusedKernel.create() gives on this thread now: 'native', 'wasm', or null (neither: the JS path). */
export function fusedKernelKind(): 'native' | 'wasm' | null {
  if (nativeOn && nativeKernel() !== null) return 'native';
  return kernelModule() !== null ? 'wasm' : null;
}

/** One line on the kernel in use (for notices and reports): which one, its file, and why not the native one. */
export function fusedKernelDescription(): string {
  const kind = fusedKernelKind();
  if (kind === 'native') return `native ${nativeModule!.target()} (native/fused-fk.node; ODRA_FUSED_NATIVE=0 runs wasm/fused-fk.wasm)`;
  const why = nativeOn ? (nativeError ?? 'not loaded') : 'ODRA_FUSED_NATIVE=0';
  if (kind === 'wasm') return `WebAssembly SIMD (wasm/fused-fk.wasm; no native kernel: ${why})`;
  return `none (${compileError ?? 'unavailable'}; no native kernel: ${why})`;
}

/** The native module's log, for the test that holds it to Math.log; null when the module is not built. */
export function nativeKernelLog(): ((x: number) => number) | null {
  const m = nativeKernel();
  return m === null ? null : (x) => m.log(x);
}

/**
 * writeNoisySample (planner/common.ts) for samples b0 .. b1-1 of `actions` [T, B, A] in the native kernel,
 * sample b's noise the run of `noise` from offsets[b] (the offset NoiseSource.fill would read); the same
 * doubles. false (nothing written) where the native kernel is off or not built, or an array is shorter
 * than the batch (the JS path then writes what it writes there).
 */
export function nativeNoisyActions(
  actions: Float64Array, noise: Float64Array, offsets: Int32Array, mean: Float64Array, std: Float64Array | null, lo: Float64Array, hi: Float64Array,
  T: number, B: number, A: number, b0: number, b1: number, rho: number, scale: number,
): boolean {
  const m = enabled && nativeOn ? nativeKernel() : null;
  if (m === null) return false;
  const n = T * A;
  // the kernel's scratch holds one step of up to 1024 actions
  if (A > 1024 || actions.length < T * B * A || offsets.length < b1 || mean.length < n || (std !== null && std.length < n) || lo.length < A || hi.length < A || noise.length < 1) return false;
  m.noisyActions(actions, noise, offsets, mean, std, lo, hi, T, B, A, b0, b1, rho, rho > 0 ? Math.sqrt(1 - rho * rho) : 0, scale);
  return true;
}

/** wasm-shaped exports over the native module and a memory of its own (an ArrayBuffer that grows by copying) */
function nativeExports(m: NativeFusedModule): KernelExports {
  let buf = new ArrayBuffer(4 * PAGE);
  const memory: WasmMemory = {
    get buffer() {
      return buf;
    },
    grow(pages: number): number {
      const old = buf.byteLength / PAGE;
      const next = new ArrayBuffer(buf.byteLength + pages * PAGE);
      new Uint8Array(next).set(new Uint8Array(buf));
      buf = next;
      return old;
    },
  };
  return {
    memory,
    vectorBytes: m.vectorBytes(),
    layoutVersion: () => m.layoutVersion(),
    header: () => 0,
    heapBase: () => m.heapBase(),
    configure: () => m.configure(buf),
    evalBlock: (T, nb, flags) => m.evalBlock(buf, T, nb, flags),
    sampleRows: (T, nb, c0, pNoise, noiseLen, pOff, pMean, pStd, pLo, pHi, pS0, pPrev, latent, rho, c, scale, alpha, k, dt) =>
      m.sampleRows(buf, T, nb, c0, pNoise, noiseLen, pOff, pMean, pStd, pLo, pHi, pS0, pPrev, latent, rho, c, scale, alpha, k, dt),
  };
}

/**
 * The memory layout this file writes and wasm/fused-fk.ts reads (header fields, parameter offsets,
 * block buffers); both say the same number, and a module that says another is not used.
 */
const LAYOUT_VERSION = 2;

const IMPORTS = { Math: { log: Math.log, sin: Math.sin, cos: Math.cos } };

/** The kernel's module, compiled on first use; null with the reason when this thread cannot have it. */
function kernelModule(): WasmModule | null {
  if (compiled !== null || compileError !== null) return compiled;
  const c = compileWasmKernel('fused-fk.wasm');
  if ('error' in c) {
    compileError = c.error;
    return null;
  }
  try {
    const v = instantiateWasmKernel<KernelExports>(c.module, IMPORTS).layoutVersion();
    if (v !== LAYOUT_VERSION) compileError = `wasm/fused-fk.wasm has memory layout ${v}, this odra writes layout ${LAYOUT_VERSION} (rebuild it: npm run build:wasm)`;
    else compiled = c.module;
  } catch (e) {
    compileError = `wasm/fused-fk.wasm cannot be instantiated: ${e instanceof Error ? e.message : String(e)}`;
  }
  return compiled;
}

/**
 * Why the kernel cannot run the FK pass for this geometry on this thread, or null when it can: joint
 * kinds (prismatic joints), sizes beyond the layout, or the module unavailable.
 */
export function fusedWasmSupport(g: FusedGeometry): string | null {
  if (g.dof < 1 || g.dof > MAX_DOF) return `the kernel takes 1 to ${MAX_DOF} joints, the chain has ${g.dof}`;
  if (g.nSpheres > MAX_SPHERES) return `the kernel takes up to ${MAX_SPHERES} spheres, the chain has ${g.nSpheres}`;
  const c = g.constants;
  for (let k = 0; k < g.dof; k++) if (c.prismatic[k] !== 0) return `joint ${k} is prismatic (the kernel does revolute joints only)`;
  if (c.jointPerm.length < g.dof * 3 || c.jointRot.length < g.dof * 9) return 'the chain constants are incomplete';
  return fusedKernelKind() !== null ? null : compileError;
}

// header fields, in the order configure() in wasm/fused-fk.ts reads them
const H = {
  dof: 0, nSpheres: 1, nGroups: 2, nFirsts: 3, nKeepOut: 4, nBoxes: 5, nZones: 6,
  epCode: 7, eoCode: 8, koCode: 9, scCode: 10,
  kind: 11, perm: 12, sign: 13, rot: 14, trans: 15, tipRot: 16, tipTrans: 17, boundCentre: 18,
  local: 19, radius: 20, bodyStart: 21, groupA: 22, groupB: 23, groupStart: 24, firsts: 25,
  partnerStart: 26, partners: 27, groupNear: 28, reach: 29, keepOutBodies: 30, keepOutReach: 31,
  boxes: 32, zones: 33, goalP: 34, goalR: 35, params: 36,
  frames: 37, ee: 38, bounds: 39, sincos: 40, near: 41, centres: 42, stamps: 43, states: 44, acc: 45,
  jdof: 46, adim: 47, rowBytes: 48, qBytes: 49, qdBytes: 50,
  jgCode: 51, poCode: 52, jlCode: 53, vlCode: 54, alCode: 55, smCode: 56, efCode: 57,
  goalJ: 58, posture: 59, lowerM: 60, upperM: 61, maxVel: 62, maxAcc: 63, actions: 64,
} as const;
const HEADER_FIELDS = Object.keys(H).length;
/** doubles of the parameter table (PAR_* in wasm/fused-fk.ts) */
const PARAMS = 32;
/** the header fields of the FK geometry, zero when the kernel runs without FK */
const GEOMETRY_FIELDS = [
  'dof', 'nSpheres', 'nGroups', 'nFirsts', 'nKeepOut', 'kind', 'perm', 'sign', 'rot', 'trans', 'tipRot', 'tipTrans', 'boundCentre',
  'local', 'radius', 'bodyStart', 'groupA', 'groupB', 'groupStart', 'firsts', 'partnerStart', 'partners', 'groupNear', 'keepOutBodies',
  'frames', 'ee', 'bounds', 'sincos', 'near', 'centres', 'stamps',
] as const;
/** state rows no wider than this many doubles beyond q and qd are copied whole (one memcpy per step) */
const WHOLE_ROW_SLACK = 8;

/** bump allocator over the instance's memory, 16-byte aligned */
class Layout {
  constructor(public end: number) {}
  take(bytes: number): number {
    const p = (this.end + 15) & ~15;
    this.end = p + bytes;
    return p;
  }
}

/** One instance of the kernel (per FusedScratch, so per thread): the native build where there is one, else wasm. */
export class FusedKernel {
  private readonly ex: KernelExports;
  /** which build this instance runs */
  readonly kind: 'native' | 'wasm';
  /** the native module (kind 'native'): its operations on the planner's arrays */
  private readonly native: NativeFusedModule | null;
  private readonly hdrPtr: number;
  private readonly heapBase: number;
  private hdr!: Int32Array;
  private f64!: Float64Array;
  private i32!: Int32Array;
  /** the FK geometry in memory (null: none); undefined before the first prepare */
  private geometry: FusedGeometry | null | undefined = undefined;
  private geometryEnd = 0;
  private problem: FusedProblem | null = null;
  private reach: Float64Array | null = null;
  private reachMargin = Number.NaN;
  private flags = 0;
  /** state rows: whole rows (true) or q and qd gathered */
  private wholeRows = true;
  private rowDoubles = 0;
  private jdof = 0;
  private adim = 0;
  private blockStart = 0;
  /** bytes of the block areas as placed */
  private capStates = -1;
  private capActions = -1;
  private capAcc = -1;
  private statesPtr = 0;
  private actionsPtr = 0;
  private accPtr = 0;
  /** the sampling constants (sampleRun): mean, std, lo, hi, s0, scratch, offsets */
  private capSamp = -1;
  private sampPtr = 0;
  /** the copy of the noise table (valid while noiseKey is set: the block areas end before it) */
  private noiseKey: string | null = null;
  private noisePtr = 0;
  private areasEnd = 0;
  private sampling: WasmSampling | null = null;

  private constructor(ex: KernelExports, kind: 'native' | 'wasm', native: NativeFusedModule | null = null) {
    this.ex = ex;
    this.kind = kind;
    this.native = native;
    this.hdrPtr = this.ex.header();
    this.heapBase = this.ex.heapBase();
    this.views();
  }

  /** A new instance, or null when the module is unavailable on this thread. */
  static create(): FusedKernel | null {
    const n = nativeOn ? nativeKernel() : null;
    if (n !== null) return new FusedKernel(nativeExports(n), 'native', n);
    const m = kernelModule();
    if (m === null) return null;
    try {
      return new FusedKernel({ ...instantiateWasmKernel<Omit<KernelExports, 'vectorBytes'>>(m, IMPORTS), vectorBytes: 16 }, 'wasm');
    } catch (e) {
      // e.g. out of memory for another instance: this scratch runs the JS path
      compileError ??= `wasm/fused-fk.wasm: no instance: ${e instanceof Error ? e.message : String(e)}`;
      return null;
    }
  }

  private views(): void {
    const buf = this.ex.memory.buffer;
    this.hdr = new Int32Array(buf, this.hdrPtr, HEADER_FIELDS);
    this.f64 = new Float64Array(buf);
    this.i32 = new Int32Array(buf);
  }

  private ensureBytes(end: number): void {
    const have = this.ex.memory.buffer.byteLength;
    if (end > have) {
      this.ex.memory.grow(Math.ceil((end - have) / PAGE));
      this.views();
    }
  }

  private putF64(p: number, a: ArrayLike<number>, n = a.length): void {
    const o = p >> 3;
    if (ArrayBuffer.isView(a) && a.length >= n) {
      this.f64.set((a as unknown as Float64Array).subarray(0, n), o);
      return;
    }
    // element by element: an entry past a's end is NaN here, as where the JS reads it
    for (let i = 0; i < n; i++) this.f64[o + i] = a[i]!;
  }

  private putI32(p: number, a: ArrayLike<number>, n = a.length): void {
    const o = p >> 2;
    for (let i = 0; i < n; i++) this.i32[o + i] = a[i]!;
  }

  /** geometry constants from the heap base (the geometry is immutable and cached per chain); null: no FK */
  private writeGeometry(g: FusedGeometry | null): void {
    const h = this.hdr;
    this.geometry = g;
    this.problem = null;
    if (g === null) {
      for (const name of GEOMETRY_FIELDS) h[H[name]] = 0;
      this.geometryEnd = this.heapBase;
      return;
    }
    const dof = g.dof;
    const S = g.nSpheres;
    const c = g.constants;
    const L = new Layout(this.heapBase);
    const vb = this.ex.vectorBytes;
    const at = {
      kind: L.take(dof * 4), perm: L.take(dof * 12), sign: L.take(dof * 24), rot: L.take(dof * 72), trans: L.take(dof * 24),
      tipRot: L.take(72), tipTrans: L.take(24), boundCentre: L.take((dof + 1) * 24), local: L.take(S * 24), radius: L.take(S * 8),
      bodyStart: L.take((dof + 2) * 4), groupA: L.take(g.groupA.length * 4), groupB: L.take(g.groupB.length * 4),
      groupStart: L.take(g.groupStart.length * 4), firsts: L.take(g.firsts.length * 4), partnerStart: L.take(g.partnerStart.length * 4),
      partners: L.take(g.partners.length * 4), groupNear: L.take(g.groupNearStart.length * 4), keepOutBodies: L.take(g.keepOutBodies.length * 4),
      frames: L.take((dof + 1) * 12 * vb), ee: L.take(12 * vb), bounds: L.take((dof + 1) * 3 * vb), sincos: L.take(dof * 2 * vb),
      near: L.take(S * vb), centres: L.take(S * 3 * vb), stamps: L.take(S * 4),
    };
    this.ensureBytes(L.end);
    const kind = new Int32Array(dof);
    for (let k = 0; k < dof; k++) kind[k] = c.jointPerm[k * 3]! >= 0 ? 0 : 1;
    this.putI32(at.kind, kind);
    this.putI32(at.perm, c.jointPerm, dof * 3);
    this.putF64(at.sign, c.jointSign, dof * 3);
    this.putF64(at.rot, c.jointRot, dof * 9);
    this.putF64(at.trans, c.jointTrans, dof * 3);
    this.putF64(at.tipRot, c.tipRot, 9);
    this.putF64(at.tipTrans, c.tipTrans, 3);
    this.putF64(at.boundCentre, g.boundCentre, (dof + 1) * 3);
    this.putF64(at.local, c.sphereCenters, S * 3);
    this.putF64(at.radius, g.radius, S);
    this.putI32(at.bodyStart, g.bodyStart, dof + 2);
    this.putI32(at.groupA, g.groupA);
    this.putI32(at.groupB, g.groupB);
    this.putI32(at.groupStart, g.groupStart);
    this.putI32(at.firsts, g.firsts);
    this.putI32(at.partnerStart, g.partnerStart);
    this.putI32(at.partners, g.partners);
    this.putI32(at.groupNear, g.groupNearStart);
    this.putI32(at.keepOutBodies, g.keepOutBodies);
    h[H.dof] = dof;
    h[H.nSpheres] = S;
    h[H.nGroups] = g.groupA.length;
    h[H.nFirsts] = g.firsts.length;
    h[H.nKeepOut] = g.keepOutBodies.length;
    for (const [name, p] of Object.entries(at)) h[H[name as keyof typeof at]] = p;
    this.geometryEnd = L.end;
  }

  /** problem constants after the geometry; the block areas are (re)placed after them */
  private writeProblem(p: FusedProblem, s: WasmSlots, reach: Float64Array): void {
    const g = this.geometry ?? null;
    const { dof, qOffset, qdOffset, stateDim: D } = p.layout;
    const A = p.actionDim;
    const nBox = g === null ? 0 : Math.floor(p.boxes.length / 6);
    const nZone = g === null ? 0 : Math.floor(p.zoneSpheres.length / 4);
    const nKO = g === null ? 0 : g.keepOutBodies.length;
    const jl = s.joint_limits.param;
    const params = [
      s.ee_position.inv, s.ee_position.param, s.ee_orientation.inv, s.ee_orientation.param, s.keep_out.param, s.self_collision.param, F_MAX, DF_MAX, D2F_MAX,
      ...WASM_TERMS.map((type) => s[type].weight),
      s.joint_goal.inv, s.joint_goal.param, s.posture.inv, s.posture.param, jl, s.velocity_limits.param, s.acceleration_limits.param,
      s.smoothness.inv, s.smoothness.param, s.effort.inv, s.effort.param, 1 / p.dtS,
    ];
    if (params.length !== PARAMS) throw new Error(`fused kernel: ${params.length} parameters for a table of ${PARAMS} (PAR_* in wasm/fused-fk.ts)`);
    const L = new Layout(this.geometryEnd);
    const at = {
      reach: L.take(g === null ? 0 : reach.length * 8), keepOutReach: L.take(nKO * 8), boxes: L.take(nBox * 48), zones: L.take(nZone * 32),
      goalP: L.take(24), goalR: L.take(72), params: L.take(PARAMS * 8),
      goalJ: L.take(dof * 8), posture: L.take(dof * 8), lowerM: L.take(dof * 8), upperM: L.take(dof * 8), maxVel: L.take(dof * 8), maxAcc: L.take(dof * 8),
    };
    this.ensureBytes(L.end);
    if (g !== null) {
      this.putF64(at.reach, reach);
      const m = s.keep_out.param;
      const koReach = new Float64Array(nKO);
      // keepOutRow's broad-phase reach of body k, the same expression
      for (let i = 0; i < nKO; i++) koReach[i] = g.boundRadius[g.keepOutBodies[i]!]! + m + BROAD_SLACK_M;
      this.putF64(at.keepOutReach, koReach);
      this.putF64(at.boxes, p.boxes, nBox * 6);
      this.putF64(at.zones, p.zoneSpheres, nZone * 4);
    }
    this.putF64(at.goalP, p.goalEePosition ?? [0, 0, 0], 3);
    this.putF64(at.goalR, p.goalEeRotation ?? new Float64Array(9), 9);
    this.putF64(at.params, params);
    const zeros = new Float64Array(dof);
    this.putF64(at.goalJ, p.goalJoints ?? zeros, dof);
    this.putF64(at.posture, p.goalPosture ?? zeros, dof);
    // jointPass's lower[j] + m and upper[j] − m, the same expressions (on missing entries: NaN, as there)
    const lowerM = new Float64Array(dof);
    const upperM = new Float64Array(dof);
    for (let j = 0; j < dof; j++) {
      lowerM[j] = (p.lower[j] as number) + jl;
      upperM[j] = (p.upper[j] as number) - jl;
    }
    this.putF64(at.lowerM, lowerM);
    this.putF64(at.upperM, upperM);
    this.putF64(at.maxVel, p.maxVel, dof);
    this.putF64(at.maxAcc, p.maxAcc, dof);
    const h = this.hdr;
    h[H.nBoxes] = nBox;
    h[H.nZones] = nZone;
    h[H.epCode] = s.ee_position.norm;
    h[H.eoCode] = s.ee_orientation.norm;
    h[H.koCode] = s.keep_out.norm;
    h[H.scCode] = s.self_collision.norm;
    h[H.jgCode] = s.joint_goal.norm;
    h[H.poCode] = s.posture.norm;
    h[H.jlCode] = s.joint_limits.norm;
    h[H.vlCode] = s.velocity_limits.norm;
    h[H.alCode] = s.acceleration_limits.norm;
    h[H.smCode] = s.smoothness.norm;
    h[H.efCode] = s.effort.norm;
    for (const [name, ptr] of Object.entries(at)) h[H[name as keyof typeof at]] = ptr;
    // state rows: whole when they are little more than q and qd (one copy per step), else q and qd gathered
    this.wholeRows = D <= 2 * dof + WHOLE_ROW_SLACK;
    this.rowDoubles = this.wholeRows ? D : 2 * dof;
    h[H.jdof] = dof;
    h[H.adim] = A;
    h[H.rowBytes] = this.rowDoubles * 8;
    h[H.qBytes] = (this.wholeRows ? qOffset : 0) * 8;
    h[H.qdBytes] = (this.wholeRows ? qdOffset : dof) * 8;
    this.jdof = dof;
    this.adim = A;
    this.problem = p;
    this.reach = reach;
    this.reachMargin = s.self_collision.param;
    let flags = g === null ? 0 : WASM_FK;
    WASM_TERMS.forEach((type, i) => {
      if (s[type].k < 0) return;
      if (type === 'ee_position' || type === 'ee_orientation' || type === 'keep_out' || type === 'self_collision') {
        if (g === null) return;
        if (type === 'ee_position' && p.goalEePosition === null) return;
        if (type === 'ee_orientation' && p.goalEeRotation === null) return;
      }
      // a goal term without its goal is inactive (as jointPass)
      if (type === 'joint_goal' && p.goalJoints === null) return;
      if (type === 'posture' && p.goalPosture === null) return;
      flags |= wasmSlotFlag(i);
    });
    this.flags = flags;
    this.blockStart = L.end;
    this.capStates = this.capActions = this.capAcc = this.capSamp = -1;
  }

  /**
   * Readies the instance for problem p (constants written when p or its geometry changed); `reach` is
   * the self-collision reach table for the self_collision margin (FusedScratch.collisionReach). Returns
   * the flags for run: WASM_FK when the kernel does p's forward kinematics (p has FK terms and
   * fusedWasmSupport allows the geometry; otherwise fkPass stays in JS), and one flag per term it sums;
   * 0 when it has nothing to do.
   */
  prepare(p: FusedProblem, s: WasmSlots, reach: Float64Array): number {
    const g0 = p.geometry;
    // the geometry in memory was checked when it was written
    const g = g0 !== null && (g0 === this.geometry || fusedWasmSupport(g0) === null) ? g0 : null;
    if (g !== this.geometry) this.writeGeometry(g);
    if (p !== this.problem || reach !== this.reach || s.self_collision.param !== this.reachMargin) {
      this.writeProblem(p, s, reach);
      this.ex.configure();
    }
    return this.flags;
  }

  /**
   * Runs samples c0 .. c1-1 over t = 1 .. T (states [T+1, B, D], actions [T, B, A]) with the problem of
   * the last prepare; returns where the per-sample sums lie. The view is valid until the next call.
   */
  run(states: Float64Array, actions: Float64Array, T: number, B: number, c0: number, c1: number): WasmBlock {
    const flags = this.flags;
    const p = this.problem!;
    const nb = c1 - c0;
    const A = this.adim;
    const needActions = (flags & WASM_ACTION) !== 0;
    this.place(T, nb, needActions ? (T + 1) * nb * A * 8 : 0, 0);
    const f64 = this.f64;
    const { qOffset, qdOffset, stateDim: D } = p.layout;
    const sBase = this.statesPtr >> 3;
    if (this.wholeRows) {
      for (let t = 0; t <= T; t++) f64.set(states.subarray((t * B + c0) * D, (t * B + c1) * D), sBase + t * nb * D);
    } else if (this.native !== null) {
      this.native.gatherRows(this.ex.memory.buffer, states, this.statesPtr, T, B, c0, c1, D, qOffset, qdOffset, this.jdof);
    } else {
      const dof = this.jdof;
      let o = sBase;
      for (let t = 0; t <= T; t++) {
        for (let b = c0; b < c1; b++) {
          const q0 = (t * B + b) * D + qOffset;
          for (let j = 0; j < dof; j++) f64[o + j] = states[q0 + j]!;
          const qd0 = (t * B + b) * D + qdOffset;
          for (let j = 0; j < dof; j++) f64[o + dof + j] = states[qd0 + j]!;
          o += 2 * dof;
        }
      }
    }
    if (needActions) {
      const aBase = this.actionsPtr >> 3;
      const prev = p.prevAction;
      // t = 0: the previous action for every sample (smoothness at t = 1)
      for (let i = 0; i < nb; i++) for (let j = 0; j < A; j++) f64[aBase + i * A + j] = prev[j] as number;
      for (let t = 1; t <= T; t++) f64.set(actions.subarray(((t - 1) * B + c0) * A, ((t - 1) * B + c1) * A), aBase + t * nb * A);
    }
    return this.evaluate(T, nb);
  }

  /** (Re)places the block areas when a block needs more room than they have. */
  private place(T: number, nb: number, aBytes: number, sampBytes: number): void {
    const nbPad = (nb + 1) & ~1;
    const sBytes = (T + 1) * nb * this.rowDoubles * 8;
    const accBytes = (WASM_TERMS.length + 4) * nbPad * 8;
    if (sBytes > this.capStates || aBytes > this.capActions || accBytes > this.capAcc || sampBytes > this.capSamp) {
      this.capStates = Math.max(sBytes, this.capStates);
      this.capActions = Math.max(aBytes, this.capActions);
      this.capAcc = Math.max(accBytes, this.capAcc);
      this.capSamp = Math.max(sampBytes, this.capSamp);
      const L = new Layout(this.blockStart);
      this.statesPtr = L.take(this.capStates);
      this.actionsPtr = L.take(this.capActions);
      this.accPtr = L.take(this.capAcc);
      this.sampPtr = L.take(this.capSamp);
      if (L.end > MAX_MEMORY_BYTES) throw new Error(`fused-fk.wasm: a block of ${T} × ${nb} rows needs ${L.end} bytes`);
      this.ensureBytes(L.end);
      this.areasEnd = L.end;
      this.hdr[H.states] = this.statesPtr;
      this.hdr[H.actions] = this.actionsPtr;
      this.hdr[H.acc] = this.accPtr;
      this.ex.configure();
    }
    // the areas (or the constants before them) may have grown over the noise copy
    if (this.noiseKey !== null && (this.areasEnd > this.noisePtr || this.blockStart > this.noisePtr)) this.noiseKey = null;
  }

  /**
   * Whether sampleRun can write the rows of this problem (last prepare) from `s`: whole state rows whose
   * layout is the rollout's (the latent, then q, then qd), the rollout's action dimension the problem's.
   */
  canSample(s: WasmSampling): boolean {
    const p = this.problem;
    if (p === null || !this.wholeRows) return false;
    const l = p.layout;
    const r = s.rollout;
    const rl = r.layout;
    return (
      rl.latentDim === l.latentDim && rl.qOffset === l.qOffset && rl.qdOffset === l.qdOffset && rl.dof === l.dof && rl.stateDim === l.stateDim &&
      l.qOffset === l.latentDim && l.qdOffset === l.latentDim + l.dof && l.stateDim === l.latentDim + 2 * l.dof &&
      r.actionDim === p.actionDim && r.actionDim === this.adim && rl.dof <= r.actionDim && s.s0.length >= l.stateDim && s.noise.length > 0
    );
  }

  /** Sets the sampling of the following sampleRun calls (canSample(s) must hold; T is the horizon). */
  setSampling(s: WasmSampling, T: number): void {
    this.sampling = s;
    this.samplingT = T;
  }

  private samplingT = 0;

  /**
   * Samples c0 .. c1-1 of the batch of the last setSampling, written and rolled out in the kernel (sample 0's
   * actions read from `actions`), then evaluated as run does; the block's actions are written to `actions`
   * [T, B, A] and its states to `states` [T+1, B, D] (with `allStates` false only the last step's). Returns
   * where the per-sample sums lie, as run.
   */
  sampleRun(states: Float64Array, actions: Float64Array, T: number, B: number, c0: number, c1: number, allStates: boolean): WasmBlock {
    const s = this.sampling!;
    const p = this.problem!;
    const nb = c1 - c0;
    const A = this.adim;
    const D = p.layout.stateDim;
    const n = this.samplingT * A;
    // mean, std, lo, hi, s0, prev (A), offsets (i32, nb)
    const sampBytes = (2 * n + 3 * A + D + 2) * 8 + nb * 4 + 64;
    this.place(T, nb, (T + 1) * nb * A * 8, sampBytes);
    const L = new Layout(this.sampPtr);
    const pMean = L.take(n * 8);
    const pStd = L.take(n * 8);
    const pLo = L.take(A * 8);
    const pHi = L.take(A * 8);
    const pS0 = L.take(D * 8);
    const pPrev = L.take(A * 8);
    const pOff = L.take(nb * 4);
    if (this.noiseKey !== s.noiseKey) {
      this.noisePtr = (this.areasEnd + 15) & ~15;
      this.ensureBytes(this.noisePtr + s.noise.length * 8);
      this.f64.set(s.noise, this.noisePtr >> 3);
      this.noiseKey = s.noiseKey;
    }
    const f64 = this.f64;
    this.putF64(pMean, s.mean, n);
    if (s.std !== null) this.putF64(pStd, s.std, n);
    this.putF64(pLo, s.lo, A);
    this.putF64(pHi, s.hi, A);
    this.putF64(pS0, s.s0, D);
    this.i32.set(s.offsets.subarray(c0, c1), pOff >> 2);
    const aBase = this.actionsPtr >> 3;
    const prev = p.prevAction;
    for (let i = 0; i < nb; i++) for (let j = 0; j < A; j++) f64[aBase + i * A + j] = prev[j] as number;
    if (c0 === 0 && nb > 0) for (let t = 1; t <= T; t++) for (let j = 0; j < A; j++) f64[aBase + t * nb * A + j] = actions[(t - 1) * B * A + j]!;
    const rho = s.rho;
    this.ex.sampleRows(T, nb, c0, this.noisePtr, s.noise.length, pOff, pMean, s.std === null ? 0 : pStd, pLo, pHi, pS0, pPrev, s.rollout.layout.latentDim, rho, rho > 0 ? Math.sqrt(1 - rho * rho) : 0, s.scale, s.rollout.alpha, s.rollout.k, s.rollout.dtS);
    const block = this.evaluate(T, nb);
    // the rows back to the batch buffers
    const sBase = this.statesPtr >> 3;
    const mem = this.f64;
    for (let t = allStates ? 0 : T; t <= T; t++) states.set(mem.subarray(sBase + t * nb * D, sBase + (t + 1) * nb * D), (t * B + c0) * D);
    for (let t = 1; t <= T; t++) actions.set(mem.subarray(aBase + t * nb * A, aBase + (t + 1) * nb * A), ((t - 1) * B + c0) * A);
    return block;
  }

  /**
   * fused.ts latentPass in the native kernel (perTerm[slot + b] += weight · norm of z_t − goal for t = 1 .. T,
   * b = c0 .. c1-1; the same doubles); false where this instance is the wasm build or an array is short.
   */
  latentRows(
    states: Float64Array, perTerm: Float64Array, goal: Float64Array, T: number, B: number, c0: number, c1: number, D: number, latentDim: number,
    slot: number, code: number, inv: number, param: number, weight: number,
  ): boolean {
    if (this.native === null || goal.length < latentDim || (c1 > c0 && T >= 1 && (T * B + c1 - 1) * D + latentDim > states.length) || slot + c1 > perTerm.length) return false;
    this.native.latentRows(states, perTerm, goal, T, B, c0, c1, D, latentDim, slot, code, inv, param, weight, F_MAX, DF_MAX, D2F_MAX);
    return true;
  }

  private evaluate(T: number, nb: number): WasmBlock {
    const nbPad = (nb + 1) & ~1;
    this.ex.evalBlock(T, nb, this.flags);
    const acc = this.accPtr >> 3;
    return { out: this.f64.subarray(acc, acc + (WASM_TERMS.length + 4) * nbPad), stride: nbPad, tip: WASM_TERMS.length * nbPad };
  }
}
