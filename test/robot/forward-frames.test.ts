import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardFrames } from '../../src/robot/kinematics.ts';
import { buildChain, loadRobot, type RobotChain } from '../../src/robot/index.ts';
import { ARM6_PATH, rng, uniform } from './helpers.ts';

describe('forwardFrames', () => {
  test('the signed-permutation shortcut gives exactly the numbers of the general product', () => {
    const chain: RobotChain = buildChain(loadRobot(ARM6_PATH), { tipLink: 'tool0' });
    const c = chain.constants;
    const perms = Array.from(c.jointPerm);
    assert.ok(perms.some((p) => p >= 0), 'arm6 has axis-aligned joints (the shortcut runs)');
    assert.ok(perms.some((p) => p < 0), 'and a general one (the product runs)');
    const general = { ...c, jointPerm: new Int8Array(c.jointPerm.length).fill(-1) };
    const dof = chain.dof;
    const next = rng(17);
    const q = new Float64Array(dof);
    const f1 = new Float64Array((dof + 1) * 12), f2 = new Float64Array((dof + 1) * 12);
    const e1 = new Float64Array(12), e2 = new Float64Array(12);
    const j1 = new Float64Array(dof * 6), j2 = new Float64Array(dof * 6);
    for (let i = 0; i < 2000; i++) {
      for (let k = 0; k < dof; k++) q[k] = uniform(next, -7, 7);
      forwardFrames(c, dof, q, 0, f1, e1, j1);
      forwardFrames(general, dof, q, 0, f2, e2, j2);
      // +0 and −0 may differ (0·x terms are skipped); every other bit is the same
      const same = (a: Float64Array, b: Float64Array): boolean => a.every((v, n) => v === b[n]);
      assert.ok(same(f1, f2) && same(e1, e2) && same(j1, j2), `configuration ${i}: [${q.join(', ')}]`);
    }
  });

  test('fk writes what forwardFrames computes', () => {
    const chain = buildChain(loadRobot(ARM6_PATH), { tipLink: 'tool0' });
    const dof = chain.dof;
    const q = Float64Array.from([0.3, -1.2, 2.1, -0.4, 0.9, -2.8]);
    const frames = new Float64Array((dof + 1) * 12);
    const ee = new Float64Array(12);
    forwardFrames(chain.constants, dof, q, 0, frames, ee, null);
    const out = chain.createFkResult(1);
    chain.fk(q, 1, out);
    assert.deepEqual([...out.eePos], [...ee.subarray(0, 3)], 'tip position');
    assert.deepEqual([...out.eeRot], [...ee.subarray(3, 12)], 'tip rotation');
  });
});
