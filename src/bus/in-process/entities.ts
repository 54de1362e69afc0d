/**
 * The entities of the in-process bus: publishers, subscriptions, timers, services and clients.
 * Each is a thin handle; the graph (`graph.ts`) owns the queues and the scheduling.
 */

import { cloneMessage } from '../clone.ts';
import { BusError } from '../errors.ts';
import type { ServiceRequest, ServiceResponse, ServiceTypeName } from '../messages.ts';
import type { Publisher, ServiceClient, ServiceHandler, ServiceServer, Subscription, Timer } from '../port.ts';
import type { QoS } from '../qos.ts';
import type { Graph } from './graph.ts';
import type { InProcessNode } from './node.ts';

/** @internal a message waiting in a queue or a publisher's history, with its global sequence number */
export interface QueuedMessage {
  seq: number;
  msg: unknown;
}

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

