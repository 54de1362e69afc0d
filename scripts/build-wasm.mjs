#!/usr/bin/env node
/**
 * Builds odra's WebAssembly kernels from their AssemblyScript sources with the compiler's JS API:
 * wasm/fused-fk.ts → wasm/fused-fk.wasm (the fused cost's FK and joint-space passes, src/cost/fused-wasm.ts).
 * The output is deterministic (no debug info, no source map, no name section), so the committed .wasm
 * can be checked against a fresh build (test/cost/fused-wasm.test.ts does).
 *
 *   node scripts/build-wasm.mjs [--out-dir DIR]    (default: wasm/ next to the sources)
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** the kernels and the flags they were measured with (SIMD on, stub runtime, no assertions, -O3) */
export const KERNELS = [{ source: 'wasm/fused-fk.ts', output: 'fused-fk.wasm' }];
export const ASC_FLAGS = ['-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--initialMemory', '4'];

export async function buildWasm(outDir = join(root, 'wasm')) {
  const asc = await import('assemblyscript/asc');
  mkdirSync(outDir, { recursive: true });
  const outputs = [];
  for (const k of KERNELS) {
    const out = join(outDir, k.output);
    const { error, stderr } = await asc.main([join(root, k.source), '-o', out, ...ASC_FLAGS]);
    if (error) throw new Error(`asc ${k.source}: ${error.message}\n${stderr.toString()}`);
    outputs.push(out);
  }
  return outputs;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out-dir');
  const outDir = i >= 0 ? resolve(process.argv[i + 1] ?? '.') : undefined;
  for (const out of await buildWasm(outDir)) console.log(`built ${out}`);
}
