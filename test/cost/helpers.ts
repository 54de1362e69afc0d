/** Shared fixtures for cost and planner tests: the 6-DoF arm, a cost problem, a trajectory. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CostProblem } from '../../src/cost/types.ts';
import { buildChain, type RobotChain } from '../../src/robot/kinematics.ts';
import { parseUrdf } from '../../src/robot/urdf.ts';
import { makeStateLayout } from '../../src/world-model/world-model.ts';

export const ARM6_PATH = fileURLToPath(new URL('../fixtures/arm6.urdf', import.meta.url));

let cached: RobotChain | null = null;
export function arm6(): RobotChain {
  cached ??= buildChain(parseUrdf(readFileSync(ARM6_PATH, 'utf8'), ARM6_PATH), { tipLink: 'tool0' });
  return cached;
}

export function problemFor(chain: RobotChain, overrides: Partial<CostProblem> = {}): CostProblem {
  const dof = chain.dof;
  const lower = new Float64Array(dof);
  const upper = new Float64Array(dof);
  chain.limits.forEach((l, j) => {
    lower[j] = l.lower ?? -Math.PI;
    upper[j] = l.upper ?? Math.PI;
  });
  return {
    layout: makeStateLayout(0, dof),
    dtS: 0.05,
    goal: {},
    limits: { lower, upper, maxVel: new Float64Array(dof).fill(2), maxAcc: new Float64Array(dof).fill(10) },
    keepOut: { boxes: new Float64Array(0), spheres: new Float64Array(0) },
    prevAction: new Float64Array(dof),
    ...overrides,
  };
}

/** mulberry32 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
