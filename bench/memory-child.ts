/**
 * The memory suite's child process: `node --expose-gc --import tsx bench/memory-child.ts TICKS quick|full`
 * prints one MemoryReport as JSON on stdout, progress on stderr.
 */
import { selectTfBackend } from '../src/compute/tf-backend.ts';
import { measureMemory } from './suites/memory.ts';

const [ticksArg, mode] = process.argv.slice(2);
const ticks = Number(ticksArg);
if (!Number.isSafeInteger(ticks) || ticks < 100) {
  process.stderr.write('usage: node --expose-gc --import tsx bench/memory-child.ts TICKS quick|full\n');
  process.exitCode = 2;
} else {
  // the same tfjs backend as the parent chooses, so its tensor count is the one that matters
  await selectTfBackend();
  const report = await measureMemory({ ticks, quick: mode === 'quick' }, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
