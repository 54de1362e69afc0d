import { readMcap, summarizeMcap } from './src/learn/mcap/index.ts';
console.log(await summarizeMcap('/tmp/fx/rosbag2-zstd.mcap'));
let n = 0; for await (const m of readMcap('/tmp/fx/rosbag2-zstd.mcap')) { if (n++ === 39) console.log(m); }
console.log(n);
