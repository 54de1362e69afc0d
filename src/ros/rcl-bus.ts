/**
 * The rclnodejs implementation of the bus port (`bus/port.ts`): node logic written against the bus
 * runs unchanged on ROS 2. Reference behaviour: `bus/in-process.ts`.
 *
 * Edges converted here, once:
 * - QoS: odra profiles → explicit keep-last rclnodejs QoS (`qos.ts`).
 * - Timers: seconds → the unit of the installed rclnodejs (`timer.ts`). Timers run on the steady
 *   clock, or on the node's ROS clock when `use_sim_time` is true at creation (so they follow /clock).
 * - Clocks: `nowS()` is the node's ROS clock (sim time under `use_sim_time`); `steadyNowS()` is an
 *   rcl STEADY_TIME clock, for watchdogs, whatever the simulator does.
 * - Parameters: odra's `ParameterStore` validates (types, ranges, read-only, validators) and its
 *   reasons are what `ros2 param set` prints; rclnodejs holds the mirrored values, publishes
 *   /parameter_events and serves the parameter services, with descriptors that odra serializes
 *   itself (`parameter-messages.ts`).
 * - Callbacks: whatever node logic throws from a subscription, timer or service callback is caught
 *   and logged (throttled); it never reaches rclnodejs's executor.
 */

import { BusError } from '../bus/errors.ts';
import { LOG_LEVELS, LogThrottle, type Logger, type LogLevel } from '../bus/logger.ts';
import type { MessageTypeName, MessageTypes, ServiceRequest, ServiceResponse, ServiceTypeName } from '../bus/messages.ts';
import { expandName } from '../bus/names.ts';
import {
  ParameterStore,
  parameterValueProblem,
  type Parameter,
  type ParameterDeclaration,
  type ParameterDescriptor,
  type ParameterListener,
  type ParameterUpdate,
  type ParameterValidator,
  type ParameterValue,
  type SetParametersResult,
} from '../bus/parameters.ts';
import type { BusNode, Publisher, ServiceClient, ServiceHandler, ServiceServer, Subscription, Timer } from '../bus/port.ts';
import { qosProblems, qosProfile, type QoS } from '../bus/qos.ts';
import {
  descriptorMessage,
  fromRclValue,
  parameterTypeOfCode,
  patchDescriptor,
  rclTypeCode,
  toRclValue,
} from './parameter-messages.ts';
import { toRclQos } from './qos.ts';
import type {
  LoadedRclnodejs,
  RclClient,
  RclClock,
  RclLifecycleNode,
  RclLogging,
  RclNode as RclNodeHandle,
  RclParameter,
  RclPublisher,
  RclService,
  RclSetParametersResult,
  RclSubscription,
  RclTime,
  RclTimer,
  Rclnodejs,
} from './rclnodejs-types.ts';
import { createTimerSeconds, timerPeriodSeconds, timerPeriodUnit, type TimerPeriodUnit } from './timer.ts';

/** Nanoseconds (any of the forms rclnodejs has used) → seconds. */
export function rclTimeSeconds(t: RclTime): number {
  const ns = t.nanoseconds;
  if (typeof ns === 'bigint') {
    // split first: a bigint of ~1.7e18 ns would lose ~256 ns as one double
    return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
  }
  if (typeof ns === 'number') return ns / 1e9;
  return rclTimeSeconds({ nanoseconds: BigInt(ns) });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** rclnodejs's node logger behind odra's `Logger` (with odra's throttle). */
class RclLogger implements Logger {
  private readonly gate = new LogThrottle();
  private readonly minRank: number;

  constructor(
    private readonly logging: RclLogging,
    private readonly steadyNowS: () => number,
    minLevel: LogLevel,
  ) {
    this.minRank = LOG_LEVELS.indexOf(minLevel);
  }

  debug(msg: string): void {
    this.logging.debug(msg);
  }

  info(msg: string): void {
    this.logging.info(msg);
  }

  warn(msg: string): void {
    this.logging.warn(msg);
  }

  error(msg: string): void {
    this.logging.error(msg);
  }

  throttle(level: LogLevel, periodS: number, msg: string, key: string = msg): boolean {
    if (LOG_LEVELS.indexOf(level) < this.minRank) return false;
    const suppressed = this.gate.pass(key, this.steadyNowS(), periodS);
    if (suppressed === null) return false;
    this[level](suppressed > 0 ? `${msg} (${suppressed} similar suppressed)` : msg);
    return true;
  }
}

class RclPublisherHandle<T> implements Publisher<T> {
  private alive = true;

  constructor(
    private readonly owner: RclNode,
    private readonly handle: RclPublisher,
    readonly type: string,
    readonly topic: string,
    readonly qos: Readonly<QoS>,
  ) {}

  publish(msg: T): void {
    if (!this.alive) return;
    try {
      this.handle.publish(msg);
    } catch (e) {
      // a message rclnodejs cannot serialize is dropped and reported, never thrown into a tick
      this.owner.logger.throttle('error', 5, `cannot publish ${this.type} on ${this.topic}: ${errorText(e)}`, `pub:${this.topic}`);
    }
  }

  /** Subscriptions on the topic (rcl counts every one, whatever its QoS). */
  subscriptionCount(): number {
    return this.alive ? this.owner.countSubscribers(this.topic) : 0;
  }

  destroy(): void {
    if (!this.alive) return;
    this.alive = false;
    this.owner.forget(this);
    this.owner.rclNode.destroyPublisher(this.handle);
  }
}

class RclSubscriptionHandle implements Subscription {
  private alive = true;

  constructor(
    private readonly owner: RclNode,
    private readonly handle: RclSubscription,
    readonly type: string,
    readonly topic: string,
    readonly qos: Readonly<QoS>,
  ) {}

  destroy(): void {
    if (!this.alive) return;
    this.alive = false;
    this.owner.forget(this);
    this.owner.rclNode.destroySubscription(this.handle);
  }
}

class RclTimerHandle implements Timer {
  private alive = true;

  constructor(
    private readonly owner: RclNode,
    private readonly handle: RclTimer,
    readonly periodS: number,
  ) {}

  get canceled(): boolean {
    return !this.alive || this.handle.isCanceled();
  }

  cancel(): void {
    if (this.alive) this.handle.cancel();
  }

  reset(): void {
    if (this.alive) this.handle.reset();
  }

  destroy(): void {
    if (!this.alive) return;
    this.alive = false;
    this.owner.forget(this);
    this.owner.rclNode.destroyTimer(this.handle);
  }
}

class RclServiceHandle implements ServiceServer {
  private alive = true;

  constructor(
    private readonly owner: RclNode,
    private readonly handle: RclService,
    readonly type: string,
    readonly name: string,
  ) {}

  destroy(): void {
    if (!this.alive) return;
    this.alive = false;
    this.owner.forget(this);
    this.owner.rclNode.destroyService(this.handle);
  }
}

class RclClientHandle<K extends ServiceTypeName> implements ServiceClient<K> {
  private alive = true;

  constructor(
    private readonly owner: RclNode,
    private readonly handle: RclClient,
    readonly type: K,
    readonly name: string,
  ) {}

  isServiceReady(): boolean {
    return this.alive && this.handle.isServiceServerAvailable();
  }

  call(request: ServiceRequest<K>): Promise<ServiceResponse<K>> {
    if (!this.alive) return Promise.reject(new BusError('DESTROYED', this.name, 'client is destroyed'));
    if (!this.handle.isServiceServerAvailable()) {
      return Promise.reject(new BusError('SERVICE_UNAVAILABLE', this.name, `no ${this.type} server`));
    }
    return new Promise<ServiceResponse<K>>((resolve, reject) => {
      try {
        this.handle.sendRequest(request, (response) => resolve(response as ServiceResponse<K>));
      } catch (e) {
        reject(new BusError('SERVICE_FAILED', this.name, errorText(e), { cause: e }));
      }
    });
  }

  destroy(): void {
    if (!this.alive) return;
    this.alive = false;
    this.owner.forget(this);
    this.owner.rclNode.destroyClient(this.handle);
  }
}

type Entity = { destroy(): void };

export interface RclNodeOptions {
  /** throttled records below this level are not written (rcutils filters the rest); default 'info' */
  minLogLevel?: LogLevel;
}

/**
 * A `BusNode` backed by an rclnodejs node (plain or lifecycle). The node must have been created
 * after `rclnodejs.init()`; spinning is the owner's business (`spin()` / `stop()`).
 */
export class RclNode implements BusNode {
  readonly name: string;
  readonly namespace: string;
  readonly fullyQualifiedName: string;
  readonly logger: Logger;
  /** @internal the wrapped rclnodejs node */
  readonly rclNode: RclNodeHandle;
  private readonly rcl: Rclnodejs;
  private readonly timerUnit: TimerPeriodUnit;
  private readonly steadyClock: RclClock;
  private readonly params: ParameterStore;
  private readonly entities = new Set<Entity>();
  private readonly onRclSet: (parameters: RclParameter[]) => RclSetParametersResult;
  /** rclnodejs runs the set-parameters callbacks while declaring too; odra has checked by then */
  private declaring = false;
  private alive = true;

  constructor(loaded: LoadedRclnodejs, rclNode: RclNodeHandle, opts: RclNodeOptions = {}) {
    this.rcl = loaded.rcl;
    this.rclNode = rclNode;
    this.timerUnit = timerPeriodUnit(loaded.version);
    this.name = rclNode.name();
    const ns = rclNode.namespace();
    this.namespace = ns === '' ? '/' : ns;
    this.fullyQualifiedName = this.namespace === '/' ? `/${this.name}` : `${this.namespace}/${this.name}`;
    this.steadyClock = new this.rcl.Clock(this.rcl.ClockType.STEADY_TIME);
    this.logger = new RclLogger(rclNode.getLogger(), () => this.steadyNowS(), opts.minLogLevel ?? 'info');
    this.params = new ParameterStore(this.fullyQualifiedName, this.parameterOverrides());
    this.onRclSet = (parameters) => this.validateAndApply(parameters);
    rclNode.addOnSetParametersCallback(this.onRclSet);
  }

  /** The lifecycle node when this wraps one, else undefined. */
  get lifecycleNode(): RclLifecycleNode | undefined {
    const n = this.rclNode as Partial<RclLifecycleNode>;
    return typeof n.registerOnConfigure === 'function' ? (this.rclNode as RclLifecycleNode) : undefined;
  }

  /** Whether the node's ROS clock follows /clock (`use_sim_time`). */
  useSimTime(): boolean {
    if (!this.rclNode.hasParameter('use_sim_time')) return false;
    return this.rclNode.getParameter('use_sim_time').value === true;
  }

  // ---------- names ----------

  resolveName(name: string): string {
    const r = expandName(name, this.namespace, this.name);
    if (!r.ok) throw new BusError('INVALID_NAME', this.fullyQualifiedName, r.problem);
    if (this.rclNode.resolveTopicName === undefined) return r.name;
    try {
      return this.rclNode.resolveTopicName(name);
    } catch (e) {
      throw new BusError('INVALID_NAME', this.fullyQualifiedName, errorText(e), { cause: e });
    }
  }

  // ---------- entities ----------

  createPublisher<K extends MessageTypeName>(type: K, topic: string, qos?: Partial<QoS>): Publisher<MessageTypes[K]> {
    this.assertAlive();
    const full = this.checkQos(qos, topic);
    const resolved = this.resolveName(topic);
    const handle = this.wrapCreate(topic, () =>
      this.rclNode.createPublisher(type, topic, { qos: toRclQos(this.rcl.QoS, full), enableTypedArray: true }),
    );
    return this.keep(new RclPublisherHandle<MessageTypes[K]>(this, handle, type, resolved, full));
  }

  createSubscription<K extends MessageTypeName>(
    type: K,
    topic: string,
    callback: (msg: MessageTypes[K]) => void,
    qos?: Partial<QoS>,
  ): Subscription {
    this.assertAlive();
    const full = this.checkQos(qos, topic);
    const resolved = this.resolveName(topic);
    const guarded = (msg: unknown): void => {
      try {
        callback(msg as MessageTypes[K]);
      } catch (e) {
        this.logger.throttle('error', 5, `subscription callback on ${resolved} threw: ${errorText(e)}`, `sub:${resolved}`);
      }
    };
    const handle = this.wrapCreate(topic, () =>
      this.rclNode.createSubscription(type, topic, { qos: toRclQos(this.rcl.QoS, full), enableTypedArray: true }, guarded),
    );
    return this.keep(new RclSubscriptionHandle(this, handle, type, resolved, full));
  }

  createService<K extends ServiceTypeName>(type: K, name: string, handler: ServiceHandler<K>): ServiceServer {
    this.assertAlive();
    const resolved = this.resolveName(name);
    const fail = (response: { template: Record<string, unknown>; send(r: unknown): void }, e: unknown): void => {
      this.logger.throttle('error', 5, `service ${resolved} failed: ${errorText(e)}`, `srv:${resolved}`);
      // the caller gets the type's default response rather than waiting forever
      response.send(response.template);
    };
    const handle = this.wrapCreate(name, () =>
      this.rclNode.createService(type, name, { enableTypedArray: true }, (request, response) => {
        let result: ServiceResponse<K> | Promise<ServiceResponse<K>>;
        try {
          result = handler(request as ServiceRequest<K>);
        } catch (e) {
          fail(response, e);
          return undefined;
        }
        if (result instanceof Promise) {
          result.then(
            (r) => response.send(r),
            (e: unknown) => fail(response, e),
          );
          return undefined;
        }
        return result;
      }),
    );
    return this.keep(new RclServiceHandle(this, handle, type, resolved));
  }

  createClient<K extends ServiceTypeName>(type: K, name: string): ServiceClient<K> {
    this.assertAlive();
    const resolved = this.resolveName(name);
    const handle = this.wrapCreate(name, () => this.rclNode.createClient(type, name));
    return this.keep(new RclClientHandle<K>(this, handle, type, resolved));
  }

  createTimer(periodS: number, callback: () => void): Timer {
    this.assertAlive();
    if (!(Number.isFinite(periodS) && periodS > 0)) {
      throw new BusError('INVALID_ARGUMENT', this.fullyQualifiedName, `timer period must be a finite number > 0 s, got ${periodS}`);
    }
    const guarded = (): void => {
      try {
        callback();
      } catch (e) {
        this.logger.throttle('error', 5, `timer callback threw: ${errorText(e)}`, 'timer');
      }
    };
    // sim time: the node's ROS clock, which follows /clock; otherwise steady time, as the port says
    const clock = this.useSimTime() ? undefined : this.steadyClock;
    const handle = this.wrapCreate('timer', () => createTimerSeconds(this.rclNode, this.timerUnit, periodS, guarded, clock));
    return this.keep(new RclTimerHandle(this, handle, timerPeriodSeconds(handle.period, this.timerUnit)));
  }

  // ---------- parameters ----------

  declareParameters(declarations: readonly ParameterDeclaration[]): Parameter[] {
    this.assertAlive();
    // odra checks everything (names, ranges, defaults, overrides) and throws once, before rclnodejs sees any
    const declared = this.params.declare(declarations);
    const descriptors = this.params.describe(declared.map((p) => p.name));
    const rclParams: RclParameter[] = [];
    const rclDescriptors = [];
    for (let i = 0; i < declared.length; i++) {
      const p = declared[i]!;
      const d = descriptors[i]!;
      const code = rclTypeCode(d.type, this.rcl.ParameterType);
      rclParams.push(new this.rcl.Parameter(p.name, code, toRclValue(p.type, p.value)));
      // no range and not read-only on rclnodejs's side: odra's callback checks both, with its own reasons
      const rd = new this.rcl.ParameterDescriptor(d.name, code, d.description, false);
      rd.additionalConstraints = d.additionalConstraints;
      const message = descriptorMessage(d);
      patchDescriptor(rd, () => message);
      rclDescriptors.push(rd);
    }
    this.declaring = true;
    try {
      // odra resolved overrides already; rclnodejs must not apply them a second time, unchecked
      this.rclNode.declareParameters(rclParams, rclDescriptors, true);
    } catch (e) {
      throw new BusError('PARAMETER_INVALID', this.fullyQualifiedName, `rclnodejs refused the declaration: ${errorText(e)}`, {
        cause: e,
      });
    } finally {
      this.declaring = false;
    }
    return declared;
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
    return updates.map((u) => this.setParametersAtomically([u]));
  }

  /** Goes through rclnodejs (so its values and /parameter_events stay in step); odra validates in the callback. */
  setParametersAtomically(updates: readonly ParameterUpdate[]): SetParametersResult {
    this.assertAlive();
    const rclParams: RclParameter[] = [];
    for (const u of updates) {
      const desc = this.params.describe([u.name])[0];
      if (desc === undefined) return { successful: false, reason: `parameter '${u.name}' is not declared` };
      const widening = u.type === 'integer' && desc.type === 'double';
      if (u.type !== undefined && u.type !== desc.type && !widening) {
        return { successful: false, reason: `parameter '${u.name}' is of type ${desc.type}, got ${u.type}` };
      }
      const problem = parameterValueProblem(desc, u.value);
      if (problem !== null) return { successful: false, reason: `parameter '${u.name}': ${problem}` };
      rclParams.push(new this.rcl.Parameter(u.name, rclTypeCode(desc.type, this.rcl.ParameterType), toRclValue(desc.type, u.value)));
    }
    const res = this.rclNode.setParametersAtomically(rclParams);
    return { successful: res.successful, reason: res.reason ?? '' };
  }

  onSetParameters(validator: ParameterValidator): () => void {
    return this.params.addValidator(validator);
  }

  onParametersSet(listener: ParameterListener): () => void {
    return this.params.addListener(listener);
  }

  // ---------- graph and clocks ----------

  countPublishers(topic: string): number {
    return this.rclNode.countPublishers(this.resolveName(topic));
  }

  countSubscribers(topic: string): number {
    return this.rclNode.countSubscribers(this.resolveName(topic));
  }

  nowS(): number {
    return rclTimeSeconds(this.rclNode.now());
  }

  steadyNowS(): number {
    return rclTimeSeconds(this.steadyClock.now());
  }

  // ---------- life ----------

  /** Starts rclnodejs's executor for this node (returns at once; callbacks run on the event loop). */
  spin(): void {
    if (this.alive && !this.rclNode.spinning) this.rclNode.spin(10);
  }

  /** Stops the executor; entities stay. */
  stop(): void {
    if (this.rclNode.spinning) this.rclNode.stop();
  }

  destroy(): void {
    if (!this.alive) return;
    for (const e of [...this.entities]) e.destroy();
    this.entities.clear();
    this.rclNode.removeOnSetParametersCallback(this.onRclSet);
    this.params.clear();
    this.alive = false;
    this.rclNode.destroy();
  }

  /** @internal entities drop themselves from the node's list when destroyed */
  forget(entity: Entity): void {
    this.entities.delete(entity);
  }

  // ---------- internals ----------

  /**
   * rclnodejs calls this before it declares or sets parameters (`ros2 param set`, the parameter
   * services, `setParameters` here). Parameters odra did not declare (use_sim_time) pass through.
   */
  private validateAndApply(parameters: RclParameter[]): RclSetParametersResult {
    if (this.declaring || !this.alive) return { successful: true, reason: '' };
    const updates: ParameterUpdate[] = [];
    for (const p of parameters) {
      if (!this.params.has(p.name)) continue;
      const declared = this.params.describe([p.name])[0]!;
      const type = parameterTypeOfCode(p.type);
      if (type === undefined) {
        return { successful: false, reason: `parameter '${p.name}' cannot be undeclared or set to type code ${p.type}` };
      }
      if (type !== declared.type) {
        // rclnodejs would keep the client's type (an integer where odra declared a double)
        const hint = type === 'integer' && declared.type === 'double' ? ` (write it with a decimal point, e.g. ${String(p.value)}.0)` : '';
        return { successful: false, reason: `parameter '${p.name}' is of type ${declared.type}, got ${type}${hint}` };
      }
      const v = fromRclValue(type, p.value);
      if (!v.ok) return { successful: false, reason: `parameter '${p.name}': ${v.problem}` };
      updates.push({ name: p.name, value: v.value, type });
    }
    if (updates.length === 0) return { successful: true, reason: '' };
    return this.params.setAtomically(updates);
  }

  /**
   * The overrides rcl parsed for this node (`--ros-args -p`, `--params-file`, launch parameters), as
   * odra values; ones of an unsupported type (byte arrays) are left out.
   */
  parameterOverrides(): Record<string, ParameterValue> {
    const out: Record<string, ParameterValue> = {};
    for (const p of this.rclNode.getParameterOverrides()) {
      const type = parameterTypeOfCode(p.type);
      if (type === undefined) continue;
      const v = fromRclValue(type, p.value);
      if (v.ok) out[p.name] = v.value;
    }
    return out;
  }

  private keep<E extends Entity>(entity: E): E {
    this.entities.add(entity);
    return entity;
  }

  private wrapCreate<T>(what: string, create: () => T): T {
    try {
      return create();
    } catch (e) {
      throw new BusError('INVALID_ARGUMENT', what, `rclnodejs refused it: ${errorText(e)}`, { cause: e });
    }
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

export interface CreateRclNodeOptions extends RclNodeOptions {
  /** default '' (the root namespace, or the one `--ros-args -r __ns:=` gives) */
  namespace?: string;
  /** a lifecycle (managed) node with the lifecycle services */
  lifecycle?: boolean;
}

/** Creates an rclnodejs node (after `rclnodejs.init()`) and wraps it. */
export function createRclNode(loaded: LoadedRclnodejs, name: string, opts: CreateRclNodeOptions = {}): RclNode {
  const { rcl } = loaded;
  const ns = opts.namespace ?? '';
  let handle: RclNodeHandle;
  try {
    handle = opts.lifecycle === true ? new rcl.lifecycle.LifecycleNode(name, ns) : new rcl.Node(name, ns);
  } catch (e) {
    throw new BusError('INVALID_NAME', `${ns}|${name}`, `cannot create the node: ${errorText(e)}`, { cause: e });
  }
  return new RclNode(loaded, handle, opts);
}
