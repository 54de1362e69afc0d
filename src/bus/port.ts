/**
 * The transport port: what node logic is written against. One implementation runs in process
 * (`in-process.ts`, for tests and the embedded simulator); `ros/` implements it on rclnodejs.
 *
 * Conventions every implementation keeps:
 * - Times are seconds as doubles (`nowS`, `periodS`); an implementation converts units once, at
 *   its edge (rclnodejs timers take bigint nanoseconds, its clock returns bigint nanoseconds).
 * - Names follow ROS rules: `/abs`, `rel` (→ `<ns>/rel`), `~/private` (→ `<ns>/<node>/private`).
 * - Messages are plain objects shaped as `messages.ts` says; a subscriber owns what it receives.
 * - Callbacks are never run from inside `publish`; they run when the implementation spins.
 * - Entity creation throws `BusError` on bad names or arguments (configuration time); publishing
 *   and spinning do not throw on their own account.
 */

import type { Logger } from './logger.ts';
import type {
  MessageTypeName,
  MessageTypes,
  ServiceRequest,
  ServiceResponse,
  ServiceTypeName,
} from './messages.ts';
import type {
  Parameter,
  ParameterDeclaration,
  ParameterDescriptor,
  ParameterListener,
  ParameterUpdate,
  ParameterValidator,
  SetParametersResult,
} from './parameters.ts';
import type { QoS } from './qos.ts';

export type { QoS, Reliability, Durability } from './qos.ts';
export { QOS_DEFAULT, QOS_LATCHED, QOS_SENSOR_DATA, qosProfile } from './qos.ts';

export interface Publisher<T> {
  /** fully qualified topic */
  readonly topic: string;
  readonly type: string;
  readonly qos: Readonly<QoS>;
  /** Hands `msg` to the transport; the caller may reuse `msg` right after. */
  publish(msg: T): void;
  /** Subscriptions that would receive from this publisher (same type, compatible QoS). */
  subscriptionCount(): number;
  destroy(): void;
}

export interface Subscription {
  readonly topic: string;
  readonly type: string;
  readonly qos: Readonly<QoS>;
  destroy(): void;
}

export interface Timer {
  readonly periodS: number;
  readonly canceled: boolean;
  /** Stops firing until `reset()`. */
  cancel(): void;
  /** Restarts the period from now (and un-cancels). */
  reset(): void;
  destroy(): void;
}

export type ServiceHandler<K extends ServiceTypeName> = (
  request: ServiceRequest<K>,
) => ServiceResponse<K> | Promise<ServiceResponse<K>>;

export interface ServiceServer {
  readonly name: string;
  readonly type: string;
  destroy(): void;
}

export interface ServiceClient<K extends ServiceTypeName> {
  readonly name: string;
  readonly type: string;
  /** Whether a server of this type is there now. */
  isServiceReady(): boolean;
  /** Resolves with the response; rejects with a `BusError` (SERVICE_UNAVAILABLE, SERVICE_FAILED). */
  call(request: ServiceRequest<K>): Promise<ServiceResponse<K>>;
  destroy(): void;
}

export interface BusNode {
  readonly name: string;
  /** '/' or '/a/b' */
  readonly namespace: string;
  /** '/a/b/name' */
  readonly fullyQualifiedName: string;
  readonly logger: Logger;

  /** Expands a topic or service name as this node would (throws `BusError` INVALID_NAME). */
  resolveName(name: string): string;

  /** `qos` fields left out take `QOS_DEFAULT`'s. */
  createPublisher<K extends MessageTypeName>(type: K, topic: string, qos?: Partial<QoS>): Publisher<MessageTypes[K]>;
  createSubscription<K extends MessageTypeName>(
    type: K,
    topic: string,
    callback: (msg: MessageTypes[K]) => void,
    qos?: Partial<QoS>,
  ): Subscription;
  createService<K extends ServiceTypeName>(type: K, name: string, handler: ServiceHandler<K>): ServiceServer;
  createClient<K extends ServiceTypeName>(type: K, name: string): ServiceClient<K>;
  /** Fires every `periodS` (steady time, or sim time where the node uses it), first one period from now. */
  createTimer(periodS: number, callback: () => void): Timer;

  /** All or none; every problem is collected and thrown once as a `BusError`. */
  declareParameters(declarations: readonly ParameterDeclaration[]): Parameter[];
  hasParameter(name: string): boolean;
  getParameter(name: string): Parameter | undefined;
  /** The declared ones among `names` (all when omitted). */
  getParameters(names?: readonly string[]): Parameter[];
  describeParameters(names?: readonly string[]): ParameterDescriptor[];
  /** Each update on its own, through type/range checks and every validator. */
  setParameters(updates: readonly ParameterUpdate[]): SetParametersResult[];
  setParametersAtomically(updates: readonly ParameterUpdate[]): SetParametersResult;
  /** Adds a validator that may veto changes with a reason; returns its remover. */
  onSetParameters(validator: ParameterValidator): () => void;
  /** Adds a listener told of accepted changes; returns its remover. */
  onParametersSet(listener: ParameterListener): () => void;

  /** Publishers / subscriptions on a topic (name resolved as this node would). */
  countPublishers(topic: string): number;
  countSubscribers(topic: string): number;

  /** Node clock (ROS time; sim time where the node uses it), seconds. */
  nowS(): number;
  /** Monotonic clock for watchdogs and timers, seconds from an arbitrary origin. */
  steadyNowS(): number;

  /** Destroys every entity of the node. */
  destroy(): void;
}
