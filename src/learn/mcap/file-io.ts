/**
 * node:fs adapters for @mcap/core: a buffered writable (records are gathered in memory and written
 * in large blocks) and a positional readable.
 */
import type { FileHandle } from 'node:fs/promises';
import type { IReadable, IWritable } from '@mcap/core';

/** Writes all of `data` at `position`; fs may write less than asked in one call. */
async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.byteLength) {
    const { bytesWritten } = await fh.write(data, done, data.byteLength - done, position + done);
    if (bytesWritten <= 0) throw new Error('write returned no progress');
    done += bytesWritten;
  }
}

export class BufferedFileWritable implements IWritable {
  readonly #fh: FileHandle;
  readonly #block: Uint8Array;
  #used = 0;
  /** bytes accepted so far: the file offset of the next byte, flushed or not */
  #accepted = 0n;
  /** bytes already handed to the file */
  #flushed = 0;

  constructor(fh: FileHandle, blockBytes: number) {
    this.#fh = fh;
    this.#block = new Uint8Array(Math.max(4096, Math.floor(blockBytes)));
  }

  position(): bigint {
    return this.#accepted;
  }

  /** bytes gathered but not yet handed to the file */
  pendingBytes(): number {
    return this.#used;
  }

  /** Copies `data` (the caller reuses its buffer) into the block; full blocks and large writes go to the file. */
  async write(data: Uint8Array): Promise<void> {
    const n = data.byteLength;
    this.#accepted += BigInt(n);
    if (this.#used + n <= this.#block.byteLength) {
      this.#block.set(data, this.#used);
      this.#used += n;
      return;
    }
    await this.flush();
    if (n >= this.#block.byteLength) {
      // the caller awaits this write before touching `data` again, so no copy is needed
      await writeAll(this.#fh, data, this.#flushed);
      this.#flushed += n;
      return;
    }
    this.#block.set(data, 0);
    this.#used = n;
  }

  async flush(): Promise<void> {
    if (this.#used === 0) return;
    const n = this.#used;
    this.#used = 0;
    await writeAll(this.#fh, this.#block.subarray(0, n), this.#flushed);
    this.#flushed += n;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.#fh.close();
    }
  }
}

export class FileReadable implements IReadable {
  readonly #fh: FileHandle;
  readonly #size: bigint;

  constructor(fh: FileHandle, sizeBytes: number) {
    this.#fh = fh;
    this.#size = BigInt(sizeBytes);
  }

  async size(): Promise<bigint> {
    return this.#size;
  }

  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    if (offset < 0n || size < 0n || offset + size > this.#size) {
      throw new Error(`read of ${size} bytes at ${offset} is outside the file (${this.#size} bytes)`);
    }
    const n = Number(size);
    const buf = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.#fh.read(buf, done, n - done, Number(offset) + done);
      if (bytesRead === 0) throw new Error(`file ended at ${Number(offset) + done} while reading`);
      done += bytesRead;
    }
    return buf;
  }
}
