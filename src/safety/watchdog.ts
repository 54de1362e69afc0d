/**
 * Steady-clock staleness checks. A stamp is the steady-clock time (s) at which something was received;
 * it is fresh when 0 ≤ now − stamp ≤ maxAge. A stamp ahead of the clock, or any non-finite time, is not
 * trusted (stale): both clocks are the same steady clock, so that only happens through a bug.
 */

export type Freshness = 'fresh' | 'stale' | 'missing';

/** s; Infinity when nothing was received; NaN when a time is not finite. */
export function stampAgeS(stampS: number | null, nowS: number): number {
  if (stampS === null) return Infinity;
  if (!Number.isFinite(stampS) || !Number.isFinite(nowS)) return NaN;
  return nowS - stampS;
}

export function freshness(stampS: number | null, nowS: number, maxAgeS: number): Freshness {
  if (stampS === null) return 'missing';
  const age = stampAgeS(stampS, nowS);
  // NaN fails both comparisons, so non-finite times read as stale
  return age >= 0 && age <= maxAgeS ? 'fresh' : 'stale';
}

/** Remembers the newest receive stamp of one input and tells its freshness; for filters and diagnostics. */
export class Watchdog {
  maxAgeS: number;
  private last: number | null = null;

  constructor(maxAgeS: number) {
    this.maxAgeS = maxAgeS;
  }

  /** Records a receive time (s, steady clock). Non-finite stamps are ignored; the newest stamp is kept. */
  feed(stampS: number): void {
    if (!Number.isFinite(stampS)) return;
    if (this.last === null || stampS > this.last) this.last = stampS;
  }

  /** Forgets every stamp: the input reads as missing until fed again. */
  clear(): void {
    this.last = null;
  }

  get lastStampS(): number | null {
    return this.last;
  }

  ageS(nowS: number): number {
    return stampAgeS(this.last, nowS);
  }

  check(nowS: number): Freshness {
    return freshness(this.last, nowS, this.maxAgeS);
  }

  isFresh(nowS: number): boolean {
    return this.check(nowS) === 'fresh';
  }
}
