/**
 * The FK pass of the fused cost kernel (fused.ts, fkPass) in WebAssembly SIMD: wasm/fused-fk.wasm, built
 * from wasm/fused-fk.ts by scripts/build-wasm.mjs. For a block of samples it runs forward kinematics two
 * rows at a time (f64x2), the bounding centres, and the per-row values of ee_position, ee_orientation,
 * keep_out and self_collision (before their weights), plus the tip position the terminal term reads. Each
 * value is bit-identical to what the JS path computes (the kernel repeats its operations in the same
 * order; test/cost/fused-wasm.test.ts compares them with Object.is), so fkPass adds them into the
 * per-term sums exactly as before and results do not depend on which path ran.
 *
 * The module is compiled once per thread; each FusedScratch (one per evaluator and per cost worker)
 * owns an instance, its memory laid out here: geometry constants (written when the geometry changes),
 * problem constants (goals, zones, norms, reaches; written when the FusedProblem object changes — it is
 * plain data built per evaluation and not changed afterwards), scratch, then the block's joint rows and
 * the per-row results.
 *
 * The kernel does revolute chains (any fixed joint rotation) up to MAX_DOF joints and MAX_SPHERES spheres;
 * for anything else (prismatic joints, WebAssembly SIMD unavailable, the file missing) fkPass runs the
 * JS path, and fusedWasmSupport says why.
 */
import { readFileSync } from 'node:fs';
import type { FusedGeometry, FusedProblem } from './fused.ts';

/** the largest chain the kernel takes: far beyond arms, and keeps an instance's memory small */
export const MAX_DOF = 64;
export const MAX_SPHERES = 65536;
/** the layout's limit on one block's rows (a block is 32 samples × horizon) */
const MAX_MEMORY_BYTES = 1 << 30;
const PAGE = 65536;

/** Slack of the keep-out broad phase, as fused.ts (BROAD_SLACK_M). */
const BROAD_SLACK_M = 1e-9;
/** the log barrier's constants, the same expressions as norms.ts */
const BARRIER_X_MAX = 0.95;
const F_MAX = -Math.log(1 - BARRIER_X_MAX) - BARRIER_X_MAX;
const DF_MAX = 1 / (1 - BARRIER_X_MAX) - 1;
const D2F_MAX = 1 / ((1 - BARRIER_X_MAX) * (1 - BARRIER_X_MAX));

/** flags of evalRows: which per-row values to compute */
export const WASM_EP = 1;
export const WASM_EO = 2;
export const WASM_KO = 4;
export const WASM_SC = 8;
/** doubles per row in the results: ee_position, ee_orientation, keep_out, self_collision, tip x, y, z, 0 */
export const WASM_ROW = 8;

/** what the kernel needs of a term's slot in fkPass (k < 0: inactive) */
export interface WasmSlot {
  k: number;
  norm: number;
  param: number;
  inv: number;
}

/** The FK terms' slots; ee_position / ee_orientation count only with their goal set. */
export interface WasmSlots {
  eePosition: WasmSlot;
  eeOrientation: WasmSlot;
  keepOut: WasmSlot;
  selfCollision: WasmSlot;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
/** a compiled module (opaque) */
interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, (x: number) => number>>) => { readonly exports: object };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface KernelExports {
  memory: WasmMemory;
  header(): number;
  heapBase(): number;
  configure(): void;
  evalRows(n: number, flags: number): void;
}

let enabled = process.env.ODRA_FUSED_WASM !== '0';

/**
 * Use the WebAssembly FK pass where it applies (default; ODRA_FUSED_WASM=0 in the environment starts a
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

/** The kernel's module, compiled on first use; null with the reason when this thread cannot have it. */
function kernelModule(): WasmModule | null {
  if (compiled !== null || compileError !== null) return compiled;
  try {
    if (wasmApi === undefined) {
      compileError = 'WebAssembly is unavailable';
      return null;
    }
    const bytes = readFileSync(new URL('../../wasm/fused-fk.wasm', import.meta.url));
    if (!wasmApi.validate(bytes)) {
      compileError = 'WebAssembly SIMD is unavailable (wasm/fused-fk.wasm does not validate)';
      return null;
    }
    compiled = new wasmApi.Module(bytes);
  } catch (e) {
    compileError = `wasm/fused-fk.wasm cannot be loaded: ${e instanceof Error ? e.message : String(e)}`;
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
  kernelModule();
  return compileError;
}

// header fields, in the order configure() in wasm/fused-fk.ts reads them
const H = {
  dof: 0, nSpheres: 1, nGroups: 2, nFirsts: 3, nKeepOut: 4, nBoxes: 5, nZones: 6,
  epCode: 7, eoCode: 8, koCode: 9, scCode: 10,
  kind: 11, perm: 12, sign: 13, rot: 14, trans: 15, tipRot: 16, tipTrans: 17, boundCentre: 18,
  local: 19, radius: 20, bodyStart: 21, groupA: 22, groupB: 23, groupStart: 24, firsts: 25,
  partnerStart: 26, partners: 27, groupNear: 28, reach: 29, keepOutBodies: 30, keepOutReach: 31,
  boxes: 32, zones: 33, goalP: 34, goalR: 35, params: 36,
  frames: 37, ee: 38, bounds: 39, sincos: 40, near: 41, centres: 42, stamps: 43, q: 44, out: 45,
} as const;
const HEADER_FIELDS = 46;

/** bump allocator over the instance's memory, 16-byte aligned */
class Layout {
  constructor(public end: number) {}
  take(bytes: number): number {
    const p = (this.end + 15) & ~15;
    this.end = p + bytes;
    return p;
  }
}

/** One instance of the kernel (per FusedScratch, so per thread). */
export class FusedFkWasm {
  private readonly ex: KernelExports;
  private readonly hdrPtr: number;
  private readonly heapBase: number;
  private hdr!: Int32Array;
  private f64!: Float64Array;
  private i32!: Int32Array;
  private geometry: FusedGeometry | null = null;
  private geometryEnd = 0;
  private problem: FusedProblem | null = null;
  private reach: Float64Array | null = null;
  private reachMargin = Number.NaN;
  private flags = 0;
  /** rows the q / out areas hold */
  private capacity = 0;
  private qPtr = 0;
  private outPtr = 0;
  private rowsEnd = 0;

  private constructor(module: WasmModule) {
    const instance = new wasmApi!.Instance(module, { Math: { log: Math.log, sin: Math.sin, cos: Math.cos } });
    this.ex = instance.exports as unknown as KernelExports;
    this.hdrPtr = this.ex.header();
    this.heapBase = this.ex.heapBase();
    this.views();
  }

  /** A new instance, or null when the module is unavailable on this thread. */
  static create(): FusedFkWasm | null {
    const m = kernelModule();
    return m === null ? null : new FusedFkWasm(m);
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
    for (let i = 0; i < n; i++) this.f64[o + i] = a[i]!;
  }

  private putI32(p: number, a: ArrayLike<number>, n = a.length): void {
    const o = p >> 2;
    for (let i = 0; i < n; i++) this.i32[o + i] = a[i]!;
  }

  /** geometry constants from the heap base (the geometry is immutable and cached per chain) */
  private writeGeometry(g: FusedGeometry): void {
    const dof = g.dof;
    const S = g.nSpheres;
    const c = g.constants;
    const L = new Layout(this.heapBase);
    const at = {
      kind: L.take(dof * 4), perm: L.take(dof * 12), sign: L.take(dof * 24), rot: L.take(dof * 72), trans: L.take(dof * 24),
      tipRot: L.take(72), tipTrans: L.take(24), boundCentre: L.take((dof + 1) * 24), local: L.take(S * 24), radius: L.take(S * 8),
      bodyStart: L.take((dof + 2) * 4), groupA: L.take(g.groupA.length * 4), groupB: L.take(g.groupB.length * 4),
      groupStart: L.take(g.groupStart.length * 4), firsts: L.take(g.firsts.length * 4), partnerStart: L.take(g.partnerStart.length * 4),
      partners: L.take(g.partners.length * 4), groupNear: L.take(g.groupNearStart.length * 4), keepOutBodies: L.take(g.keepOutBodies.length * 4),
      frames: L.take((dof + 1) * 12 * 16), ee: L.take(12 * 16), bounds: L.take((dof + 1) * 3 * 16), sincos: L.take(dof * 32),
      near: L.take(S * 16), centres: L.take(S * 48), stamps: L.take(S * 4),
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
    const h = this.hdr;
    h[H.dof] = dof;
    h[H.nSpheres] = S;
    h[H.nGroups] = g.groupA.length;
    h[H.nFirsts] = g.firsts.length;
    h[H.nKeepOut] = g.keepOutBodies.length;
    for (const [name, p] of Object.entries(at)) h[H[name as keyof typeof at]] = p;
    this.geometry = g;
    this.geometryEnd = L.end;
    this.problem = null;
  }

  /** problem constants after the geometry; then the row areas (re)placed after them */
  private writeProblem(p: FusedProblem, s: WasmSlots, reach: Float64Array): void {
    const g = this.geometry!;
    const nBox = Math.floor(p.boxes.length / 6);
    const nZone = Math.floor(p.zoneSpheres.length / 4);
    const nKO = g.keepOutBodies.length;
    const L = new Layout(this.geometryEnd);
    const at = {
      reach: L.take(reach.length * 8), keepOutReach: L.take(nKO * 8), boxes: L.take(nBox * 48), zones: L.take(nZone * 32),
      goalP: L.take(24), goalR: L.take(72), params: L.take(9 * 8),
    };
    this.ensureBytes(L.end);
    this.putF64(at.reach, reach);
    const m = s.keepOut.param;
    const koReach = new Float64Array(nKO);
    // keepOutRow's broad-phase reach of body k, the same expression
    for (let i = 0; i < nKO; i++) koReach[i] = g.boundRadius[g.keepOutBodies[i]!]! + m + BROAD_SLACK_M;
    this.putF64(at.keepOutReach, koReach);
    this.putF64(at.boxes, p.boxes, nBox * 6);
    this.putF64(at.zones, p.zoneSpheres, nZone * 4);
    this.putF64(at.goalP, p.goalEePosition ?? [0, 0, 0], 3);
    this.putF64(at.goalR, p.goalEeRotation ?? new Float64Array(9), 9);
    this.putF64(at.params, [s.eePosition.inv, s.eePosition.param, s.eeOrientation.inv, s.eeOrientation.param, s.keepOut.param, s.selfCollision.param, F_MAX, DF_MAX, D2F_MAX]);
    const h = this.hdr;
    h[H.nBoxes] = nBox;
    h[H.nZones] = nZone;
    h[H.epCode] = s.eePosition.norm;
    h[H.eoCode] = s.eeOrientation.norm;
    h[H.koCode] = s.keepOut.norm;
    h[H.scCode] = s.selfCollision.norm;
    for (const [name, ptr] of Object.entries(at)) h[H[name as keyof typeof at]] = ptr;
    this.problem = p;
    this.reach = reach;
    this.reachMargin = s.selfCollision.param;
    this.flags = (s.eePosition.k >= 0 && p.goalEePosition !== null ? WASM_EP : 0)
      | (s.eeOrientation.k >= 0 && p.goalEeRotation !== null ? WASM_EO : 0)
      | (s.keepOut.k >= 0 ? WASM_KO : 0)
      | (s.selfCollision.k >= 0 ? WASM_SC : 0);
    this.rowsEnd = L.end;
    this.capacity = 0;
  }

  /**
   * Readies the instance for problem p (constants written when p or its geometry changed); `reach` is
   * the self-collision reach table for the self_collision margin (FusedScratch.collisionReach). Returns
   * the flags for run, or −1 when the kernel cannot do p's geometry (fusedWasmSupport says why).
   */
  prepare(p: FusedProblem, s: WasmSlots, reach: Float64Array): number {
    const g = p.geometry;
    if (g === null || fusedWasmSupport(g) !== null) return -1;
    if (g !== this.geometry) this.writeGeometry(g);
    if (p !== this.problem || reach !== this.reach || s.selfCollision.param !== this.reachMargin) {
      this.writeProblem(p, s, reach);
      this.ex.configure();
    }
    return this.flags;
  }

  /**
   * Runs rows t = 1 .. T of samples c0 .. c1-1 (joints at qOffset of each state row of width D) with the
   * flags of prepare; returns the results, row ((t−1)·(c1−c0) + b−c0) at WASM_ROW times that. The view
   * is valid until the next call.
   */
  run(states: Float64Array, T: number, B: number, c0: number, c1: number, qOffset: number, D: number, flags: number): Float64Array {
    const dof = this.geometry!.dof;
    const nb = c1 - c0;
    const n = T * nb;
    if (n > this.capacity) {
      const L = new Layout(this.rowsEnd);
      this.qPtr = L.take(n * dof * 8);
      this.outPtr = L.take(n * WASM_ROW * 8);
      if (L.end > MAX_MEMORY_BYTES) throw new Error(`fused-fk.wasm: a block of ${n} rows needs ${L.end} bytes`);
      this.ensureBytes(L.end);
      this.hdr[H.q] = this.qPtr;
      this.hdr[H.out] = this.outPtr;
      this.capacity = n;
      this.ex.configure();
    }
    const f64 = this.f64;
    let o = this.qPtr >> 3;
    for (let t = 1; t <= T; t++) {
      for (let b = c0; b < c1; b++) {
        const q0 = (t * B + b) * D + qOffset;
        for (let j = 0; j < dof; j++) f64[o++] = states[q0 + j]!;
      }
    }
    this.ex.evalRows(n, flags);
    return this.f64.subarray(this.outPtr >> 3, (this.outPtr >> 3) + n * WASM_ROW);
  }
}
