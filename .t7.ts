import { readFileSync } from 'node:fs';
import { zstdDecompress } from './src/learn/mcap/index.ts';
const want = readFileSync('/tmp/zt/text.bin'); const src = readFileSync('/tmp/zt/text.bin.3.zst');
for (let i = 0; i < 200; i++) zstdDecompress(src, want.length);
