import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildChain } from '../../src/robot/kinematics.ts';
import { ConfigurationChecker, sampleEpisodeJoints, zoneDistance } from '../../src/sim/episode-sampling.ts';
import { parseScenario, ScenarioError, zonesFromParameters, zonesToParameters } from '../../src/sim/episode-scenario.ts';
import type { KeepOutZone } from '../../src/sim/keep-out.ts';
import { Rng } from '../../src/sim/random.ts';
import type { Simulator } from '../../src/sim/simulator.ts';
import { demoRobot, demoSim } from './helpers.ts';

const OBSTACLE: KeepOutZone = { box: { min: [0.39, -0.31, 0], max: [0.51, -0.19, 0.3] } };
const chain = buildChain(demoRobot(), { baseLink: 'base_link', tipLink: 'tool0' });

describe('episode sampling', () => {
  let sim: Simulator;
  before(async () => {
    sim = await demoSim('velocity');
  });
  after(() => sim.dispose());

  test('the chain keeps the arm and its base, not the world fixed to the base', () => {
    const links = new Set(chain.spheres.map((s) => s.link));
    for (const world of ['table', 'obstacle', 'camera_post', 'camera_link']) assert.ok(!links.has(world), `${world} is environment, not robot`);
    assert.ok(links.has('base_link'), 'the base keeps its own shape');
    for (const arm of ['shoulder_link', 'upper_arm_link', 'forearm_link', 'wrist_1_link', 'wrist_2_link', 'wrist_3_link']) assert.ok(links.has(arm), `${arm} covered`);
  });

  test('draws are seeded, inside the limits, and clear of the obstacle, the table and the arm itself', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const checker = new ConfigurationChecker(chain, [OBSTACLE]);
    for (let k = 0; k < 10; k++) {
      const x = sampleEpisodeJoints(a, chain, [OBSTACLE]);
      const y = sampleEpisodeJoints(b, chain, [OBSTACLE]);
      assert.deepEqual(x, y);
      for (const q of [x.start, x.goal]) {
        q.forEach((v, j) => assert.ok(v >= chain.limits[j]!.lower! + 0.3 - 1e-12 && v <= chain.limits[j]!.upper! - 0.3 + 1e-12));
        const c = checker.clearances(q);
        assert.ok(c.keepOutM >= 0.08 && c.tableM >= 0.03 && c.selfM >= 0.02, JSON.stringify(c));
        // the simulator's exact shapes agree: no penetration of the obstacle grown by 5 cm
        sim.reset(q);
        const grown: KeepOutZone = { box: { min: [0.34, -0.36, -0.05], max: [0.56, -0.14, 0.35] } };
        assert.equal(sim.keepOutPenetration([grown]), 0);
      }
      let d = 0;
      for (let j = 0; j < 6; j++) d += (x.start[j]! - x.goal[j]!) ** 2;
      assert.ok(Math.sqrt(d) >= 0.5);
    }
  });

  test('zone distances and the parameter round trip', () => {
    assert.ok(Math.abs(zoneDistance(OBSTACLE, 0.45, -0.25, 0.4) - 0.1) < 1e-12);
    assert.ok(Math.abs(zoneDistance(OBSTACLE, 0.45, -0.25, 0.15) + 0.06) < 1e-12);
    assert.equal(zoneDistance({ sphere: { center: [0, 0, 1], radius: 0.5 } }, 0, 0, 0), 0.5);
    const zones = zonesFromParameters([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3], [0, 0, 0, 0.5]);
    assert.equal(zones.length, 3);
    assert.deepEqual(zonesToParameters(zones), { boxes: [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3], spheres: [0, 0, 0, 0.5] });
  });

  test('scenarios parse into episodes; problems name the entry and the field', () => {
    const robot = { jointNames: chain.jointNames, limits: chain.limits };
    const [e] = parseScenario(
      JSON.stringify({
        episodes: [
          {
            start: [0, 0.5, 0.8, 0.3, 0, 0.2],
            goal: { pose: { position: [0.4, 0.1, 0.3], orientation: [0, 0, 0, 1] } },
            keepOut: [{ box: { min: [0, 0, 0], max: [0.1, 0.1, 0.1] } }],
            maxTicks: 50,
          },
        ],
      }),
      'inline',
      robot,
    );
    assert.deepEqual(Array.from(e!.start), [0, 0.5, 0.8, 0.3, 0, 0.2]);
    assert.equal(e!.goal.kind, 'pose');
    assert.equal(e!.maxTicks, 50);
    assert.deepEqual(e!.keepOut, [{ box: { min: [0, 0, 0], max: [0.1, 0.1, 0.1] } }]);
    const bad = () =>
      parseScenario(
        JSON.stringify({ episodes: [{ start: [0, 0, 0, 0, 0, 0], goal: { joints: [0, 0, 0, 0, 0, 0] }, keepOut: [{ sphere: { center: [0, 0, 0], radius: -1 } }] }] }),
        'inline',
        robot,
      );
    assert.throws(bad, (err: unknown) => err instanceof ScenarioError && err.problems.some((p) => p.startsWith('episodes[0].keepOut[0].sphere.radius: must be > 0')));
    assert.throws(() => parseScenario('{"episodes": []}', 'inline', robot), /episodes: must hold at least one episode/);
  });
});
