/**
 * The launch files, the Gazebo robot description and the controller configuration are checked here
 * without ROS: Python launch files compile, XML files parse, and the names that must agree across
 * files (launch arguments, joints, controllers) do.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as parseYaml } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
const AGENT_ARGS = ['params_file', 'robot_description', 'use_sim_time', 'namespace', 'autostart'];

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, ext));
    else if (name.endsWith(ext)) out.push(p);
  }
  return out;
}

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const noPython = python.status === 0 ? false : 'python3 is not installed here; the launch .py files are compiled where it is';

function parseXml(path: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8');
  const valid = XMLValidator.validate(text);
  if (valid !== true) assert.fail(`${relative(ROOT, path)}:${valid.err.line}:${valid.err.col}: ${valid.err.msg}`);
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['arg', 'node', 'param', 'joint', 'xacro:arm_joint'].includes(name) }).parse(text) as Record<
    string,
    unknown
  >;
}

describe('launch files', () => {
  test('every Python launch file compiles (python3 -m py_compile)', { skip: noPython }, () => {
    const py = files(join(ROOT, 'launch'), '.py');
    assert.ok(py.length >= 2, `found ${py.length} .py launch files`);
    const cache = mkdtempSync(join(tmpdir(), 'odra-pyc-'));
    try {
      // one interpreter for all files (it names the file that fails); bytecode goes to a temporary prefix
      const r = spawnSync('python3', ['-m', 'py_compile', ...py], { encoding: 'utf8', env: { ...process.env, PYTHONPYCACHEPREFIX: cache } });
      assert.equal(r.status, 0, `a launch file does not compile:\n${r.stderr}`);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  test('every XML launch file parses and starts the agent with the documented arguments', () => {
    const xml = files(join(ROOT, 'launch'), '.xml');
    assert.ok(xml.length >= 1);
    for (const f of xml) {
      const doc = parseXml(f);
      const launch = doc['launch'] as { arg?: { '@name': string }[]; node?: { '@pkg': string; '@exec': string; '@name': string }[] } | undefined;
      assert.ok(launch !== undefined, `${relative(ROOT, f)}: the root element must be <launch>`);
      if (f.endsWith('agent.launch.xml')) {
        const names = (launch.arg ?? []).map((a) => a['@name']);
        for (const a of AGENT_ARGS) assert.ok(names.includes(a), `${relative(ROOT, f)}: missing <arg name="${a}">`);
        const node = (launch.node ?? [])[0];
        assert.deepEqual([node?.['@pkg'], node?.['@exec'], node?.['@name']], ['odra', 'agent', 'odra_agent'], relative(ROOT, f));
      }
    }
  });

  test('agent.launch.py declares the same arguments and runs the ament executables', () => {
    const text = readFileSync(join(ROOT, 'launch', 'agent.launch.py'), 'utf8');
    const declared = [...text.matchAll(/DeclareLaunchArgument\('([a-z_]+)'/g)].map((m) => m[1]);
    for (const a of AGENT_ARGS) assert.ok(declared.includes(a), `agent.launch.py: missing DeclareLaunchArgument('${a}')`);
    assert.match(text, /executable='agent'/);
    assert.match(text, /executable='perception'/);
    assert.match(readFileSync(join(ROOT, 'CMakeLists.txt'), 'utf8'), /odra_launcher\(agent ros\/agent-main\.js\)/);
  });

  test('the Gazebo launch offers exactly the controllers config/controllers.yaml defines', () => {
    const text = readFileSync(join(ROOT, 'launch', 'gazebo.launch.py'), 'utf8');
    const block = /CONTROLLERS = \{([\s\S]*?)\n\}/.exec(text)?.[1] ?? '';
    const offered = [...block.matchAll(/'([a-z_]+_controller)'/g)].map((m) => m[1]).sort();
    const yaml = parseYaml(readFileSync(join(ROOT, 'config', 'controllers.yaml'), 'utf8')) as Record<string, { ros__parameters: Record<string, unknown> }>;
    const defined = Object.keys(yaml['controller_manager']!.ros__parameters).filter((k) => k.endsWith('_controller')).sort();
    assert.deepEqual(offered, defined);
  });
});

describe('Gazebo robot description and controllers', () => {
  test('the world SDF parses', () => {
    for (const f of files(join(ROOT, 'launch', 'worlds'), '.sdf')) {
      const doc = parseXml(f) as { sdf?: { world?: { '@name': string } } };
      assert.ok(doc.sdf?.world?.['@name'], `${relative(ROOT, f)}: no <world name=...>`);
    }
  });

  test('the xacro parses, includes the URDF unchanged and gives every arm joint both command interfaces', () => {
    const f = join(ROOT, 'config', 'robots', 'odra_arm.gazebo.urdf.xacro');
    const doc = parseXml(f) as { robot: Record<string, unknown> };
    const include = doc.robot['xacro:include'] as { '@filename': string };
    assert.equal(include['@filename'], '$(arg urdf_file)');
    const args = (doc.robot['xacro:arg'] as { '@name': string; '@default': string }[]).map((a) => [a['@name'], a['@default']]);
    assert.ok(args.some(([n, d]) => n === 'urdf_file' && d?.endsWith('config/robots/odra_arm.urdf')));
    const control = doc.robot['ros2_control'] as { hardware: { plugin: string }; 'xacro:arm_joint': { '@name': string }[] };
    assert.equal(control.hardware.plugin, 'gz_ros2_control/GazeboSimSystem');
    assert.deepEqual(
      control['xacro:arm_joint'].map((j) => j['@name']),
      JOINTS,
    );
    const text = readFileSync(f, 'utf8');
    assert.match(text, /<command_interface name="position"\/>\s*<command_interface name="velocity"\/>/);
    assert.match(text, /gz_ros2_control::GazeboSimROS2ControlPlugin/);
    assert.match(text, /<topic>camera\/image_raw<\/topic>/);
  });

  test('controllers and the agent agree on the joint order', () => {
    const agent = parseYaml(readFileSync(join(ROOT, 'config', 'odra_agent.yaml'), 'utf8')) as { odra_agent: { ros__parameters: { robot: { joints: string[] } } } };
    assert.deepEqual(agent.odra_agent.ros__parameters.robot.joints, JOINTS);
    const yaml = parseYaml(readFileSync(join(ROOT, 'config', 'controllers.yaml'), 'utf8')) as Record<string, { ros__parameters: { joints?: string[]; interface_name?: string } }>;
    for (const c of ['forward_velocity_controller', 'forward_position_controller', 'joint_trajectory_controller']) {
      assert.deepEqual(yaml[c]?.ros__parameters.joints, JOINTS, c);
    }
    assert.equal(yaml['forward_velocity_controller']!.ros__parameters.interface_name, 'velocity');
    assert.equal(yaml['forward_position_controller']!.ros__parameters.interface_name, 'position');
  });

  test('package.xml is format 3, ament_cmake, and depends on what the launch files start', () => {
    const doc = parseXml(join(ROOT, 'package.xml')) as { package: Record<string, unknown> };
    assert.equal(doc.package['@format'], '3');
    assert.equal(doc.package['name'], 'odra');
    assert.equal((doc.package['export'] as { build_type: string }).build_type, 'ament_cmake');
    const deps = doc.package['exec_depend'] as string[];
    for (const d of ['nodejs', 'ros_gz_sim', 'ros_gz_bridge', 'gz_ros2_control', 'controller_manager', 'joint_state_broadcaster', 'forward_command_controller', 'joint_trajectory_controller', 'robot_state_publisher', 'xacro']) {
      assert.ok(deps.includes(d), `package.xml: missing <exec_depend>${d}</exec_depend>`);
    }
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(doc.package['version'], version, 'package.xml and package.json versions agree');
  });
});
