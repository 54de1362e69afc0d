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
import type { CostContext, CostTerm } from '../../src/cost/types.ts';
import { buildChain, parseUrdf, type RobotChain } from '../../src/robot/index.ts';
import { MIXED_URDF } from '../robot/helpers.ts';
import { arm6, builtInTerms, type CostBatch, randomCostBatch } from './helpers.ts';



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
      const batch = randomCostBatch(chain, 11, 6, 160, { latentDim: 11, latentGoal: true, special: false });
      const { nonzero } = compare(() => builtInTerms(norm, true), chain, batch, `arm6 ${norm ?? 'default norms'}`);
      // the batch reaches the expensive branches, or the comparison would prove little
      for (const name of ['keep_out', 'self_collision', 'joint_limits', 'velocity_limits', 'acceleration_limits']) {
        assert.ok(nonzero.get(name)! >= 10, `${norm ?? 'default'}: ${name} is nonzero for only ${nonzero.get(name)} of 160 samples`);
      }
    }
  });

  test('a chain with prismatic and continuous joints, skewed axes and an offset tip', () => {
    const chain = buildChain(parseUrdf(MIXED_URDF, 'mixed.urdf'), { baseLink: 'base', tipLink: 'hand', tipOffset: [0.02, -0.01, 0.07] });
    const batch = randomCostBatch(chain, 5, 5, 200, { latentDim: 0, latentGoal: true, special: false });
    const { nonzero } = compare(() => builtInTerms(null, true), chain, batch, 'mixed');
    assert.ok(nonzero.get('keep_out')! >= 10, `keep_out nonzero for ${nonzero.get('keep_out')} samples`);
  });

  test('goal subsets and no chain: terms drop out the same way on both paths', () => {
    const chain = arm6();
    const batch = randomCostBatch(chain, 3, 4, 40, { latentDim: 2, latentGoal: true, special: false });
    const goals = [{ joints: batch.problem.goal.joints! }, { eePosition: batch.problem.goal.eePosition! }, {}];
    for (const goal of goals) {
      const b = { ...batch, problem: { ...batch.problem, goal } };
      compare(() => builtInTerms(null, true), chain, b, `goal ${Object.keys(goal).join('+') || 'none'}`);
      compare(() => builtInTerms(null, true), null, b, `no chain, goal ${Object.keys(goal).join('+') || 'none'}`);
    }
  });

  test('a NaN state makes the sample infinite on both paths', () => {
    const chain = arm6();
    const batch = randomCostBatch(chain, 9, 4, 8, { latentDim: 0, latentGoal: true, special: false });
    const D = batch.problem.layout.stateDim;
    batch.states[(2 * batch.B + 3) * D + batch.problem.layout.qOffset + 4] = Number.NaN;
    compare(() => builtInTerms(null, true), chain, batch, 'NaN');
    const ev = new CostEvaluator(builtInTerms(null, true), chain).evaluate(batch.problem, batch.states, batch.actions, batch.T, batch.B, batch.A);
    assert.equal(ev.total[3], Infinity, 'the NaN sample costs Infinity');
    assert.ok(Number.isFinite(ev.total[2]!), 'its neighbours stay finite');
  });

  test('splitting the samples into ranges changes no result (the worker split)', () => {
    const chain = arm6();
    const batch = randomCostBatch(chain, 21, 5, 64, { latentDim: 0, latentGoal: true, special: false });
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
    const batch = randomCostBatch(chain, 4, 3, 10, { latentDim: 0, latentGoal: true, special: false });
    assert.equal(fusedProblem([new Custom()], batch.problem, chain, batch.A), null, 'an unknown term does not fuse');
    compare(() => [...builtInTerms(null, true), new Custom()], chain, batch, 'custom term');
  });
});
