#!/usr/bin/env node
/**
 * Builds odra's native kernels (Node-API addons) from their C sources with the machine's C compiler:
 * native/fused-fk.c → native/fused-fk.node (the fused cost kernel, four samples per vector; the same
 * doubles as wasm/fused-fk.wasm and the JavaScript path). The .node files are build outputs, neither in
 * git nor in the package: `npm install` / `npm ci` build them (the `install` script, also where odra is
 * installed as a dependency), `npm test` brings them up to date, the ROS package builds its own. Where there is no C compiler or no Node headers, the build says so and the cost
 * runs the WebAssembly kernel.
 *
 * The build is for the machine it runs on: on x86-64 with AVX2 it enables AVX2 (never FMA: the kernel
 * must not fuse multiply-adds). ODRA_NATIVE_CFLAGS replaces those target flags (e.g. for another CPU);
 * CC picks the compiler (default cc).
 *
 *   node scripts/build-native.mjs [--if-stale] [--optional] [--out-dir DIR]   (default: native/ by the sources)
 *
 * --if-stale skips a kernel whose output is newer than its source and this script; --optional (the
 * `prepare` script and `npm test`) prints why a kernel was not built instead of failing.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelsToBuild } from './build-wasm.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const self = fileURLToPath(import.meta.url);

export const KERNELS = [{ source: 'native/fused-fk.c', output: 'fused-fk.node' }];
/** IEEE arithmetic as JS does it: no contraction into FMA, no fast-math; C11 */
export const CFLAGS = ['-O3', '-std=c11', '-ffp-contract=off', '-fno-strict-aliasing', '-fPIC', '-fvisibility=hidden', '-Wall', '-Wextra', '-Wno-unused-parameter'];

/** the directory holding node_api.h for this Node.js, or null */
export function nodeHeaders() {
  const v = process.versions.node;
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(dirname(process.execPath)), 'include', 'node'),
    join(homedir(), '.cache', 'node-gyp', v, 'include', 'node'),
    join(homedir(), '.node-gyp', v, 'include', 'node'),
  ].filter(Boolean);
  return candidates.find((d) => existsSync(join(d, 'node_api.h'))) ?? null;
}

/** the first 16 hex digits of a file's SHA-256: built into the kernel, compared when it is loaded */
export function sourceHash(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
}

/** whether this x86-64 CPU has AVX2 (Linux: /proc/cpuinfo; macOS: sysctl) */
function hasAvx2() {
  try {
    if (process.platform === 'linux') return /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
    if (process.platform === 'darwin') return /\bAVX2\b/.test(spawnSync('sysctl', ['-n', 'machdep.cpu.leaf7_features'], { encoding: 'utf8' }).stdout ?? '');
  } catch {
    // unknown: the compiler's default (SSE2)
  }
  return false;
}

/** target flags for this machine */
function targetFlags() {
  const env = process.env.ODRA_NATIVE_CFLAGS;
  if (env !== undefined) return env.split(/\s+/).filter(Boolean);
  return process.arch === 'x64' && hasAvx2() ? ['-mavx2'] : [];
}

/** the compiler command and its own arguments (CC may hold several words: "ccache gcc", "gcc -m64") */
function compiler() {
  const [cmd = 'cc', ...args] = (process.env.CC ?? 'cc').split(/\s+/).filter(Boolean);
  return { cmd, args };
}

/** why native kernels cannot be built here, or null */
export function nativeBuildUnavailable() {
  if (process.platform === 'win32') return 'native kernels are built on Linux and macOS only';
  if (nodeHeaders() === null) return "Node.js's headers (include/node/node_api.h) are not installed";
  const cc = compiler();
  const r = spawnSync(cc.cmd, [...cc.args, '--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `no C compiler (${process.env.CC ?? 'cc'})`;
  return null;
}

export function buildNative(outDir = join(root, 'native'), ifStale = false) {
  const why = nativeBuildUnavailable();
  if (why !== null) throw new Error(why);
  const cc = compiler();
  const outputs = [];
  for (const { src, out } of kernelsToBuild(KERNELS, outDir, self, ifStale)) {
    const link = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];
    // build beside the output, then rename: a process that has the old file loaded keeps it intact
    const tmp = `${out}.${process.pid}.tmp`;
    const args = [...cc.args, ...CFLAGS, ...targetFlags(), `-DODRA_SOURCE_HASH="${sourceHash(src)}"`, `-I${nodeHeaders()}`, src, ...link, '-o', tmp, '-lm'];
    const r = spawnSync(cc.cmd, args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      rmSync(tmp, { force: true });
      // an older build must not stay behind and be loaded as if it were this source's
      rmSync(out, { force: true });
      throw new Error(`${cc.cmd} ${src}: ${r.error?.message ?? ''}${r.stderr}`);
    }
    renameSync(tmp, out);
    outputs.push(out);
  }
  return outputs;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === self) {
  const i = process.argv.indexOf('--out-dir');
  const outDir = i >= 0 ? resolve(process.argv[i + 1] ?? '.') : undefined;
  try {
    for (const out of buildNative(outDir, process.argv.includes('--if-stale'))) console.log(`built ${out}`);
  } catch (e) {
    if (!process.argv.includes('--optional')) throw e;
    console.log(`odra: native kernels not built (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): the cost runs the WebAssembly kernel`);
  }
}
