/** Agent test fixtures: settings from the configuration defaults, and true-state clearance checks. */
import { agentSettingsFromConfig } from '../../src/agent/from-config.ts';
import type { AgentSettings } from '../../src/agent/settings.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import type { KinematicChain } from '../../src/robot/chain.ts';

/** The shipped defaults with another planner selected (and optional overrides). */
export function testSettings(planner = 'cem', overrides: Partial<AgentSettings> = {}): AgentSettings {
  const base = agentSettingsFromConfig(defaultConfig());
  return { ...base, planner: { ...base.planner, name: planner }, ...overrides };
}

/** Signed distance from point p to an axis-aligned box [min, max] (negative inside). */
export function boxDistance(p: ArrayLike<number>, box: ArrayLike<number>): number {
  let outside = 0;
  let inside = Infinity;
  for (let k = 0; k < 3; k++) {
    const lo = box[k]!;
    const hi = box[k + 3]!;
    const v = p[k]!;
    const d = v < lo ? lo - v : v > hi ? v - hi : 0;
    outside += d * d;
    inside = Math.min(inside, v - lo, hi - v);
  }
  return outside > 0 ? Math.sqrt(outside) : -inside;
}

/** Smallest clearance between any moving link sphere and the box at configuration q (negative = penetrating). */
export function boxClearance(chain: KinematicChain, q: Float64Array, box: ArrayLike<number>): number {
  const fk = chain.createFkResult(1);
  chain.fk(q, 1, fk);
  let best = Infinity;
  chain.spheres.forEach((s, i) => {
    if (s.body === 0) return;
    best = Math.min(best, boxDistance(fk.spheres.subarray(i * 3, i * 3 + 3), box) - s.radiusM);
  });
  return best;
}

/** Smallest self-collision clearance over the chain's collision pairs. */
export function selfClearance(chain: KinematicChain, q: Float64Array): number {
  const fk = chain.createFkResult(1);
  chain.fk(q, 1, fk);
  let best = Infinity;
  const p = chain.collisionPairs;
  for (let k = 0; k < p.length; k += 2) {
    const i = p[k]!;
    const j = p[k + 1]!;
    const d = Math.hypot(fk.spheres[i * 3]! - fk.spheres[j * 3]!, fk.spheres[i * 3 + 1]! - fk.spheres[j * 3 + 1]!, fk.spheres[i * 3 + 2]! - fk.spheres[j * 3 + 2]!);
    best = Math.min(best, d - chain.spheres[i]!.radiusM - chain.spheres[j]!.radiusM);
  }
  return best;
}
