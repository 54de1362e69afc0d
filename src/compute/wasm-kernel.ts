/**
 * Loading odra's own WebAssembly kernels (wasm/*.wasm, built from wasm/*.ts by scripts/build-wasm.mjs at
 * install, `npm run build:wasm`, and shipped in the package): read, validated and compiled once per thread. A kernel that cannot be
 * had (no WebAssembly, no SIMD, the file missing) comes back as a reason, and its callers run their
 * JavaScript path instead.
 */
import { existsSync, readFileSync } from 'node:fs';

/** The part of the WebAssembly JS API odra uses (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
/** a compiled module (opaque) */
export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}
export type WasmImports = Record<string, Record<string, (x: number) => number>>;
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: WasmImports) => { readonly exports: object };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const compiled = new Map<string, { module: WasmModule } | { error: string }>();

/** wasm/`file` compiled (cached per thread), or why it cannot be. */
export function compileWasmKernel(file: string): { module: WasmModule } | { error: string } {
  let c = compiled.get(file);
  if (c === undefined) {
    c = compile(file);
    compiled.set(file, c);
  }
  return c;
}

function compile(file: string): { module: WasmModule } | { error: string } {
  if (wasmApi === undefined) return { error: 'WebAssembly is unavailable' };
  try {
    // from src/compute or dist/compute alike
    const url = new URL(`../../wasm/${file}`, import.meta.url);
    if (!existsSync(url)) return { error: `wasm/${file} is not built (npm run build:wasm)` };
    const bytes = readFileSync(url);
    if (!wasmApi.validate(bytes)) return { error: `WebAssembly SIMD is unavailable (wasm/${file} does not validate)` };
    return { module: new wasmApi.Module(bytes) };
  } catch (e) {
    return { error: `wasm/${file} cannot be loaded: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** A new instance of a compiled kernel; its exports as the caller declares them. */
export function instantiateWasmKernel<T>(module: WasmModule, imports: WasmImports): T {
  return new wasmApi!.Instance(module, imports).exports as T;
}
