/**
 * End to end against real rclnodejs and a real ROS 2 graph: the agent and the perception node run
 * as their own processes (as `ros2 run odra ...` starts them); this process is the rest of the
 * robot. It publishes joint states and camera frames, watches commands and latents, changes
 * parameters through the parameter services and drives the lifecycle through its services.
 *
 * Runs where ROS 2 is sourced and rclnodejs loads (CI: .github/workflows/ros.yml); elsewhere the
 * suite is skipped with the reason.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeHeader, type Float32MultiArray, type Float64MultiArray } from '../../src/bus/messages.ts';
import { QOS_SENSOR_DATA } from '../../src/bus/qos.ts';
import { decodeLatent } from '../../src/ros/latent-message.ts';
import { loadRclnodejs, rosEnvironmentProblem } from '../../src/ros/load-rclnodejs.ts';
import { createRclNode, type RclNode } from '../../src/ros/rcl-bus.ts';
import type { LoadedRclnodejs, RclClient } from '../../src/ros/rclnodejs-types.ts';
import { convEncoderOnnx, convEncoderWeights } from '../perception/helpers.ts';

let loaded: LoadedRclnodejs | null = null;
let skip: string | false = false;
if (rosEnvironmentProblem() !== null) {
  skip = 'ROS 2 is not sourced here (ROS_DISTRO is unset); this suite runs where it is, e.g. in .github/workflows/ros.yml';
} else {
  try {
    loaded = loadRclnodejs();
  } catch (e) {
    skip = `rclnodejs cannot be loaded here: ${e instanceof Error ? e.message : String(e)}`;
  }
}

const JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
const VEL_TOPIC = '/forward_velocity_controller/commands';
const TRANSITION = { configure: 1, cleanup: 2, activate: 3, deactivate: 4 } as const;

async function until(cond: () => boolean, what: string, timeoutS = 20): Promise<void> {
  const end = Date.now() + timeoutS * 1000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutS} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function call(client: RclClient, request: unknown, what: string): Promise<Record<string, unknown>> {
  const end = Date.now() + 20_000;
  while (!client.isServiceServerAvailable()) {
    if (Date.now() > end) throw new Error(`${what}: no server`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no response`)), 20_000);
    client.sendRequest(request, (res) => {
      clearTimeout(t);
      resolve(res as Record<string, unknown>);
    });
  });
}

function startNode(script: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('odra on a real ROS 2 graph (rclnodejs)', () => {
  const domain = String(100 + (process.pid % 100));
  const env = { ...process.env, ROS_DOMAIN_ID: domain, RCUTILS_COLORIZED_OUTPUT: '0' };
  let dir = '';
  let probe: RclNode;
  const agentArgs: string[] = [];

  before(async () => {
    if (loaded === null) return;
    process.env['ROS_DOMAIN_ID'] = domain;
    dir = mkdtempSync(join(tmpdir(), 'odra-ros-e2e-'));
    writeFileSync(join(dir, 'encoder.onnx'), convEncoderOnnx(convEncoderWeights(3, 4, 4, 11), 16));
    writeFileSync(
      join(dir, 'params.yaml'),
      [
        'odra_agent:',
        '  ros__parameters:',
        '    planner: { samples: 32, horizon: 8, iterations: 1 }',
        '    goal: { joints: [0.3, -0.6, 0.9, -1.0, -1.2, 0.0] }',
        'odra_perception_src:',
        '  ros__parameters:',
        `    perception: { encoder: onnx, model_path: ${join(dir, 'encoder.onnx')}, width: 16, height: 16, execution_providers: [cpu], max_rate_hz: 0.0 }`,
        '',
      ].join('\n'),
    );
    agentArgs.push('--params-file', join(dir, 'params.yaml'));
    await loaded!.rcl.init();
    probe = createRclNode(loaded!, 'odra_e2e_probe');
    probe.spin();
  });

  after(() => {
    if (loaded === null) return;
    probe.destroy();
    if (loaded !== null && !loaded.rcl.isShutdown()) loaded.rcl.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('lifecycle, commands, live parameters and the hold', { skip }, async () => {
    const agent = startNode('src/ros/agent-main.ts', agentArgs, env);
    try {
      const commands: Float64MultiArray[] = [];
      probe.createSubscription('std_msgs/msg/Float64MultiArray', VEL_TOPIC, (m) => commands.push(m));
      const js = probe.createPublisher('sensor_msgs/msg/JointState', '/joint_states');
      probe.createTimer(0.02, () =>
        js.publish({
          header: makeHeader(probe.nowS()),
          name: JOINTS,
          position: Float64Array.of(0.1, -0.8, 1.0, -1.2, -1.4, 0.2),
          velocity: new Float64Array(6),
          effort: new Float64Array(0),
        }),
      );
      const raw = probe.rclNode;
      const changeState = raw.createClient('lifecycle_msgs/srv/ChangeState', '/odra_agent/change_state');
      const transition = async (id: number): Promise<boolean> =>
        (await call(changeState, { transition: { id, label: '' } }, `transition ${id}`))['success'] === true;

      assert.equal(await transition(TRANSITION.configure), true, agent.output());
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(commands.length, 0, 'inactive: no commands');
      assert.equal(await transition(TRANSITION.activate), true, agent.output());
      await until(() => commands.filter((c) => c.data.some((v) => v !== 0)).length >= 3, 'commands towards the goal');

      // parameter services: ranges advertised, odra's reasons, a change applied
      const describe = raw.createClient('rcl_interfaces/srv/DescribeParameters', '/odra_agent/describe_parameters');
      const d = (await call(describe, { names: ['planner.horizon', 'cost.keep_out.weight'] }, 'describe')) as {
        descriptors: { integer_range: { from_value: bigint; to_value: bigint }[]; floating_point_range: { from_value: number; to_value: number }[] }[];
      };
      assert.equal(Number(d.descriptors[0]!.integer_range[0]!.from_value), 2);
      assert.equal(Number(d.descriptors[0]!.integer_range[0]!.to_value), 128);
      assert.deepEqual([d.descriptors[1]!.floating_point_range[0]!.from_value, d.descriptors[1]!.floating_point_range[0]!.to_value], [0, 1e6]);

      const set = raw.createClient('rcl_interfaces/srv/SetParameters', '/odra_agent/set_parameters');
      const s = (await call(
        set,
        {
          parameters: [
            { name: 'cost.keep_out.weight', value: { type: 3, double_value: 2e6 } },
            { name: 'cost.keep_out.weight', value: { type: 2, integer_value: 50n } },
            { name: 'control.rate_hz', value: { type: 3, double_value: 30 } },
            { name: 'cost.keep_out.weight', value: { type: 3, double_value: 50 } },
          ],
        },
        'set',
      )) as { results: { successful: boolean; reason: string }[] };
      assert.deepEqual(
        s.results.map((r) => [r.successful, r.reason]),
        [
          [false, "parameter 'cost.keep_out.weight': 2000000 is outside [0, 1000000]"],
          [false, "parameter 'cost.keep_out.weight' is of type double, got integer (write it with a decimal point, e.g. 50.0)"],
          [false, "parameter 'control.rate_hz' is read-only"],
          [true, ''],
        ],
      );
      const get = raw.createClient('rcl_interfaces/srv/GetParameters', '/odra_agent/get_parameters');
      const g = (await call(get, { names: ['cost.keep_out.weight'] }, 'get')) as { values: { double_value: number }[] };
      assert.equal(g.values[0]!.double_value, 50);

      // deactivate: exactly a hold, then silence
      assert.equal(await transition(TRANSITION.deactivate), true);
      await until(() => commands.at(-1)!.data.every((v) => v === 0), 'the hold');
      const n = commands.length;
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(commands.length, n, 'nothing after the hold');
      assert.equal(await transition(TRANSITION.cleanup), true);

      agent.child.kill('SIGINT');
      assert.equal(await exited(agent.child), 0, agent.output());
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
  });

  test('split perception: camera frames in, stamped latents out', { skip }, async () => {
    const perception = startNode('src/ros/perception-main.ts', ['--params-file', join(dir, 'params.yaml'), '--config-node', 'odra_perception_src'], env);
    try {
      const latents: Float32MultiArray[] = [];
      probe.createSubscription('std_msgs/msg/Float32MultiArray', '/odra_perception/latent', (m) => latents.push(m), QOS_SENSOR_DATA);
      const cam = probe.createPublisher('sensor_msgs/msg/Image', '/camera/image_raw', QOS_SENSOR_DATA);
      const data = new Uint8Array(16 * 16 * 3).map((_, i) => (i * 37) % 256);
      const stamp = { sec: 1234, nanosec: 500_000_000 };
      probe.createTimer(0.1, () =>
        cam.publish({ header: { stamp, frame_id: 'camera_optical_frame' }, height: 16, width: 16, encoding: 'rgb8', is_bigendian: 0, step: 48, data }),
      );
      await until(() => latents.length >= 2, 'latents', 30);
      const r = decodeLatent(latents[0]!);
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.deepEqual(r.value.stamp, stamp);
      assert.equal(r.value.latent.length, 4);
      perception.child.kill('SIGINT');
      assert.equal(await exited(perception.child), 0, perception.output());
    } finally {
      if (perception.child.exitCode === null) perception.child.kill('SIGKILL');
    }
  });
});
