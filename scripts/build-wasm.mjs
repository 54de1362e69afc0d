#!/usr/bin/env node
/**
 * Builds odra's WebAssembly kernels from their AssemblyScript sources with the compiler's JS API:
 * wasm/fused-fk.ts → wasm/fused-fk.wasm (the fused cost's FK and joint-space passes, src/cost/fused-kernel.ts).
 * The .wasm files are build outputs, not in git: `npm install` / `npm ci` build them (the `prepare`
 * script), `npm test` brings them up to date before the tests, the ROS package builds its own. A kernel
 * that is missing at run time leaves its callers on their JavaScript path.
 *
 * The output is deterministic (no debug info, no source map, no name section).
 *
 *   node scripts/build-wasm.mjs [--if-stale] [--optional] [--out-dir DIR]   (default: wasm/ by the sources)
 *
 * --if-stale skips a kernel whose output is newer than its source and this script; --optional (the
 * `prepare` script) only says so when the compiler is not installed (`npm ci --omit=dev`).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const self = fileURLToPath(import.meta.url);

/** the kernels and the flags they were measured with (SIMD on, stub runtime, no assertions, -O3) */
export const KERNELS = [{ source: 'wasm/fused-fk.ts', output: 'fused-fk.wasm' }];
export const ASC_FLAGS = ['-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--initialMemory', '4'];

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
}

/**
 * The kernels to build into outDir, as { src, out } paths: all of them, or with ifStale those whose output
 * is older than its source or than the build script (`script`, a path) that makes it.
 */
export function kernelsToBuild(kernels, outDir, script, ifStale) {
  mkdirSync(outDir, { recursive: true });
  return kernels
    .map((k) => ({ src: join(root, k.source), out: join(outDir, k.output) }))
    .filter(({ src, out }) => !ifStale || mtime(out) <= Math.max(mtime(src), mtime(script)));
}

export async function buildWasm(outDir = join(root, 'wasm'), ifStale = false) {
  const asc = await import('assemblyscript/asc');
  const outputs = [];
  for (const { src, out } of kernelsToBuild(KERNELS, outDir, self, ifStale)) {
    const { error, stderr } = await asc.main([src, '-o', out, ...ASC_FLAGS]);
    if (error) throw new Error(`asc ${src}: ${error.message}\n${stderr.toString()}`);
    outputs.push(out);
  }
  return outputs;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === self) {
  const i = process.argv.indexOf('--out-dir');
  const outDir = i >= 0 ? resolve(process.argv[i + 1] ?? '.') : undefined;
  let compiler = true;
  try {
    await import('assemblyscript/asc');
  } catch {
    compiler = false;
  }
  if (!compiler && process.argv.includes('--optional')) {
    console.log('odra: the AssemblyScript compiler (devDependency assemblyscript) is not installed: WebAssembly kernels not built, the cost runs its JavaScript path');
  } else {
    for (const out of await buildWasm(outDir, process.argv.includes('--if-stale'))) console.log(`built ${out}`);
  }
}
