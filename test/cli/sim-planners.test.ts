import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { plannerNames } from '../../src/planner/registry.ts';
import { simJson } from './helpers.ts';

describe('odra sim with every registered planner', () => {
  for (const planner of plannerNames()) {
    test(`--planner ${planner}: ≥ 90 % of 10 seeded pose goals`, async () => {
      const s = await simJson(['--episodes', '10', '--seed', '1', '--goal', 'pose', '--planner', planner]);
      assert.equal(s.planner, planner);
      assert.ok(s.successRate >= 0.9, `success rate ${s.successRate}: ${JSON.stringify(s)}`);
      assert.equal(s.limitViolations, 0);
      assert.equal(s.keepOutViolations, 0);
    });
  }
});
