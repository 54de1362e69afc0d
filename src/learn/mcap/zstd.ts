/**
 * Zstandard frame decompression (RFC 8878), the default chunk compression of rosbag2's MCAP
 * writer. Node 20 has no zstd in zlib, so odra carries this decoder. No dictionaries; the frame
 * checksum is not verified here because MCAP chunks carry their own CRC of the uncompressed data.
 */

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

function fail(message: string): never {
  throw new Error(`zstd: ${message}`);
}

function highBit(x: number): number {
  return 31 - Math.clz32(x);
}

function byteAt(src: Uint8Array, i: number): number {
  const b = src[i];
  if (b === undefined) fail('input ends early');
  return b;
}

/**
 * `n` bits of src[start, end) starting at bit `p` (bit 0 is the lowest bit of src[start]); bits below
 * 0 read as zeros, which the backward streams rely on at their very end.
 */
function bitsAt(src: Uint8Array, start: number, end: number, p: number, n: number): number {
  if (n === 0) return 0;
  if (p < 0) {
    if (p + n <= 0) return 0;
    return bitsAt(src, start, end, 0, n + p) * 2 ** -p;
  }
  if (n > 24) return bitsAt(src, start, end, p + 16, n - 16) * 65536 + bitsAt(src, start, end, p, 16);
  const i = start + (p >>> 3);
  const b0 = i < end ? (src[i] as number) : 0;
  const b1 = i + 1 < end ? (src[i + 1] as number) : 0;
  const b2 = i + 2 < end ? (src[i + 2] as number) : 0;
  const b3 = i + 3 < end ? (src[i + 3] as number) : 0;
  const v = (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
  return (v >>> (p & 7)) & ((1 << n) - 1);
}

/** A bitstream read from its end towards its start, as zstd's entropy streams are. */
class BackwardBits {
  readonly src: Uint8Array;
  readonly start: number;
  readonly end: number;
  /** bits not yet read; negative once reading has run past the start */
  pos: number;

  constructor(src: Uint8Array, start: number, end: number) {
    if (end <= start || end > src.length) fail('empty or out-of-range bitstream');
    const last = src[end - 1] as number;
    if (last === 0) fail('bitstream has no end marker');
    this.src = src;
    this.start = start;
    this.end = end;
    this.pos = (end - start) * 8 - (8 - highBit(last));
  }

  read(n: number): number {
    const p = (this.pos -= n);
    if (n === 0) return 0;
    if (p >= 0 && n <= 24) {
      // fast path: bytes past the stream (or past src, which read as undefined → 0) are masked off
      const s = this.src;
      const i = this.start + (p >>> 3);
      const v = (s[i] as number) | ((s[i + 1] as number) << 8) | ((s[i + 2] as number) << 16) | ((s[i + 3] as number) << 24);
      return (v >>> (p & 7)) & ((1 << n) - 1);
    }
    return bitsAt(this.src, this.start, this.end, p, n);
  }

  peek(n: number): number {
    return bitsAt(this.src, this.start, this.end, this.pos - n, n);
  }
}

/** A finite-state-entropy decoding table: per state, the symbol, bits to read and the next-state base. */
interface FseTable {
  log: number;
  symbol: Uint8Array;
  nbBits: Uint8Array;
  baseline: Uint16Array;
}

function buildFseTable(probs: ArrayLike<number>, nSymbols: number, log: number): FseTable {
  const size = 1 << log;
  const symbol = new Uint8Array(size);
  const nbBits = new Uint8Array(size);
  const baseline = new Uint16Array(size);
  const next = new Uint16Array(nSymbols);
  let high = size - 1;
  for (let s = 0; s < nSymbols; s++) {
    const p = probs[s] as number;
    if (p === -1) {
      symbol[high--] = s;
      next[s] = 1;
    } else {
      next[s] = p;
    }
  }
  const step = (size >>> 1) + (size >>> 3) + 3;
  const mask = size - 1;
  let pos = 0;
  for (let s = 0; s < nSymbols; s++) {
    const p = probs[s] as number;
    for (let i = 0; i < p; i++) {
      symbol[pos] = s;
      do pos = (pos + step) & mask;
      while (pos > high);
    }
  }
  if (pos !== 0) fail('FSE distribution does not fill its table');
  for (let u = 0; u < size; u++) {
    const s = symbol[u] as number;
    const state = next[s] as number;
    next[s] = state + 1;
    const b = log - highBit(state);
    nbBits[u] = b;
    baseline[u] = (state << b) - size;
  }
  return { log, symbol, nbBits, baseline };
}

function rleTable(sym: number): FseTable {
  return { log: 0, symbol: Uint8Array.of(sym), nbBits: new Uint8Array(1), baseline: new Uint16Array(1) };
}

/** Reads an FSE table description at src[at, end); returns the table and the bytes it took. */
function readFseTable(src: Uint8Array, at: number, end: number, maxLog: number, maxSymbol: number): { table: FseTable; bytes: number } {
  let bit = 0;
  const get = (n: number): number => bitsAt(src, at, end, bit, n);
  const log = get(4) + 5;
  bit += 4;
  if (log > maxLog) fail(`FSE accuracy log ${log} exceeds ${maxLog}`);
  const probs = new Int16Array(maxSymbol + 1);
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nb = log + 1;
  let sym = 0;
  while (remaining > 1) {
    if (sym > maxSymbol) fail('FSE distribution has too many symbols');
    const max = 2 * threshold - 1 - remaining;
    let value = get(nb - 1);
    if (value < max) {
      bit += nb - 1;
    } else {
      value = get(nb);
      if (value >= threshold) value -= max;
      bit += nb;
    }
    const count = value - 1;
    remaining -= count < 0 ? -count : count;
    probs[sym++] = count;
    if (count === 0) {
      for (;;) {
        const repeat = get(2);
        bit += 2;
        for (let k = 0; k < repeat; k++) {
          if (sym > maxSymbol) fail('FSE zero run has too many symbols');
          probs[sym++] = 0;
        }
        if (repeat !== 3) break;
      }
    }
    while (remaining < threshold) {
      nb--;
      threshold >>= 1;
    }
  }
  if (remaining !== 1) fail('FSE distribution does not sum to its table size');
  const bytes = (bit + 7) >>> 3;
  if (at + bytes > end) fail('FSE table description runs past its section');
  return { table: buildFseTable(probs, sym, log), bytes };
}

const LL_BASE = Uint32Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048,
  4096, 8192, 16384, 32768, 65536,
]);
const LL_BITS = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
]);
const ML_BASE = Uint32Array.from([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
  35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
]);
const ML_BITS = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3,
  4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
]);
const LL_DEFAULT = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
const ML_DEFAULT = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

/** 2^code: the offset value's base for each offset code */
const OF_BASE = Float64Array.from({ length: 32 }, (_, i) => 2 ** i);

const LL_MAX_SYMBOL = 35;
const ML_MAX_SYMBOL = 52;
const OF_MAX_SYMBOL = 31;

let predefined: { ll: FseTable; ml: FseTable; of: FseTable } | undefined;
function predefinedTables(): { ll: FseTable; ml: FseTable; of: FseTable } {
  predefined ??= {
    ll: buildFseTable(LL_DEFAULT, LL_DEFAULT.length, 6),
    ml: buildFseTable(ML_DEFAULT, ML_DEFAULT.length, 6),
    of: buildFseTable(OF_DEFAULT, OF_DEFAULT.length, 5),
  };
  return predefined;
}

interface HuffmanTable {
  maxBits: number;
  symbol: Uint8Array;
  nbBits: Uint8Array;
}

/** Reads a Huffman tree description at src[at, end); returns the decoding table and the bytes it took. */
function readHuffmanTable(src: Uint8Array, at: number, end: number): { table: HuffmanTable; bytes: number } {
  const header = byteAt(src, at);
  const weights = new Uint8Array(256);
  let n = 0;
  let bytes: number;
  if (header < 128) {
    // FSE-compressed weights, decoded with two interleaved states
    const start = at + 1;
    const stop = start + header;
    if (stop > end) fail('Huffman weights run past the literals section');
    const { table: fse, bytes: descBytes } = readFseTable(src, start, stop, 6, 255);
    const bits = new BackwardBits(src, start + descBytes, stop);
    let s1 = bits.read(fse.log);
    let s2 = bits.read(fse.log);
    for (;;) {
      if (n > 253) fail('too many Huffman weights');
      weights[n++] = fse.symbol[s1] as number;
      s1 = (fse.baseline[s1] as number) + bits.read(fse.nbBits[s1] as number);
      if (bits.pos < 0) {
        weights[n++] = fse.symbol[s2] as number;
        break;
      }
      weights[n++] = fse.symbol[s2] as number;
      s2 = (fse.baseline[s2] as number) + bits.read(fse.nbBits[s2] as number);
      if (bits.pos < 0) {
        weights[n++] = fse.symbol[s1] as number;
        break;
      }
    }
    bytes = 1 + header;
  } else {
    n = header - 127;
    bytes = 1 + ((n + 1) >>> 1);
    if (at + bytes > end) fail('Huffman weights run past the literals section');
    for (let i = 0; i < n; i++) {
      const b = src[at + 1 + (i >>> 1)] as number;
      weights[i] = (i & 1) === 0 ? b >>> 4 : b & 15;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i] as number;
    if (w > 11) fail(`Huffman weight ${w} too large`);
    if (w > 0) total += 1 << (w - 1);
  }
  if (total === 0) fail('Huffman weights are all zero');
  const maxBits = highBit(total) + 1;
  if (maxBits > 11) fail(`Huffman code length ${maxBits} too large`);
  const left = (1 << maxBits) - total;
  if ((left & (left - 1)) !== 0) fail('Huffman weights do not complete a tree');
  weights[n++] = highBit(left) + 1;
  const size = 1 << maxBits;
  const symbol = new Uint8Array(size);
  const nbBits = new Uint8Array(size);
  let pos = 0;
  // codes are laid out from the lowest weight up, symbols in increasing order within a weight
  for (let w = 1; w <= maxBits; w++) {
    const len = 1 << (w - 1);
    for (let s = 0; s < n; s++) {
      if (weights[s] !== w) continue;
      symbol.fill(s, pos, pos + len);
      nbBits.fill(maxBits + 1 - w, pos, pos + len);
      pos += len;
    }
  }
  if (pos !== size) fail('Huffman table incomplete');
  return { table: { maxBits, symbol, nbBits }, bytes };
}

function decodeHuffmanStream(src: Uint8Array, start: number, end: number, huff: HuffmanTable, out: Uint8Array, from: number, count: number): void {
  const bits = new BackwardBits(src, start, end);
  const { maxBits, symbol, nbBits } = huff;
  const mask = (1 << maxBits) - 1;
  let pos = bits.pos;
  for (let i = 0; i < count; i++) {
    const p = pos - maxBits;
    let v: number;
    if (p >= 0) {
      // maxBits ≤ 11, so three bytes hold the window; bits past it are masked off
      const k = start + (p >>> 3);
      v = (((src[k] as number) | ((src[k + 1] as number) << 8) | ((src[k + 2] as number) << 16)) >>> (p & 7)) & mask;
    } else {
      v = bitsAt(src, start, end, p, maxBits);
    }
    out[from + i] = symbol[v] as number;
    pos -= nbBits[v] as number;
  }
  if (pos !== 0) fail('Huffman stream length does not match its literals');
}

interface FrameState {
  rep: [number, number, number];
  huffman: HuffmanTable | undefined;
  ll: FseTable | undefined;
  of: FseTable | undefined;
  ml: FseTable | undefined;
}

/** Decodes the literals section at src[at, end); returns the literals and the bytes the section took. */
function readLiterals(src: Uint8Array, at: number, end: number, frame: FrameState): { literals: Uint8Array; bytes: number } {
  const b0 = byteAt(src, at);
  const type = b0 & 3;
  const sizeFormat = (b0 >>> 2) & 3;
  if (type === 0 || type === 1) {
    let size: number;
    let header: number;
    if ((sizeFormat & 1) === 0) {
      size = b0 >>> 3;
      header = 1;
    } else if (sizeFormat === 1) {
      size = (b0 >>> 4) + (byteAt(src, at + 1) << 4);
      header = 2;
    } else {
      size = (b0 >>> 4) + (byteAt(src, at + 1) << 4) + (byteAt(src, at + 2) << 12);
      header = 3;
    }
    if (type === 0) {
      if (at + header + size > end) fail('raw literals run past the block');
      return { literals: src.subarray(at + header, at + header + size), bytes: header + size };
    }
    return { literals: new Uint8Array(size).fill(byteAt(src, at + header)), bytes: header + 1 };
  }
  let regen: number;
  let comp: number;
  let header: number;
  const streams = sizeFormat === 0 ? 1 : 4;
  if (sizeFormat <= 1) {
    const v = b0 | (byteAt(src, at + 1) << 8) | (byteAt(src, at + 2) << 16);
    regen = (v >>> 4) & 0x3ff;
    comp = (v >>> 14) & 0x3ff;
    header = 3;
  } else if (sizeFormat === 2) {
    const v = (b0 | (byteAt(src, at + 1) << 8) | (byteAt(src, at + 2) << 16) | (byteAt(src, at + 3) << 24)) >>> 0;
    regen = (v >>> 4) & 0x3fff;
    comp = v >>> 18;
    header = 4;
  } else {
    const v = b0 + byteAt(src, at + 1) * 2 ** 8 + byteAt(src, at + 2) * 2 ** 16 + byteAt(src, at + 3) * 2 ** 24 + byteAt(src, at + 4) * 2 ** 32;
    regen = Math.floor(v / 16) % 2 ** 18;
    comp = Math.floor(v / 2 ** 22) % 2 ** 18;
    header = 5;
  }
  let p = at + header;
  const stop = p + comp;
  if (stop > end) fail('compressed literals run past the block');
  if (type === 2) {
    const { table, bytes } = readHuffmanTable(src, p, stop);
    frame.huffman = table;
    p += bytes;
  } else if (frame.huffman === undefined) {
    fail('treeless literals without a previous Huffman table');
  }
  const huff = frame.huffman as HuffmanTable;
  const literals = new Uint8Array(regen);
  if (streams === 1) {
    decodeHuffmanStream(src, p, stop, huff, literals, 0, regen);
  } else {
    if (p + 6 > stop) fail('literals jump table runs past the section');
    const s1 = byteAt(src, p) | (byteAt(src, p + 1) << 8);
    const s2 = byteAt(src, p + 2) | (byteAt(src, p + 3) << 8);
    const s3 = byteAt(src, p + 4) | (byteAt(src, p + 5) << 8);
    const start1 = p + 6;
    const start2 = start1 + s1;
    const start3 = start2 + s2;
    const start4 = start3 + s3;
    if (start4 > stop) fail('literals streams run past the section');
    const quarter = Math.floor((regen + 3) / 4);
    if (3 * quarter > regen) fail('too few literals for four streams');
    decodeHuffmanStream(src, start1, start2, huff, literals, 0, quarter);
    decodeHuffmanStream(src, start2, start3, huff, literals, quarter, quarter);
    decodeHuffmanStream(src, start3, start4, huff, literals, 2 * quarter, quarter);
    decodeHuffmanStream(src, start4, stop, huff, literals, 3 * quarter, regen - 3 * quarter);
  }
  return { literals, bytes: header + comp };
}

/** Chooses a sequence table by its compression mode; returns the table and the bytes its description took. */
function sequenceTable(
  mode: number,
  src: Uint8Array,
  at: number,
  end: number,
  preset: FseTable,
  previous: FseTable | undefined,
  maxLog: number,
  maxSymbol: number,
): { table: FseTable; bytes: number } {
  switch (mode) {
    case 0:
      return { table: preset, bytes: 0 };
    case 1: {
      const sym = byteAt(src, at);
      if (sym > maxSymbol) fail(`RLE sequence symbol ${sym} out of range`);
      return { table: rleTable(sym), bytes: 1 };
    }
    case 2:
      return readFseTable(src, at, end, maxLog, maxSymbol);
    default:
      if (previous === undefined) fail('repeat sequence table without a previous table');
      return { table: previous, bytes: 0 };
  }
}

/** Decodes one compressed block at src[at, end) into out at `op`; returns the new output position. */
function decodeCompressedBlock(src: Uint8Array, at: number, end: number, out: Uint8Array, op: number, frameStart: number, frame: FrameState): number {
  const { literals, bytes } = readLiterals(src, at, end, frame);
  let ip = at + bytes;
  const b0 = byteAt(src, ip);
  let nbSeq: number;
  if (b0 < 128) {
    nbSeq = b0;
    ip += 1;
  } else if (b0 < 255) {
    nbSeq = ((b0 - 128) << 8) + byteAt(src, ip + 1);
    ip += 2;
  } else {
    nbSeq = byteAt(src, ip + 1) + (byteAt(src, ip + 2) << 8) + 0x7f00;
    ip += 3;
  }
  let lit = 0;
  if (nbSeq > 0) {
    const modes = byteAt(src, ip++);
    if ((modes & 3) !== 0) fail('reserved bits set in sequence modes');
    const pre = predefinedTables();
    const ll = sequenceTable(modes >>> 6, src, ip, end, pre.ll, frame.ll, 9, LL_MAX_SYMBOL);
    ip += ll.bytes;
    const of = sequenceTable((modes >>> 4) & 3, src, ip, end, pre.of, frame.of, 8, OF_MAX_SYMBOL);
    ip += of.bytes;
    const ml = sequenceTable((modes >>> 2) & 3, src, ip, end, pre.ml, frame.ml, 9, ML_MAX_SYMBOL);
    ip += ml.bytes;
    frame.ll = ll.table;
    frame.of = of.table;
    frame.ml = ml.table;
    const llT = ll.table;
    const ofT = of.table;
    const mlT = ml.table;
    const bits = new BackwardBits(src, ip, end);
    let llState = bits.read(llT.log);
    let ofState = bits.read(ofT.log);
    let mlState = bits.read(mlT.log);
    const rep = frame.rep;
    for (let i = 0; i < nbSeq; i++) {
      const llCode = llT.symbol[llState] as number;
      const ofCode = ofT.symbol[ofState] as number;
      const mlCode = mlT.symbol[mlState] as number;
      if (llCode > LL_MAX_SYMBOL || mlCode > ML_MAX_SYMBOL || ofCode > OF_MAX_SYMBOL) fail('sequence code out of range');
      const ofValue = (OF_BASE[ofCode] as number) + bits.read(ofCode);
      const matchLen = (ML_BASE[mlCode] as number) + bits.read(ML_BITS[mlCode] as number);
      const litLen = (LL_BASE[llCode] as number) + bits.read(LL_BITS[llCode] as number);
      let offset: number;
      if (ofValue > 3) {
        offset = ofValue - 3;
        rep[2] = rep[1];
        rep[1] = rep[0];
        rep[0] = offset;
      } else {
        // repeat offsets; with no literals the codes shift by one
        const idx = ofValue - 1 + (litLen === 0 ? 1 : 0);
        if (idx === 0) {
          offset = rep[0];
        } else {
          offset = idx === 3 ? rep[0] - 1 : rep[idx as 1 | 2];
          if (idx !== 1) rep[2] = rep[1];
          rep[1] = rep[0];
          rep[0] = offset;
        }
      }
      if (i < nbSeq - 1) {
        llState = (llT.baseline[llState] as number) + bits.read(llT.nbBits[llState] as number);
        mlState = (mlT.baseline[mlState] as number) + bits.read(mlT.nbBits[mlState] as number);
        ofState = (ofT.baseline[ofState] as number) + bits.read(ofT.nbBits[ofState] as number);
      }
      if (lit + litLen > literals.length) fail('sequence uses more literals than decoded');
      if (op + litLen + matchLen > out.length) fail('output larger than expected');
      if (litLen < 32) {
        for (let k = 0; k < litLen; k++) out[op + k] = literals[lit + k] as number;
      } else {
        out.set(literals.subarray(lit, lit + litLen), op);
      }
      op += litLen;
      lit += litLen;
      if (offset <= 0 || offset > op - frameStart) fail(`match offset ${offset} outside the frame`);
      let from = op - offset;
      if (offset >= matchLen && matchLen >= 32) {
        out.copyWithin(op, from, from + matchLen);
        op += matchLen;
      } else {
        // short or overlapping: byte by byte (an overlap repeats the last `offset` bytes)
        for (let k = 0; k < matchLen; k++) out[op++] = out[from++] as number;
      }
    }
    if (bits.pos !== 0) fail('sequence bitstream length does not match its sequences');
  }
  const rest = literals.length - lit;
  if (op + rest > out.length) fail('output larger than expected');
  out.set(literals.subarray(lit), op);
  return op + rest;
}

function u32(src: Uint8Array, at: number): number {
  return (byteAt(src, at) | (byteAt(src, at + 1) << 8) | (byteAt(src, at + 2) << 16) | (byteAt(src, at + 3) << 24)) >>> 0;
}

/** Decompresses concatenated zstd frames into exactly `size` bytes. */
export function zstdDecompress(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let ip = 0;
  let op = 0;
  while (ip < src.length) {
    const magic = u32(src, ip);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      ip += 8 + u32(src, ip + 4);
      continue;
    }
    if (magic !== FRAME_MAGIC) fail(`bad frame magic 0x${magic.toString(16)}`);
    ip += 4;
    const fhd = byteAt(src, ip++);
    const fcsFlag = fhd >>> 6;
    const singleSegment = (fhd & 0x20) !== 0;
    const checksum = (fhd & 0x04) !== 0;
    const dictFlag = fhd & 3;
    if ((fhd & 0x08) !== 0) fail('reserved frame header bit set');
    if (!singleSegment) ip++; // window descriptor: the whole output is in memory anyway
    const dictBytes = [0, 1, 2, 4][dictFlag] as number;
    let dictId = 0;
    for (let k = 0; k < dictBytes; k++) dictId += byteAt(src, ip + k) * 2 ** (8 * k);
    ip += dictBytes;
    if (dictId !== 0) fail('frames that need a dictionary are not supported');
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : ([0, 2, 4, 8][fcsFlag] as number);
    let contentSize = -1;
    if (fcsBytes > 0) {
      contentSize = 0;
      for (let k = 0; k < fcsBytes; k++) contentSize += byteAt(src, ip + k) * 2 ** (8 * k);
      if (fcsBytes === 2) contentSize += 256;
      ip += fcsBytes;
    }
    const frameStart = op;
    const frame: FrameState = { rep: [1, 4, 8], huffman: undefined, ll: undefined, of: undefined, ml: undefined };
    for (;;) {
      const h = byteAt(src, ip) | (byteAt(src, ip + 1) << 8) | (byteAt(src, ip + 2) << 16);
      ip += 3;
      const last = (h & 1) !== 0;
      const type = (h >>> 1) & 3;
      const blockSize = h >>> 3;
      if (type === 0) {
        if (ip + blockSize > src.length) fail('raw block runs past the input');
        if (op + blockSize > out.length) fail('output larger than expected');
        out.set(src.subarray(ip, ip + blockSize), op);
        op += blockSize;
        ip += blockSize;
      } else if (type === 1) {
        if (op + blockSize > out.length) fail('output larger than expected');
        out.fill(byteAt(src, ip), op, op + blockSize);
        op += blockSize;
        ip += 1;
      } else if (type === 2) {
        if (ip + blockSize > src.length) fail('compressed block runs past the input');
        op = decodeCompressedBlock(src, ip, ip + blockSize, out, op, frameStart, frame);
        ip += blockSize;
      } else {
        fail('reserved block type');
      }
      if (last) break;
    }
    if (checksum) ip += 4;
    if (contentSize >= 0 && op - frameStart !== contentSize) fail(`frame decoded to ${op - frameStart} bytes, header says ${contentSize}`);
  }
  if (op !== size) fail(`decompressed ${op} bytes, expected ${size}`);
  return out;
}
