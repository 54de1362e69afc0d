/** Chunk decompressors by MCAP compression name: rosbag2 writes zstd by default, lz4 on request. */
import type { DecompressHandlers } from '@mcap/core';
import { lz4Decompress } from './lz4.ts';
import { zstdDecompress } from './zstd.ts';

export const builtinDecompressHandlers: DecompressHandlers = {
  zstd: (data, size) => zstdDecompress(data, Number(size)),
  lz4: (data, size) => lz4Decompress(data, Number(size)),
};
