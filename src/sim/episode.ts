/**
 * Runs simulated episodes against an agent that it reaches only through the bus, as a test operator
 * would: reset the simulator to the start, call the agent's `~/reset`, publish the goal on
 * `~/goal_joints` or `~/goal_pose` (or a goal image on the perception node's goal image topic), and the
 * episode's keep-out zones as parameters, then let the clock run until the goal is reached or the
 * tick limit passes.
 *
 * Success and violations are judged from the simulator's true state, never from what the agent
 * believes: joints within `jointTolRad` of a joint goal, or the end effector within `eePosTolM`
 * (and `eeAngleTolRad` when an orientation is given) of a pose goal; a limit violation is a sample
 * (at the joint-state rate) with a joint beyond its URDF limit by more than `limitTolRad`, a keep-out
 * violation a sample with any moving collision shape inside a zone.
 */
import type { InProcessBus } from '../bus/in-process.ts';
import { makeHeader } from '../bus/messages.ts';
import type { BusNode } from '../bus/port.ts';
import type { KinematicChain } from '../robot/chain.ts';
import { ConfigurationChecker } from './episode-sampling.ts';
import { zonesToParameters, type EpisodeSpec } from './episode-scenario.ts';
import type { KeepOutZone } from './keep-out.ts';
import type { SimNode } from './sim-node.ts';

export interface EpisodeRunnerOptions {
  bus: InProcessBus;
  simNode: SimNode;
  chain: KinematicChain;
  /** fully qualified name of the agent node (its ~/goal_joints, ~/goal_pose, ~/reset and parameters are used) */
  agentNodeName: string;
  /** control period of the agent, s: success is checked once per period */
  controlDtS: number;
  /** frame of pose goals (the chain's base link) */
  baseFrame: string;
  /** zones the agent is configured with (checked in every episode) */
  keepOut: readonly KeepOutZone[];
  /**
   * Manual clock only: resolves when the agent has finished the tick the clock just started (its
   * planning may be asynchronous). Without it the agent's command lands one period late.
   */
  settle?: () => Promise<void>;
  /** consecutive control ticks the goal must hold for success; default 1 */
  holdTicks?: number;
  /** where image goals are published (a perception node's `~/goal_image`); required for image goals */
  goalImageTopic?: string;
  jointTolRad?: number;
  eePosTolM?: number;
  eeAngleTolRad?: number;
  limitTolRad?: number;
}

export interface EpisodeResult {
  goal: 'joints' | 'pose' | 'image';
  success: boolean;
  /** control ticks run */
  ticks: number;
  /** s of simulated time from the goal to success; null on failure */
  timeToGoalS: number | null;
  /** largest joint error at the end, rad (joint goals only) */
  finalJointErrorRad: number | null;
  /** end-effector distance to the goal position at the end, m (for joint goals: to FK of the goal) */
  finalEeErrorM: number;
  /** end-effector angle to the goal orientation at the end, rad; null without an orientation */
  finalEeAngleRad: number | null;
  limitViolations: number;
  keepOutViolations: number;
}

export class EpisodeRunner {
  private readonly opts: EpisodeRunnerOptions;
  private readonly driver: BusNode;
  private readonly goalJointsPub;
  private readonly goalPosePub;
  private readonly goalImagePub;
  private readonly resetClient;
  private readonly configured: { boxes: number[]; spheres: number[] };
  private readonly checker: ConfigurationChecker;
  private readonly q: Float64Array;
  private zones: readonly KeepOutZone[];
  private zonesChanged = false;
  private counting = false;
  private limitSamples = 0;
  private keepOutSamples = 0;
  private readonly stopCounting: () => void;

  constructor(opts: EpisodeRunnerOptions) {
    this.opts = opts;
    this.driver = opts.bus.createNode('odra_sim_episodes');
    this.goalJointsPub = this.driver.createPublisher('sensor_msgs/msg/JointState', `${opts.agentNodeName}/goal_joints`);
    this.goalPosePub = this.driver.createPublisher('geometry_msgs/msg/PoseStamped', `${opts.agentNodeName}/goal_pose`);
    this.goalImagePub = opts.goalImageTopic !== undefined ? this.driver.createPublisher('sensor_msgs/msg/Image', opts.goalImageTopic, { depth: 1 }) : null;
    this.resetClient = this.driver.createClient('std_srvs/srv/Trigger', `${opts.agentNodeName}/reset`);
    this.configured = zonesToParameters(opts.keepOut);
    this.checker = new ConfigurationChecker(opts.chain, []);
    this.q = new Float64Array(opts.chain.dof);
    this.zones = opts.keepOut;
    const limitTolRad = opts.limitTolRad ?? 1e-3;
    this.stopCounting = opts.simNode.onStep(() => {
      if (!this.counting) return;
      const sim = opts.simNode.sim;
      if (sim.limitViolations(limitTolRad) > 0) this.limitSamples++;
      if (this.zones.length > 0 && sim.keepOutPenetration(this.zones) > 0) this.keepOutSamples++;
    });
  }

  /**
   * Runs one episode to success or `maxTicks` control ticks; with `untilGoal` false, always for
   * `maxTicks` ticks (success is then whether the goal was reached at the end).
   */
  async run(spec: EpisodeSpec, maxTicks: number, untilGoal = true): Promise<EpisodeResult> {
    const { bus, controlDtS } = this.opts;
    const manual = bus.mode === 'manual';
    this.opts.simNode.reset(spec.start);
    await this.setZones(spec.keepOut);
    await this.callReset();
    this.publishGoal(spec);
    if (manual) bus.spinOnce();
    this.limitSamples = 0;
    this.keepOutSamples = 0;
    this.counting = true;
    const t0 = bus.steadyNowS();
    let ticks = 0;
    let reachedAtS = 0;
    let success = false;
    let held = 0;
    const holdTicks = Math.max(1, this.opts.holdTicks ?? 1);
    try {
      while (ticks < maxTicks) {
        ticks++;
        if (manual) {
          bus.advanceTo(t0 + ticks * controlDtS);
          if (this.opts.settle !== undefined) {
            await this.opts.settle();
            // the command goes out at the tick's instant, before the physics moves on
            bus.spinOnce();
          }
        } else await sleep(controlDtS * 1000);
        if (untilGoal) {
          if (!this.isReached(this.measure(spec))) held = 0;
          else if (++held === 1) reachedAtS = bus.steadyNowS() - t0;
          if (held >= holdTicks) {
            success = true;
            break;
          }
        }
      }
    } finally {
      this.counting = false;
    }
    const m = this.measure(spec);
    if (!untilGoal && this.isReached(m)) {
      success = true;
      reachedAtS = bus.steadyNowS() - t0;
    }
    return {
      goal: spec.goal.kind,
      success,
      ticks,
      timeToGoalS: success ? reachedAtS : null,
      finalJointErrorRad: m.jointErr,
      finalEeErrorM: m.eeErr,
      finalEeAngleRad: m.angleErr,
      limitViolations: this.limitSamples,
      keepOutViolations: this.keepOutSamples,
    };
  }

  destroy(): void {
    this.stopCounting();
    this.driver.destroy();
  }

  private isReached(m: { jointErr: number | null; eeErr: number; angleErr: number | null }): boolean {
    if (m.jointErr !== null) return m.jointErr < (this.opts.jointTolRad ?? 0.02);
    return m.eeErr < (this.opts.eePosTolM ?? 0.01) && (m.angleErr === null || m.angleErr < (this.opts.eeAngleTolRad ?? 0.1));
  }

  /** Errors of the simulator's true state against the goal. */
  private measure(spec: EpisodeSpec): { jointErr: number | null; eeErr: number; angleErr: number | null } {
    const q = this.opts.simNode.sim.jointPositions(this.q);
    const ee = this.checker.endEffector(q);
    const g = spec.goal;
    if (g.kind === 'joints') {
      let jointErr = 0;
      for (let j = 0; j < q.length; j++) jointErr = Math.max(jointErr, Math.abs(q[j]! - g.joints[j]!));
      const target = this.checker.endEffector(g.joints).position;
      return { jointErr, eeErr: distance(ee.position, target), angleErr: null };
    }
    if (g.kind === 'image') return { jointErr: null, eeErr: distance(ee.position, g.position), angleErr: null };
    const angleErr = g.orientation === null ? null : rotationAngle(ee.rotation, quaternionMatrix(g.orientation));
    return { jointErr: null, eeErr: distance(ee.position, g.position), angleErr };
  }

  private publishGoal(spec: EpisodeSpec): void {
    const stamp = makeHeader(this.opts.bus.nowS(), this.opts.baseFrame);
    const g = spec.goal;
    if (g.kind === 'joints') {
      this.goalJointsPub.publish({
        header: stamp,
        name: [...this.opts.chain.jointNames],
        position: Float64Array.from(g.joints),
        velocity: new Float64Array(0),
        effort: new Float64Array(0),
      });
      return;
    }
    if (g.kind === 'image') {
      if (this.goalImagePub === null) throw new Error('EpisodeRunner: an image goal needs the goalImageTopic option');
      this.goalImagePub.publish({ ...g.image, header: { ...stamp, frame_id: g.image.header.frame_id } });
      return;
    }
    const o = g.orientation ?? Float64Array.of(0, 0, 0, 0);
    this.goalPosePub.publish({
      header: stamp,
      pose: {
        position: { x: g.position[0]!, y: g.position[1]!, z: g.position[2]! },
        orientation: { x: o[0]!, y: o[1]!, z: o[2]!, w: o[3]! },
      },
    });
  }

  private async callReset(): Promise<void> {
    const pending = this.resetClient.call({});
    if (this.opts.bus.mode === 'manual') this.opts.bus.spinOnce();
    const res = await pending;
    if (!res.success) throw new Error(`${this.opts.agentNodeName}/reset failed: ${res.message}`);
  }

  /** Tells the agent the episode's zones (configured + scenario) through its parameters, like `ros2 param set`. */
  private async setZones(extra: readonly KeepOutZone[]): Promise<void> {
    if (extra.length === 0 && !this.zonesChanged) return;
    const all = [...this.opts.keepOut, ...extra];
    const p = extra.length === 0 ? this.configured : zonesToParameters(all);
    const res = this.opts.bus.setParametersAtomically(this.opts.agentNodeName, [
      { name: 'keep_out.boxes', type: 'double_array', value: p.boxes },
      { name: 'keep_out.spheres', type: 'double_array', value: p.spheres },
    ]);
    if (!res.successful) throw new Error(`cannot set the episode's keep-out zones: ${res.reason}`);
    this.zones = all;
    this.zonesChanged = extra.length > 0;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}

/** Unit quaternion (x, y, z, w) → row-major rotation. */
function quaternionMatrix(q: ArrayLike<number>): Float64Array {
  const n = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
  const x = q[0]! / n;
  const y = q[1]! / n;
  const z = q[2]! / n;
  const w = q[3]! / n;
  return Float64Array.of(
    1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
    2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
    2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
  );
}

/** Angle of the rotation taking b to a, rad. */
function rotationAngle(a: ArrayLike<number>, b: ArrayLike<number>): number {
  // trace(bᵀ a) = 1 + 2 cos θ
  let tr = 0;
  for (let k = 0; k < 9; k++) tr += a[k]! * b[k]!;
  return Math.acos(Math.min(1, Math.max(-1, (tr - 1) / 2)));
}
