#!/usr/bin/env node
// Runs every test file under test/ with node's test runner (Node 20 has no --test glob support).
// Files named *.serial.test.ts assert timing (plan time below the control period): they run after the
// others, one at a time, so that no other test competes for the two cores while they measure.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = collect('test', []).filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const serial = files.filter((f) => f.endsWith('.serial.test.ts'));
const parallel = files.filter((f) => !f.endsWith('.serial.test.ts'));
let status = 0;
for (const [group, concurrency] of [[parallel, 2], [serial, 1]]) {
  if (group.length === 0) continue;
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...group], { stdio: 'inherit' });
  if (res.status !== 0) status = res.status ?? 1;
}
process.exit(status);
