/**
 * A `BusNode` seen through a lifecycle: what node logic creates through the scope is recorded, so a
 * lifecycle transition can pause it, resume it, or release all of it, without the node logic knowing
 * about lifecycles (it is written once, against the port).
 *
 * - inactive: timers are cancelled and publishers drop what they are given (as rclcpp's lifecycle
 *   publishers do), so a tick that was still running when the node deactivated cannot send a
 *   command after the hold; subscriptions and services keep working.
 * - active: timers restart their period from now; publishers publish.
 * - release: destroys every entity created through the scope and removes its parameter validators
 *   and listeners. Parameters stay declared on the node (ROS has no undeclare for them in a
 *   lifecycle); declaring them again through a new scope keeps the values they have now.
 *
 * Transport-independent: it wraps any `BusNode`, so the lifecycle is tested on the in-process bus.
 */

import type { Logger } from '../bus/logger.ts';
import type { MessageTypeName, MessageTypes, ServiceRequest, ServiceResponse, ServiceTypeName } from '../bus/messages.ts';
import type {
  Parameter,
  ParameterDeclaration,
  ParameterDescriptor,
  ParameterListener,
  ParameterUpdate,
  ParameterValidator,
  SetParametersResult,
} from '../bus/parameters.ts';
import type { BusNode, Publisher, ServiceClient, ServiceHandler, ServiceServer, Subscription, Timer } from '../bus/port.ts';
import type { QoS } from '../bus/qos.ts';

class GatedPublisher<T> implements Publisher<T> {
  constructor(
    private readonly scope: LifecycleScope,
    readonly inner: Publisher<T>,
  ) {}

  get topic(): string {
    return this.inner.topic;
  }

  get type(): string {
    return this.inner.type;
  }

  get qos(): Readonly<QoS> {
    return this.inner.qos;
  }

  publish(msg: T): void {
    if (this.scope.active) this.inner.publish(msg);
    else this.scope.droppedWhileInactive++;
  }

  subscriptionCount(): number {
    return this.inner.subscriptionCount();
  }

  destroy(): void {
    this.scope.forget(this);
    this.inner.destroy();
  }
}

class ScopedTimer implements Timer {
  constructor(
    private readonly scope: LifecycleScope,
    readonly inner: Timer,
  ) {}

  get periodS(): number {
    return this.inner.periodS;
  }

  get canceled(): boolean {
    return this.inner.canceled;
  }

  cancel(): void {
    this.inner.cancel();
  }

  reset(): void {
    // node logic may reset its timer; it still may not run while the node is inactive
    if (this.scope.active) this.inner.reset();
  }

  destroy(): void {
    this.scope.forget(this);
    this.inner.destroy();
  }
}

type Entity = { destroy(): void };

class ScopedSubscription implements Subscription {
  constructor(
    private readonly scope: LifecycleScope,
    private readonly inner: Subscription,
  ) {}

  get topic(): string {
    return this.inner.topic;
  }

  get type(): string {
    return this.inner.type;
  }

  get qos(): Readonly<QoS> {
    return this.inner.qos;
  }

  destroy(): void {
    this.scope.forget(this);
    this.inner.destroy();
  }
}

class ScopedService implements ServiceServer {
  constructor(
    private readonly scope: LifecycleScope,
    private readonly inner: ServiceServer,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get type(): string {
    return this.inner.type;
  }

  destroy(): void {
    this.scope.forget(this);
    this.inner.destroy();
  }
}

class ScopedClient<K extends ServiceTypeName> implements ServiceClient<K> {
  constructor(
    private readonly scope: LifecycleScope,
    private readonly inner: ServiceClient<K>,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get type(): string {
    return this.inner.type;
  }

  isServiceReady(): boolean {
    return this.inner.isServiceReady();
  }

  call(request: ServiceRequest<K>): Promise<ServiceResponse<K>> {
    return this.inner.call(request);
  }

  destroy(): void {
    this.scope.forget(this);
    this.inner.destroy();
  }
}

export class LifecycleScope implements BusNode {
  /** publishes dropped because the scope was inactive */
  droppedWhileInactive = 0;
  private isActive = false;
  private readonly entities = new Set<Entity>();
  private readonly timers = new Set<ScopedTimer>();
  private readonly publishers = new Set<GatedPublisher<unknown>>();
  private readonly removers: (() => void)[] = [];

  constructor(readonly inner: BusNode) {}

  get active(): boolean {
    return this.isActive;
  }

  get name(): string {
    return this.inner.name;
  }

  get namespace(): string {
    return this.inner.namespace;
  }

  get fullyQualifiedName(): string {
    return this.inner.fullyQualifiedName;
  }

  get logger(): Logger {
    return this.inner.logger;
  }

  // ---------- lifecycle ----------

  /** Restarts every timer's period from now and lets publishers through. */
  activate(): void {
    if (this.isActive) return;
    this.isActive = true;
    for (const t of this.timers) t.inner.reset();
  }

  /** Cancels every timer and makes publishers drop; entities stay. */
  deactivate(): void {
    this.isActive = false;
    for (const t of this.timers) t.inner.cancel();
  }

  /** Destroys what was created through the scope and removes its validators and listeners. */
  release(): void {
    this.deactivate();
    for (const e of [...this.entities]) e.destroy();
    this.entities.clear();
    this.timers.clear();
    this.publishers.clear();
    for (const remove of this.removers.splice(0)) remove();
  }

  /**
   * The ungated publisher node logic created on `topic` (resolved as the node resolves it), for a
   * lifecycle transition that must still send something (a hold), or undefined.
   */
  publisherOn<T = unknown>(topic: string): Publisher<T> | undefined {
    const resolved = this.inner.resolveName(topic);
    for (const p of this.publishers) if (p.topic === resolved) return p.inner as Publisher<T>;
    return undefined;
  }

  /** How many entities the scope holds now (publishers, subscriptions, services, clients, timers). */
  get entityCount(): number {
    return this.entities.size;
  }

  forget(entity: Entity): void {
    this.entities.delete(entity);
    this.timers.delete(entity as ScopedTimer);
    this.publishers.delete(entity as GatedPublisher<unknown>);
  }

  // ---------- the port ----------

  resolveName(name: string): string {
    return this.inner.resolveName(name);
  }

  createPublisher<K extends MessageTypeName>(type: K, topic: string, qos?: Partial<QoS>): Publisher<MessageTypes[K]> {
    const p = new GatedPublisher(this, this.inner.createPublisher(type, topic, qos));
    this.entities.add(p);
    this.publishers.add(p as GatedPublisher<unknown>);
    return p;
  }

  createSubscription<K extends MessageTypeName>(
    type: K,
    topic: string,
    callback: (msg: MessageTypes[K]) => void,
    qos?: Partial<QoS>,
  ): Subscription {
    const s = new ScopedSubscription(this, this.inner.createSubscription(type, topic, callback, qos));
    this.entities.add(s);
    return s;
  }

  createService<K extends ServiceTypeName>(type: K, name: string, handler: ServiceHandler<K>): ServiceServer {
    const s = new ScopedService(this, this.inner.createService(type, name, handler));
    this.entities.add(s);
    return s;
  }

  createClient<K extends ServiceTypeName>(type: K, name: string): ServiceClient<K> {
    const c = new ScopedClient(this, this.inner.createClient(type, name));
    this.entities.add(c);
    return c;
  }

  createTimer(periodS: number, callback: () => void): Timer {
    const inner = this.inner.createTimer(periodS, callback);
    if (!this.isActive) inner.cancel();
    const t = new ScopedTimer(this, inner);
    this.entities.add(t);
    this.timers.add(t);
    return t;
  }

  /** Declares what is new; parameters the node already has keep their current values. */
  declareParameters(declarations: readonly ParameterDeclaration[]): Parameter[] {
    const fresh = declarations.filter((d) => !this.inner.hasParameter(d.name));
    const declared = new Map<string, Parameter>();
    if (fresh.length > 0) for (const p of this.inner.declareParameters(fresh)) declared.set(p.name, p);
    return declarations.map((d) => declared.get(d.name) ?? (this.inner.getParameter(d.name) as Parameter));
  }

  hasParameter(name: string): boolean {
    return this.inner.hasParameter(name);
  }

  getParameter(name: string): Parameter | undefined {
    return this.inner.getParameter(name);
  }

  getParameters(names?: readonly string[]): Parameter[] {
    return this.inner.getParameters(names);
  }

  describeParameters(names?: readonly string[]): ParameterDescriptor[] {
    return this.inner.describeParameters(names);
  }

  setParameters(updates: readonly ParameterUpdate[]): SetParametersResult[] {
    return this.inner.setParameters(updates);
  }

  setParametersAtomically(updates: readonly ParameterUpdate[]): SetParametersResult {
    return this.inner.setParametersAtomically(updates);
  }

  onSetParameters(validator: ParameterValidator): () => void {
    const remove = this.inner.onSetParameters(validator);
    this.removers.push(remove);
    return remove;
  }

  onParametersSet(listener: ParameterListener): () => void {
    const remove = this.inner.onParametersSet(listener);
    this.removers.push(remove);
    return remove;
  }

  countPublishers(topic: string): number {
    return this.inner.countPublishers(topic);
  }

  countSubscribers(topic: string): number {
    return this.inner.countSubscribers(topic);
  }

  nowS(): number {
    return this.inner.nowS();
  }

  steadyNowS(): number {
    return this.inner.steadyNowS();
  }

  /** Releases the scope; the node itself belongs to whoever created it. */
  destroy(): void {
    this.release();
  }
}
