import { readFileSync } from 'node:fs';
import { zstdDecompress, lz4Decompress } from './src/learn/mcap/index.ts';
for (const [f, base] of [['text.bin.3.zst','text.bin'],['floats.bin.3.zst','floats.bin'],['text.bin.19.zst','text.bin'],['text.bin.lz4','text.bin']]) {
  const want = readFileSync(`/tmp/zt/${base}`); const src = readFileSync(`/tmp/zt/${f}`);
  const dec = f.endsWith('.zst') ? zstdDecompress : lz4Decompress;
  for (let i = 0; i < 5; i++) dec(src, want.length);
  const t0 = performance.now(); const N = 20; for (let i = 0; i < N; i++) dec(src, want.length);
  const ms = (performance.now() - t0) / N;
  console.log(f, ms.toFixed(2), 'ms', (want.length / ms / 1000).toFixed(1), 'MB/s');
}
