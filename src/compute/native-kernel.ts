/**
 * Loading odra's own native kernels (native/*.node, Node-API addons built from native/*.c by
 * scripts/build-native.mjs at install and by `npm run build:native`; not in git, not prebuilt): loaded
 * once per thread. A kernel that cannot be had (not built: no C compiler or no Node headers at install,
 * another platform; built from another version of its source; ODRA_NATIVE=0 in the environment) comes
 * back as a reason, and its callers run the WebAssembly kernel instead.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const loaded = new Map<string, { module: unknown } | { error: string }>();

/** Whether the environment allows native kernels (ODRA_NATIVE=0 turns them off for the process and its workers). */
export function nativeKernelsAllowed(): boolean {
  return process.env.ODRA_NATIVE !== '0';
}

/** native/`file` loaded (cached per thread) with its exports as the caller declares them, or why it cannot be. */
export function loadNativeKernel<T>(file: string): { module: T } | { error: string } {
  let c = loaded.get(file);
  if (c === undefined) {
    c = load(file);
    loaded.set(file, c);
  }
  return c as { module: T } | { error: string };
}

function load(file: string): { module: unknown } | { error: string } {
  if (!nativeKernelsAllowed()) return { error: 'ODRA_NATIVE=0' };
  try {
    // from src/compute or dist/compute alike
    const path = fileURLToPath(new URL(`../../native/${file}`, import.meta.url));
    if (!existsSync(path)) return { error: `native/${file} is not built (npm run build:native)` };
    const module = require(path) as { sourceHash?: () => string };
    // beside its source (a checkout, not an install space): the build must be of this source
    const source = path.replace(/\.node$/, '.c');
    if (existsSync(source) && typeof module.sourceHash === 'function') {
      const want = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
      if (module.sourceHash() !== want) return { error: `native/${file} was built from another version of its source (rebuild it: npm run build:native)` };
    }
    return { module };
  } catch (e) {
    return { error: `native/${file} cannot be loaded: ${e instanceof Error ? e.message : String(e)}` };
  }
}
