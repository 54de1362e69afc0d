/**
 * LZ4 frame decompression (the `lz4` chunk compression of MCAP). Checksums are not verified here:
 * MCAP chunks carry their own CRC of the uncompressed data, which the readers check.
 */

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

function u32(src: Uint8Array, at: number): number {
  if (at + 4 > src.length) throw new Error('lz4: input ends inside a header');
  return ((src[at] as number) | ((src[at + 1] as number) << 8) | ((src[at + 2] as number) << 16) | ((src[at + 3] as number) << 24)) >>> 0;
}

/** Decodes one LZ4 block from src[start, end) into out at `pos`; returns the new output position. */
function decodeBlock(src: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
  let ip = start;
  let op = pos;
  while (ip < end) {
    const token = src[ip++] as number;
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b = 255;
      while (b === 255) {
        if (ip >= end) throw new Error('lz4: literal length runs past the block');
        b = src[ip++] as number;
        litLen += b;
      }
    }
    if (ip + litLen > end) throw new Error('lz4: literals run past the block');
    if (op + litLen > out.length) throw new Error('lz4: output larger than expected');
    if (litLen < 32) {
      for (let k = 0; k < litLen; k++) out[op + k] = src[ip + k] as number;
    } else {
      out.set(src.subarray(ip, ip + litLen), op);
    }
    ip += litLen;
    op += litLen;
    if (ip >= end) break; // the last sequence has literals only
    if (ip + 2 > end) throw new Error('lz4: block ends inside a match offset');
    const offset = (src[ip] as number) | ((src[ip + 1] as number) << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new Error(`lz4: match offset ${offset} outside the output`);
    let matchLen = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b = 255;
      while (b === 255) {
        if (ip >= end) throw new Error('lz4: match length runs past the block');
        b = src[ip++] as number;
        matchLen += b;
      }
    }
    if (op + matchLen > out.length) throw new Error('lz4: output larger than expected');
    let from = op - offset;
    if (offset >= matchLen && matchLen >= 32) {
      out.copyWithin(op, from, from + matchLen);
      op += matchLen;
    } else {
      // byte by byte: the match may overlap the bytes it produces
      for (let i = 0; i < matchLen; i++) out[op++] = out[from++] as number;
    }
  }
  return op;
}

/** Decompresses concatenated LZ4 frames into exactly `size` bytes. */
export function lz4Decompress(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let ip = 0;
  let op = 0;
  while (ip < src.length) {
    const magic = u32(src, ip);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      ip += 8 + u32(src, ip + 4);
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new Error(`lz4: bad frame magic 0x${magic.toString(16)}`);
    ip += 4;
    if (ip + 2 > src.length) throw new Error('lz4: input ends inside a frame header');
    const flg = src[ip] as number;
    if (flg >>> 6 !== 1) throw new Error(`lz4: unsupported frame version ${flg >>> 6}`);
    const blockChecksum = (flg & 0x10) !== 0;
    const contentSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const dictId = (flg & 0x01) !== 0;
    ip += 2 + (contentSize ? 8 : 0) + (dictId ? 4 : 0) + 1; // FLG, BD, fields, header checksum
    if (dictId) throw new Error('lz4: frames with a dictionary are not supported');
    for (;;) {
      const word = u32(src, ip);
      ip += 4;
      if (word === 0) break;
      const blockSize = word & 0x7fffffff;
      if (ip + blockSize > src.length) throw new Error('lz4: block runs past the input');
      if ((word & 0x80000000) !== 0) {
        if (op + blockSize > out.length) throw new Error('lz4: output larger than expected');
        out.set(src.subarray(ip, ip + blockSize), op);
        op += blockSize;
      } else {
        op = decodeBlock(src, ip, ip + blockSize, out, op);
      }
      ip += blockSize + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) ip += 4;
  }
  if (op !== size) throw new Error(`lz4: decompressed ${op} bytes, expected ${size}`);
  return out;
}
