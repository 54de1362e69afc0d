import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHeader, type Float64MultiArray } from '../../src/bus/messages.ts';
import { run as runRosCommand } from '../../src/cli/commands/ros.ts';
import { UsageError } from '../../src/cli/command.ts';
import { parseAgentArgs, runAgent } from '../../src/ros/agent-main.ts';
import { parsePerceptionArgs } from '../../src/ros/perception-main.ts';
import { FakeParameter, fakeOverrides, fakeRclnodejs, type FakeLifecycleNode, type FakeNode } from './fake-rclnodejs.ts';

const JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];

afterEach(() => {
  fakeOverrides.length = 0;
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

describe('agent-main arguments', () => {
  test('odra options before --ros-args, rcl arguments after; --params-file becomes an rcl section', () => {
    const o = parseAgentArgs(['--autostart', '--params-file', 'a.yaml', '--latent-topic', '/p/latent', '--ros-args', '-r', '__ns:=/arm', '-p', 'x:=1']);
    assert.equal(o.autostart, true);
    assert.equal(o.plain, false);
    assert.equal(o.latentTopic, '/p/latent');
    assert.deepEqual(o.rosArgs, ['--ros-args', '--params-file', 'a.yaml', '--', '--ros-args', '-r', '__ns:=/arm', '-p', 'x:=1']);
    assert.throws(() => parseAgentArgs(['--frobnicate']), /unknown option '--frobnicate'/);
    assert.throws(() => parseAgentArgs(['--params-file']), /--params-file needs a value/);
    assert.throws(() => parseAgentArgs(['--latent-wait-s', '0']), /must be a number > 0/);
    // what launch files pass
    const l = parseAgentArgs(['--autostart=false', '--lifecycle=false', '--latent-topic=', '']);
    assert.deepEqual([l.autostart, l.plain, l.latentTopic], [false, true, null]);
    assert.equal(parseAgentArgs(['--lifecycle=true']).plain, false);
    assert.throws(() => parseAgentArgs(['--autostart=maybe']), /expected true or false/);
    assert.deepEqual(parsePerceptionArgs(['--params-file', 'a.yaml', '--config-node', 'robot1/odra_agent']), {
      paramsFiles: ['a.yaml'],
      configNode: 'robot1/odra_agent',
      rosArgs: [],
    });
  });
});

describe('odra ros', () => {
  test('--help documents both nodes; an unknown node is a usage error', async () => {
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, cwd: process.cwd() };
    assert.equal(await runRosCommand(['--help'], io), 0);
    assert.match(out, /odra ros agent/);
    assert.match(out, /odra ros perception/);
    await assert.rejects(Promise.resolve(runRosCommand(['planner'], io)), (e: unknown) => e instanceof UsageError && /unknown node 'planner'/.test(e.message));
  });
});

describe('agent-main on a fake rclnodejs', () => {
  test('autostart: configure and activate, command on joint states, hold on SIGINT', async () => {
    fakeOverrides.push(
      new FakeParameter('goal.joints', 8, [0.3, -0.6, 0.9, -1.0, -1.2, 0.0]),
      new FakeParameter('planner.samples', 2, 32),
      new FakeParameter('planner.horizon', 2, 8),
    );
    const fake = fakeRclnodejs();
    const done = runAgent(['--autostart'], fake);
    await until(() => (fake.nodes[0] as FakeLifecycleNode | undefined)?.currentState.label === 'active', 'the active state');
    const raw = fake.nodes[0] as FakeLifecycleNode & FakeNode;
    assert.equal(raw.name(), 'odra_agent');
    assert.equal(raw.getParameter('planner.horizon').value, 8n, 'declared from the override');
    assert.equal(raw.spinning, true);

    raw.deliver('/joint_states', {
      header: makeHeader(0),
      name: JOINTS,
      position: Float64Array.of(0.1, -0.8, 1.0, -1.2, -1.4, 0.2),
      velocity: new Float64Array(6),
      effort: new Float64Array(0),
    });
    const control = raw.timers.find((t) => t.period === 50_000_000n)!;
    assert.equal(control.canceled, false);
    control.callback();
    const topic = '/forward_velocity_controller/commands';
    await until(() => raw.published(topic).length === 1, 'a command');
    const cmd = raw.published(topic)[0] as Float64MultiArray;
    assert.equal(cmd.data.length, 6);
    assert.ok(cmd.data.some((v) => v !== 0));

    const commands = raw.endpoints.find((e) => e.kind === 'publisher' && e.topic === topic)!.published;
    process.emit('SIGINT');
    assert.equal(await done, 0);
    assert.equal(raw.currentState.label, 'finalized');
    assert.equal(commands.length, 2);
    const hold = commands[1] as Float64MultiArray;
    assert.deepEqual([...hold.data], [0, 0, 0, 0, 0, 0]);
    assert.equal(raw.destroyed, true);
    assert.equal(fake.rcl.isShutdown(), true);
  });

  test('a configure refused for a bad parameter file leaves the lifecycle node unconfigured, with the reason logged', async () => {
    fakeOverrides.push(new FakeParameter('planner.samples', 2, 1));
    const fake = fakeRclnodejs();
    const done = runAgent([], fake);
    await until(() => fake.nodes[0]?.logs.some((l) => l.includes('waiting for configure')) === true, 'startup');
    const raw = fake.nodes[0] as FakeLifecycleNode & FakeNode;
    raw.configure();
    assert.equal(raw.currentState.label, 'unconfigured');
    assert.ok(raw.logs.some((l) => l.startsWith('error: configure failed:') && l.includes('planner.samples')), raw.logs.join('\n'));
    process.emit('SIGINT');
    assert.equal(await done, 0);
  });

  test('--plain exits with 1 when the configuration is invalid', async () => {
    fakeOverrides.push(new FakeParameter('robot.tip_link', 4, 'no_such_link'));
    const fake = fakeRclnodejs();
    assert.equal(await runAgent(['--plain'], fake), 1);
    assert.ok(fake.nodes[0]!.logs.some((l) => l.includes('cannot start') && l.includes('no_such_link')));
  });
});
