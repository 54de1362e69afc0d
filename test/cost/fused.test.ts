/**
 * The fused value-only cost path against the straightforward one (every term's own evaluate over a full
 * FK batch): same per-term costs and totals up to rounding, on batches built to hit every branch —
 * keep-out boxes (outside and inside) and spheres, self-collision, limits, every norm, latent goals.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CostEvaluator } from '../../src/cost/evaluator.ts';
import { evaluateFused, FusedScratch, fusedProblem } from '../../src/cost/fused.ts';
import { NORM_KINDS, type NormKind } from '../../src/cost/norms.ts';
import type { CostContext, CostProblem, CostTerm } from '../../src/cost/types.ts';
import { buildChain, parseUrdf, type RobotChain } from '../../src/robot/index.ts';
import { makeStateLayout } from '../../src/world-model/world-model.ts';
import { MIXED_URDF } from '../robot/helpers.ts';
import { arm6, builtInTerms, type CostBatch, problemFor, rng } from './helpers.ts';


/**
 * Random configurations over (and a little beyond) the joint range, random velocities and actions, and
 * keep-out zones placed on the arm's own sphere centres of some of those configurations, so that many
 * samples touch a zone (some from inside a box) and many fold into themselves.
 */
function randomBatch(chain: RobotChain, seed: number, T: number, B: number, latentDim: number): CostBatch {
  const next = rng(seed);
  const dof = chain.dof;
  const base = problemFor(chain);
  const layout = makeStateLayout(latentDim, dof);
  const D = layout.stateDim;
  const A = dof;
  const states = new Float64Array((T + 1) * B * D);
  const actions = new Float64Array(T * B * A);
  for (let row = 0; row < (T + 1) * B; row++) {
    for (let j = 0; j < latentDim; j++) states[row * D + j] = 2 * next() - 1;
    for (let j = 0; j < dof; j++) {
      const lo = base.limits.lower[j]!;
      const hi = base.limits.upper[j]!;
      states[row * D + layout.qOffset + j] = lo - 0.2 + (hi - lo + 0.4) * next();
      states[row * D + layout.qdOffset + j] = 5 * (2 * next() - 1);
    }
  }
  for (let i = 0; i < actions.length; i++) actions[i] = 3 * (2 * next() - 1);
  // zones on sphere centres of a few sampled configurations
  const probe = chain.createFkResult(4);
  const q = new Float64Array(4 * dof);
  for (let i = 0; i < 4; i++) q.set(states.subarray((B + i) * D + layout.qOffset, (B + i) * D + layout.qOffset + dof), i * dof);
  chain.fk(q, 4, probe);
  const S = chain.spheres.length;
  const at = (cfg: number, s: number): [number, number, number] => {
    const o = (cfg * S + s) * 3;
    return [probe.spheres[o]!, probe.spheres[o + 1]!, probe.spheres[o + 2]!];
  };
  const [x0, y0, z0] = at(0, S - 1);
  const [x1, y1, z1] = at(1, Math.floor(S / 2));
  const [x2, y2, z2] = at(2, S - 2);
  const [x3, y3, z3] = at(3, Math.floor((2 * S) / 3));
  const boxes = Float64Array.from([x0 - 0.1, y0 - 0.08, z0 - 0.12, x0 + 0.1, y0 + 0.08, z0 + 0.12, x1 - 0.3, y1 - 0.3, z1 - 0.02, x1 + 0.3, y1 + 0.3, z1 + 0.02]);
  const spheres = Float64Array.from([x2, y2, z2, 0.08, x3 + 0.05, y3, z3, 0.04]);
  const goalQ = new Float64Array(dof);
  const posture = new Float64Array(dof);
  for (let j = 0; j < dof; j++) {
    goalQ[j] = 0.5 * (2 * next() - 1);
    posture[j] = 0.5 * (2 * next() - 1);
  }
  const gfk = chain.createFkResult(1);
  chain.fk(goalQ, 1, gfk);
  const latent = new Float64Array(latentDim);
  for (let j = 0; j < latentDim; j++) latent[j] = 2 * next() - 1;
  const prevAction = new Float64Array(A);
  for (let j = 0; j < A; j++) prevAction[j] = 2 * next() - 1;
  const problem: CostProblem = {
    ...base,
    layout,
    goal: { joints: goalQ, eePosition: gfk.eePos.slice(0, 3), eeRotation: gfk.eeRot.slice(0, 9), latent, posture },
    limits: { ...base.limits, maxVel: new Float64Array(dof).fill(2), maxAcc: new Float64Array(dof).fill(40) },
    keepOut: { boxes, spheres },
    prevAction,
  };
  return { problem, states, actions, T, B, A };
}

function compare(terms: () => CostTerm[], chain: RobotChain | null, batch: CostBatch, what: string): { nonzero: Map<string, number> } {
  const { problem, states, actions, T, B, A } = batch;
  const ref = new CostEvaluator(terms(), chain, { fused: false }).evaluate(problem, states, actions, T, B, A);
  const refTotal = ref.total.slice();
  const refPer = ref.perTerm.slice();
  const refNames = [...ref.termNames];
  const fused = new CostEvaluator(terms(), chain).evaluate(problem, states, actions, T, B, A);
  assert.deepEqual([...fused.termNames], refNames, `${what}: active terms`);
  const nonzero = new Map<string, number>();
  refNames.forEach((name, k) => {
    let count = 0;
    for (let b = 0; b < B; b++) {
      const r = refPer[k * B + b]!;
      const f = fused.perTerm[k * B + b]!;
      if (r !== 0) count++;
      assert.ok(Math.abs(f - r) <= 1e-12 * Math.max(1, Math.abs(r)) || (Number.isNaN(r) && Number.isNaN(f)), `${what}: ${name}[${b}] fused ${f} vs ${r}`);
    }
    nonzero.set(name, count);
  });
  for (let b = 0; b < B; b++) {
    const r = refTotal[b]!;
    const f = fused.total[b]!;
    assert.ok(Math.abs(f - r) <= 1e-12 * Math.max(1, Math.abs(r)) || r === f, `${what}: total[${b}] fused ${f} vs ${r}`);
  }
  return { nonzero };
}

describe('fused cost evaluation', () => {
  test('every term, every norm, on the 6-DoF arm: the same costs as the terms themselves', () => {
    const chain = arm6();
    for (const norm of [null, ...NORM_KINDS]) {
      // a latent of 11: the latent sum's blocks of four and its tail
      const batch = randomBatch(chain, 11, 6, 160, 11);
      const { nonzero } = compare(() => builtInTerms(norm, true), chain, batch, `arm6 ${norm ?? 'default norms'}`);
      // the batch reaches the expensive branches, or the comparison would prove little
      for (const name of ['keep_out', 'self_collision', 'joint_limits', 'velocity_limits', 'acceleration_limits']) {
        assert.ok(nonzero.get(name)! >= 10, `${norm ?? 'default'}: ${name} is nonzero for only ${nonzero.get(name)} of 160 samples`);
      }
    }
  });

  test('a chain with prismatic and continuous joints, skewed axes and an offset tip', () => {
    const chain = buildChain(parseUrdf(MIXED_URDF, 'mixed.urdf'), { baseLink: 'base', tipLink: 'hand', tipOffset: [0.02, -0.01, 0.07] });
    const batch = randomBatch(chain, 5, 5, 200, 0);
    const { nonzero } = compare(() => builtInTerms(null, true), chain, batch, 'mixed');
    assert.ok(nonzero.get('keep_out')! >= 10, `keep_out nonzero for ${nonzero.get('keep_out')} samples`);
  });

  test('goal subsets and no chain: terms drop out the same way on both paths', () => {
    const chain = arm6();
    const batch = randomBatch(chain, 3, 4, 40, 2);
    const goals = [{ joints: batch.problem.goal.joints! }, { eePosition: batch.problem.goal.eePosition! }, {}];
    for (const goal of goals) {
      const b = { ...batch, problem: { ...batch.problem, goal } };
      compare(() => builtInTerms(null, true), chain, b, `goal ${Object.keys(goal).join('+') || 'none'}`);
      compare(() => builtInTerms(null, true), null, b, `no chain, goal ${Object.keys(goal).join('+') || 'none'}`);
    }
  });

  test('a NaN state makes the sample infinite on both paths', () => {
    const chain = arm6();
    const batch = randomBatch(chain, 9, 4, 8, 0);
    const D = batch.problem.layout.stateDim;
    batch.states[(2 * batch.B + 3) * D + batch.problem.layout.qOffset + 4] = Number.NaN;
    compare(() => builtInTerms(null, true), chain, batch, 'NaN');
    const ev = new CostEvaluator(builtInTerms(null, true), chain).evaluate(batch.problem, batch.states, batch.actions, batch.T, batch.B, batch.A);
    assert.equal(ev.total[3], Infinity, 'the NaN sample costs Infinity');
    assert.ok(Number.isFinite(ev.total[2]!), 'its neighbours stay finite');
  });

  test('splitting the samples into ranges changes no result (the worker split)', () => {
    const chain = arm6();
    const batch = randomBatch(chain, 21, 5, 64, 0);
    const terms = builtInTerms(null, true);
    const active = terms.filter((t) => t.active(batch.problem, chain));
    const fp = fusedProblem(active, batch.problem, chain, batch.A);
    assert.ok(fp !== null, 'the built-in terms fuse');
    const whole = new Float64Array(active.length * batch.B);
    const wholeTotal = new Float64Array(batch.B);
    evaluateFused(fp, batch.states, batch.actions, batch.T, batch.B, 0, batch.B, whole, wholeTotal, new FusedScratch());
    const parts = new Float64Array(active.length * batch.B);
    const partsTotal = new Float64Array(batch.B);
    const scratch = new FusedScratch();
    for (const [b0, b1] of [[40, 64], [0, 17], [17, 40]] as const) evaluateFused(fp, batch.states, batch.actions, batch.T, batch.B, b0, b1, parts, partsTotal, scratch);
    assert.deepEqual(parts, whole, 'per-term costs are bit-identical');
    assert.deepEqual(partsTotal, wholeTotal, 'totals are bit-identical');
  });

  test('a term the kernel does not know sends the whole evaluation down the terms path', () => {
    class Custom implements CostTerm {
      readonly name = 'custom';
      readonly kind = 'task' as const;
      readonly needsFk = false;
      weight = 1;
      norm: NormKind = 'quadratic';
      normParam = 0.1;
      active(): boolean {
        return true;
      }
      evaluate(ctx: CostContext, out: Float64Array): void {
        for (let b = 0; b < ctx.B; b++) out[b]! += b;
      }
    }
    const chain = arm6();
    const batch = randomBatch(chain, 4, 3, 10, 0);
    assert.equal(fusedProblem([new Custom()], batch.problem, chain, batch.A), null, 'an unknown term does not fuse');
    compare(() => [...builtInTerms(null, true), new Custom()], chain, batch, 'custom term');
  });
});
