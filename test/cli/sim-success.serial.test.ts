import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simJson } from './helpers.ts';

// 20 seeded episodes per goal kind with the demo configuration, judged from the simulator's true state
describe('odra sim with the demo configuration', () => {
  for (const goal of ['pose', 'joints'] as const) {
    test(`--goal ${goal}: ≥ 95 % success, no violations, planning within the control period`, async () => {
      const s = await simJson(['--episodes', '20', '--seed', '1', '--goal', goal]);
      const numbers = JSON.stringify(s);
      assert.equal(s.episodes, 20);
      assert.equal(s.goal, goal);
      assert.ok(s.successRate >= 0.95, `success rate ${s.successRate}: ${numbers}`);
      assert.equal(s.limitViolations, 0, numbers);
      assert.equal(s.keepOutViolations, 0, numbers);
      assert.ok(s.planMs !== null && s.planMs.p99 < 1000 / s.controlHz, `plan ms ${JSON.stringify(s.planMs)}`);
      assert.ok(s.finalEeErrorM !== null && s.timeToGoalS !== null);
      if (goal === 'joints') assert.ok(s.finalJointErrorRad !== null);
      else assert.equal(s.finalJointErrorRad, null);
    });
  }
});
