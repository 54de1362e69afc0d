/**
 * Records from the in-process bus into MCAP, as `ros2 bag record` would from a live graph: a
 * node subscribes the chosen topics and writes every message it receives, log time = the node's
 * clock (the simulation clock on the in-process bus), so a recording replays at simulated speed.
 */
import type { InProcessBus } from '../bus/in-process.ts';
import type { MessageTypeName } from '../bus/messages.ts';
import type { BusNode } from '../bus/port.ts';
import { QOS_SENSOR_DATA } from '../bus/qos.ts';
import { McapRecorder, secondsToNs } from '../learn/mcap/index.ts';

export interface RecordedTopic {
  /** fully qualified topic */
  topic: string;
  type: MessageTypeName;
  /** subscribe best effort (sensor streams published with SensorData QoS) */
  sensor?: boolean;
}

export interface RecordingSummary {
  path: string;
  /** messages written per topic */
  messages: Record<string, number>;
  /** messages the recorder could not write (0 when all went through) */
  dropped: number;
}

export class BusRecorder {
  private readonly node: BusNode;
  private readonly recorder: McapRecorder;

  private constructor(node: BusNode, recorder: McapRecorder) {
    this.node = node;
    this.recorder = recorder;
  }

  /** Opens `path` (replacing it) and subscribes every topic; throws when the file cannot be created. */
  static async open(bus: InProcessBus, path: string, topics: readonly RecordedTopic[], metadata: Record<string, string> = {}): Promise<BusRecorder> {
    const recorder = await McapRecorder.open(path, { metadata });
    const node = bus.createNode('odra_recorder');
    const self = new BusRecorder(node, recorder);
    for (const t of topics) {
      recorder.addTopic(t.topic, t.type);
      node.createSubscription(
        t.type,
        t.topic,
        (msg) => recorder.write(t.topic, msg as object, secondsToNs(node.nowS())),
        t.sensor === true ? QOS_SENSOR_DATA : { depth: 100 },
      );
    }
    return self;
  }

  /** Stops recording, finishes the file and says what it holds. */
  async close(): Promise<RecordingSummary> {
    this.node.destroy();
    await this.recorder.close();
    return { path: this.recorder.path, messages: this.recorder.stats(), dropped: this.recorder.problems().dropped };
  }
}
