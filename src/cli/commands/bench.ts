/**
 * `odra bench`: speed and memory benchmarks (see docs/benchmarks.md). The suites live in the
 * repository's bench/ folder, beside src/ rather than in it, so they are loaded at run time from the
 * package root: through tsx when odra runs from its sources, and by registering tsx when it runs
 * compiled. An installation without bench/ says so instead.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CliIo } from '../command.ts';
import { packageRoot } from '../package-root.ts';

export const summary = 'measure planners, perception, tick latency and memory (p50/p99) against the speed targets';

type RunBench = (argv: readonly string[], io: CliIo) => Promise<number>;

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };

/** Runs `odra bench <argv>`; returns the exit code (2 for bad arguments, through UsageError). */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const entry = join(packageRoot(), 'bench', 'main.ts');
  if (!existsSync(entry)) {
    io.stderr.write(`odra bench: the benchmarks are not installed (${entry} is missing); run them from a source checkout of odra\n`);
    return 1;
  }
  if (!import.meta.url.endsWith('.ts')) {
    // compiled odra: the suites are TypeScript, so load tsx's loader first (a dependency of odra)
    const { register } = (await import('tsx/esm/api')) as { register: () => unknown };
    register();
  }
  // a computed specifier: the build (rootDir src/) must not follow it into bench/
  const mod = (await import(pathToFileURL(entry).href)) as { runBench?: RunBench };
  if (typeof mod.runBench !== 'function') throw new Error(`${entry} exports no runBench()`);
  return mod.runBench(argv, io);
}
