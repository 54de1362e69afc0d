/**
 * The in-process implementation of the bus port: a graph of nodes in one JS process, for tests and
 * the embedded simulator.
 *
 * Delivery: `publish` deep-copies the message and enqueues it into each matching subscription's
 * queue (keep-last, bounded by the subscription's depth; the oldest is dropped and counted).
 * Callbacks never run inside `publish`; they run when the bus spins, in the order the messages
 * became available, and messages published by a callback are delivered in the same spin.
 *
 * Clocks:
 * - `manual` (default): time moves only through `advance(dtS)` / `advanceTo(tS)`, which visit every
 *   timer expiry and delayed delivery in time order (messages before timers at equal times, timers
 *   in creation order), draining zero-latency messages after each callback; `spinOnce()` delivers
 *   what is ready without moving time. ROS time and steady time are both the bus time.
 * - `realtime`: ROS time is wall time, timers run on the steady clock via setTimeout, and
 *   deliveries happen on the next macrotask after a publish.
 */

import { BusError } from './errors.ts';
import type { TopicFaults } from './faults.ts';
import { Graph, type BusClockMode, type Incompatibility, type InProcessBusOptions } from './in-process/graph.ts';
import { InProcessNode, type InProcessNodeOptions } from './in-process/node.ts';
import type { Parameter, ParameterDescriptor, ParameterUpdate, SetParametersResult } from './parameters.ts';

export type { TopicFaults } from './faults.ts';
export type { BusClockMode, Incompatibility, InProcessBusOptions } from './in-process/graph.ts';
export type { InProcessNodeOptions } from './in-process/node.ts';
export { InProcessNode } from './in-process/node.ts';
export {
  InProcessClient,
  InProcessPublisher,
  InProcessService,
  InProcessSubscription,
  InProcessTimer,
} from './in-process/entities.ts';

/** The in-process graph: create nodes on it, then drive it (`advance`, `spinOnce`) or let it run. */
export class InProcessBus {
  private readonly graph: Graph;

  constructor(opts: InProcessBusOptions = {}) {
    this.graph = new Graph(opts);
  }

  get mode(): BusClockMode {
    return this.graph.mode;
  }

  createNode(name: string, opts: InProcessNodeOptions = {}): InProcessNode {
    const node = new InProcessNode(this.graph, name, opts);
    this.graph.addNode(node);
    return node;
  }

  /** A node by fully qualified name ('/ns/name'). */
  node(fullyQualifiedName: string): InProcessNode | undefined {
    return this.graph.nodes.get(fullyQualifiedName);
  }

  nodeNames(): string[] {
    return [...this.graph.nodes.keys()];
  }

  /** ROS time: the manual clock, or wall time in realtime mode. */
  nowS(): number {
    return this.graph.nowS();
  }

  steadyNowS(): number {
    return this.graph.steadyS();
  }

  /** Delivers everything ready now (time does not move); returns the callbacks run. */
  spinOnce(): number {
    return this.graph.spinOnce();
  }

  /** Manual clock: moves time forward by `dtS`, running every event on the way; returns callbacks run. */
  advance(dtS: number): number {
    return this.graph.advance(dtS);
  }

  /** Manual clock: moves time to `tS` (never backwards). */
  advanceTo(tS: number): number {
    return this.graph.advanceTo(tS);
  }

  /** Injects link faults on a fully qualified topic (null removes them). */
  setTopicFaults(topic: string, faults: TopicFaults | null): void {
    this.graph.setFaults(topic, faults);
  }

  /** Sets parameters on a node as a remote client would (`ros2 param set`): each on its own. */
  setParameters(nodeName: string, updates: readonly ParameterUpdate[]): SetParametersResult[] {
    return this.requireNode(nodeName).setParameters(updates);
  }

  setParametersAtomically(nodeName: string, updates: readonly ParameterUpdate[]): SetParametersResult {
    return this.requireNode(nodeName).setParametersAtomically(updates);
  }

  getParameters(nodeName: string, names?: readonly string[]): Parameter[] {
    return this.requireNode(nodeName).getParameters(names);
  }

  describeParameters(nodeName: string, names?: readonly string[]): ParameterDescriptor[] {
    return this.requireNode(nodeName).describeParameters(names);
  }

  /** Topics with the types their endpoints use, sorted by name. */
  topicNamesAndTypes(): { name: string; types: string[] }[] {
    const out: { name: string; types: string[] }[] = [];
    for (const [name, t] of this.graph.topics) {
      const types = new Set<string>();
      for (const p of t.publishers) types.add(p.type);
      for (const s of t.subscriptions) types.add(s.type);
      if (types.size > 0) out.push({ name, types: [...types].sort() });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every publisher/subscription pair found unable to talk (type or QoS), in discovery order. */
  incompatibilities(): readonly Incompatibility[] {
    return this.graph.incompatibilities;
  }

  /** Messages queued or in flight, not yet delivered. */
  pendingDeliveries(): number {
    return this.graph.pendingDeliveries();
  }

  /** Destroys every node and stops realtime scheduling. */
  destroy(): void {
    for (const node of [...this.graph.nodes.values()]) node.destroy();
    this.graph.close();
  }

  private requireNode(name: string): InProcessNode {
    const node = this.graph.nodes.get(name);
    if (node === undefined) throw new BusError('INVALID_ARGUMENT', name, 'no such node');
    return node;
  }
}