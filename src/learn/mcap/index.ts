/** MCAP recording and reading of ROS 2 messages. */
export * from './schemas.ts';
export * from './time.ts';
export * from './writer.ts';
export * from './reader.ts';
export { builtinDecompressHandlers } from './decompress.ts';
export { lz4Decompress } from './lz4.ts';
export { zstdDecompress } from './zstd.ts';
