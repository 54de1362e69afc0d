import { readFileSync, readdirSync } from 'node:fs';
import { zstdDecompress, lz4Decompress } from './src/learn/mcap/index.ts';
const dir = '/tmp/zt';
let ok = 0, bad = 0;
for (const f of readdirSync(dir).sort()) {
  if (f.endsWith('.bin')) continue;
  const base = f.replace(/\.(\d+\.zst|hc\.lz4|lz4)$/, '');
  const want = readFileSync(`${dir}/${base}`);
  const src = readFileSync(`${dir}/${f}`);
  try {
    const t0 = performance.now();
    const got = f.endsWith('.zst') ? zstdDecompress(src, want.length) : lz4Decompress(src, want.length);
    const ms = performance.now() - t0;
    const eq = Buffer.compare(Buffer.from(got), want) === 0;
    if (eq) ok++; else bad++;
    console.log(f, eq ? 'OK' : 'MISMATCH', ms.toFixed(1), 'ms');
  } catch (e) { bad++; console.log(f, 'ERR', (e as Error).message); }
}
console.log(ok, 'ok', bad, 'bad');
