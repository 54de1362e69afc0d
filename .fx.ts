import { writeFileSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { McapWriter } from '@mcap/core';
import { parse } from '@foxglove/rosmsg';
import { MessageWriter } from '@foxglove/rosmsg2-serialization';

export function sampleBytes(): Uint8Array {
  const words = ['joint', 'state', 'position', 'velocity', 'effort', 'header', 'camera', 'odra', 'arm', 'gripper'];
  let s = 12345;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  let text = '';
  while (text.length < 8192) text += `${words[next() % words.length]}${next() % 100} `;
  const out = new Uint8Array(8192 + 4096 + 1024);
  out.set(new TextEncoder().encode(text.slice(0, 8192)), 0);
  for (let i = 0; i < 1024; i++) out[8192 + 4096 + i] = next() >>> 24;
  return out;
}
const raw = sampleBytes();
writeFileSync('/tmp/fx/sample.bin', raw);
for (const l of ['3', '19']) execFileSync('zstd', ['-q', '-f', `-${l}`, '/tmp/fx/sample.bin', '-o', `/tmp/fx/sample.${l}.zst`]);
execFileSync('lz4', ['-q', '-f', '/tmp/fx/sample.bin', '/tmp/fx/sample.lz4']);

// a rosbag2-like recording: JointState schema text with comments, zstd chunks, qos metadata
const schemaText = `# This is a message that holds data to describe the state of a set of torque controlled joints.
#
# The state of each joint (revolute or prismatic) is defined by:
#  * the position of the joint (rad or m),

std_msgs/Header header

string[] name
float64[] position
float64[] velocity
float64[] effort

================================================================================
MSG: std_msgs/Header
# Standard metadata for higher-level stamped data types.

# Two-integer timestamp that is expressed as seconds and nanoseconds.
builtin_interfaces/Time stamp

# Transform frame with which this data is associated.
string frame_id

================================================================================
MSG: builtin_interfaces/Time
# This message communicates ROS Time.

# The seconds component, valid over all int32 values.
int32 sec

# The nanoseconds component, valid in the range [0, 1e9), to be added to the seconds component.
# e.g.
# The time -1.7 seconds is represented as {sec: -2, nanosec: 3e8}
#           1.7 seconds is represented as {sec: 1, nanosec: 7e8}
uint32 nanosec
`;
const chunks: Uint8Array[] = [];
const buf: Uint8Array[] = [];
let size = 0;
const w = new McapWriter({
  writable: { write: async (b: Uint8Array) => { buf.push(b.slice()); size += b.length; }, position: () => BigInt(size) },
  chunkSize: 1024,
  compressChunk: (data) => ({ compression: 'zstd', compressedData: new Uint8Array(execFileSync('zstd', ['-q', '-c', '-3'], { input: data })) }),
});
await w.start({ profile: 'ros2', library: 'rosbag2.mcap.storage' });
const sid = await w.registerSchema({ name: 'sensor_msgs/msg/JointState', encoding: 'ros2msg', data: new TextEncoder().encode(schemaText) });
const cid = await w.registerChannel({ topic: '/joint_states', schemaId: sid, messageEncoding: 'cdr', metadata: new Map([['offered_qos_profiles', '- history: keep_last\n  depth: 10\n  reliability: reliable\n  durability: volatile\n']]) });
const mw = new MessageWriter(parse(schemaText, { ros2: true }));
for (let i = 0; i < 40; i++) {
  const msg = { header: { stamp: { sec: 100 + Math.floor(i / 10), nanosec: (i % 10) * 100_000_000 }, frame_id: 'base_link' }, name: ['shoulder', 'elbow', 'wrist'], position: [i * 0.01, -i * 0.02, 0.5], velocity: [0.1, 0.2, 0.3], effort: [] };
  const t = BigInt(100 + Math.floor(i / 10)) * 1_000_000_000n + BigInt((i % 10) * 100_000_000);
  await w.addMessage({ channelId: cid, sequence: i, logTime: t, publishTime: t, data: mw.writeMessage(msg) });
}
await w.end();
const file = new Uint8Array(size); let o = 0; for (const b of buf) { file.set(b, o); o += b.length; }
writeFileSync('/tmp/fx/rosbag2-zstd.mcap', file);
for (const f of ['sample.3.zst', 'sample.19.zst', 'sample.lz4', 'rosbag2-zstd.mcap']) console.log(f, readFileSync('/tmp/fx/' + f).length, readFileSync('/tmp/fx/' + f).toString('base64').length);
