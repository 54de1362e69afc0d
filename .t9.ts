import { MessageWriter } from '@foxglove/rosmsg2-serialization';
import { parse } from '@foxglove/rosmsg';
import { ros2msgSchema } from './src/learn/mcap/schemas.ts';
const w = new MessageWriter(parse(ros2msgSchema('sensor_msgs/msg/JointState'), { ros2: true }));
for (const m of [{ name: 5 }, { name: [1, 2] }, { position: 'abc' }, { position: [1, 'x'] }, { header: 5 }, {}, { position: [NaN] }, {name: ['a', undefined]}]) {
  try { const b = w.writeMessage(m); console.log(JSON.stringify(m), 'ok', b.length); } catch (e) { console.log(JSON.stringify(m), 'ERR', (e as Error).message); }
}
const s = new MessageWriter(parse(ros2msgSchema('std_msgs/msg/String'), { ros2: true }));
for (const m of [{ data: 5 }, { data: null }, {data: {}}]) { try { const b = s.writeMessage(m); console.log(JSON.stringify(m), 'ok', b.length); } catch (e) { console.log(JSON.stringify(m), 'ERR', (e as Error).message); } }
