/** Agent node fixtures: the 6-DoF test arm on an in-process bus, a driver node, and captured outputs. */
import { InProcessBus } from '../../src/bus/in-process.ts';
import type { InProcessNode } from '../../src/bus/in-process.ts';
import type { LogRecord } from '../../src/bus/logger.ts';
import type { MessageTypeName, MessageTypes } from '../../src/bus/messages.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { OdraConfig } from '../../src/config/schema.ts';
import { AgentNode, type AgentNodeOptions } from '../../src/nodes/agent-node.ts';
import { arm6 } from '../cost/helpers.ts';

export const JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
/** A configuration well inside the test arm's limits. */
export const HOME = [0.1, -0.5, 0.8, -0.3, 0.4, 0.2];

/** A small, fast planner so each tick costs a few ms. */
export function testConfig(overrides: Record<string, unknown> = {}): OdraConfig {
  return loadConfig({
    overrides: {
      'planner.name': 'cem',
      'planner.samples': 32,
      'planner.horizon': 8,
      'planner.iterations': 1,
      'planner.cem.elites': 4,
      'planner.time_budget_ms': 0,
      ...overrides,
    },
  });
}

export interface Harness {
  bus: InProcessBus;
  node: AgentNode;
  driver: InProcessNode;
  logs: LogRecord[];
  dtS: number;
  /** messages received per topic, oldest first */
  received: Map<string, unknown[]>;
  /** runs n control ticks: the timer fires, the tick finishes, its messages are delivered */
  tick(n?: number): Promise<void>;
  /** publishes a joint state from the driver (names default to the configured order) */
  feed(position: readonly number[], names?: readonly string[], velocity?: readonly number[]): void;
  last<T>(topic: string): T;
  count(topic: string): number;
  listen<K extends MessageTypeName>(type: K, topic: string): void;
  publish<K extends MessageTypeName>(type: K, topic: string, msg: MessageTypes[K]): void;
}

/** `options` adds to the node's options (latent size and source, world model, ...). */
export function harness(config: OdraConfig = testConfig(), options: Omit<AgentNodeOptions, 'chain'> = {}): Harness {
  const logs: LogRecord[] = [];
  const bus = new InProcessBus({ logSink: (r) => logs.push(r) });
  const node = new AgentNode(bus.createNode('odra_agent'), config, { chain: arm6(), warnPeriodS: 1, ...options });
  const driver = bus.createNode('driver');
  const received = new Map<string, unknown[]>();
  const pubs = new Map<string, { publish(m: unknown): void }>();
  const dtS = 1 / config.control.rate_hz;
  const h: Harness = {
    bus,
    node,
    driver,
    logs,
    dtS,
    received,
    async tick(n = 1) {
      for (let k = 0; k < n; k++) {
        bus.advance(dtS);
        await node.idle();
        bus.spinOnce();
      }
    },
    feed(position, names = JOINTS, velocity = []) {
      h.publish('sensor_msgs/msg/JointState', '/joint_states', {
        header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
        name: [...names],
        position: Float64Array.from(position),
        velocity: Float64Array.from(velocity),
        effort: new Float64Array(0),
      });
    },
    last<T>(topic: string): T {
      const list = received.get(topic);
      if (list === undefined || list.length === 0) throw new Error(`nothing received on ${topic}`);
      return list[list.length - 1] as T;
    },
    count(topic) {
      return received.get(topic)?.length ?? 0;
    },
    listen(type, topic) {
      received.set(topic, []);
      driver.createSubscription(type, topic, (m) => received.get(topic)!.push(m), { depth: 100 });
    },
    publish(type, topic, msg) {
      let pub = pubs.get(topic);
      if (pub === undefined) {
        pub = driver.createPublisher(type, topic) as { publish(m: unknown): void };
        pubs.set(topic, pub);
      }
      pub.publish(msg);
    },
  };
  return h;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
