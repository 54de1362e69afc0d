/**
 * A timestamped ring buffer of fixed-size float vectors.
 *
 * Storage is preallocated (`capacity` stamps, `capacity × dim` values); a push copies the values in
 * and allocates nothing. Stamps are strictly increasing: a stamp equal to the newest is a
 * duplicate, an older one is out of order, and both are rejected and counted, as are wrong sizes
 * and non-finite values. Nothing throws after construction.
 */

/** What a push did: `'ok'`, or why the sample was dropped. */
export type PushResult = 'ok' | RejectReason;
export type RejectReason = 'out_of_order' | 'duplicate' | 'wrong_size' | 'non_finite';
export const REJECT_REASONS: readonly RejectReason[] = ['out_of_order', 'duplicate', 'wrong_size', 'non_finite'];

export type RejectCounts = Record<RejectReason, number>;

export function zeroRejectCounts(): RejectCounts {
  return { out_of_order: 0, duplicate: 0, wrong_size: 0, non_finite: 0 };
}

/**
 * The last `k` samples, oldest first, in rows `0 .. count-1`; rows `count .. k-1` hold stamp NaN
 * and zero values. `values` is row-major `k × dim`.
 */
export interface SampleWindow {
  readonly k: number;
  readonly dim: number;
  readonly stampsS: Float64Array;
  readonly values: Float64Array;
  /** per-sample flags given at push (see `RingBuffer.push`) */
  readonly flags: Uint8Array;
  count: number;
}

export function createSampleWindow(k: number, dim: number): SampleWindow {
  const rows = Math.max(0, Math.floor(k));
  return {
    k: rows,
    dim,
    stampsS: new Float64Array(rows).fill(Number.NaN),
    values: new Float64Array(rows * dim),
    flags: new Uint8Array(rows),
    count: 0,
  };
}

export class RingBuffer {
  readonly capacity: number;
  readonly dim: number;
  private readonly stamps: Float64Array;
  private readonly data: Float64Array;
  private readonly sampleFlags: Uint8Array;
  /** slot of the oldest sample */
  private head = 0;
  private length = 0;
  /** stamp of the newest accepted sample; survives nothing but `clear()` */
  private newestStampS = Number.NEGATIVE_INFINITY;
  private acceptedCount = 0;
  private readonly rejects: RejectCounts = zeroRejectCounts();

  constructor(capacity: number, dim: number) {
    const problems: string[] = [];
    if (!Number.isInteger(capacity) || capacity < 1) problems.push(`capacity: must be an integer ≥ 1, got ${capacity}`);
    if (!Number.isInteger(dim) || dim < 0) problems.push(`dim: must be an integer ≥ 0, got ${dim}`);
    if (problems.length > 0) throw new RangeError(`RingBuffer: ${problems.join('; ')}`);
    this.capacity = capacity;
    this.dim = dim;
    this.stamps = new Float64Array(capacity);
    this.data = new Float64Array(capacity * dim);
    this.sampleFlags = new Uint8Array(capacity);
  }

  /** Number of samples held (≤ capacity). */
  get size(): number {
    return this.length;
  }

  /** Samples accepted since construction (clear() does not reset it). */
  get accepted(): number {
    return this.acceptedCount;
  }

  /**
   * Validates and copies one sample in, overwriting the oldest when full. Checks run in this order:
   * stamp finite, size, values finite, stamp order. `flags` is a byte stored with the sample.
   */
  push(stampS: number, values: ArrayLike<number>, flags = 0): PushResult {
    const dim = this.dim;
    let reason: RejectReason | null = null;
    if (!Number.isFinite(stampS)) reason = 'non_finite';
    else if (values.length !== dim) reason = 'wrong_size';
    else {
      for (let i = 0; i < dim; i++) {
        if (!Number.isFinite(values[i] as number)) {
          reason = 'non_finite';
          break;
        }
      }
      if (reason === null) {
        if (stampS === this.newestStampS) reason = 'duplicate';
        else if (stampS < this.newestStampS) reason = 'out_of_order';
      }
    }
    if (reason !== null) return this.countRejected(reason);
    let slot: number;
    if (this.length < this.capacity) {
      slot = (this.head + this.length) % this.capacity;
      this.length++;
    } else {
      slot = this.head;
      this.head = (this.head + 1) % this.capacity;
    }
    this.stamps[slot] = stampS;
    this.sampleFlags[slot] = flags;
    const base = slot * dim;
    for (let i = 0; i < dim; i++) this.data[base + i] = values[i] as number;
    this.newestStampS = stampS;
    this.acceptedCount++;
    return 'ok';
  }

  /** Counts a sample its owner dropped before it reached the buffer (e.g. a malformed message). */
  countRejected(reason: RejectReason): RejectReason {
    this.rejects[reason]++;
    return reason;
  }

  /** Stamp of the newest sample, NaN when empty. */
  latestStampS(): number {
    return this.length === 0 ? Number.NaN : this.stampAt(this.length - 1);
  }

  /** Copies the newest values into `out` (length ≥ dim) and returns its stamp; NaN when empty. */
  latestInto(out: Float64Array): number {
    if (this.length === 0) return Number.NaN;
    return this.copyAt(this.length - 1, out);
  }

  /** The newest sample as a fresh copy, or null when empty. Allocates; use `latestInto` per tick. */
  latest(): { stampS: number; values: Float64Array; flags: number } | null {
    if (this.length === 0) return null;
    const values = new Float64Array(this.dim);
    const stampS = this.copyAt(this.length - 1, values);
    return { stampS, values, flags: this.flagsAt(this.length - 1) };
  }

  /** Stamp of sample `i`, 0 = oldest; NaN when out of range. */
  stampAt(i: number): number {
    if (!(i >= 0 && i < this.length)) return Number.NaN;
    return this.stamps[(this.head + i) % this.capacity] as number;
  }

  /** Flags of sample `i`, 0 = oldest; 0 when out of range. */
  flagsAt(i: number): number {
    if (!(i >= 0 && i < this.length)) return 0;
    return this.sampleFlags[(this.head + i) % this.capacity] as number;
  }

  /** Copies sample `i` (0 = oldest) into `out` at `offset`; returns its stamp, NaN when out of range. */
  copyAt(i: number, out: Float64Array, offset = 0): number {
    if (!(i >= 0 && i < this.length)) return Number.NaN;
    const slot = (this.head + i) % this.capacity;
    const base = slot * this.dim;
    for (let j = 0; j < this.dim; j++) out[offset + j] = this.data[base + j] as number;
    return this.stamps[slot] as number;
  }

  /** Index (0 = oldest) of the newest sample stamped at or before `stampS`; -1 when none. */
  indexAtOrBefore(stampS: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    // Stamps are strictly increasing, so binary search over logical indices.
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.stampAt(mid) <= stampS) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * Linear interpolation of the values at `stampS` into `out`. Returns false (and leaves `out`
   * alone) when `stampS` lies outside the stamps held; an exact stamp needs no neighbour.
   */
  interpolate(stampS: number, out: Float64Array): boolean {
    const i = this.indexAtOrBefore(stampS);
    if (i < 0) return false;
    const t0 = this.stampAt(i);
    if (t0 === stampS) {
      this.copyAt(i, out);
      return true;
    }
    if (i + 1 >= this.length) return false;
    const t1 = this.stampAt(i + 1);
    const w = (stampS - t0) / (t1 - t0);
    const a = ((this.head + i) % this.capacity) * this.dim;
    const b = ((this.head + i + 1) % this.capacity) * this.dim;
    for (let j = 0; j < this.dim; j++) {
      const va = this.data[a + j] as number;
      out[j] = va + w * ((this.data[b + j] as number) - va);
    }
    return true;
  }

  /**
   * The last `k` samples, oldest first (see `SampleWindow`). With `out`, fills it and allocates
   * nothing; `out.k` then bounds the rows and `k` is ignored beyond it. A window of another
   * dimension is a wiring bug and throws.
   */
  window(k: number, out?: SampleWindow): SampleWindow {
    const w = out ?? createSampleWindow(k, this.dim);
    if (w.dim !== this.dim) throw new RangeError(`RingBuffer.window: window dim ${w.dim} ≠ buffer dim ${this.dim}`);
    const rows = Math.max(0, Math.min(Math.floor(k), w.k));
    const count = Math.min(rows, this.length);
    const first = this.length - count;
    const dim = this.dim;
    for (let r = 0; r < count; r++) {
      w.stampsS[r] = this.copyAt(first + r, w.values, r * dim);
      w.flags[r] = this.flagsAt(first + r);
    }
    for (let r = count; r < w.k; r++) {
      w.stampsS[r] = Number.NaN;
      w.flags[r] = 0;
      w.values.fill(0, r * dim, (r + 1) * dim);
    }
    w.count = count;
    return w;
  }

  /** Forgets every sample and the newest stamp (so older stamps are accepted again); keeps counts. */
  clear(): void {
    this.head = 0;
    this.length = 0;
    this.newestStampS = Number.NEGATIVE_INFINITY;
  }

  /** Rejections by reason since construction (a copy). */
  rejected(): RejectCounts {
    return { ...this.rejects };
  }

  /** Adds this buffer's rejections into `acc`. */
  addRejectedInto(acc: RejectCounts): RejectCounts {
    for (const r of REJECT_REASONS) acc[r] += this.rejects[r];
    return acc;
  }

  resetCounts(): void {
    for (const r of REJECT_REASONS) this.rejects[r] = 0;
    this.acceptedCount = 0;
  }
}
