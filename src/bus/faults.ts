/**
 * Link faults injected per topic on the in-process bus: a fixed latency, uniform jitter on top, and
 * a drop probability. Draws come from a generator seeded by the bus seed and the topic name, so a
 * run is reproducible and adding a topic does not change another topic's draws.
 *
 * Drops apply to every connection, reliable ones included: they model what the application sees
 * end to end (a reliable reader that falls a whole queue behind loses samples too).
 */

export interface TopicFaults {
  /** added to every delivery, seconds */
  latencyS?: number;
  /** uniform extra delay in [0, jitterS), seconds; per-connection order is kept */
  jitterS?: number;
  /** chance in [0, 1] that a delivery to one subscription is lost */
  dropProbability?: number;
}

export interface FaultState {
  readonly latencyS: number;
  readonly jitterS: number;
  readonly dropProbability: number;
  /** uniform in [0, 1) */
  readonly random: () => number;
}

export function faultProblems(f: TopicFaults): string[] {
  const problems: string[] = [];
  const nonNegative = (v: number | undefined, name: string): void => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) problems.push(`${name}: expected a finite value ≥ 0, got ${v}`);
  };
  nonNegative(f.latencyS, 'latencyS');
  nonNegative(f.jitterS, 'jitterS');
  const p = f.dropProbability;
  if (p !== undefined && !(p >= 0 && p <= 1)) problems.push(`dropProbability: expected a value in [0, 1], got ${p}`);
  return problems;
}

export function makeFaultState(f: TopicFaults, seed: number, topic: string): FaultState {
  return {
    latencyS: f.latencyS ?? 0,
    jitterS: f.jitterS ?? 0,
    dropProbability: f.dropProbability ?? 0,
    random: seededRandom(hashString(topic) ^ Math.imul(seed | 0, 0x9e3779b1)),
  };
}

/** FNV-1a, 32 bits. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, and good enough to decide drops. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
