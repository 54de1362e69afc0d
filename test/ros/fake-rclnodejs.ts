/**
 * A small in-memory stand-in for rclnodejs, implementing the typed surface in
 * `src/ros/rclnodejs-types.ts` with rclnodejs 2.2.0's behaviour where odra depends on it:
 * - Parameter: INTEGER values become bigint; arrays must be plain arrays of the element type.
 * - ParameterDescriptor.validateParameter throws on a type mismatch or a range violation, and the
 *   node turns that into the garbled reason "Parameter X does not  readonly".
 * - ParameterDescriptor.toMessage() leaves the range out (the bug odra works around).
 * - addOnSetParametersCallback puts the callback first; the callbacks also run while declaring.
 * - createTimer takes a bigint of ns (or a number of ms with `timerUnit: 'ms_number'`).
 * - The parameter services are simulated by `describeService` / `setService` (what
 *   `ros2 param describe` / `ros2 param set` reach), built on the same node methods rclnodejs uses.
 * - Time is a controllable bigint of nanoseconds per clock type.
 */

import type {
  LoadedRclnodejs,
  RclClock,
  RclLifecycleState,
  RclParameter,
  RclParameterDescriptor,
  RclParameterValue,
  RclQoSInstance,
  RclServiceCallback,
  RclServiceResponse,
  RclSetParametersCallback,
  RclSetParametersResult,
  RclTime,
  RclTransitionCallback,
} from '../../src/ros/rclnodejs-types.ts';

const T = {
  PARAMETER_NOT_SET: 0,
  PARAMETER_BOOL: 1,
  PARAMETER_INTEGER: 2,
  PARAMETER_DOUBLE: 3,
  PARAMETER_STRING: 4,
  PARAMETER_BYTE_ARRAY: 5,
  PARAMETER_BOOL_ARRAY: 6,
  PARAMETER_INTEGER_ARRAY: 7,
  PARAMETER_DOUBLE_ARRAY: 8,
  PARAMETER_STRING_ARRAY: 9,
} as const;

function validScalar(v: unknown, type: number): boolean {
  switch (type) {
    case T.PARAMETER_BOOL:
      return typeof v === 'boolean';
    case T.PARAMETER_INTEGER:
      return typeof v === 'bigint';
    case T.PARAMETER_DOUBLE:
      return typeof v === 'number';
    case T.PARAMETER_STRING:
      return typeof v === 'string';
    default:
      return false;
  }
}

function validValue(v: unknown, type: number): boolean {
  if (v === null || v === undefined) return type === T.PARAMETER_NOT_SET;
  const element: Record<number, number> = { 6: 1, 7: 2, 8: 3, 9: 4 };
  if (type in element) return Array.isArray(v) && v.every((x) => validScalar(x, element[type]!));
  return validScalar(v, type);
}

export class FakeParameter implements RclParameter {
  readonly name: string;
  readonly type: number;
  readonly value: RclParameterValue;

  constructor(name: string, type: number, value?: RclParameterValue) {
    this.name = name;
    this.type = type;
    this.value = type === T.PARAMETER_INTEGER ? BigInt(value as number) : value;
    if (!validValue(this.value, type)) throw new TypeError('Incompatible value.');
  }

  /** What rclnodejs's parameter service builds from an rcl_interfaces/msg/Parameter. */
  static fromMessage(msg: { name: string; value: Record<string, unknown> & { type: number } }): FakeParameter {
    const key: Record<number, string> = {
      1: 'bool_value',
      2: 'integer_value',
      3: 'double_value',
      4: 'string_value',
      6: 'bool_array_value',
      7: 'integer_array_value',
      8: 'double_array_value',
      9: 'string_array_value',
    };
    const raw = msg.value[key[msg.value.type] ?? ''];
    const value = Array.isArray(raw) || ArrayBuffer.isView(raw) ? Array.from(raw as ArrayLike<unknown>) : raw;
    return new FakeParameter(msg.name, msg.value.type, value as RclParameterValue);
  }
}

export class FakeParameterDescriptor implements RclParameterDescriptor {
  additionalConstraints = '';
  /** set by odra never; rclnodejs sets `_range` here, and its toMessage reads `_rangeConstraint` */
  _range: { fromValue: number; toValue: number } | null = null;

  constructor(
    readonly name: string,
    readonly type: number = T.PARAMETER_NOT_SET,
    readonly description: string = 'no description',
    readonly readOnly: boolean = false,
  ) {}

  validateParameter(parameter: RclParameter): void {
    if (this.name !== parameter.name) throw new Error('Name mismatch');
    if (this.type !== parameter.type) throw new Error('Type mismatch');
    const r = this._range;
    if (r !== null && typeof parameter.value === 'number' && (parameter.value < r.fromValue || parameter.value > r.toValue)) {
      throw new RangeError('Parameter value is not in descriptor range');
    }
  }

  toMessage(): Record<string, unknown> {
    // rclnodejs 2.2.0: the range is looked up under a field the constructor never sets
    return { name: this.name, type: this.type, description: this.description, additional_constraints: this.additionalConstraints, read_only: this.readOnly };
  }
}

export class FakeQoS implements RclQoSInstance {
  static readonly HistoryPolicy = { RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT: 0, RMW_QOS_POLICY_HISTORY_KEEP_LAST: 1, RMW_QOS_POLICY_HISTORY_KEEP_ALL: 2 };
  static readonly ReliabilityPolicy = {
    RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT: 0,
    RMW_QOS_POLICY_RELIABILITY_RELIABLE: 1,
    RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: 2,
  };
  static readonly DurabilityPolicy = {
    RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT: 0,
    RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: 1,
    RMW_QOS_POLICY_DURABILITY_VOLATILE: 2,
  };
  static readonly profileDefault = 'qos_profile_default';
  static readonly profileSensorData = 'qos_profile_sensor_data';

  constructor(
    public history = 0,
    public depth = 0,
    public reliability = 0,
    public durability = 0,
  ) {}
}

const ClockType = { ROS_TIME: 1, SYSTEM_TIME: 2, STEADY_TIME: 3 } as const;

/** Nanoseconds per clock type, moved by tests. */
export const fakeTime = { rosNs: 1_700_000_000_000_000_000n, steadyNs: 5_000_000_000n };

export class FakeClock implements RclClock {
  constructor(readonly clockType: number = ClockType.SYSTEM_TIME) {}

  now(): RclTime {
    return { nanoseconds: this.clockType === ClockType.STEADY_TIME ? fakeTime.steadyNs : fakeTime.rosNs };
  }
}

export interface FakeTimer {
  period: bigint | number;
  callback: () => void;
  clock: FakeClock | undefined;
  canceled: boolean;
  isCanceled(): boolean;
  cancel(): void;
  reset(): void;
}

export interface FakeEndpoint {
  kind: 'publisher' | 'subscription';
  type: string;
  topic: string;
  qos: unknown;
  published: unknown[];
  callback?: (m: unknown) => void;
  publish(m: unknown): void;
}

export interface FakeServiceEntry {
  type: string;
  name: string;
  callback: RclServiceCallback;
}

/** What `process.argv`-style `-p` overrides rcl would hand the next node created. */
export const fakeOverrides: FakeParameter[] = [];

export class FakeNode {
  readonly logs: string[] = [];
  readonly endpoints: FakeEndpoint[] = [];
  readonly services: FakeServiceEntry[] = [];
  readonly timers: FakeTimer[] = [];
  readonly parameterEvents: string[][] = [];
  private readonly params = new Map<string, RclParameter>();
  private readonly descriptors = new Map<string, RclParameterDescriptor>();
  private readonly callbacks: RclSetParametersCallback[] = [];
  private readonly overrides = new Map<string, RclParameter>();
  private readonly clock = new FakeClock(ClockType.ROS_TIME);
  spinning = false;
  destroyed = false;

  constructor(
    private readonly nodeName: string,
    private readonly ns = '',
  ) {
    for (const p of fakeOverrides) this.overrides.set(p.name, p);
    // rclnodejs's TimeSource declares use_sim_time on every node and watches it
    this.declareParameters([new FakeParameter('use_sim_time', T.PARAMETER_BOOL, false)]);
    this.addOnSetParametersCallback(() => ({ successful: true, reason: '' }));
  }

  name(): string {
    return this.nodeName;
  }

  namespace(): string {
    return this.ns === '' ? '/' : this.ns;
  }

  getLogger() {
    const log = (level: string) => (m: string) => {
      this.logs.push(`${level}: ${m}`);
      return true;
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), fatal: log('fatal') };
  }

  getClock(): FakeClock {
    return this.clock;
  }

  now(): RclTime {
    return this.clock.now();
  }

  spin(): void {
    this.spinning = true;
  }

  stop(): void {
    this.spinning = false;
  }

  createPublisher(type: string, topic: string, options?: { qos?: unknown }) {
    const e: FakeEndpoint = { kind: 'publisher', type, topic, qos: options?.qos, published: [], publish: (m) => e.published.push(m) };
    this.endpoints.push(e);
    return { topic, publish: (m: unknown) => e.publish(m), endpoint: e };
  }

  createSubscription(type: string, topic: string, options: { qos?: unknown }, callback: (m: unknown) => void) {
    const e: FakeEndpoint = { kind: 'subscription', type, topic, qos: options.qos, published: [], callback, publish: () => {} };
    this.endpoints.push(e);
    return { topic, endpoint: e };
  }

  createService(type: string, name: string, _options: unknown, callback: RclServiceCallback) {
    const s: FakeServiceEntry = { type, name, callback };
    this.services.push(s);
    return { serviceName: name, entry: s };
  }

  createClient(_type: string, name: string) {
    return {
      serviceName: name,
      isServiceServerAvailable: () => false,
      waitForService: async () => false,
      sendRequest: () => {},
    };
  }

  createTimer(period: bigint | number, callback: () => void, clock?: FakeClock): FakeTimer {
    const t: FakeTimer = {
      period,
      callback,
      clock,
      canceled: false,
      isCanceled: () => t.canceled,
      cancel: () => {
        t.canceled = true;
      },
      reset: () => {
        t.canceled = false;
      },
    };
    this.timers.push(t);
    return t;
  }

  destroyPublisher(p: { endpoint: FakeEndpoint }): void {
    this.endpoints.splice(this.endpoints.indexOf(p.endpoint), 1);
  }

  destroySubscription(s: { endpoint: FakeEndpoint }): void {
    this.endpoints.splice(this.endpoints.indexOf(s.endpoint), 1);
  }

  destroyService(s: { entry: FakeServiceEntry }): void {
    this.services.splice(this.services.indexOf(s.entry), 1);
  }

  destroyClient(): void {}

  destroyTimer(t: FakeTimer): void {
    this.timers.splice(this.timers.indexOf(t), 1);
  }

  // ---------- parameters, as rclnodejs's Node does them ----------

  declareParameters(parameters: RclParameter[], descriptors: RclParameterDescriptor[] = [], ignoreOverrides = false): RclParameter[] {
    const chosen = parameters.map((p) => (!ignoreOverrides && this.overrides.has(p.name) ? this.overrides.get(p.name)! : p));
    for (const p of chosen) if (this.params.has(p.name)) throw new Error(`Parameter(${p.name}) already declared.`);
    chosen.forEach((p, i) => this.descriptors.set(p.name, descriptors[i] ?? new FakeParameterDescriptor(p.name, p.type, 'Created from parameter.')));
    const r = this.setAtomically(chosen, true);
    if (!r.successful) {
      for (const p of chosen) this.descriptors.delete(p.name);
      throw new Error(r.reason ?? '');
    }
    return chosen.map((p) => this.params.get(p.name)!);
  }

  hasParameter(name: string): boolean {
    return this.params.has(name);
  }

  getParameter(name: string): RclParameter {
    return this.params.get(name) ?? new FakeParameter(name, T.PARAMETER_NOT_SET);
  }

  getParameters(names: string[] = []): RclParameter[] {
    return names.length === 0 ? [...this.params.values()] : names.map((n) => this.getParameter(n));
  }

  getParameterOverrides(): RclParameter[] {
    return [...this.overrides.values()];
  }

  getParameterDescriptor(name: string): RclParameterDescriptor {
    return this.descriptors.get(name) ?? new FakeParameterDescriptor(name);
  }

  setParameters(parameters: RclParameter[]): RclSetParametersResult[] {
    return parameters.map((p) => this.setAtomically([p], false));
  }

  setParametersAtomically(parameters: RclParameter[]): RclSetParametersResult {
    return this.setAtomically(parameters, false);
  }

  addOnSetParametersCallback(cb: RclSetParametersCallback): void {
    this.callbacks.unshift(cb);
  }

  removeOnSetParametersCallback(cb: RclSetParametersCallback): void {
    const i = this.callbacks.indexOf(cb);
    if (i >= 0) this.callbacks.splice(i, 1);
  }

  private setAtomically(parameters: RclParameter[], declaring: boolean): RclSetParametersResult {
    for (const p of parameters) {
      const d = this.descriptors.get(p.name);
      if (d === undefined) return { successful: false, reason: `Parameter ${p.name} has not been declared` };
      if (!declaring && d.readOnly) return { successful: false, reason: `Parameter ${p.name} is readonly` };
      try {
        d.validateParameter(p);
      } catch {
        return { successful: false, reason: `Parameter ${p.name} does not  readonly` };
      }
    }
    for (const cb of this.callbacks) {
      const r = cb(parameters);
      if (!r.successful) return r;
    }
    for (const p of parameters) this.params.set(p.name, p);
    this.parameterEvents.push(parameters.map((p) => p.name));
    return { successful: true, reason: '' };
  }

  // ---------- graph ----------

  countPublishers(topic: string): number {
    return this.endpoints.filter((e) => e.kind === 'publisher' && e.topic === topic).length;
  }

  countSubscribers(topic: string): number {
    return this.endpoints.filter((e) => e.kind === 'subscription' && e.topic === topic).length;
  }

  destroy(): void {
    this.destroyed = true;
  }

  // ---------- test helpers ----------

  /** Hands `msg` to every subscription on `topic` (resolved names, as odra passes them). */
  deliver(topic: string, msg: unknown): number {
    const subs = this.endpoints.filter((e) => e.kind === 'subscription' && (e.topic === topic || this.expand(e.topic) === topic));
    for (const s of subs) s.callback!(msg);
    return subs.length;
  }

  /** Messages published on `topic` so far. */
  published(topic: string): unknown[] {
    return this.endpoints.filter((e) => e.kind === 'publisher' && (e.topic === topic || this.expand(e.topic) === topic)).flatMap((e) => e.published);
  }

  /** What describe_parameters answers: rclnodejs calls `toMessage()` on the declared descriptors. */
  describeService(names: string[]): unknown[] {
    return names.map((n) => this.getParameterDescriptor(n).toMessage());
  }

  /** What set_parameters does with a request: one atomic set per parameter message. */
  setService(messages: { name: string; value: Record<string, unknown> & { type: number } }[]): RclSetParametersResult[] {
    return this.setParameters(messages.map((m) => FakeParameter.fromMessage(m)));
  }

  /** Calls a service as rclnodejs's executor would; resolves with what was sent back. */
  callService(name: string, request: unknown): Promise<unknown> {
    const s = this.services.find((x) => x.name === name || this.expand(x.name) === name);
    if (s === undefined) return Promise.reject(new Error(`no service ${name}`));
    return new Promise((resolve) => {
      const response: RclServiceResponse = { template: { success: false, message: '' }, send: (r) => resolve(r) };
      const returned = s.callback(request, response);
      if (returned !== undefined) resolve(returned);
    });
  }

  private expand(name: string): string {
    const ns = this.namespace();
    const base = ns === '/' ? '' : ns;
    if (name.startsWith('~/')) return `${base}/${this.nodeName}/${name.slice(2)}`;
    return name.startsWith('/') ? name : `${base}/${name}`;
  }
}

const LIFECYCLE = { UNCONFIGURED: 1, INACTIVE: 2, ACTIVE: 3, FINALIZED: 4 } as const;
const LABELS: Record<number, string> = { 1: 'unconfigured', 2: 'inactive', 3: 'active', 4: 'finalized' };
const CODES = { SUCCESS: 97, FAILURE: 98, ERROR: 99 } as const;

export class FakeLifecycleNode extends FakeNode {
  private stateId: number = LIFECYCLE.UNCONFIGURED;
  private readonly cbs = new Map<string, RclTransitionCallback>();

  get currentState(): RclLifecycleState {
    return { id: this.stateId, label: LABELS[this.stateId]! };
  }

  registerOnConfigure(cb: RclTransitionCallback): void {
    this.cbs.set('configure', cb);
  }
  registerOnActivate(cb: RclTransitionCallback): void {
    this.cbs.set('activate', cb);
  }
  registerOnDeactivate(cb: RclTransitionCallback): void {
    this.cbs.set('deactivate', cb);
  }
  registerOnCleanup(cb: RclTransitionCallback): void {
    this.cbs.set('cleanup', cb);
  }
  registerOnShutdown(cb: RclTransitionCallback): void {
    this.cbs.set('shutdown', cb);
  }
  registerOnError(cb: RclTransitionCallback): void {
    this.cbs.set('error', cb);
  }

  configure(): RclLifecycleState {
    return this.transition('configure', [LIFECYCLE.UNCONFIGURED], LIFECYCLE.INACTIVE);
  }
  activate(): RclLifecycleState {
    return this.transition('activate', [LIFECYCLE.INACTIVE], LIFECYCLE.ACTIVE);
  }
  deactivate(): RclLifecycleState {
    return this.transition('deactivate', [LIFECYCLE.ACTIVE], LIFECYCLE.INACTIVE);
  }
  cleanup(): RclLifecycleState {
    return this.transition('cleanup', [LIFECYCLE.INACTIVE], LIFECYCLE.UNCONFIGURED);
  }
  shutdown(): RclLifecycleState {
    return this.transition('shutdown', [LIFECYCLE.UNCONFIGURED, LIFECYCLE.INACTIVE, LIFECYCLE.ACTIVE], LIFECYCLE.FINALIZED);
  }

  /** rcl_lifecycle's rules: SUCCESS → goal, FAILURE → back, ERROR → on_error (SUCCESS → unconfigured, else finalized). */
  private transition(name: string, from: number[], goal: number): RclLifecycleState {
    if (!from.includes(this.stateId)) throw new Error(`No transition available from state ${name}.`);
    const start = this.currentState;
    let code: number;
    try {
      code = this.cbs.get(name)?.(start) ?? CODES.SUCCESS;
    } catch {
      code = CODES.ERROR;
    }
    if (code === CODES.SUCCESS) this.stateId = goal;
    else if (code === CODES.ERROR) {
      const e = this.cbs.get('error')?.(start) ?? CODES.SUCCESS;
      this.stateId = e === CODES.SUCCESS ? LIFECYCLE.UNCONFIGURED : LIFECYCLE.FINALIZED;
    }
    return this.currentState;
  }
}

export interface FakeRcl extends LoadedRclnodejs {
  /** nodes created, in order */
  nodes: FakeNode[];
}

/** A fresh fake module; `version` picks the timer unit (default '2.2.0'). */
export function fakeRclnodejs(version = '2.2.0'): FakeRcl {
  const nodes: FakeNode[] = [];
  class Node extends FakeNode {
    constructor(name: string, ns = '') {
      super(name, ns);
      nodes.push(this);
    }
  }
  class LifecycleNode extends FakeLifecycleNode {
    constructor(name: string, ns = '') {
      super(name, ns);
      nodes.push(this);
    }
  }
  let shut = false;
  const rcl = {
    init: async () => {},
    shutdown: () => {
      shut = true;
    },
    isShutdown: () => shut,
    removeSignalHandlers: () => {},
    Node,
    NodeOptions: class {
      startParameterServices = true;
      parameterOverrides = [];
      automaticallyDeclareParametersFromOverrides = false;
    },
    lifecycle: { LifecycleNode, CallbackReturnCode: CODES },
    Parameter: FakeParameter,
    ParameterDescriptor: FakeParameterDescriptor,
    ParameterType: T,
    QoS: FakeQoS,
    Clock: FakeClock,
    ClockType,
  };
  return { rcl: rcl as unknown as LoadedRclnodejs['rcl'], version, nodes };
}
