import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMcap, summarizeMcap } from '../../src/learn/mcap/index.ts';
import { odra, simJson } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/odra.js', import.meta.url));

describe('odra command line', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'odra-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--help lists the commands with their summaries', async () => {
    const r = await odra(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: odra <command>/);
    assert.match(r.stdout, /^ {2}sim +run the agent against the embedded simulator/m);
    const sim = await odra(['sim', '--help']);
    assert.equal(sim.code, 0);
    assert.match(sim.stdout, /--episodes N/);
  });

  test('unknown commands and bad arguments exit non-zero with a clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['fly'], /unknown command 'fly'.*sim/],
      [['--fast'], /unknown option '--fast'/],
      [['sim', '--episodes', '0'], /--episodes: expected an integer ≥ 1, got '0'/],
      [['sim', '--episodes', 'many'], /--episodes: expected an integer/],
      [['sim', '--seed', '1.5'], /--seed: expected an integer/],
      [['sim', '--goal', 'elbow'], /--goal: expected 'joints', 'pose' or 'image', got 'elbow'/],
      [['sim', '--goal', 'image'], /--goal image needs a learned world model: --world-model learned:DIR/],
      [['sim', '--world-model', 'learned:models/x', '--goal', 'pose'], /plans toward goal images only: use --goal image/],
      [['sim', '--world-model', 'learned:'], /the directory is missing/],
      [['sim', '--world-model', 'learned:models/x', '--record', 'a.mcap'], /--record not supported with goal images/],
      [['sim', '--world-model', 'learned:no/such/model'], /no\/such\/model/],
      [['sim', '--planner', 'annealing'], /--planner: unknown planner 'annealing'; registered: .*cem/],
      [['sim', '--world-model', 'crystal-ball'], /--world-model/],
      [['sim', '--record', 'out.bag'], /--record: .*\.mcap/],
      [['sim', '--bogus'], /Unknown option '--bogus'/],
      [['sim', 'extra'], /positional/i],
      [['sim', '-p', 'planner.horizon:=1'], /planner\.horizon: .*2/],
      [['sim', '--config', 'no/such/file.yaml'], /no\/such\/file\.yaml: file not found/],
      [['sim', '--scenario', 'no/such/scenario.json'], /no\/such\/scenario\.json: 1 problem\n {2}- file not found/],
    ];
    for (const [args, message] of cases) {
      const r = await odra(args, dir);
      assert.equal(r.code, 2, `odra ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, message, `odra ${args.join(' ')}`);
      assert.equal(r.stdout, '');
    }
    assert.equal((await odra([])).code, 2);
  });

  test('the installed command (bin/odra.js) exits non-zero on bad arguments', () => {
    const r = spawnSync(process.execPath, [BIN, 'sim', '--episodes', 'x'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--episodes: expected an integer/);
    assert.equal(r.stdout, '');
  });

  test('a bad scenario file is refused with every problem, each naming the entry and the field', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(
      path,
      JSON.stringify({
        episodes: [
          { start: [0, 0.5, 0.8, 0.3, 0, 0.2], goal: { joints: [0, 0.5, 0.8, 0.3, 0, 0.2] } },
          { start: [0, 0.5, 0.8, 0.3, 0, 0.2], goal: { joints: [0, 0.5, 0.8] } },
          { start: [0, 0.5, 0.8, 0.3, 0, 9], goal: { pose: { position: [0.4, 0.1] } }, keepOut: [{ box: { min: [0, 0, 0] } }], maxTicks: 0 },
          { start: [0, 0, 0, 0, 0, 0], goal: { joints: [0, 0, 0, 0, 0, 0], pose: { position: [0, 0, 0] } }, speed: 3 },
        ],
      }),
    );
    const r = await odra(['sim', '--scenario', path], dir);
    assert.equal(r.code, 2);
    for (const expected of [
      /episodes\[2\]\.goal\.pose\.position: must hold 3 numbers/,
      /episodes\[2\]\.keepOut\[0\]\.box\.max/,
      /episodes\[2\]\.maxTicks: must be ≥ 1/,
      /episodes\[3\]\.goal: must hold exactly one of "joints" or "pose"/,
      /episodes\[3\]: unknown field "speed"/,
    ]) {
      assert.match(r.stderr, expected);
    }
    // joint counts and limits are checked once the shape is right
    const lengths = join(dir, 'lengths.json');
    writeFileSync(
      lengths,
      JSON.stringify({
        episodes: [
          { start: [0, 0.5, 0.8, 0.3, 0, 0.2], goal: { joints: [0, 0.5, 0.8] } },
          { start: [0, 0.5, 0.8, 0.3, 0, 9], goal: { pose: { position: [0.4, 0.1, 0.3] } } },
        ],
      }),
    );
    const r2 = await odra(['sim', '--scenario', lengths], dir);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /episodes\[0\]\.goal\.joints: must hold 6 joint positions/);
    assert.match(r2.stderr, /episodes\[1\]\.start\[5\]: wrist_3_joint = 9 is outside its limits/);
    writeFileSync(join(dir, 'broken.json'), '{ "episodes": [ ');
    const r3 = await odra(['sim', '--scenario', 'broken.json'], dir);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /broken\.json: 1 problem\n {2}- not valid JSON/);
  });

  test('a scenario episode runs with its own keep-out zone', async () => {
    const path = join(dir, 'one.json');
    writeFileSync(
      path,
      JSON.stringify({
        episodes: [
          {
            start: [0, 0.5, 0.8, 0.3, 0, 0.2],
            goal: { joints: [0.4, 0.6, 0.7, 0.2, 0.2, 0.0] },
            keepOut: [{ sphere: { center: [-0.5, 0.5, 0.3], radius: 0.1 } }],
            maxTicks: 120,
          },
        ],
      }),
    );
    const s = await simJson(['--scenario', path]);
    assert.equal(s.goal, 'scenario');
    assert.equal(s.episodes, 1);
    assert.equal(s.successRate, 1, JSON.stringify(s));
    assert.equal(s.keepOutViolations, 0);
  });

  test('the table for people', async () => {
    const r = await odra(['sim', '--episodes', '1', '--max-ticks', '4']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^odra sim: 1 episode, planner \S+, goal pose, seed 1$/m);
    for (const row of ['success rate', 'time to goal', 'final EE error', 'limit violations', 'keep-out violations', 'plan time', 'interventions']) {
      assert.match(r.stdout, new RegExp(`^ {2}${row} `, 'm'));
    }
  });

  test('--record writes an MCAP that reads back with the right schemas, topics and counts', async () => {
    const path = join(dir, 'run.mcap');
    const s = await simJson(['--episodes', '1', '--seed', '2', '--max-ticks', '20', '--record', path]);
    const ticks = s['ticks'] as number;
    assert.ok(ticks >= 1 && ticks <= 20);
    const sum = await summarizeMcap(path);
    assert.equal(sum.profile, 'ros2');
    const topics = Object.fromEntries(sum.topics.map((t) => [t.topic, t]));
    const expect: Record<string, [string, number]> = {
      // 100 Hz joint states, 10 Hz frames and 1 Hz diagnostics over ticks × 50 ms
      '/joint_states': ['sensor_msgs/msg/JointState', 5 * ticks],
      '/camera/image_raw': ['sensor_msgs/msg/Image', Math.floor(ticks / 2)],
      '/camera/camera_info': ['sensor_msgs/msg/CameraInfo', Math.floor(ticks / 2)],
      '/forward_velocity_controller/commands': ['std_msgs/msg/Float64MultiArray', ticks],
      '/odra_agent/goal_pose': ['geometry_msgs/msg/PoseStamped', 1],
      '/odra_agent/goal_joints': ['sensor_msgs/msg/JointState', 0],
      '/odra_agent/cost_terms': ['std_msgs/msg/Float64MultiArray', ticks],
      '/diagnostics': ['diagnostic_msgs/msg/DiagnosticArray', Math.floor(ticks / 20)],
    };
    for (const [topic, [type, count]] of Object.entries(expect)) {
      assert.equal(topics[topic]?.type, type, topic);
      assert.equal(topics[topic]?.schemaEncoding, 'ros2msg');
      assert.equal(topics[topic]?.messageEncoding, 'cdr');
      assert.equal(topics[topic]?.count, count, `${topic}: ${topics[topic]?.count} messages, expected ${count}`);
      assert.equal(s.recording?.messages[topic], count);
    }
    assert.equal(s.recording?.dropped, 0);
    // log times are simulated time: recording starts after the 20 warm-up ticks (1 s), the last joint state is ticks × 50 ms later
    assert.equal(s['warmupTicks'], 20);
    const endS = 1 + ticks * 0.05;
    assert.ok(Math.abs(Number(sum.endNs) / 1e9 - endS) < 1e-6, `last log time ${sum.endNs} ns, expected ${endS} s`);
    // the first message is the goal, sent at the episode's start
    assert.ok(Math.abs(Number(sum.startNs) / 1e9 - 1) < 1e-6, `first log time ${sum.startNs} ns`);
    let firstImage: Record<string, unknown> | undefined;
    let firstState: Record<string, unknown> | undefined;
    for await (const m of readMcap(path, { topics: ['/camera/image_raw', '/joint_states'] })) {
      if (m.topic === '/camera/image_raw') firstImage ??= m.message;
      else firstState ??= m.message;
    }
    assert.equal(firstImage?.['encoding'], 'rgb8');
    assert.equal((firstImage?.['data'] as Uint8Array).length, 64 * 64 * 3);
    assert.equal((firstState?.['name'] as string[]).length, 6);
    assert.equal((firstState?.['position'] as ArrayLike<number>).length, 6);
  });
});
