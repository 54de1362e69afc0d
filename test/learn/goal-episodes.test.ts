import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_TABLE_BOX, loadEpisodeModel, NEAR_GOALS, robotWithinSupport, runGoalImageEpisodes, sampleGoalPair } from '../../src/learn/goal-episodes.ts';
import { ClearanceChecker, DEMO_ARM_REGION, jointRegion } from '../../src/learn/workspace.ts';
import { buildChain } from '../../src/robot/kinematics.ts';
import { Rng } from '../../src/sim/random.ts';
import { DEMO_AGENT_CONFIG, DEMO_OBSTACLE, DEMO_URDF_PATH, demoArm, tinyModelJson, writeTinyModelDir } from './helpers.ts';

const JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'odra-goal-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('goal-image episodes', () => {
  test('the agent robot keeps the arm inside the support of the model with soft limits', () => {
    const { robot, chain } = demoArm();
    const support = { lower: [-0.5, 0.1, 0.3, -0.4, -1, -1], upper: [0.5, 1.1, 1.8, 1.4, 1, 1] };
    const inside = robotWithinSupport(robot, chain.jointNames, support);
    const guard = buildChain(inside, { baseLink: 'base_link', tipLink: 'tool0' });
    guard.limits.forEach((l, j) => {
      assert.equal(l.softLower, support.lower[j]);
      assert.equal(l.softUpper, support.upper[j]);
      assert.equal(l.lower, chain.limits[j]!.lower);
    });
    assert.equal(DEMO_TABLE_BOX[5], 0);
  });

  test('start and goal pairs keep the clearance along the straight path and respect the distances', () => {
    const { chain } = demoArm();
    const checker = new ClearanceChecker(chain, DEMO_OBSTACLE, 0);
    const region = jointRegion(chain, DEMO_ARM_REGION);
    const rng = new Rng(4);
    const fk = chain.createFkResult(1);
    for (let i = 0; i < 5; i++) {
      const { start, goal } = sampleGoalPair(rng, region, checker, chain, NEAR_GOALS, { zoneM: 0.08, tableM: 0.06, selfM: 0 });
      chain.fk(start, 1, fk);
      const a = fk.eePos.slice(0, 3);
      chain.fk(goal, 1, fk);
      const d = Math.hypot(a[0]! - fk.eePos[0]!, a[1]! - fk.eePos[1]!, a[2]! - fk.eePos[2]!);
      assert.ok(d >= NEAR_GOALS.minEeM && d <= NEAR_GOALS.maxEeM, `ee distance ${d}`);
      for (let j = 0; j < 6; j++) assert.ok(Math.abs(goal[j]! - start[j]!) <= NEAR_GOALS.maxJointRad + 1e-12);
      for (let k = 0; k <= 10; k++) assert.ok(checker.clear(start.map((s, j) => s + ((goal[j]! - s) * k) / 10), { zoneM: 0.08, tableM: 0.06, selfM: 0 }));
    }
  });

  test('an episode runs the agent on the learned model, within every limit, and reports it', async () => {
    const json = tinyModelJson({ latentDim: 4, dof: 6, hidden: [16], image: 8 });
    await writeTinyModelDir(join(dir, 'm'), json, { predictorScale: 0.3, jointNames: JOINTS });
    const seen: number[] = [];
    const r = await runGoalImageEpisodes({
      modelDir: join(dir, 'm'),
      episodes: 2,
      seed: 5,
      agentConfigFile: DEMO_AGENT_CONFIG,
      urdfPath: DEMO_URDF_PATH,
      planner: { name: 'cem', horizon: 4, samples: 16, iterations: 1, timeBudgetMs: 0 },
      maxTicks: 6,
      onEpisode: (e) => seen.push(e.index),
    });
    assert.deepEqual(seen, [0, 1]);
    assert.equal(r.episodes.length, 2);
    for (const e of r.episodes) {
      assert.ok(e.ticks <= 6);
      assert.equal(e.limitViolationTicks, 0);
      assert.equal(e.keepOutViolationTicks, 0);
      assert.equal(e.plannerErrors, 0);
      assert.ok(e.startEeErrM >= NEAR_GOALS.minEeM - 1e-9);
      assert.ok(e.startLatentDist > 0);
      assert.ok(e.planMsP50 > 0);
    }
    assert.equal(r.settings.planner, 'cem');
    assert.equal(r.settings.latentGoalNorm, 'l1');
    assert.ok(r.successRate >= 0 && r.successRate <= 1);
    // the same seed draws the same episodes
    const again = await runGoalImageEpisodes({
      modelDir: join(dir, 'm'),
      episodes: 1,
      seed: 5,
      agentConfigFile: DEMO_AGENT_CONFIG,
      urdfPath: DEMO_URDF_PATH,
      planner: { name: 'cem', horizon: 4, samples: 16, iterations: 1, timeBudgetMs: 0 },
      maxTicks: 1,
    });
    assert.deepEqual(again.episodes[0]!.goal, r.episodes[0]!.goal);
  });
});

describe('the model of goal-image episodes (odra eval, odra sim --goal image)', () => {
  test('loads with the configuration\'s world_model.threads, as the agent does', async () => {
    const json = tinyModelJson({ latentDim: 4, dof: 6, hidden: [16], image: 8 });
    await writeTinyModelDir(join(dir, 't'), json, { predictorScale: 0.3, jointNames: JOINTS });
    const one = await loadEpisodeModel(join(dir, 't'), { agentConfigFile: DEMO_AGENT_CONFIG, configOverrides: { 'world_model.threads': 1 } });
    const dflt = await loadEpisodeModel(join(dir, 't'), { agentConfigFile: DEMO_AGENT_CONFIG });
    try {
      assert.equal(one.threads, 1);
      assert.equal(dflt.threads, Math.min(2, availableParallelism()), 'the default, capped at the cores');
    } finally {
      for (const m of [one, dflt]) {
        await m.model.dispose();
        await m.encoder.dispose();
      }
    }
  });
});

describe('odra sim --world-model learned:DIR --goal image', () => {
  test('runs goal-image episodes through the simulator, perception and agent nodes and prints the sim summary', async () => {
    const { odra } = await import('../cli/helpers.ts');
    const json = tinyModelJson({ latentDim: 4, dof: 6, hidden: [16], image: 8 });
    const model = join(dir, 'cli-model');
    await writeTinyModelDir(model, json, { predictorScale: 0.3, jointNames: JOINTS });
    const r = await odra(['sim', '--world-model', `learned:${model}`, '--episodes', '2', '--seed', '3', '--max-ticks', '4', '--warmup-ticks', '2', '--planner', 'mppi', '-p', 'planner.samples:=16', '-p', 'planner.horizon:=4', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as Record<string, unknown> & { episodes: number; goal: string; planner: string; limitViolations: number; keepOutViolations: number; planMs: { p50: number; p99: number } | null; ticks: number; worldModel: string };
    assert.equal(out.goal, 'image');
    assert.equal(out.episodes, 2);
    assert.equal(out.planner, 'mppi');
    assert.equal(out.limitViolations, 0);
    assert.equal(out.keepOutViolations, 0);
    assert.ok(out.planMs !== null && out.planMs.p50 > 0 && out.planMs.p99 >= out.planMs.p50, `plan times ${JSON.stringify(out.planMs)}`);
    assert.ok(out.ticks > 0 && out.ticks <= 8, `ticks ${out.ticks} (warm-up not counted)`);
    assert.ok(out.worldModel.endsWith('cli-model'), out.worldModel);
    // the goal went as an image through the perception node (warm-up + 2 episodes), and every camera frame was encoded
    const p = out['perception'] as { frames: number; encoded: number; goalImages: number; goalLatents: number };
    assert.equal(p.goalImages, 3);
    assert.equal(p.goalLatents, 3);
    assert.ok(p.frames > 0 && p.encoded === p.frames, `perception ${JSON.stringify(p)}`);
  });
});
