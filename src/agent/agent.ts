/**
 * The agent tick: memory → state → planner → safety filter → command.
 * `step` is a pure call on its inputs (no I/O, no ROS), never throws, and applies configuration changes
 * only at its start, so a tick always runs on one frozen settings snapshot.
 */
import { CostEvaluator, type TermCost } from '../cost/evaluator.ts';
import type { CostProblem, Goal, KeepOutZones } from '../cost/types.ts';
import { ShortTermMemory, type MemorySnapshot } from '../memory/short-term-memory.ts';
import { shiftWarmStart } from '../planner/common.ts';
import type { PlanProblem, PlanResult, Planner } from '../planner/planner.ts';
import { createPlanner } from '../planner/registry.ts';
import type { KinematicChain } from '../robot/chain.ts';
import { SafetyFilter } from '../safety/filter.ts';
import { buildSafetyLimits } from '../safety/limits.ts';
import type { Intervention, SafetyConfig, SafetyLimits } from '../safety/types.ts';
import { KinematicModel } from '../world-model/kinematic.ts';
import { makeStateLayout, type WorldModel } from '../world-model/world-model.ts';
import { applyCostSettings, buildCostTerms } from './cost-terms.ts';
import { solveIk } from './ik.ts';
import { RouteChecker } from './route.ts';
import type { AgentSettings } from './settings.ts';

export interface JointStateInput {
  /** receive time on the agent's steady clock, s */
  stampS: number;
  /** joint names as the message gives them (order not assumed) */
  names: readonly string[];
  position: ArrayLike<number>;
  velocity?: ArrayLike<number> | null;
  effort?: ArrayLike<number> | null;
}

export interface AgentInputs {
  jointState?: JointStateInput;
  latent?: { stampS: number; z: ArrayLike<number> };
}

export type TickStatus = 'ok' | 'no_goal' | 'no_joint_state' | 'planner_error' | 'hold';

export interface PlanTelemetry {
  planner: string;
  horizon: number;
  dtS: number;
  /** [T, A] */
  actions: Float64Array;
  /** [T+1, D] predicted states */
  states: Float64Array;
  cost: number;
  breakdown: TermCost[];
  iterations: number;
  rollouts: number;
  ms: number;
}

export interface AgentTelemetry {
  tick: number;
  status: TickStatus;
  hold: boolean;
  plan: PlanTelemetry | null;
  interventions: readonly Intervention[];
  tickMs: number;
  jointStateAgeS: number;
  latentAgeS: number;
  plannerError: string | null;
}

export interface AgentCommand {
  interface: 'position' | 'velocity';
  /** ordered by jointNames; finite and within limits (a copy the caller owns) */
  values: Float64Array;
  hold: boolean;
  /** false when nothing may be sent (a position hold before any position was ever known) */
  publish: boolean;
}

export interface AgentStepResult {
  command: AgentCommand;
  telemetry: AgentTelemetry;
}

export interface AgentOptions {
  chain: KinematicChain;
  settings: AgentSettings;
  /** size of the perception latent in the state; 0 without a camera */
  latentDim?: number;
  /** builds the world model for a settings snapshot; default: the kinematic model */
  createModel?: (settings: AgentSettings, latentDim: number) => WorldModel;
}

export class Agent {
  readonly chain: KinematicChain;
  readonly jointNames: readonly string[];
  readonly latentDim: number;
  private settings: AgentSettings;
  private pending: AgentSettings | null = null;
  private readonly createModel: (settings: AgentSettings, latentDim: number) => WorldModel;
  private model!: WorldModel;
  private planner!: Planner;
  private cost!: CostEvaluator;
  private limits!: SafetyLimits;
  private readonly safety: SafetyFilter;
  private readonly memory: ShortTermMemory;
  private readonly snap: MemorySnapshot;
  private keepOut: KeepOutZones = { boxes: new Float64Array(0), spheres: new Float64Array(0) };
  private goal: Goal | null = null;
  private needsPosture = false;
  private needsRoute = false;
  /** via configurations still to pass, nearest first */
  private route: Float64Array[] = [];
  private previous: Float64Array | null = null;
  private previousT = 0;
  private warm = new Float64Array(0);
  private prevAction: Float64Array;
  private readonly unknownPosition: Float64Array;
  private s0: Float64Array;
  private tickCount = 0;
  private plannerErrors = 0;

  constructor(opts: AgentOptions) {
    this.chain = opts.chain;
    this.jointNames = opts.chain.jointNames;
    this.latentDim = opts.latentDim ?? 0;
    this.settings = opts.settings;
    this.createModel =
      opts.createModel ??
      ((s, latentDim) =>
        new KinematicModel({ dof: this.chain.dof, dtS: plannerDt(s), actuatorLagS: s.worldModel.actuatorLagS, latentDim }));
    const dof = this.chain.dof;
    this.memory = new ShortTermMemory({ jointNames: this.jointNames, latentDim: this.latentDim, actionDim: dof, capacity: opts.settings.memory.capacity });
    this.snap = this.memory.createSnapshot();
    this.prevAction = new Float64Array(dof);
    this.unknownPosition = new Float64Array(dof).fill(Number.NaN);
    this.s0 = new Float64Array(makeStateLayout(this.latentDim, dof).stateDim);
    this.limits = this.buildLimits(opts.settings);
    this.safety = new SafetyFilter(this.jointNames, this.limits, safetyConfig(opts.settings));
    this.rebuild(opts.settings, null);
  }

  /** Queue a settings snapshot; it takes effect at the start of the next tick. */
  configure(settings: AgentSettings): void {
    this.pending = settings;
  }

  get currentSettings(): AgentSettings {
    return this.settings;
  }

  /**
   * Set or clear the goal (takes effect on the next tick). A pose goal without a posture gets one on the
   * next tick: an IK solution near the current configuration that respects the guardrails.
   */
  setGoal(goal: Goal | null): void {
    this.goal = goal ? { ...goal } : null;
    this.needsPosture = goal !== null && goal.eePosition !== undefined && goal.posture === undefined && goal.joints === undefined;
    this.needsRoute = goal !== null;
    this.route = [];
  }

  get currentGoal(): Goal | null {
    return this.goal;
  }

  estop(nowS: number): void {
    this.safety.estop(nowS);
  }

  get estopped(): boolean {
    return this.safety.estopped;
  }

  /** Clears memory and warm start, and releases the e-stop (the `~/reset` service). */
  reset(): void {
    this.safety.reset();
    this.memory.clear();
    this.previous = null;
    this.previousT = 0;
    this.prevAction.fill(0);
  }

  memoryRejected(): ReturnType<ShortTermMemory['rejected']> {
    return this.memory.rejected();
  }

  interventionCounts(): ReturnType<SafetyFilter['counts']> {
    return this.safety.counts();
  }

  get plannerErrorCount(): number {
    return this.plannerErrors;
  }

  /** One control tick at steady-clock time nowS. Never throws. */
  async step(nowS: number, inputs: AgentInputs = {}): Promise<AgentStepResult> {
    const t0 = performance.now();
    this.tickCount++;
    if (this.pending) {
      const next = this.pending;
      this.pending = null;
      this.rebuild(next, this.settings);
    }
    const s = this.settings;
    if (inputs.jointState) {
      const js = inputs.jointState;
      this.memory.pushJointStateByName(js.stampS, js.names, js.position, js.velocity ?? null, js.effort ?? null);
    }
    if (inputs.latent) this.memory.pushLatent(inputs.latent.stampS, inputs.latent.z);
    const snap = this.memory.snapshot(nowS, this.snap);
    const dof = this.chain.dof;
    const requested = new Float64Array(dof);
    let status: TickStatus = 'ok';
    let plan: PlanResult | null = null;
    let plannerError: string | null = null;

    if (!snap.joints.present) status = 'no_joint_state';
    else if (!this.goal || this.safety.estopped) status = this.goal ? 'hold' : 'no_goal';
    // a latent goal is measured against the camera's latent: without one yet there is nothing to plan from
    else if (this.goal.latent !== undefined && this.latentDim > 0 && !snap.latent.present) status = 'hold';
    else {
      try {
        plan = await this.plan(snap);
        if (s.commandInterface === 'velocity') requested.set(plan.actions.subarray(0, dof));
        else {
          // position target: the first predicted state's joint positions
          const D = this.model.stateDim;
          requested.set(plan.states.subarray(D + this.model.layout.qOffset, D + this.model.layout.qOffset + dof));
        }
      } catch (err) {
        this.plannerErrors++;
        status = 'planner_error';
        plannerError = err instanceof Error ? err.message : String(err);
        requested.fill(Number.NaN); // makes the filter hold
        this.previous = null;
      }
    }
    if (status === 'no_goal' || status === 'hold') {
      // no goal: stand still (velocity 0 / current position); the filter still limits it
      if (s.commandInterface === 'velocity') requested.fill(0);
      else requested.set(snap.joints.position);
    }
    const out = this.safety.filter({
      requested,
      // memory reads zeros before any joint state: the filter must see "unknown", never a position of 0
      measuredPosition: snap.joints.present ? snap.joints.position : this.unknownPosition,
      measuredVelocity: snap.joints.hasVelocity ? snap.joints.velocity : null,
      dtS: s.controlDtS,
      nowS,
      jointStateStampS: snap.joints.present ? snap.joints.stampS : null,
      perceptionStampS: snap.latent.present ? snap.latent.stampS : null,
    });
    const values = Float64Array.from(out.command);
    // the executed velocity feeds smoothness and the next state's velocity
    if (s.commandInterface === 'velocity') this.prevAction.set(values);
    else for (let j = 0; j < dof; j++) this.prevAction[j] = (values[j]! - snap.joints.position[j]!) / s.controlDtS;
    for (let j = 0; j < dof; j++) if (!Number.isFinite(this.prevAction[j]!)) this.prevAction[j] = 0;
    this.memory.pushAction(nowS, this.prevAction);
    if (out.hold && status === 'ok') status = 'hold';
    return {
      command: { interface: s.commandInterface, values, hold: out.hold, publish: out.publish },
      telemetry: {
        tick: this.tickCount,
        status,
        hold: out.hold,
        plan: plan
          ? {
              planner: s.planner.name,
              horizon: s.planner.horizon,
              dtS: plannerDt(s),
              actions: plan.actions,
              states: plan.states,
              cost: plan.cost,
              breakdown: plan.breakdown,
              iterations: plan.iterations,
              rollouts: plan.rollouts,
              ms: plan.ms,
            }
          : null,
        interventions: out.interventions.slice(),
        tickMs: performance.now() - t0,
        jointStateAgeS: snap.joints.ageS,
        latentAgeS: snap.latent.ageS,
        plannerError,
      },
    };
  }

  private async plan(snap: MemorySnapshot): Promise<PlanResult> {
    const s = this.settings;
    const { layout } = this.model;
    const dof = this.chain.dof;
    const s0 = this.s0;
    if (layout.latentDim > 0) s0.set(snap.latent.values.subarray(0, layout.latentDim), 0);
    for (let j = 0; j < dof; j++) {
      s0[layout.qOffset + j] = snap.joints.position[j]!;
      const v = snap.joints.hasVelocity ? snap.joints.velocity[j]! : this.prevAction[j]!;
      s0[layout.qdOffset + j] = Number.isFinite(v) ? v : 0;
    }
    if (this.needsPosture && this.goal) {
      this.needsPosture = false;
      this.goal.posture = this.postureFor(snap.joints.position);
    }
    if (this.needsRoute && this.goal) {
      this.needsRoute = false;
      const target = this.goal.joints ?? this.goal.posture;
      if (target) this.route = this.routeTo(snap.joints.position, target);
    }
    const via = this.route[0];
    if (via) {
      let err = 0;
      for (let j = 0; j < dof; j++) err = Math.max(err, Math.abs(snap.joints.position[j]! - via[j]!));
      if (err < VIA_REACHED_RAD) this.route.shift();
    }
    const T = s.planner.horizon;
    const A = this.model.actionDim;
    let warm: Float64Array | null = null;
    if (s.planner.warmStart && this.previous) {
      if (this.warm.length !== T * A) this.warm = new Float64Array(T * A);
      shiftWarmStart(this.previous, this.previousT, A, T, this.warm);
      warm = this.warm;
    }
    const base = this.costProblem();
    const next = this.route[0];
    const problem: PlanProblem = {
      ...base,
      ...(next ? { goal: { joints: next } } : {}),
      model: this.model,
      cost: this.cost,
      s0,
      horizon: T,
      actionLower: this.actionLower,
      actionUpper: this.actionUpper,
    };
    const result = await this.planner.plan(problem, warm, { iterations: s.planner.iterations, timeMs: s.planner.timeBudgetMs });
    this.previous = result.actions;
    this.previousT = T;
    return result;
  }

  /** IK solution of the current pose goal, scored by the goal terms and the position guardrails. */
  private postureFor(current: Float64Array): Float64Array {
    const keep = new Set(['ee_position', 'ee_orientation', 'joint_limits', 'self_collision', 'keep_out']);
    const terms = this.cost.terms.filter((t) => keep.has(t.name) && t.weight > 0);
    const problem = this.costProblem();
    const goal: Goal = { eePosition: problem.goal.eePosition! };
    if (problem.goal.eeRotation) goal.eeRotation = problem.goal.eeRotation;
    return solveIk(this.chain, terms, { ...problem, goal }, current).q;
  }

  /** Via configurations toward target when the straight joint-space path is blocked (see route.ts). */
  private routeTo(current: Float64Array, target: Float64Array): Float64Array[] {
    const zones = this.keepOut;
    const checker = new RouteChecker(this.chain, zones, this.limits.lower, this.limits.upper);
    const c = this.settings.cost;
    // segments stay outside the cost margins, but the endpoints themselves never block the search
    const selfA = new Float64Array(1);
    const selfB = new Float64Array(1);
    const zoneA = checker.clearance(current, selfA);
    const zoneB = checker.clearance(target, selfB);
    return (
      checker.plan(current, target, {
        zoneClearanceM: Math.min(c.keepOut.marginM, zoneA, zoneB) - 1e-6,
        selfClearanceM: Math.min(c.selfCollision.marginM, selfA[0]!, selfB[0]!) - 1e-6,
      }) ?? []
    );
  }

  /** via configurations (for telemetry) */
  get viaPoints(): readonly Float64Array[] {
    return this.route;
  }

  private actionLower = new Float64Array(0);
  private actionUpper = new Float64Array(0);

  private costProblem(): CostProblem {
    return {
      layout: this.model.layout,
      dtS: this.model.dtS,
      goal: this.goal ?? {},
      limits: { lower: this.limits.lower, upper: this.limits.upper, maxVel: this.limits.maxVel, maxAcc: this.limits.maxAcc },
      keepOut: this.keepOut,
      prevAction: this.prevAction,
    };
  }

  private buildLimits(s: AgentSettings): SafetyLimits {
    return buildSafetyLimits(this.jointNames, this.chain.limits, {
      positionMarginRad: s.safety.positionMarginRad,
      velocityScale: s.safety.velocityScale,
      defaultMaxAccRadS2: s.safety.maxAccelerationRadS2,
      ...(s.safety.maxJerkRadS3 > 0 ? { maxJerkRadS3: s.safety.maxJerkRadS3 } : {}),
    });
  }

  /** Applies a settings snapshot: rebuilds what changed, retunes the rest in place. */
  private rebuild(next: AgentSettings, prev: AgentSettings | null): void {
    const modelChanged = !prev || plannerDt(prev) !== plannerDt(next) || prev.worldModel.actuatorLagS !== next.worldModel.actuatorLagS;
    if (modelChanged) this.model = this.createModel(next, this.latentDim);
    if (!prev) this.cost = new CostEvaluator(buildCostTerms(next.cost), this.chain);
    else applyCostSettings(this.cost.terms, next.cost);
    if (!prev || prev.planner.name !== next.planner.name) {
      this.planner = createPlanner(next.planner.name, next.planner.settings);
      this.previous = null;
    } else this.planner.configure(next.planner.settings);
    if (prev && prev.safety !== next.safety) {
      this.limits = this.buildLimits(next);
      this.safety.updateConfig(safetyConfig(next), this.limits);
    }
    const dof = this.chain.dof;
    this.actionLower = new Float64Array(dof);
    this.actionUpper = new Float64Array(dof);
    for (let j = 0; j < dof; j++) {
      const v = this.limits.maxVel[j]!;
      const bound = Number.isFinite(v) ? v : 10;
      this.actionLower[j] = -bound;
      this.actionUpper[j] = bound;
    }
    this.keepOut = { boxes: Float64Array.from(next.keepOutBoxes), spheres: Float64Array.from(next.keepOutSpheres) };
    this.settings = next;
  }
}

/** a via configuration counts as passed within this joint error, rad */
const VIA_REACHED_RAD = 0.15;

export function plannerDt(s: AgentSettings): number {
  return s.planner.dtS > 0 ? s.planner.dtS : s.controlDtS;
}

function safetyConfig(s: AgentSettings): SafetyConfig {
  return {
    commandInterface: s.commandInterface,
    positionMarginRad: s.safety.positionMarginRad,
    velocityScale: s.safety.velocityScale,
    jointStateMaxAgeS: s.safety.jointStateMaxAgeS,
    perceptionMaxAgeS: s.safety.perceptionMaxAgeS > 0 ? s.safety.perceptionMaxAgeS : null,
  };
}
