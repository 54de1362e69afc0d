/**
 * The agent node: the ROS face of `Agent`, written only against the `BusNode` port so the same code
 * runs on rclnodejs, on the in-process bus and on any later transport.
 *
 * Inputs (checked at the subscriber; refused messages are counted per input and reason, and warned
 * about at most every few seconds):
 *   topics.joint_states  sensor_msgs/JointState   mapped by name, order not assumed
 *   ~/goal_joints        sensor_msgs/JointState   by name, or unnamed in the configured joint order
 *   ~/goal_pose          geometry_msgs/PoseStamped frame = base link or empty; zero quaternion = position only
 *   ~/goal_latent        std_msgs/Float32MultiArray a goal latent (an encoded goal image): latentDim finite
 *                        values; reliable, transient-local (latched), depth 1; `setGoalLatent` in process
 *   ~/estop              std_msgs/Bool            true latches the e-stop until ~/reset
 *   ~/reset              std_srvs/Trigger         clears memory and warm start, releases the e-stop
 * Outputs, each control tick (control.rate_hz):
 *   the command: Float64MultiArray on topics.velocity_commands / topics.position_commands
 *     (control.output = forward), or the planned horizon as a JointTrajectory on
 *     topics.joint_trajectory (trajectory); nothing when the safety filter says it must not be sent
 *   ~/plan (JointTrajectory), ~/plan_markers (MarkerArray), ~/cost_terms (Float64MultiArray, see outputs.ts)
 *   topics.diagnostics (DiagnosticArray) once a second
 * Each goal replaces the previous one, whatever its kind (joints, pose, latent, or a goal.* parameter).
 * Parameters: every odra parameter, declared with its descriptor. A change is validated first (veto
 * with every reason, nothing applied) and committed at the start of the next tick, which hands the
 * agent one new frozen settings snapshot: no tick ever sees half a change.
 */
import { Agent, type AgentCommand, type AgentInputs, type AgentStepResult, type AgentTelemetry } from '../agent/agent.ts';
import { agentSettingsFromConfig } from '../agent/from-config.ts';
import type { AgentSettings } from '../agent/settings.ts';
import type { BoolMsg, DiagnosticArray, Float32MultiArray, Float64MultiArray, JointState, JointTrajectory, MarkerArray, PoseStamped } from '../bus/messages.ts';
import type { Parameter } from '../bus/parameters.ts';
import type { BusNode, Publisher, Subscription, Timer } from '../bus/port.ts';
import { QOS_LATCHED } from '../bus/qos.ts';
import { listParameters } from '../config/catalog.ts';
import { ConfigError } from '../config/errors.ts';
import { ParameterStore, type ConfigSnapshot } from '../config/live.ts';
import type { ParamValue } from '../config/param.ts';
import { flattenConfig } from '../config/paths.ts';
import type { OdraConfig } from '../config/schema.ts';
import { validateParameters } from '../config/validate.ts';
import type { Goal } from '../cost/types.ts';
import type { KinematicChain } from '../robot/chain.ts';
import { buildSafetyLimits } from '../safety/limits.ts';
import type { SafetyLimits } from '../safety/types.ts';
import type { WorldModel } from '../world-model/world-model.ts';
import { makeStateLayout } from '../world-model/world-model.ts';
import { diagnosticsMessage, DiagnosticsWindow } from './diagnostics.ts';
import { DropCounter, jointIndex, quaternionToMatrix, readGoalLatent, readGoalLatentMessage, readJointGoal, readJointState, readPoseGoal } from './inputs.ts';
import { commandMessage, costTermsMessage, EePath, planMarkers, planMessage, trajectoryMessage } from './outputs.ts';
import { parameterDeclarations, proposingValidator } from './parameters.ts';

export interface AgentNodeOptions {
  /** the kinematic chain from robot.base_link to robot.tip_link */
  chain: KinematicChain;
  /** size of the perception latent in the state; 0 (default) without a camera */
  latentDim?: number;
  /** builds the world model for a settings snapshot (learned models); default: the kinematic model */
  createModel?: (settings: AgentSettings, latentDim: number) => WorldModel;
  /** polled at each tick for the newest perception latent (null when there is none new) */
  latentSource?: () => { stampS: number; z: ArrayLike<number> } | null;
  /**
   * Goal latents (std_msgs/Float32MultiArray, latched); default `~/goal_latent`. A split deployment
   * points it at the perception node's `goal_latent`.
   */
  goalLatentTopic?: string;
  /**
   * Extra reasons to refuse a parameter change, checked before odra's own validation (e.g. a value a
   * loaded model cannot follow); an empty list accepts.
   */
  vetoParameters?: (candidates: readonly Parameter[]) => string[];
  /** seed of the planners' sampling; default 1 */
  seed?: number;
  /** period of the throttled input warnings, s; default 5 */
  warnPeriodS?: number;
}

/** Called after every tick with what the agent returned and whether a command went out. */
export type TickListener = (result: AgentStepResult, published: boolean) => void;

export interface AgentNodeStats {
  /** ticks run */
  ticks: number;
  /** timer expiries skipped because a tick was still running */
  overruns: number;
  /** commands sent */
  published: number;
  /** joint states accepted */
  jointStates: number;
  /** goals accepted (topics and configuration) */
  goals: number;
}

interface PendingJointState {
  stampS: number;
  position: Float64Array;
  velocity: Float64Array | null;
  effort: Float64Array | null;
}

/** Marker lifetime: long enough to bridge a few ticks, short enough to vanish when the node stops. */
const MARKER_LIFETIME_S = 0.5;

export class AgentNode {
  readonly node: BusNode;
  readonly agent: Agent;
  readonly jointNames: readonly string[];
  readonly stats: AgentNodeStats = { ticks: 0, overruns: 0, published: 0, jointStates: 0, goals: 0 };
  private readonly store: ParameterStore;
  private readonly chain: KinematicChain;
  private readonly index: ReadonlyMap<string, number>;
  private readonly seed: number;
  private readonly warnPeriodS: number;
  private readonly latentSource: AgentNodeOptions['latentSource'];
  private readonly drops = new DropCounter();
  private readonly window = new DiagnosticsWindow();
  private readonly interventionTotals = new Map<string, number>();
  private readonly listeners: TickListener[] = [];
  private readonly eePath: EePath;
  private readonly output: 'forward' | 'trajectory';
  private readonly commandPub: Publisher<unknown>;
  private readonly planPub: Publisher<JointTrajectory>;
  private readonly markerPub: Publisher<MarkerArray>;
  private readonly costPub: Publisher<Float64MultiArray>;
  private readonly diagPub: Publisher<DiagnosticArray>;
  private readonly subs: Subscription[] = [];
  private readonly timers: Timer[] = [];
  private limits: SafetyLimits;
  private pendingJs: PendingJointState | null = null;
  private measured: Float64Array | null = null;
  private lastJsSteadyS = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | null = null;
  private last: AgentStepResult | null = null;
  private destroyed = false;

  /** Declares the parameters, entities and timers on `node`. Throws ConfigError on an inconsistent configuration. */
  constructor(node: BusNode, config: OdraConfig, opts: AgentNodeOptions) {
    this.node = node;
    this.chain = opts.chain;
    this.seed = opts.seed ?? 1;
    this.warnPeriodS = opts.warnPeriodS ?? 5;
    this.latentSource = opts.latentSource;
    this.jointNames = opts.chain.jointNames;
    this.index = jointIndex(this.jointNames);

    const cfg = declareConfig(node, config);
    const configured = cfg.robot.joints;
    if (configured.length > 0 && configured.join(',') !== this.jointNames.join(',')) {
      throw new ConfigError([
        {
          path: 'robot.joints',
          message: `robot.joints: must list the chain's actuated joints from ${cfg.robot.base_link} to ${cfg.robot.tip_link} in order: [${this.jointNames.join(', ')}], got [${configured.join(', ')}]`,
          code: 'cross_field',
        },
      ]);
    }
    this.store = new ParameterStore(cfg);
    const propose = proposingValidator(this.store);
    const veto = opts.vetoParameters;
    node.onSetParameters(
      veto === undefined
        ? propose
        : (candidates) => {
            const reasons = veto(candidates);
            return reasons.length > 0 ? { successful: false, reason: reasons.join('; ') } : propose(candidates);
          },
    );

    const settings = agentSettingsFromConfig(cfg, this.seed);
    this.agent = new Agent({
      chain: opts.chain,
      settings,
      ...(opts.latentDim !== undefined ? { latentDim: opts.latentDim } : {}),
      ...(opts.createModel !== undefined ? { createModel: opts.createModel } : {}),
    });
    this.limits = this.safetyLimits(settings);
    this.eePath = new EePath(opts.chain);
    this.applyConfigGoal(cfg);

    const t = cfg.topics;
    this.output = cfg.control.output;
    const commandTopic =
      this.output === 'trajectory' ? t.joint_trajectory : cfg.control.command_interface === 'velocity' ? t.velocity_commands : t.position_commands;
    this.commandPub = (
      this.output === 'trajectory'
        ? node.createPublisher('trajectory_msgs/msg/JointTrajectory', commandTopic)
        : node.createPublisher('std_msgs/msg/Float64MultiArray', commandTopic)
    ) as Publisher<unknown>;
    this.planPub = node.createPublisher('trajectory_msgs/msg/JointTrajectory', '~/plan');
    this.markerPub = node.createPublisher('visualization_msgs/msg/MarkerArray', '~/plan_markers');
    this.costPub = node.createPublisher('std_msgs/msg/Float64MultiArray', '~/cost_terms');
    this.diagPub = node.createPublisher('diagnostic_msgs/msg/DiagnosticArray', t.diagnostics);

    this.subs.push(
      node.createSubscription('sensor_msgs/msg/JointState', t.joint_states, (m) => this.onJointState(m), { depth: 10 }),
      node.createSubscription('sensor_msgs/msg/JointState', '~/goal_joints', (m) => this.onGoalJoints(m)),
      node.createSubscription('geometry_msgs/msg/PoseStamped', '~/goal_pose', (m) => this.onGoalPose(m)),
      // latched: a goal published before this node started (a perception node's goal latent) still arrives
      node.createSubscription('std_msgs/msg/Float32MultiArray', opts.goalLatentTopic ?? '~/goal_latent', (m) => this.onGoalLatent(m), QOS_LATCHED),
      node.createSubscription('std_msgs/msg/Bool', '~/estop', (m) => this.onEstop(m)),
    );
    node.createService('std_srvs/srv/Trigger', '~/reset', async () => {
      await this.idle();
      this.agent.reset();
      return { success: true, message: 'memory and warm start cleared, e-stop released' };
    });
    this.timers.push(node.createTimer(1 / cfg.control.rate_hz, () => this.onTimer()));
    this.timers.push(node.createTimer(1, () => this.publishDiagnostics()));
  }

  /** The configuration in force: deeply frozen, replaced (never mutated) by each commit. */
  get config(): ConfigSnapshot {
    return this.store.snapshot;
  }

  /** The last tick's telemetry, or null before the first tick. */
  get lastTelemetry(): AgentTelemetry | null {
    return this.last?.telemetry ?? null;
  }

  get lastCommand(): AgentCommand | null {
    return this.last?.command ?? null;
  }

  /** Refused messages: input → reason → count. */
  dropped(): Record<string, Record<string, number>> {
    return this.drops.toJSON();
  }

  get droppedTotal(): number {
    return this.drops.total;
  }

  /** Safety interventions since start, by kind. */
  interventionCounts(): Record<string, number> {
    return Object.fromEntries(this.interventionTotals);
  }

  /** The newest accepted joint positions in the configured order, or null. */
  get measuredPosition(): Float64Array | null {
    return this.measured;
  }

  onTick(listener: TickListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Sets a goal latent in process (e.g. a perception node's `onGoalLatent` in the same process). It is
   * checked as `~/goal_latent` messages are: a refused one is counted under `goal_latent` and changes
   * nothing. Returns whether it became the goal (replacing any previous goal).
   */
  setGoalLatent(z: ArrayLike<number>): boolean {
    if (this.destroyed) return false;
    const r = readGoalLatent(z, this.agent.latentDim);
    if (!r.ok) {
      this.drop('goal_latent', r.reason, r.detail);
      return false;
    }
    this.setGoal({ latent: r.value });
    return true;
  }

  /** Resolves when no tick is running (a tick's planning may outlive the timer callback that started it). */
  async idle(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
  }

  destroy(): void {
    this.destroyed = true;
    for (const s of this.subs) s.destroy();
    for (const t of this.timers) t.destroy();
  }

  // ---------------------------------------------------------------- inputs

  private drop(input: string, reason: string, detail: string): void {
    this.drops.add(input, reason);
    this.window.addDrop(input, reason);
    this.node.logger.throttle('warn', this.warnPeriodS, `dropped a ${input} message (${reason}): ${detail}`, `${input}.${reason}`);
  }

  private onJointState(msg: JointState): void {
    const r = readJointState(msg, this.index);
    if (!r.ok) return this.drop('joint_states', r.reason, r.detail);
    const stampS = this.node.steadyNowS();
    this.pendingJs = { stampS, ...r.value };
    this.measured = r.value.position;
    this.lastJsSteadyS = stampS;
    this.stats.jointStates++;
    this.window.jointStates++;
  }

  private onGoalJoints(msg: JointState): void {
    const r = readJointGoal(msg, this.index, this.chain.limits);
    if (!r.ok) return this.drop('goal_joints', r.reason, r.detail);
    this.setGoal({ joints: r.value });
  }

  private onGoalPose(msg: PoseStamped): void {
    const r = readPoseGoal(msg, this.config.robot.base_link);
    if (!r.ok) return this.drop('goal_pose', r.reason, r.detail);
    this.setGoal(r.value.rotation === null ? { eePosition: r.value.position } : { eePosition: r.value.position, eeRotation: r.value.rotation });
  }

  private onGoalLatent(msg: Float32MultiArray): void {
    const r = readGoalLatentMessage(msg, this.agent.latentDim);
    if (!r.ok) return this.drop('goal_latent', r.reason, r.detail);
    this.setGoal({ latent: r.value });
  }

  private onEstop(msg: BoolMsg): void {
    if (typeof msg.data !== 'boolean') return this.drop('estop', 'invalid', 'data is not a bool');
    if (msg.data) {
      this.agent.estop(this.node.steadyNowS());
      this.node.logger.throttle('warn', this.warnPeriodS, 'e-stop latched; call ~/reset to release it', 'estop');
    }
  }

  private setGoal(goal: Goal | null): void {
    this.agent.setGoal(goal);
    if (goal !== null) this.stats.goals++;
  }

  private applyConfigGoal(cfg: ConfigSnapshot | OdraConfig): void {
    const g = cfg.goal;
    const goal: Goal = {};
    if (g.joints.length > 0) goal.joints = Float64Array.from(g.joints);
    if (g.position.length === 3) goal.eePosition = Float64Array.from(g.position);
    if (g.position.length === 3 && g.orientation.length === 4) {
      const [x, y, z, w] = g.orientation as [number, number, number, number];
      const n = Math.hypot(x, y, z, w);
      goal.eeRotation = quaternionToMatrix(x / n, y / n, z / n, w / n);
    }
    this.setGoal(goal.joints !== undefined || goal.eePosition !== undefined ? goal : null);
  }

  // ---------------------------------------------------------------- the tick

  private onTimer(): void {
    if (this.destroyed) return;
    if (this.inFlight !== null) {
      this.stats.overruns++;
      this.window.overruns++;
      return;
    }
    this.inFlight = this.tick()
      .catch((err: unknown) => {
        this.node.logger.throttle('error', this.warnPeriodS, `tick failed: ${err instanceof Error ? err.message : String(err)}`, 'tick');
      })
      .finally(() => {
        this.inFlight = null;
      });
  }

  private async tick(): Promise<void> {
    // the tick boundary: accepted parameter changes become one new snapshot
    const changed = this.store.commit();
    if (changed.size > 0) this.applyConfig(changed);
    const nowS = this.node.steadyNowS();
    const inputs: AgentInputs = {};
    const js = this.pendingJs;
    this.pendingJs = null;
    if (js !== null) inputs.jointState = { stampS: js.stampS, names: this.jointNames, position: js.position, velocity: js.velocity, effort: js.effort };
    const latent = this.latentSource?.() ?? null;
    if (latent !== null) inputs.latent = latent;
    const result = await this.agent.step(nowS, inputs);
    if (this.destroyed) return;
    this.last = result;
    this.stats.ticks++;
    this.account(result);
    const published = this.publish(result);
    for (const l of this.listeners) l(result, published);
  }

  private applyConfig(changed: ReadonlySet<string>): void {
    const cfg = this.config;
    // agentSettingsFromConfig only reads its argument, so the frozen snapshot serves as a plain config
    const settings = agentSettingsFromConfig(cfg as unknown as OdraConfig, this.seed);
    this.agent.configure(settings);
    this.limits = this.safetyLimits(settings);
    if ([...changed].some((n) => n.startsWith('goal.'))) this.applyConfigGoal(cfg);
  }

  private safetyLimits(s: AgentSettings): SafetyLimits {
    return buildSafetyLimits(this.jointNames, this.chain.limits, {
      positionMarginRad: s.safety.positionMarginRad,
      velocityScale: s.safety.velocityScale,
      defaultMaxAccRadS2: s.safety.maxAccelerationRadS2,
    });
  }

  private account(r: AgentStepResult): void {
    const t = r.telemetry;
    const w = this.window;
    w.ticks++;
    if (t.plan !== null) {
      w.plans++;
      w.planMsSum += t.plan.ms;
      w.planMsMax = Math.max(w.planMsMax, t.plan.ms);
      if (t.plan.ms > 1000 / this.config.control.rate_hz) w.slowPlans++;
    }
    if (t.plannerError !== null) {
      w.plannerErrors++;
      w.lastPlannerError = t.plannerError;
    }
    for (const i of t.interventions) {
      w.addIntervention(i.kind);
      this.interventionTotals.set(i.kind, (this.interventionTotals.get(i.kind) ?? 0) + 1);
    }
  }

  private publish(r: AgentStepResult): boolean {
    const cfg = this.config;
    const stampS = this.node.nowS();
    const plan = r.telemetry.plan;
    const layout = makeStateLayout(this.agent.latentDim, this.chain.dof);
    let published = false;
    // a position target is only meaningful once a position was measured (the agent reads zeros before)
    const sendable = r.command.publish && !(r.command.interface === 'position' && this.measured === null);
    if (sendable) {
      if (this.output === 'forward') {
        this.commandPub.publish(commandMessage(r.command.values));
        published = true;
      } else if (this.measured !== null) {
        this.commandPub.publish(
          trajectoryMessage({
            stampS,
            jointNames: this.jointNames,
            command: r.command,
            measured: this.measured,
            plan,
            qOffset: layout.qOffset,
            qdOffset: layout.qdOffset,
            stateDim: layout.stateDim,
            maxPoints: cfg.control.trajectory_points,
            limits: this.limits,
            controlDtS: 1 / cfg.control.rate_hz,
          }),
        );
        published = true;
      }
    }
    if (published) this.stats.published++;
    if (plan === null) return published;
    if (this.planPub.subscriptionCount() > 0) {
      this.planPub.publish(planMessage(stampS, this.jointNames, plan, layout.qOffset, layout.qdOffset, layout.stateDim));
    }
    if (this.markerPub.subscriptionCount() > 0) {
      const path = this.eePath.compute(plan, layout.qOffset, layout.stateDim);
      this.markerPub.publish(planMarkers(stampS, cfg.robot.base_link, path, MARKER_LIFETIME_S));
    }
    if (this.costPub.subscriptionCount() > 0) this.costPub.publish(costTermsMessage(plan));
    return published;
  }

  private publishDiagnostics(): void {
    if (this.destroyed) return;
    const cfg = this.config;
    this.diagPub.publish(
      diagnosticsMessage(
        {
          nodeName: this.node.fullyQualifiedName,
          stampS: this.node.nowS(),
          jointStateAgeS: this.node.steadyNowS() - this.lastJsSteadyS,
          jointStateMaxAgeS: cfg.safety.joint_state_max_age_s,
          planner: cfg.planner.name,
          controlPeriodMs: 1000 / cfg.control.rate_hz,
          estopped: this.agent.estopped,
          hasGoal: this.agent.currentGoal !== null,
        },
        this.window,
      ),
    );
    this.window.clear();
  }
}

/**
 * Declares every catalog parameter valued from `config`, and returns the configuration the node
 * really holds: a transport may override declared defaults (a ROS parameter file), so the declared
 * values are read back and validated as a whole.
 */
function declareConfig(node: BusNode, config: OdraConfig): OdraConfig {
  const names = listParameters().map((p) => p.name);
  const values = flattenConfig(config, names);
  const declared = node.declareParameters(parameterDeclarations(values));
  const actual = new Map<string, unknown>(declared.map((p) => [p.name, p.value] as const));
  let differs = false;
  for (const [name, v] of actual) {
    const want = values.get(name) as ParamValue;
    if (Array.isArray(v) ? !Array.isArray(want) || v.length !== want.length || v.some((x, i) => x !== want[i]) : v !== want) differs = true;
  }
  if (!differs) return config;
  const checked = validateParameters(actual);
  if (!checked.ok) throw new ConfigError(checked.problems, `parameters of ${node.fullyQualifiedName}`);
  return checked.config;
}
