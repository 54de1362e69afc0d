/**
 * The part of the rclnodejs API odra uses, typed by hand (rclnodejs cannot be installed or loaded
 * where ROS 2 is not sourced, so its own typings are not available to the build).
 *
 * Checked against rclnodejs's sources (lib/node.js, lib/parameter.js, lib/lifecycle.js,
 * lib/qos.js, lib/service.js, lib/time.js, index.js) for the 1.x–2.x line that `odra` targets
 * (2.2.0 on ROS 2 Jazzy). Only what odra calls is here; every other member stays unknown.
 *
 * Facts the shapes encode:
 * - `Node.createTimer(period, cb, clock?)`: `period` is a bigint of nanoseconds since 0.31;
 *   before it was a number of milliseconds. `timer.ts` wraps it once.
 * - `Parameter` of type INTEGER holds a bigint; INTEGER_ARRAY holds an array of bigints; the
 *   array types take plain arrays (not typed arrays).
 * - `Time.nanoseconds` is a bigint (number or decimal string before 0.31).
 * - A service callback gets `(request, response)` and either returns the response or calls
 *   `response.send(...)` later.
 * - `ParameterDescriptor.toMessage()` is what the describe_parameters service sends; in 2.2.0
 *   it never includes the range (see `parameter-messages.ts`).
 */

// ---------- parameters ----------

/** rcl_interfaces/msg/ParameterType values, as `rclnodejs.ParameterType` holds them. */
export interface RclParameterTypeEnum {
  readonly PARAMETER_NOT_SET: 0;
  readonly PARAMETER_BOOL: 1;
  readonly PARAMETER_INTEGER: 2;
  readonly PARAMETER_DOUBLE: 3;
  readonly PARAMETER_STRING: 4;
  readonly PARAMETER_BYTE_ARRAY: 5;
  readonly PARAMETER_BOOL_ARRAY: 6;
  readonly PARAMETER_INTEGER_ARRAY: 7;
  readonly PARAMETER_DOUBLE_ARRAY: 8;
  readonly PARAMETER_STRING_ARRAY: 9;
}

/** What a Parameter may hold: bigint for integers, plain arrays for arrays. */
export type RclParameterValue =
  | boolean
  | bigint
  | number
  | string
  | boolean[]
  | bigint[]
  | number[]
  | string[]
  | null
  | undefined;

/** `rclnodejs.Parameter`: name, type code and value; validates itself on construction. */
export interface RclParameter {
  readonly name: string;
  readonly type: number;
  readonly value: RclParameterValue;
}

export type RclParameterConstructor = new (name: string, type: number, value?: RclParameterValue) => RclParameter;

/** rcl_interfaces/msg/FloatingPointRange (and IntegerRange, whose fields are int64 = bigint). */
export interface RclFloatingPointRangeMsg {
  from_value: number;
  to_value: number;
  step: number;
}

export interface RclIntegerRangeMsg {
  from_value: bigint;
  to_value: bigint;
  step: bigint;
}

/** rcl_interfaces/msg/ParameterDescriptor as the describe_parameters service sends it. */
export interface RclParameterDescriptorMsg {
  name: string;
  type: number;
  description: string;
  additional_constraints: string;
  read_only: boolean;
  dynamic_typing: boolean;
  floating_point_range: RclFloatingPointRangeMsg[];
  integer_range: RclIntegerRangeMsg[];
}

/**
 * `rclnodejs.ParameterDescriptor`. The node keeps the very instance it was declared with and calls
 * `validateParameter` (throws on mismatch) before every change and `toMessage` for every describe.
 */
export interface RclParameterDescriptor {
  readonly name: string;
  readonly type: number;
  readonly description: string;
  readonly readOnly: boolean;
  additionalConstraints: string;
  validateParameter(parameter: RclParameter): void;
  toMessage(): RclParameterDescriptorMsg | Record<string, unknown>;
}

export type RclParameterDescriptorConstructor = new (
  name: string,
  type?: number,
  description?: string,
  readOnly?: boolean,
) => RclParameterDescriptor;

/** rcl_interfaces/msg/SetParametersResult */
export interface RclSetParametersResult {
  successful: boolean;
  reason: string | null;
}

/** Runs before parameters are declared or set; a result that is not successful vetoes the change. */
export type RclSetParametersCallback = (parameters: RclParameter[]) => RclSetParametersResult;

// ---------- QoS ----------

export interface RclQoSInstance {
  history: number;
  depth: number;
  reliability: number;
  durability: number;
}

/** `rclnodejs.QoS`: the constructor and its enums and named profiles. */
export interface RclQoSClass {
  new (history?: number, depth?: number, reliability?: number, durability?: number, avoidRosNameSpaceConventions?: boolean): RclQoSInstance;
  readonly HistoryPolicy: {
    readonly RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT: number;
    readonly RMW_QOS_POLICY_HISTORY_KEEP_LAST: number;
    readonly RMW_QOS_POLICY_HISTORY_KEEP_ALL: number;
  };
  readonly ReliabilityPolicy: {
    readonly RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT: number;
    readonly RMW_QOS_POLICY_RELIABILITY_RELIABLE: number;
    readonly RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: number;
  };
  readonly DurabilityPolicy: {
    readonly RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT: number;
    readonly RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: number;
    readonly RMW_QOS_POLICY_DURABILITY_VOLATILE: number;
  };
  readonly profileDefault: string;
  readonly profileSensorData: string;
}

/** Options of createPublisher / createSubscription / createService / createClient. */
export interface RclEntityOptions {
  qos?: RclQoSInstance | string;
  /** numeric arrays as typed arrays (the default, and what odra's message types say) */
  enableTypedArray?: boolean;
}

// ---------- time ----------

/** `rclnodejs.ClockType` */
export interface RclClockTypeEnum {
  readonly ROS_TIME: number;
  readonly SYSTEM_TIME: number;
  readonly STEADY_TIME: number;
}

export interface RclTime {
  /** bigint since 0.31; a number or a decimal string before */
  readonly nanoseconds: bigint | number | string;
}

export interface RclClock {
  readonly clockType: number;
  now(): RclTime;
}

export type RclClockConstructor = new (clockType?: number) => RclClock;

// ---------- entities ----------

export interface RclPublisher {
  readonly topic: string;
  publish(message: unknown): void;
}

export interface RclSubscription {
  readonly topic: string;
}

export interface RclTimer {
  /** bigint ns since 0.31, number ms before */
  readonly period: bigint | number;
  isCanceled(): boolean;
  cancel(): void;
  reset(): void;
}

/** The `response` a service callback receives. */
export interface RclServiceResponse {
  readonly template: Record<string, unknown>;
  send(response: unknown): void;
}

export type RclServiceCallback = (request: unknown, response: RclServiceResponse) => unknown;

export interface RclService {
  readonly serviceName: string;
}

export interface RclClient {
  readonly serviceName: string;
  isServiceServerAvailable(): boolean;
  waitForService(timeoutMs?: number): Promise<boolean>;
  sendRequest(request: unknown, callback: (response: unknown) => void): void;
}

export interface RclLogging {
  debug(message: string): boolean;
  info(message: string): boolean;
  warn(message: string): boolean;
  error(message: string): boolean;
  fatal(message: string): boolean;
}

// ---------- nodes ----------

export interface RclNodeOptions {
  startParameterServices: boolean;
  parameterOverrides: RclParameter[];
  automaticallyDeclareParametersFromOverrides: boolean;
}

export type RclNodeOptionsConstructor = new () => RclNodeOptions;

/** Opaque: the default context is used throughout. */
export type RclContext = object;

export interface RclNode {
  name(): string;
  namespace(): string;
  getLogger(): RclLogging;
  getClock(): RclClock;
  now(): RclTime;
  /** Runs the node's executor on the libuv loop (returns at once); `timeoutMs` bounds each wait. */
  spin(timeoutMs?: number): void;
  stop(): void;
  readonly spinning: boolean;

  createPublisher(typeClass: string, topic: string, options?: RclEntityOptions): RclPublisher;
  createSubscription(
    typeClass: string,
    topic: string,
    options: RclEntityOptions,
    callback: (message: unknown) => void,
  ): RclSubscription;
  createService(typeClass: string, serviceName: string, options: RclEntityOptions, callback: RclServiceCallback): RclService;
  createClient(typeClass: string, serviceName: string, options?: RclEntityOptions): RclClient;
  createTimer(period: bigint | number, callback: () => void, clock?: RclClock): RclTimer;
  destroyPublisher(publisher: RclPublisher): void;
  destroySubscription(subscription: RclSubscription): void;
  destroyService(service: RclService): void;
  destroyClient(client: RclClient): void;
  destroyTimer(timer: RclTimer): void;

  declareParameters(parameters: RclParameter[], descriptors?: RclParameterDescriptor[], ignoreOverrides?: boolean): RclParameter[];
  hasParameter(name: string): boolean;
  getParameter(name: string): RclParameter;
  getParameters(names?: string[]): RclParameter[];
  getParameterOverrides(): RclParameter[];
  getParameterDescriptor(name: string): RclParameterDescriptor;
  setParameters(parameters: RclParameter[]): RclSetParametersResult[];
  setParametersAtomically(parameters: RclParameter[]): RclSetParametersResult;
  addOnSetParametersCallback(callback: RclSetParametersCallback): void;
  removeOnSetParametersCallback(callback: RclSetParametersCallback): void;

  countPublishers(topic: string): number;
  countSubscribers(topic: string): number;
  /** Expands and remaps like rcl (newer releases only). */
  resolveTopicName?(topic: string, onlyExpand?: boolean): string;
  resolveServiceName?(service: string, onlyExpand?: boolean): string;

  destroy(): void;
}

export type RclNodeConstructor = new (
  name: string,
  namespace?: string,
  context?: RclContext,
  options?: RclNodeOptions,
) => RclNode;

// ---------- lifecycle ----------

/** A lifecycle state or transition: `{ id, label }` (lifecycle_msgs/msg/State ids). */
export interface RclLifecycleState {
  readonly id: number;
  readonly label: string;
}

/**
 * `rclnodejs.lifecycle.CallbackReturnCode`: SUCCESS 97, FAILURE 98, ERROR 99 (lifecycle_msgs
 * Transition constants TRANSITION_CALLBACK_*).
 */
export interface RclCallbackReturnCodeEnum {
  readonly SUCCESS: number;
  readonly FAILURE: number;
  readonly ERROR: number;
}

export type RclTransitionCallback = (previousState: RclLifecycleState) => number;

export interface RclLifecycleNode extends RclNode {
  readonly currentState: RclLifecycleState;
  registerOnConfigure(cb: RclTransitionCallback): void;
  registerOnActivate(cb: RclTransitionCallback): void;
  registerOnDeactivate(cb: RclTransitionCallback): void;
  registerOnCleanup(cb: RclTransitionCallback): void;
  registerOnShutdown(cb: RclTransitionCallback): void;
  registerOnError(cb: RclTransitionCallback): void;
  configure(): RclLifecycleState;
  activate(): RclLifecycleState;
  deactivate(): RclLifecycleState;
  cleanup(): RclLifecycleState;
  shutdown(): RclLifecycleState;
}

export type RclLifecycleNodeConstructor = new (
  name: string,
  namespace?: string,
  context?: RclContext,
  options?: RclNodeOptions,
  enableCommunicationsInterface?: boolean,
) => RclLifecycleNode;

// ---------- the module ----------

/** The `rclnodejs` module (its CommonJS `module.exports`). */
export interface Rclnodejs {
  /** Initializes the default context; `argv` carries `--ros-args` (remaps, -p, --params-file). */
  init(context?: RclContext, argv?: string[]): Promise<void>;
  shutdown(context?: RclContext): void;
  isShutdown(context?: RclContext): boolean;
  /** Removes rclnodejs's own SIGINT handler (odra shuts down in order itself). */
  removeSignalHandlers?(): void;

  readonly Node: RclNodeConstructor;
  readonly NodeOptions: RclNodeOptionsConstructor;
  readonly lifecycle: {
    readonly LifecycleNode: RclLifecycleNodeConstructor;
    readonly CallbackReturnCode: RclCallbackReturnCodeEnum;
  };
  readonly Parameter: RclParameterConstructor;
  readonly ParameterDescriptor: RclParameterDescriptorConstructor;
  readonly ParameterType: RclParameterTypeEnum;
  readonly QoS: RclQoSClass;
  readonly Clock: RclClockConstructor;
  readonly ClockType: RclClockTypeEnum;
}

/** What the loader hands out: the module and the version it reports (for the timer unit). */
export interface LoadedRclnodejs {
  readonly rcl: Rclnodejs;
  /** `version` of rclnodejs's package.json; '' when it could not be read */
  readonly version: string;
}
