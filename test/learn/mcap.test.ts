import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapIndexedReader, McapWriter } from '@mcap/core';
import { parse } from '@foxglove/rosmsg';
import {
  McapReadError,
  McapRecorder,
  McapRecorderError,
  ODRA_MESSAGE_TYPES,
  SCHEMA_SEPARATOR,
  distroDefinitions,
  nsToRosTime,
  readMcap,
  ros2msgSchema,
  rosTimeToNs,
  summarizeMcap,
} from '../../src/learn/mcap/index.ts';
import type { McapMessage } from '../../src/learn/mcap/index.ts';

const T0 = 1_700_000_000_000_000_000n; // ns
const DT = 10_000_000n; // 10 ms control period
const JOINTS = ['shoulder_pan', 'shoulder_lift', 'elbow', 'wrist'];
const TOPICS = {
  image: '/camera/image_raw',
  joints: '/joint_states',
  command: '/forward_position_controller/commands',
  status: '/odra/status',
  plan: '/joint_trajectory_controller/joint_trajectory',
};
const N_TICKS = 60;
const IMAGE_EVERY = 3;

function stamp(ns: bigint): { sec: number; nanosec: number } {
  return nsToRosTime(ns);
}

/** Deterministic rgb8 64×64 frame for tick i. */
function imageBytes(i: number): Uint8Array {
  const data = new Uint8Array(64 * 64 * 3);
  for (let k = 0; k < data.length; k++) data[k] = (k * 7 + i * 13) & 255;
  return data;
}

function jointPositions(i: number): Float64Array {
  return Float64Array.from(JOINTS, (_, j) => Math.sin(0.05 * i + j) * 1.5);
}

function commandData(i: number): number[] {
  return JOINTS.map((_, j) => 0.01 * i - 0.1 * j);
}

async function collect(path: string, opts?: Parameters<typeof readMcap>[1]): Promise<McapMessage[]> {
  const out: McapMessage[] = [];
  for await (const m of readMcap(path, opts)) out.push(m);
  return out;
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<McapReadError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof McapReadError, `expected McapReadError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

let dir: string;
let recorded: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'odra-mcap-'));
  recorded = join(dir, 'run.mcap');
  // small chunks so the file has several, and so that truncation cuts through the data section
  const rec = await McapRecorder.open(recorded, { chunkSizeBytes: 32 * 1024, metadata: { robot: 'demo_arm', seed: '1' } });
  rec.addTopic(TOPICS.image, 'sensor_msgs/msg/Image');
  rec.addTopic(TOPICS.joints, 'sensor_msgs/msg/JointState');
  rec.addTopic(TOPICS.command, 'std_msgs/msg/Float64MultiArray');
  rec.addTopic(TOPICS.status, 'std_msgs/msg/String');
  rec.addTopic(TOPICS.plan, 'trajectory_msgs/msg/JointTrajectory');
  const position = new Float64Array(JOINTS.length); // reused between ticks, as a control loop would
  for (let i = 0; i < N_TICKS; i++) {
    const t = T0 + BigInt(i) * DT;
    if (i % IMAGE_EVERY === 0) {
      rec.write(
        TOPICS.image,
        { header: { stamp: stamp(t), frame_id: 'camera' }, height: 64, width: 64, encoding: 'rgb8', is_bigendian: 0, step: 192, data: imageBytes(i) },
        t,
      );
    }
    position.set(jointPositions(i));
    rec.write(TOPICS.joints, { header: { stamp: stamp(t), frame_id: '' }, name: JOINTS, position, velocity: [], effort: [] }, t, t + 1000n);
    rec.write(TOPICS.command, { layout: { dim: [], data_offset: 0 }, data: commandData(i) }, t + 500_000n);
  }
  rec.write(TOPICS.status, { data: 'episode 1 done: reached goal' }, T0 + 1_000_000_000n);
  rec.write(
    TOPICS.plan,
    {
      header: { stamp: stamp(T0), frame_id: '' },
      joint_names: JOINTS,
      points: [
        { positions: [0.1, 0.2, 0.3, 0.4], velocities: [], accelerations: [], effort: [], time_from_start: { sec: 0, nanosec: 100_000_000 } },
        { positions: [0.2, 0.3, 0.4, 0.5], velocities: [], accelerations: [], effort: [], time_from_start: { sec: 1, nanosec: 500 } },
      ],
    },
    T0 + 1_000_000_001n,
  );
  assert.deepEqual(rec.problems(), { dropped: 0, byReason: {} });
  await rec.close();
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ros2msg schemas', () => {
  test('JointState schema is laid out as rosbag2 stores it', () => {
    const text = ros2msgSchema('sensor_msgs/msg/JointState');
    assert.equal(SCHEMA_SEPARATOR, '='.repeat(80));
    const expected = [
      'std_msgs/Header header',
      'string[] name',
      'float64[] position',
      'float64[] velocity',
      'float64[] effort',
      '',
      SCHEMA_SEPARATOR,
      'MSG: std_msgs/Header',
      'builtin_interfaces/Time stamp',
      'string frame_id',
      '',
      SCHEMA_SEPARATOR,
      'MSG: builtin_interfaces/Time',
      'int32 sec',
      'uint32 nanosec',
      '',
    ].join('\n');
    assert.equal(text, expected);
    assert.equal(ros2msgSchema('sensor_msgs/JointState'), text, 'the short type name gives the same text');
  });

  test('dependencies appear once, depth first in sorted order; constants, fixed arrays and defaults are kept', () => {
    const diag = ros2msgSchema('diagnostic_msgs/msg/DiagnosticArray');
    const sections = diag.split(`\n${SCHEMA_SEPARATOR}\n`).map((s) => s.split('\n')[0]);
    assert.deepEqual(sections, [
      'std_msgs/Header header',
      'MSG: diagnostic_msgs/DiagnosticStatus',
      'MSG: diagnostic_msgs/KeyValue',
      'MSG: std_msgs/Header',
      'MSG: builtin_interfaces/Time',
    ]);
    assert.match(diag, /^uint8 OK=0$/m);
    assert.match(diag, /^KeyValue\[\] values$/m);
    assert.match(ros2msgSchema('sensor_msgs/msg/CameraInfo'), /^float64\[9\] k$/m);
    assert.match(ros2msgSchema('geometry_msgs/msg/PoseStamped'), /^float64 w 1$/m);
    assert.match(ros2msgSchema('trajectory_msgs/msg/JointTrajectory'), /^builtin_interfaces\/Duration time_from_start$/m);
  });

  test('every type odra writes has a schema that parses back to the package definitions', () => {
    const defs = distroDefinitions('jazzy');
    for (const type of ODRA_MESSAGE_TYPES) {
      const parsed = parse(ros2msgSchema(type), { ros2: true });
      const root = parsed[0];
      assert.ok(root !== undefined, type);
      const key = type.replace('/msg/', '/');
      const want = (defs[key]?.definitions ?? []).map((f) => `${f.type} ${f.name}`);
      assert.deepEqual(root.definitions.map((f) => `${f.type} ${f.name}`), want, type);
    }
    assert.equal(ros2msgSchema('sensor_msgs/msg/JointState', distroDefinitions('humble')), ros2msgSchema('sensor_msgs/msg/JointState'));
  });

  test('unknown and malformed types are rejected by name', () => {
    assert.throws(() => ros2msgSchema('odra_msgs/msg/Nope'), /odra_msgs\/Nope/);
    assert.throws(() => ros2msgSchema('not a type'), /pkg\/msg\/Name/);
  });
});

describe('McapRecorder → readMcap round trip', () => {
  test('header, schemas and channels are those of a ros2 recording', async () => {
    const bytes = await readFile(recorded);
    const reader = await McapIndexedReader.Initialize({
      readable: { size: async () => BigInt(bytes.length), read: async (o, n) => bytes.subarray(Number(o), Number(o + n)) },
    });
    assert.equal(reader.header.profile, 'ros2');
    assert.equal(reader.header.library, 'odra');
    assert.ok(reader.chunkIndexes.length > 1, 'chunked, with a chunk index');
    const schemas = [...reader.schemasById.values()];
    assert.deepEqual(schemas.map((s) => s.name).sort(), [
      'sensor_msgs/msg/Image',
      'sensor_msgs/msg/JointState',
      'std_msgs/msg/Float64MultiArray',
      'std_msgs/msg/String',
      'trajectory_msgs/msg/JointTrajectory',
    ]);
    for (const s of schemas) {
      assert.equal(s.encoding, 'ros2msg');
      assert.equal(new TextDecoder().decode(s.data), ros2msgSchema(s.name));
    }
    for (const c of reader.channelsById.values()) assert.equal(c.messageEncoding, 'cdr');
  });

  test('summary: profile, topics, exact counts and time span from the index', async () => {
    const summary = await summarizeMcap(recorded);
    const nImages = Math.ceil(N_TICKS / IMAGE_EVERY);
    assert.equal(summary.profile, 'ros2');
    assert.equal(summary.indexed, true);
    assert.equal(summary.truncated, false);
    assert.deepEqual(summary.topics, [
      { topic: TOPICS.image, type: 'sensor_msgs/msg/Image', schemaEncoding: 'ros2msg', messageEncoding: 'cdr', count: nImages },
      { topic: TOPICS.command, type: 'std_msgs/msg/Float64MultiArray', schemaEncoding: 'ros2msg', messageEncoding: 'cdr', count: N_TICKS },
      { topic: TOPICS.joints, type: 'sensor_msgs/msg/JointState', schemaEncoding: 'ros2msg', messageEncoding: 'cdr', count: N_TICKS },
      { topic: TOPICS.plan, type: 'trajectory_msgs/msg/JointTrajectory', schemaEncoding: 'ros2msg', messageEncoding: 'cdr', count: 1 },
      { topic: TOPICS.status, type: 'std_msgs/msg/String', schemaEncoding: 'ros2msg', messageEncoding: 'cdr', count: 1 },
    ]);
    assert.equal(summary.messageCount, nImages + 2 * N_TICKS + 2);
    assert.equal(summary.startNs, T0);
    assert.equal(summary.endNs, T0 + 1_000_000_001n);
    assert.deepEqual(summary.metadata, { odra: { robot: 'demo_arm', seed: '1' } });
  });

  test('messages decode to the values written, with their times, in log-time order', async () => {
    const all = await collect(recorded);
    assert.equal(all.length, Math.ceil(N_TICKS / IMAGE_EVERY) + 2 * N_TICKS + 2);
    for (let k = 1; k < all.length; k++) assert.ok((all[k] as McapMessage).logTimeNs >= (all[k - 1] as McapMessage).logTimeNs);

    const images = all.filter((m) => m.topic === TOPICS.image);
    images.forEach((m, k) => {
      const i = k * IMAGE_EVERY;
      const t = T0 + BigInt(i) * DT;
      assert.equal(m.type, 'sensor_msgs/msg/Image');
      assert.equal(m.logTimeNs, t);
      assert.equal(m.publishTimeNs, t);
      const msg = m.message;
      assert.deepEqual(msg.header, { stamp: stamp(t), frame_id: 'camera' });
      assert.equal(msg.height, 64);
      assert.equal(msg.width, 64);
      assert.equal(msg.encoding, 'rgb8');
      assert.equal(msg.step, 192);
      assert.ok(msg.data instanceof Uint8Array);
      assert.deepEqual(msg.data, imageBytes(i));
    });

    const joints = all.filter((m) => m.topic === TOPICS.joints);
    joints.forEach((m, i) => {
      const t = T0 + BigInt(i) * DT;
      assert.equal(m.logTimeNs, t);
      assert.equal(m.publishTimeNs, t + 1000n);
      assert.equal(m.sequence, i);
      assert.deepEqual(m.message.name, JOINTS);
      assert.deepEqual(m.message.position, jointPositions(i));
      const header = m.message.header as { stamp: { sec: number; nanosec: number } };
      assert.equal(rosTimeToNs(header.stamp), t);
    });

    const commands = all.filter((m) => m.topic === TOPICS.command);
    commands.forEach((m, i) => {
      assert.equal(m.logTimeNs, T0 + BigInt(i) * DT + 500_000n);
      assert.deepEqual(m.message.layout, { dim: [], data_offset: 0 });
      assert.deepEqual(m.message.data, Float64Array.from(commandData(i)));
    });

    const [status] = all.filter((m) => m.topic === TOPICS.status);
    assert.deepEqual(status?.message, { data: 'episode 1 done: reached goal' });

    const [plan] = all.filter((m) => m.topic === TOPICS.plan);
    assert.equal(plan?.type, 'trajectory_msgs/msg/JointTrajectory');
    assert.deepEqual(plan?.message.joint_names, JOINTS);
    const points = plan?.message.points as { positions: Float64Array; time_from_start: unknown }[];
    assert.equal(points.length, 2);
    assert.deepEqual(points[1]?.positions, Float64Array.from([0.2, 0.3, 0.4, 0.5]));
    assert.deepEqual(points[1]?.time_from_start, { sec: 1, nanosec: 500 });
  });

  test('topic and time-window filters', async () => {
    const start = T0 + 10n * DT;
    const end = T0 + 19n * DT;
    const some = await collect(recorded, { topics: [TOPICS.joints], startNs: start, endNs: end });
    assert.equal(some.length, 10);
    assert.ok(some.every((m) => m.topic === TOPICS.joints && m.logTimeNs >= start && m.logTimeNs <= end));
  });
});

describe('McapRecorder behaviour', () => {
  test('configuration problems are collected and thrown once', async () => {
    const rec = await McapRecorder.open(join(dir, 'config.mcap'));
    assert.equal(rec.addTopic('/joint_states', 'sensor_msgs/msg/JointState'), 1);
    assert.equal(rec.addTopic('/joint_states', 'sensor_msgs/JointState'), 1, 'same topic and type: same channel');
    assert.equal(rec.addTopic('/joint_states_2', 'sensor_msgs/msg/JointState'), 2);
    assert.throws(
      () => rec.addTopic('joint states', 'sensor_msgs/msg/Nope'),
      (e: unknown) => e instanceof McapRecorderError && e.problems.length === 2 && /joint states/.test(e.problems[0] ?? '') && /sensor_msgs\/Nope/.test(e.problems[1] ?? ''),
    );
    assert.throws(() => rec.addTopic('/joint_states', 'std_msgs/msg/String'), /already recorded as sensor_msgs\/msg\/JointState/);
    // a type outside the common set records with the schema text it is given
    rec.addTopic('/odra/cost_terms', 'odra_msgs/msg/CostTerms', { schema: 'string[] names\nfloat64[] costs\n' });
    rec.write('/odra/cost_terms', { names: ['goal', 'joint_limits'], costs: [1.5, 0.25] }, 5n);
    await rec.close();
    const [msg] = await collect(join(dir, 'config.mcap'));
    assert.equal(msg?.type, 'odra_msgs/msg/CostTerms');
    assert.deepEqual(msg?.message, { names: ['goal', 'joint_limits'], costs: Float64Array.from([1.5, 0.25]) });
    await assert.rejects(McapRecorder.open(join(dir, 'bad.mcap'), { chunkSizeBytes: 10, writeBlockBytes: 1 }), (e: unknown) => e instanceof McapRecorderError && e.problems.length === 2);
  });

  test('write() never throws: bad inputs are dropped and counted', async () => {
    const path = join(dir, 'drops.mcap');
    const rec = await McapRecorder.open(path);
    rec.addTopic('/joint_states', 'sensor_msgs/msg/JointState');
    const ok = { header: { stamp: { sec: 1, nanosec: 0 }, frame_id: '' }, name: ['a'], position: [1], velocity: [], effort: [] };
    rec.write('/joint_states', ok, 1n);
    rec.write('/not_declared', ok, 2n);
    rec.write('/joint_states', ok, -3n);
    rec.write('/joint_states', { ...ok, name: [1, 2] }, 4n); // numbers where strings belong do not serialize
    rec.write('/joint_states', ok, 5n);
    assert.deepEqual(rec.stats(), { '/joint_states': 2 });
    const problems = rec.problems();
    assert.equal(problems.dropped, 3);
    assert.deepEqual(problems.byReason, { 'unknown-topic': 1, 'bad-time': 1, serialize: 1 });
    assert.match(problems.lastSerializeError ?? '', /^\/joint_states: /);
    await rec.close();
    await rec.close(); // idempotent
    rec.write('/joint_states', ok, 6n);
    assert.equal(rec.problems().byReason.closed, 1);
    const times = (await collect(path)).map((m) => m.logTimeNs);
    assert.deepEqual(times, [1n, 5n]);
  });

  test('a message object reused and mutated after write() is recorded as it was at write()', async () => {
    const path = join(dir, 'reuse.mcap');
    const rec = await McapRecorder.open(path);
    rec.addTopic('/cmd', 'std_msgs/msg/Float64MultiArray');
    const data = new Float64Array(3);
    for (let i = 0; i < 5; i++) {
      data.fill(i);
      rec.write('/cmd', { layout: { dim: [], data_offset: 0 }, data }, BigInt(i));
    }
    data.fill(-1);
    await rec.close();
    const got = (await collect(path)).map((m) => Array.from(m.message.data as Float64Array));
    assert.deepEqual(got, [0, 1, 2, 3, 4].map((i) => [i, i, i]));
  });
});

describe('crash safety and other layouts', () => {
  test('an unclosed recording is readable up to its last closed chunk once the flush interval has passed', async () => {
    const path = join(dir, 'crashed.mcap');
    const rec = await McapRecorder.open(path, { chunkSizeBytes: 1024, flushIntervalMs: 10 });
    rec.addTopic('/cmd', 'std_msgs/msg/Float64MultiArray');
    for (let i = 0; i < 100; i++) rec.write('/cmd', { layout: { dim: [], data_offset: 0 }, data: [i, i, i, i] }, BigInt(i));
    // no close(): as if the process had died here; the flush timer alone must bring the closed chunks to disk
    let got: McapMessage[] = [];
    for (let waitedMs = 0; waitedMs < 3000 && got.length < 80; waitedMs += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      got = await collect(path, { allowTruncated: true });
    }
    assert.ok(got.length >= 80, `only ${got.length} of 100 messages reached the file`);
    got.forEach((m, i) => assert.deepEqual(m.message.data, Float64Array.from([i, i, i, i])));
    await rejectsWith(collect(path), 'TRUNCATED');
    await rec.close();
    assert.equal((await collect(path)).length, 100);
  });

  test('an unchunked file is streamed; its summary still comes from the statistics', async () => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const w = new McapWriter({
      useChunks: false,
      writable: {
        write: async (b: Uint8Array) => {
          chunks.push(b.slice());
          size += b.length;
        },
        position: () => BigInt(size),
      },
    });
    await w.start({ profile: 'ros2', library: 'test' });
    const text = ros2msgSchema('std_msgs/msg/String');
    const sid = await w.registerSchema({ name: 'std_msgs/msg/String', encoding: 'ros2msg', data: new TextEncoder().encode(text) });
    const cid = await w.registerChannel({ topic: '/chatter', schemaId: sid, messageEncoding: 'cdr', metadata: new Map() });
    // CDR of std_msgs/String "hi": encapsulation header, uint32 length 3, "hi\0"
    const cdr = new Uint8Array([0, 1, 0, 0, 3, 0, 0, 0, 104, 105, 0]);
    for (let i = 0; i < 3; i++) await w.addMessage({ channelId: cid, sequence: i, logTime: BigInt(10 + i), publishTime: BigInt(10 + i), data: cdr });
    await w.end();
    const path = join(dir, 'unchunked.mcap');
    await writeFile(path, Buffer.concat(chunks));
    const got = await collect(path);
    assert.deepEqual(got.map((m) => [m.logTimeNs, m.message.data]), [[10n, 'hi'], [11n, 'hi'], [12n, 'hi']]);
    const summary = await summarizeMcap(path);
    assert.equal(summary.topics[0]?.count, 3);
    assert.equal(summary.endNs, 12n);
  });
});

describe('damaged and foreign files', () => {
  test('a cut-off recording raises TRUNCATED after the messages before the cut, or stops quietly when allowed', async () => {
    const bytes = await readFile(recorded);
    const cut = join(dir, 'cut.mcap');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    let before = 0;
    const err = await rejectsWith(
      (async () => {
        for await (const _ of readMcap(cut)) before++;
      })(),
      'TRUNCATED',
    );
    assert.match(err.message, /cut\.mcap: file ends before the MCAP footer/);
    assert.ok(before > 0, 'messages before the cut are delivered');
    const salvaged = await collect(cut, { allowTruncated: true });
    assert.equal(salvaged.length, before);
    const total = (await summarizeMcap(recorded)).messageCount;
    assert.ok(salvaged.length < total);
    await rejectsWith(summarizeMcap(cut), 'TRUNCATED');
    const summary = await summarizeMcap(cut, { allowTruncated: true });
    assert.equal(summary.indexed, false);
    assert.equal(summary.truncated, true);
    assert.equal(summary.messageCount, salvaged.length);
    assert.equal(summary.profile, 'ros2');
  });

  test('damaged chunk data raises CORRUPT, not a crash', async () => {
    const bytes = Buffer.from(await readFile(recorded));
    // flip bytes in the middle of the data section, inside a chunk's records
    const mid = Math.floor(bytes.length / 3);
    for (let k = 0; k < 16; k++) bytes[mid + k] = (bytes[mid + k] as number) ^ 0xff;
    const bad = join(dir, 'corrupt.mcap');
    await writeFile(bad, bytes);
    const err = await rejectsWith(collect(bad), 'CORRUPT');
    assert.match(err.message, /corrupt\.mcap: damaged MCAP data/);
  });

  test('not an MCAP file, an empty file and a missing file are told apart', async () => {
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'this is not a recording\n');
    await rejectsWith(collect(text), 'NOT_MCAP');
    const empty = join(dir, 'empty.mcap');
    await writeFile(empty, '');
    await rejectsWith(summarizeMcap(empty), 'NOT_MCAP');
    await rejectsWith(collect(join(dir, 'missing.mcap')), 'NOT_FOUND');
  });

  test('json channels decode; channels in other encodings are skipped unless asked for', async () => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const w = new McapWriter({
      writable: {
        write: async (b: Uint8Array) => {
          chunks.push(b.slice());
          size += b.length;
        },
        position: () => BigInt(size),
      },
    });
    await w.start({ profile: '', library: 'test' });
    const js = await w.registerSchema({ name: 'Pose', encoding: 'jsonschema', data: new TextEncoder().encode('{}') });
    const pb = await w.registerSchema({ name: 'foxglove.Log', encoding: 'protobuf', data: new Uint8Array([1, 2, 3]) });
    const cj = await w.registerChannel({ topic: '/pose', schemaId: js, messageEncoding: 'json', metadata: new Map() });
    const cp = await w.registerChannel({ topic: '/log', schemaId: pb, messageEncoding: 'protobuf', metadata: new Map() });
    await w.addMessage({ channelId: cp, sequence: 0, logTime: 1n, publishTime: 1n, data: new Uint8Array([8, 1]) });
    await w.addMessage({ channelId: cj, sequence: 0, logTime: 2n, publishTime: 2n, data: new TextEncoder().encode('{"x":1.5}') });
    await w.end();
    const path = join(dir, 'mixed.mcap');
    await writeFile(path, Buffer.concat(chunks));
    const got = await collect(path);
    assert.deepEqual(got.map((m) => [m.topic, m.message]), [['/pose', { x: 1.5 }]]);
    const err = await rejectsWith(collect(path, { topics: ['/log'] }), 'UNSUPPORTED');
    assert.match(err.message, /\/log: message encoding 'protobuf'/);
  });
});
