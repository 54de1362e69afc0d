/** A node on the in-process bus: the `BusNode` port, backed by the shared graph. */

import { BusError } from '../errors.ts';
import { SinkLogger } from '../logger.ts';
import type { MessageTypeName, MessageTypes, ServiceTypeName } from '../messages.ts';
import { expandName, namespaceProblem, nodeNameProblem, normalizeNamespace } from '../names.ts';
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
} from '../parameters.ts';
import type { BusNode, ServiceHandler } from '../port.ts';
import { qosProblems, qosProfile, type QoS } from '../qos.ts';
import {
  InProcessClient,
  InProcessPublisher,
  InProcessService,
  InProcessSubscription,
  type InProcessTimer,
} from './entities.ts';
import type { Graph } from './graph.ts';

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

