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

import { cloneMessage } from './clone.ts';
import { BusError } from './errors.ts';
import { faultProblems, makeFaultState, type FaultState, type TopicFaults } from './faults.ts';
import { SinkLogger, stderrSink, type LogLevel, type LogSink } from './logger.ts';
import type {
  MessageTypeName,
  MessageTypes,
  ServiceRequest,
  ServiceResponse,
  ServiceTypeName,
} from './messages.ts';
import { expandName, namespaceProblem, nodeNameProblem, normalizeNamespace } from './names.ts';
import {
  ParameterStore,
  type Parameter,
  type ParameterDeclaration,
  type ParameterDescriptor,
  type ParameterListener,
  type ParameterUpdate,
  type ParameterValidator,
  type ParameterValue,
  type SetParametersResult,
} from './parameters.ts';
import type { BusNode, Publisher, ServiceClient, ServiceHandler, ServiceServer, Subscription, Timer } from './port.ts';
import { qosIncompatibility, qosProblems, qosProfile, type QoS } from './qos.ts';

export type { TopicFaults } from './faults.ts';

export type BusClockMode = 'manual' | 'realtime';

export interface InProcessBusOptions {
  /** default 'manual' */
  clock?: BusClockMode;
  /** manual clock's initial time, seconds (default 0) */
  startTimeS?: number;
  /** seed of the fault-injection draws (default 1) */
  seed?: number;
  /** where node loggers write (default: stderr) */
  logSink?: LogSink;
  /** default 'info' */
  logLevel?: LogLevel;
  /** callbacks one spin may run before the bus calls it a livelock (default 1e6) */
  maxCallbacksPerSpin?: number;
}

export interface InProcessNodeOptions {
  /** default '/' */
  namespace?: string;
  /** the node's ROS clock, seconds; default the bus clock (e.g. give a node a skewed clock) */
  clock?: () => number;
  /** values that replace declared defaults, as a ROS parameter file would */
  parameterOverrides?: Readonly<Record<string, ParameterValue>>;
  /** name remapping, `from → to`, both resolved as the node resolves names */
  remap?: Readonly<Record<string, string>>;
}

/** A publisher/subscription pair on one topic that cannot talk, and why. */
export interface Incompatibility {
  topic: string;
  publisherNode: string;
  subscriptionNode: string;
  reason: string;
}

/** Events that fall within this much after a target time still belong to it (float round-off). */
const TIME_EPS_S = 1e-9;

interface QueuedMessage {
  seq: number;
  msg: unknown;
}

interface InFlight {
  dueS: number;
  seq: number;
  sub: InProcessSubscription<unknown>;
  msg: unknown;
}

type WorkItem =
  | { kind: 'msg'; sub: InProcessSubscription<unknown>; seq: number }
  | {
      kind: 'call';
      name: string;
      type: string;
      request: unknown;
      resolve: (res: unknown) => void;
      reject: (err: unknown) => void;
    };

interface TopicState {
  publishers: InProcessPublisher<unknown>[];
  subscriptions: InProcessSubscription<unknown>[];
  faults: FaultState | null;
}

// ---------------------------------------------------------------------------------------------
// Entities

export class InProcessPublisher<T> implements Publisher<T> {
  readonly topic: string;
  readonly type: string;
  readonly qos: Readonly<QoS>;
  readonly node: InProcessNode;
  /** messages handed to `publish` while alive */
  published = 0;
  /** @internal last delivery time per subscription, so injected jitter never reorders a connection */
  readonly lastDueS = new WeakMap<InProcessSubscription<unknown>, number>();
  /** @internal kept samples for transient-local late joiners */
  readonly history: QueuedMessage[] = [];
  private alive = true;
  private readonly graph: Graph;

  /** @internal */
  constructor(graph: Graph, node: InProcessNode, type: string, topic: string, qos: QoS) {
    this.graph = graph;
    this.node = node;
    this.type = type;
    this.topic = topic;
    this.qos = Object.freeze(qos);
  }

  get destroyed(): boolean {
    return !this.alive;
  }

  publish(msg: T): void {
    if (!this.alive) return;
    this.published++;
    this.graph.publish(this as InProcessPublisher<unknown>, msg);
  }

  subscriptionCount(): number {
    return this.graph.matchedSubscriptions(this as InProcessPublisher<unknown>).length;
  }

  destroy(): void {
    if (!this.alive) return;
    this.alive = false;
    this.graph.removePublisher(this as InProcessPublisher<unknown>);
  }
}

export class InProcessSubscription<T> implements Subscription {
  readonly topic: string;
  readonly type: string;
  readonly qos: Readonly<QoS>;
  readonly node: InProcessNode;
  /** callbacks run */
  received = 0;
  /** messages lost because the queue was full (keep-last depth) */
  queueDrops = 0;
  /** messages lost to injected faults */
  injectedDrops = 0;
  /** @internal */
  readonly queue: QueuedMessage[] = [];
  /** @internal */
  readonly callback: (msg: T) => void;
  private alive = true;
  private readonly graph: Graph;

  /** @internal */
  constructor(graph: Graph, node: InProcessNode, type: string, topic: string, qos: QoS, callback: (msg: T) => void) {
    this.graph = graph;
    this.node = node;
    this.type = type;
    this.topic = topic;
    this.qos = Object.freeze(qos);
    this.callback = callback;
  }

  get destroyed(): boolean {
    return !this.alive;
  }

  /** messages queued, waiting for a spin */
  get pending(): number {
    return this.queue.length;
  }

  destroy(): void {
    if (!this.alive) return;
    this.alive = false;
    this.queue.length = 0;
    this.graph.removeSubscription(this as InProcessSubscription<unknown>);
  }
}

export class InProcessTimer implements Timer {
  readonly periodS: number;
  readonly node: InProcessNode;
  /** callbacks run */
  fired = 0;
  /** @internal creation order, the tie-break between timers due together */
  readonly order: number;
  /** @internal */
  readonly callback: () => void;
  /** @internal steady time the period is counted from */
  originS: number;
  /** @internal periods from origin to the next expiry */
  periods = 1;
  private isCanceled = false;
  private alive = true;
  private readonly graph: Graph;

  /** @internal */
  constructor(graph: Graph, node: InProcessNode, periodS: number, callback: () => void, order: number) {
    this.graph = graph;
    this.node = node;
    this.periodS = periodS;
    this.callback = callback;
    this.order = order;
    this.originS = graph.steadyS();
  }

  /** @internal */
  get nextDueS(): number {
    return this.originS + this.periods * this.periodS;
  }

  get canceled(): boolean {
    return this.isCanceled;
  }

  get destroyed(): boolean {
    return !this.alive;
  }

  cancel(): void {
    this.isCanceled = true;
  }

  reset(): void {
    if (!this.alive) return;
    this.isCanceled = false;
    this.originS = this.graph.steadyS();
    this.periods = 1;
    this.graph.kick();
  }

  destroy(): void {
    if (!this.alive) return;
    this.alive = false;
    this.isCanceled = true;
    this.graph.removeTimer(this);
  }
}

export class InProcessService<K extends ServiceTypeName> implements ServiceServer {
  readonly name: string;
  readonly type: K;
  readonly node: InProcessNode;
  /** requests handled */
  handled = 0;
  /** @internal */
  readonly handler: ServiceHandler<K>;
  private alive = true;
  private readonly graph: Graph;

  /** @internal */
  constructor(graph: Graph, node: InProcessNode, type: K, name: string, handler: ServiceHandler<K>) {
    this.graph = graph;
    this.node = node;
    this.type = type;
    this.name = name;
    this.handler = handler;
  }

  get destroyed(): boolean {
    return !this.alive;
  }

  destroy(): void {
    if (!this.alive) return;
    this.alive = false;
    this.graph.removeService(this as unknown as InProcessService<ServiceTypeName>);
  }
}

export class InProcessClient<K extends ServiceTypeName> implements ServiceClient<K> {
  readonly name: string;
  readonly type: K;
  readonly node: InProcessNode;
  private alive = true;
  private readonly graph: Graph;

  /** @internal */
  constructor(graph: Graph, node: InProcessNode, type: K, name: string) {
    this.graph = graph;
    this.node = node;
    this.type = type;
    this.name = name;
  }

  isServiceReady(): boolean {
    const s = this.graph.services.get(this.name);
    return s !== undefined && s.type === this.type;
  }

  /** The request is delivered when the bus spins; the promise settles then. */
  call(request: ServiceRequest<K>): Promise<ServiceResponse<K>> {
    if (!this.alive) return Promise.reject(new BusError('DESTROYED', this.name, 'client is destroyed'));
    return new Promise<ServiceResponse<K>>((resolve, reject) => {
      this.graph.enqueueCall({
        kind: 'call',
        name: this.name,
        type: this.type,
        request: cloneMessage(request),
        resolve: resolve as (res: unknown) => void,
        reject,
      });
    });
  }

  destroy(): void {
    this.alive = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Node

export class InProcessNode implements BusNode {
  readonly name: string;
  readonly namespace: string;
  readonly fullyQualifiedName: string;
  readonly logger: SinkLogger;
  private readonly graph: Graph;
  private readonly clock: (() => number) | undefined;
  private readonly params: ParameterStore;
  private readonly remap: ReadonlyMap<string, string>;
  private readonly publishers = new Set<InProcessPublisher<unknown>>();
  private readonly subscriptions = new Set<InProcessSubscription<unknown>>();
  private readonly timers = new Set<InProcessTimer>();
  private readonly services = new Set<InProcessService<ServiceTypeName>>();
  private readonly clients = new Set<InProcessClient<ServiceTypeName>>();
  private alive = true;

  /** @internal use `InProcessBus.createNode` */
  constructor(graph: Graph, name: string, opts: InProcessNodeOptions) {
    const problems: string[] = [];
    const nameProblem = nodeNameProblem(name);
    if (nameProblem !== null) problems.push(nameProblem);
    const ns = normalizeNamespace(opts.namespace ?? '/');
    const nsProblem = namespaceProblem(ns);
    if (nsProblem !== null) problems.push(nsProblem);
    if (problems.length > 0) throw new BusError('INVALID_NAME', `${ns}|${name}`, problems.join('; '));
    this.graph = graph;
    this.name = name;
    this.namespace = ns;
    this.fullyQualifiedName = ns === '/' ? `/${name}` : `${ns}/${name}`;
    this.clock = opts.clock;
    this.params = new ParameterStore(this.fullyQualifiedName, opts.parameterOverrides);
    const remap = new Map<string, string>();
    for (const [from, to] of Object.entries(opts.remap ?? {})) {
      const f = expandName(from, ns, name);
      const t = expandName(to, ns, name);
      if (!f.ok) problems.push(`remap '${from}': ${f.problem}`);
      if (!t.ok) problems.push(`remap '${from}' → '${to}': ${t.problem}`);
      if (f.ok && t.ok) remap.set(f.name, t.name);
    }
    if (problems.length > 0) throw new BusError('INVALID_NAME', this.fullyQualifiedName, problems.join('; '));
    this.remap = remap;
    this.logger = new SinkLogger({
      name: this.fullyQualifiedName,
      sink: graph.logSink,
      minLevel: graph.logLevel,
      nowS: () => this.nowS(),
      steadyNowS: () => graph.steadyS(),
    });
  }

  get destroyed(): boolean {
    return !this.alive;
  }

  resolveName(name: string): string {
    const r = expandName(name, this.namespace, this.name);
    if (!r.ok) throw new BusError('INVALID_NAME', this.fullyQualifiedName, r.problem);
    return this.remap.get(r.name) ?? r.name;
  }

  createPublisher<K extends MessageTypeName>(
    type: K,
    topic: string,
    qos?: Partial<QoS>,
  ): InProcessPublisher<MessageTypes[K]> {
    this.assertAlive();
    const pub = new InProcessPublisher<MessageTypes[K]>(this.graph, this, type, this.resolveName(topic), this.checkQos(qos, topic));
    this.publishers.add(pub as InProcessPublisher<unknown>);
    this.graph.addPublisher(pub as InProcessPublisher<unknown>);
    return pub;
  }

  createSubscription<K extends MessageTypeName>(
    type: K,
    topic: string,
    callback: (msg: MessageTypes[K]) => void,
    qos?: Partial<QoS>,
  ): InProcessSubscription<MessageTypes[K]> {
    this.assertAlive();
    const sub = new InProcessSubscription<MessageTypes[K]>(
      this.graph,
      this,
      type,
      this.resolveName(topic),
      this.checkQos(qos, topic),
      callback,
    );
    this.subscriptions.add(sub as InProcessSubscription<unknown>);
    this.graph.addSubscription(sub as InProcessSubscription<unknown>);
    return sub;
  }

  createService<K extends ServiceTypeName>(type: K, name: string, handler: ServiceHandler<K>): InProcessService<K> {
    this.assertAlive();
    const srv = new InProcessService<K>(this.graph, this, type, this.resolveName(name), handler);
    this.graph.addService(srv as unknown as InProcessService<ServiceTypeName>);
    this.services.add(srv as unknown as InProcessService<ServiceTypeName>);
    return srv;
  }

  createClient<K extends ServiceTypeName>(type: K, name: string): InProcessClient<K> {
    this.assertAlive();
    const client = new InProcessClient<K>(this.graph, this, type, this.resolveName(name));
    this.clients.add(client as unknown as InProcessClient<ServiceTypeName>);
    return client;
  }

  createTimer(periodS: number, callback: () => void): InProcessTimer {
    this.assertAlive();
    if (!(Number.isFinite(periodS) && periodS > 0)) {
      throw new BusError('INVALID_ARGUMENT', this.fullyQualifiedName, `timer period must be a finite number > 0 s, got ${periodS}`);
    }
    const timer = this.graph.addTimer(this, periodS, callback);
    this.timers.add(timer);
    return timer;
  }

  declareParameters(declarations: readonly ParameterDeclaration[]): Parameter[] {
    this.assertAlive();
    return this.params.declare(declarations);
  }

  hasParameter(name: string): boolean {
    return this.params.has(name);
  }

  getParameter(name: string): Parameter | undefined {
    return this.params.get(name);
  }

  getParameters(names?: readonly string[]): Parameter[] {
    return this.params.list(names);
  }

  describeParameters(names?: readonly string[]): ParameterDescriptor[] {
    return this.params.describe(names);
  }

  setParameters(updates: readonly ParameterUpdate[]): SetParametersResult[] {
    return this.params.set(updates);
  }

  setParametersAtomically(updates: readonly ParameterUpdate[]): SetParametersResult {
    return this.params.setAtomically(updates);
  }

  onSetParameters(validator: ParameterValidator): () => void {
    return this.params.addValidator(validator);
  }

  onParametersSet(listener: ParameterListener): () => void {
    return this.params.addListener(listener);
  }

  countPublishers(topic: string): number {
    return this.graph.topics.get(this.resolveName(topic))?.publishers.length ?? 0;
  }

  countSubscribers(topic: string): number {
    return this.graph.topics.get(this.resolveName(topic))?.subscriptions.length ?? 0;
  }

  nowS(): number {
    return this.clock !== undefined ? this.clock() : this.graph.nowS();
  }

  steadyNowS(): number {
    return this.graph.steadyS();
  }

  destroy(): void {
    if (!this.alive) return;
    for (const p of this.publishers) p.destroy();
    for (const s of this.subscriptions) s.destroy();
    for (const t of this.timers) t.destroy();
    for (const s of this.services) s.destroy();
    for (const c of this.clients) c.destroy();
    this.publishers.clear();
    this.subscriptions.clear();
    this.timers.clear();
    this.services.clear();
    this.clients.clear();
    this.params.clear();
    this.alive = false;
    this.graph.removeNode(this);
  }

  private assertAlive(): void {
    if (!this.alive) throw new BusError('DESTROYED', this.fullyQualifiedName, 'node is destroyed');
  }

  private checkQos(qos: Partial<QoS> | undefined, topic: string): QoS {
    const full = qosProfile(qos);
    const problems = qosProblems(full);
    if (problems.length > 0) throw new BusError('INVALID_ARGUMENT', topic, `invalid QoS: ${problems.join('; ')}`);
    return full;
  }
}

// ---------------------------------------------------------------------------------------------
// Graph: the shared state and the scheduler (internal)

/** @internal */
class Graph {
  readonly mode: BusClockMode;
  readonly seed: number;
  readonly logSink: LogSink;
  readonly logLevel: LogLevel;
  readonly maxCallbacksPerSpin: number;
  readonly nodes = new Map<string, InProcessNode>();
  readonly topics = new Map<string, TopicState>();
  readonly services = new Map<string, InProcessService<ServiceTypeName>>();
  readonly incompatibilities: Incompatibility[] = [];
  private readonly timers: InProcessTimer[] = [];
  private timerOrder = 0;
  /** sorted by (dueS, seq) */
  private readonly inFlight: InFlight[] = [];
  private ready: WorkItem[] = [];
  private readyHead = 0;
  private seq = 0;
  private busy = false;
  private timeS: number;
  private readonly steadyOriginMs = performance.now();
  private immediate: NodeJS.Immediate | null = null;
  private timeout: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(opts: InProcessBusOptions) {
    this.mode = opts.clock ?? 'manual';
    this.timeS = opts.startTimeS ?? 0;
    this.seed = opts.seed ?? 1;
    this.logSink = opts.logSink ?? stderrSink;
    this.logLevel = opts.logLevel ?? 'info';
    this.maxCallbacksPerSpin = opts.maxCallbacksPerSpin ?? 1_000_000;
  }

  nowS(): number {
    return this.mode === 'manual' ? this.timeS : (performance.timeOrigin + performance.now()) / 1000;
  }

  steadyS(): number {
    return this.mode === 'manual' ? this.timeS : (performance.now() - this.steadyOriginMs) / 1000;
  }

  private topic(name: string): TopicState {
    let t = this.topics.get(name);
    if (t === undefined) {
      t = { publishers: [], subscriptions: [], faults: null };
      this.topics.set(name, t);
    }
    return t;
  }

  // ----- graph changes

  addNode(node: InProcessNode): void {
    if (this.nodes.has(node.fullyQualifiedName)) {
      throw new BusError('NAME_TAKEN', node.fullyQualifiedName, 'a node with this name exists');
    }
    this.nodes.set(node.fullyQualifiedName, node);
  }

  removeNode(node: InProcessNode): void {
    this.nodes.delete(node.fullyQualifiedName);
  }

  addPublisher(pub: InProcessPublisher<unknown>): void {
    const t = this.topic(pub.topic);
    t.publishers.push(pub);
    for (const sub of t.subscriptions) this.checkPair(pub, sub);
  }

  removePublisher(pub: InProcessPublisher<unknown>): void {
    const t = this.topics.get(pub.topic);
    if (t !== undefined) removeFrom(t.publishers, pub);
  }

  addSubscription(sub: InProcessSubscription<unknown>): void {
    const t = this.topic(sub.topic);
    t.subscriptions.push(sub);
    const late: QueuedMessage[] = [];
    for (const pub of t.publishers) {
      if (this.checkPair(pub, sub) && sub.qos.durability === 'transient_local') late.push(...pub.history);
    }
    // Late joiners get the kept samples in the order they were published.
    late.sort((a, b) => a.seq - b.seq);
    for (const h of late) this.enqueue(sub, cloneMessage(h.msg));
    if (late.length > 0) this.kick();
  }

  removeSubscription(sub: InProcessSubscription<unknown>): void {
    const t = this.topics.get(sub.topic);
    if (t !== undefined) removeFrom(t.subscriptions, sub);
  }

  addService(srv: InProcessService<ServiceTypeName>): void {
    if (this.services.has(srv.name)) throw new BusError('NAME_TAKEN', srv.name, 'a service with this name exists');
    this.services.set(srv.name, srv);
  }

  removeService(srv: InProcessService<ServiceTypeName>): void {
    if (this.services.get(srv.name) === srv) this.services.delete(srv.name);
  }

  addTimer(node: InProcessNode, periodS: number, callback: () => void): InProcessTimer {
    const timer = new InProcessTimer(this, node, periodS, callback, this.timerOrder++);
    this.timers.push(timer);
    this.kick();
    return timer;
  }

  removeTimer(timer: InProcessTimer): void {
    removeFrom(this.timers, timer);
  }

  setFaults(topic: string, faults: TopicFaults | null): void {
    if (faults === null) {
      const t = this.topics.get(topic);
      if (t !== undefined) t.faults = null;
      return;
    }
    const problems = faultProblems(faults);
    if (problems.length > 0) throw new BusError('INVALID_ARGUMENT', topic, `invalid faults: ${problems.join('; ')}`);
    this.topic(topic).faults = makeFaultState(faults, this.seed, topic);
  }

  /** Whether the pair can talk; records and logs why not. */
  private checkPair(pub: InProcessPublisher<unknown>, sub: InProcessSubscription<unknown>): boolean {
    let reason: string | null = null;
    if (pub.type !== sub.type) reason = `type: the subscription takes ${sub.type}, the publisher sends ${pub.type}`;
    else reason = qosIncompatibility(pub.qos, sub.qos);
    if (reason === null) return true;
    this.incompatibilities.push({
      topic: sub.topic,
      publisherNode: pub.node.fullyQualifiedName,
      subscriptionNode: sub.node.fullyQualifiedName,
      reason,
    });
    sub.node.logger.warn(
      `subscription on '${sub.topic}' will receive nothing from the publisher of '${pub.node.fullyQualifiedName}': ${reason}`,
    );
    return false;
  }

  private matches(pub: InProcessPublisher<unknown>, sub: InProcessSubscription<unknown>): boolean {
    return pub.type === sub.type && qosIncompatibility(pub.qos, sub.qos) === null;
  }

  matchedSubscriptions(pub: InProcessPublisher<unknown>): InProcessSubscription<unknown>[] {
    const t = this.topics.get(pub.topic);
    return t === undefined ? [] : t.subscriptions.filter((s) => this.matches(pub, s));
  }

  // ----- delivery

  publish(pub: InProcessPublisher<unknown>, msg: unknown): void {
    const t = this.topics.get(pub.topic);
    if (t === undefined) return;
    if (pub.qos.durability === 'transient_local') {
      pub.history.push({ seq: ++this.seq, msg: cloneMessage(msg) });
      if (pub.history.length > pub.qos.depth) pub.history.shift();
    }
    const faults = t.faults;
    const nowS = this.steadyS();
    for (const sub of t.subscriptions) {
      if (!this.matches(pub, sub)) continue;
      if (faults !== null && faults.dropProbability > 0 && faults.random() < faults.dropProbability) {
        sub.injectedDrops++;
        continue;
      }
      // Each subscription owns its copy, so no two nodes share a buffer.
      const copy = cloneMessage(msg);
      let dueS = nowS;
      if (faults !== null) dueS += faults.latencyS + (faults.jitterS > 0 ? faults.random() * faults.jitterS : 0);
      const lastDueS = pub.lastDueS.get(sub);
      if (lastDueS !== undefined && dueS < lastDueS) dueS = lastDueS;
      pub.lastDueS.set(sub, dueS);
      if (dueS <= nowS) this.enqueue(sub, copy);
      else this.insertInFlight({ dueS, seq: ++this.seq, sub, msg: copy });
    }
    this.kick();
  }

  private enqueue(sub: InProcessSubscription<unknown>, msg: unknown): void {
    const seq = ++this.seq;
    sub.queue.push({ seq, msg });
    if (sub.queue.length > sub.qos.depth) {
      sub.queue.shift();
      sub.queueDrops++;
    }
    this.ready.push({ kind: 'msg', sub, seq });
  }

  enqueueCall(item: WorkItem): void {
    this.ready.push(item);
    this.kick();
  }

  private insertInFlight(item: InFlight): void {
    const a = this.inFlight;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = a[mid] as InFlight;
      if (m.dueS < item.dueS || (m.dueS === item.dueS && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, item);
  }

  /** Moves deliveries due at or before `tS` into their queues. */
  private release(tS: number): void {
    let n = 0;
    while (n < this.inFlight.length && (this.inFlight[n] as InFlight).dueS <= tS) n++;
    if (n === 0) return;
    for (const item of this.inFlight.splice(0, n)) {
      if (!item.sub.destroyed) this.enqueue(item.sub, item.msg);
    }
  }

  /** Runs every ready callback, including those readied meanwhile; returns how many ran. */
  private drain(): number {
    let ran = 0;
    try {
      while (this.readyHead < this.ready.length) {
        if (ran >= this.maxCallbacksPerSpin) {
          throw new BusError('LIVELOCK', 'bus', `more than ${this.maxCallbacksPerSpin} callbacks without time moving`);
        }
        const item = this.ready[this.readyHead++] as WorkItem;
        if (item.kind === 'msg') {
          const sub = item.sub;
          const head = sub.queue[0];
          // A token whose message was dropped from a full queue (or whose subscription is gone) is skipped.
          if (sub.destroyed || head === undefined || head.seq !== item.seq) continue;
          sub.queue.shift();
          sub.received++;
          ran++;
          sub.callback(head.msg);
        } else {
          ran++;
          this.serve(item);
        }
      }
    } finally {
      if (this.readyHead >= this.ready.length) {
        this.ready = [];
        this.readyHead = 0;
      }
    }
    return ran;
  }

  private serve(item: Extract<WorkItem, { kind: 'call' }>): void {
    const srv = this.services.get(item.name);
    if (srv === undefined || srv.type !== item.type) {
      item.reject(new BusError('SERVICE_UNAVAILABLE', item.name, `no ${item.type} server`));
      return;
    }
    srv.handled++;
    const failed = (e: unknown): void =>
      item.reject(new BusError('SERVICE_FAILED', item.name, e instanceof Error ? e.message : String(e), { cause: e }));
    let out: unknown;
    try {
      out = (srv.handler as (req: unknown) => unknown)(item.request);
    } catch (e) {
      failed(e);
      return;
    }
    Promise.resolve(out).then((res) => item.resolve(cloneMessage(res)), failed);
  }

  private nextTimer(): InProcessTimer | null {
    let best: InProcessTimer | null = null;
    for (const t of this.timers) {
      if (t.canceled) continue;
      if (best === null || t.nextDueS < best.nextDueS || (t.nextDueS === best.nextDueS && t.order < best.order)) best = t;
    }
    return best;
  }

  private fire(timer: InProcessTimer, nowS: number): void {
    timer.periods++;
    // A late realtime timer skips the expiries it missed instead of firing a burst.
    if (timer.nextDueS <= nowS) timer.periods = Math.floor((nowS - timer.originS) / timer.periodS) + 1;
    timer.fired++;
    timer.callback();
  }

  private guard<R>(what: string, body: () => R): R {
    if (this.busy) throw new BusError('REENTRANT', 'bus', `${what} called from inside a callback`);
    this.busy = true;
    try {
      return body();
    } finally {
      this.busy = false;
    }
  }

  spinOnce(): number {
    return this.guard('spinOnce', () => {
      this.release(this.steadyS());
      return this.drain();
    });
  }

  /** Processes every event due up to `targetS` in time order (see the file comment). */
  runUntil(targetS: number): number {
    return this.guard('advance', () => {
      let ran = this.drain();
      for (;;) {
        const timer = this.nextTimer();
        const timerDueS = timer === null ? Number.POSITIVE_INFINITY : timer.nextDueS;
        const msgDueS = this.inFlight.length > 0 ? (this.inFlight[0] as InFlight).dueS : Number.POSITIVE_INFINITY;
        const nextS = Math.min(timerDueS, msgDueS);
        if (!(nextS <= targetS + TIME_EPS_S)) break;
        if (this.mode === 'manual') this.timeS = Math.max(this.timeS, Math.min(nextS, targetS));
        if (msgDueS <= timerDueS) this.release(msgDueS);
        else if (timer !== null) {
          this.fire(timer, this.steadyS());
          ran++;
        }
        ran += this.drain();
      }
      if (this.mode === 'manual') this.timeS = Math.max(this.timeS, targetS);
      return ran;
    });
  }

  advance(dtS: number): number {
    if (this.mode !== 'manual') throw new BusError('INVALID_ARGUMENT', 'bus', 'advance needs the manual clock');
    if (!(Number.isFinite(dtS) && dtS >= 0)) throw new BusError('INVALID_ARGUMENT', 'bus', `advance by ${dtS} s`);
    return this.runUntil(this.timeS + dtS);
  }

  advanceTo(tS: number): number {
    if (this.mode !== 'manual') throw new BusError('INVALID_ARGUMENT', 'bus', 'advanceTo needs the manual clock');
    if (!Number.isFinite(tS)) throw new BusError('INVALID_ARGUMENT', 'bus', `advance to ${tS} s`);
    return this.runUntil(Math.max(tS, this.timeS));
  }

  /** Realtime: make sure pending work runs soon. Manual: nothing (the caller spins). */
  kick(): void {
    if (this.mode !== 'realtime' || this.closed || this.immediate !== null || this.busy) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.wake();
    });
  }

  private wake(): void {
    if (this.closed) return;
    try {
      this.runUntil(this.steadyS());
    } finally {
      this.arm();
    }
  }

  /** Sets the one realtime timeout to the next timer expiry or delayed delivery. */
  private arm(): void {
    if (this.timeout !== null) clearTimeout(this.timeout);
    this.timeout = null;
    if (this.closed) return;
    if (this.readyHead < this.ready.length) {
      this.kick();
      return;
    }
    const timer = this.nextTimer();
    const nextS = Math.min(
      timer === null ? Number.POSITIVE_INFINITY : timer.nextDueS,
      this.inFlight.length > 0 ? (this.inFlight[0] as InFlight).dueS : Number.POSITIVE_INFINITY,
    );
    if (nextS === Number.POSITIVE_INFINITY) return;
    const delayMs = Math.max(0, (nextS - this.steadyS()) * 1000);
    this.timeout = setTimeout(() => {
      this.timeout = null;
      this.wake();
    }, delayMs);
  }

  pendingDeliveries(): number {
    let n = this.inFlight.length;
    for (const t of this.topics.values()) for (const s of t.subscriptions) n += s.queue.length;
    return n;
  }

  close(): void {
    this.closed = true;
    if (this.immediate !== null) clearImmediate(this.immediate);
    if (this.timeout !== null) clearTimeout(this.timeout);
    this.immediate = null;
    this.timeout = null;
  }
}

// ---------------------------------------------------------------------------------------------
// Bus

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

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
