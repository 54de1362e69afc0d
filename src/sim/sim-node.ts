/**
 * The simulator on the bus: speaks the topics a Gazebo + ros2_control setup would, so the agent node
 * cannot tell the embedded simulator from a real one.
 *
 *   in  /forward_position_controller/commands          Float64MultiArray, joint-list order
 *   in  /forward_velocity_controller/commands          Float64MultiArray, joint-list order
 *   in  /joint_trajectory_controller/joint_trajectory  JointTrajectory, followed by interpolation
 *   out /joint_states                                  JointState (may be in shuffled order; names kept)
 *   out /camera/image_raw, /camera/camera_info         rgb8 ray-cast frames (SensorData QoS)
 *
 * Physics advances in the joint-state timer by the steady time since the last advance: in lockstep
 * with the in-process bus's manual clock (as fast as the CPU allows), or in real time on a realtime bus.
 * Only the forward controller matching the simulator's command interface is active; commands on the
 * other one are dropped and counted, as are wrong-size or non-finite commands. A forward command
 * cancels a trajectory being followed. Frames are not rendered while nobody subscribes to them.
 */
import type { CameraInfo, Float64MultiArray, Image, JointState, JointTrajectory } from '../bus/messages.ts';
import { makeHeader } from '../bus/messages.ts';
import type { BusNode, Publisher, Subscription, Timer } from '../bus/port.ts';
import { QOS_SENSOR_DATA } from '../bus/qos.ts';
import { CameraRenderer } from './camera.ts';
import { Rng } from './random.ts';
import type { Simulator } from './simulator.ts';

export interface SimTopics {
  jointStates: string;
  positionCommands: string;
  velocityCommands: string;
  jointTrajectory: string;
  image: string;
  cameraInfo: string;
}

export const DEFAULT_SIM_TOPICS: Readonly<SimTopics> = Object.freeze({
  jointStates: '/joint_states',
  positionCommands: '/forward_position_controller/commands',
  velocityCommands: '/forward_velocity_controller/commands',
  jointTrajectory: '/joint_trajectory_controller/joint_trajectory',
  image: '/camera/image_raw',
  cameraInfo: '/camera/camera_info',
});

export interface SimCameraOptions {
  /** frames per second; default 10; 0 = no camera topics */
  rateHz?: number;
  /** pixels; default 64 */
  width?: number;
  /** pixels; default 64 */
  height?: number;
}

export interface SimNodeOptions {
  /** physics advance and joint-state rate, Hz; default 100 */
  jointStateRateHz?: number;
  /** camera settings; false = no camera topics (also when the robot has no camera link) */
  camera?: SimCameraOptions | false;
  /** when set, every joint state lists the joints in a fresh order drawn from this seed */
  shuffleSeed?: number;
  topics?: Partial<SimTopics>;
  /** longest physics advance one timer expiry may make, s (a stalled realtime loop does not jump); default 0.1 */
  maxAdvanceS?: number;
  /** trajectory following on the velocity interface: velocity per rad of position error, 1/s; default 10 */
  trajectoryGainPerS?: number;
}

export interface SimNodeStats {
  /** forward commands applied */
  commands: number;
  /** trajectories accepted */
  trajectories: number;
  jointStates: number;
  images: number;
  /** camera expiries skipped because nobody subscribed */
  rendersSkipped: number;
}

/** A trajectory being followed, in the simulator's joint order. */
interface ActiveTrajectory {
  startS: number;
  /** [P] s from start */
  times: Float64Array;
  /** [P, n] */
  positions: Float64Array;
  /** [P, n], or null when the message had none */
  velocities: Float64Array | null;
  /** joint positions when it arrived, the start of the first segment */
  from: Float64Array;
}

export class SimNode {
  readonly node: BusNode;
  readonly sim: Simulator;
  readonly topics: Readonly<SimTopics>;
  readonly stats: SimNodeStats = { commands: 0, trajectories: 0, jointStates: 0, images: 0, rendersSkipped: 0 };
  private readonly drops = new Map<string, number>();
  private readonly n: number;
  private readonly index: ReadonlyMap<string, number>;
  private readonly maxAdvanceS: number;
  private readonly gainPerS: number;
  private readonly rng: Rng | null;
  private readonly jsPub: Publisher<JointState>;
  private readonly imagePub: Publisher<Image> | null = null;
  private readonly infoPub: Publisher<CameraInfo> | null = null;
  private readonly renderer: CameraRenderer | null = null;
  private readonly subs: Subscription[] = [];
  private readonly timers: Timer[] = [];
  private readonly stepListeners: ((nowS: number) => void)[] = [];
  private readonly q: Float64Array;
  private readonly qd: Float64Array;
  private readonly effort: Float64Array;
  private readonly cmd: Float64Array;
  private readonly camPos = new Float64Array(3);
  private readonly camMat = new Float64Array(9);
  private trajectory: ActiveTrajectory | null = null;
  private lastAdvanceS: number;

  constructor(node: BusNode, sim: Simulator, opts: SimNodeOptions = {}) {
    this.node = node;
    this.sim = sim;
    this.topics = { ...DEFAULT_SIM_TOPICS, ...opts.topics };
    this.n = sim.jointNames.length;
    this.index = new Map(sim.jointNames.map((name, i) => [name, i] as const));
    this.maxAdvanceS = opts.maxAdvanceS ?? 0.1;
    this.gainPerS = opts.trajectoryGainPerS ?? 10;
    this.rng = opts.shuffleSeed === undefined ? null : new Rng(opts.shuffleSeed);
    this.q = new Float64Array(this.n);
    this.qd = new Float64Array(this.n);
    this.effort = new Float64Array(this.n);
    this.cmd = new Float64Array(this.n);
    const rateHz = opts.jointStateRateHz ?? 100;
    if (!(rateHz > 0 && rateHz <= 1000)) throw new RangeError(`jointStateRateHz must be in (0, 1000], got ${rateHz}`);

    this.jsPub = node.createPublisher('sensor_msgs/msg/JointState', this.topics.jointStates);
    this.subs.push(
      node.createSubscription('std_msgs/msg/Float64MultiArray', this.topics.positionCommands, (m) => this.onForward('position', m)),
      node.createSubscription('std_msgs/msg/Float64MultiArray', this.topics.velocityCommands, (m) => this.onForward('velocity', m)),
      node.createSubscription('trajectory_msgs/msg/JointTrajectory', this.topics.jointTrajectory, (m) => this.onTrajectory(m)),
    );
    const cam = opts.camera === false ? null : (opts.camera ?? {});
    const camRateHz = cam?.rateHz ?? 10;
    if (cam !== null && camRateHz > 0 && sim.cameraLink !== null) {
      this.renderer = new CameraRenderer({
        width: cam.width ?? 64,
        height: cam.height ?? 64,
        fovYDeg: sim.cameraFovYDeg,
        frameId: sim.cameraLink,
      });
      this.imagePub = node.createPublisher('sensor_msgs/msg/Image', this.topics.image, QOS_SENSOR_DATA);
      this.infoPub = node.createPublisher('sensor_msgs/msg/CameraInfo', this.topics.cameraInfo, QOS_SENSOR_DATA);
    }
    this.lastAdvanceS = node.steadyNowS();
    // physics first: at equal times this timer runs before the camera's, so frames show the new state
    this.timers.push(node.createTimer(1 / rateHz, () => this.advance()));
    if (this.renderer !== null) this.timers.push(node.createTimer(1 / camRateHz, () => this.publishFrame()));
  }

  /** Commands dropped, by reason (`inactive_controller`, `wrong_size`, `non_finite`, ...). */
  dropped(): Record<string, number> {
    return Object.fromEntries(this.drops);
  }

  /** Puts the robot at q0 at rest, forgets commands and trajectories; physics resumes from now. */
  reset(q0: ArrayLike<number>): void {
    this.sim.reset(q0);
    this.trajectory = null;
    this.lastAdvanceS = this.node.steadyNowS();
  }

  /** Called after every physics advance with the node time (for ground-truth checks). */
  onStep(listener: (nowS: number) => void): () => void {
    this.stepListeners.push(listener);
    return () => {
      const i = this.stepListeners.indexOf(listener);
      if (i >= 0) this.stepListeners.splice(i, 1);
    };
  }

  destroy(): void {
    for (const s of this.subs) s.destroy();
    for (const t of this.timers) t.destroy();
    this.jsPub.destroy();
    this.imagePub?.destroy();
    this.infoPub?.destroy();
  }

  private drop(reason: string, detail: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.node.logger.throttle('warn', 5, `dropped a command (${reason}): ${detail}`, reason);
  }

  private onForward(kind: 'position' | 'velocity', msg: Float64MultiArray): void {
    if (kind !== this.sim.commandInterface) {
      return this.drop('inactive_controller', `the simulated robot takes ${this.sim.commandInterface} commands, not ${kind}`);
    }
    const data = msg.data;
    if (data === undefined || data.length !== this.n) return this.drop('wrong_size', `expected ${this.n} values, got ${data?.length}`);
    for (let i = 0; i < this.n; i++) if (!Number.isFinite(data[i]!)) return this.drop('non_finite', `value ${i} is ${data[i]}`);
    this.trajectory = null;
    this.sim.setCommand(data);
    this.stats.commands++;
  }

  private onTrajectory(msg: JointTrajectory): void {
    const names = msg.joint_names ?? [];
    const points = msg.points ?? [];
    if (points.length === 0) {
      // an empty trajectory stops the robot where it is
      this.trajectory = null;
      this.holdHere();
      return;
    }
    const order = new Int32Array(names.length).fill(-1);
    const seen = new Uint8Array(this.n);
    names.forEach((name, k) => {
      const i = this.index.get(name);
      if (i !== undefined && seen[i] === 0) {
        seen[i] = 1;
        order[k] = i;
      }
    });
    if (seen.some((s) => s === 0)) return this.drop('missing_joint', `joint_names must name every simulated joint: ${this.sim.jointNames.join(', ')}`);
    const P = points.length;
    const times = new Float64Array(P);
    const positions = new Float64Array(P * this.n);
    const hasVel = points.every((p) => p.velocities !== undefined && p.velocities.length === names.length);
    const velocities = hasVel ? new Float64Array(P * this.n) : null;
    let prevT = 0;
    for (let p = 0; p < P; p++) {
      const pt = points[p]!;
      if (pt.positions === undefined || pt.positions.length !== names.length) {
        return this.drop('wrong_size', `point ${p} has ${pt.positions?.length} positions for ${names.length} joints`);
      }
      const tS = pt.time_from_start.sec + pt.time_from_start.nanosec * 1e-9;
      if (!Number.isFinite(tS) || tS < prevT) return this.drop('bad_time', `point ${p} time_from_start ${tS} s is not increasing`);
      times[p] = tS;
      prevT = tS;
      for (let k = 0; k < names.length; k++) {
        const i = order[k]!;
        if (i < 0) continue;
        const x = pt.positions[k]!;
        const v = velocities !== null ? pt.velocities[k]! : 0;
        if (!Number.isFinite(x) || !Number.isFinite(v)) return this.drop('non_finite', `point ${p} joint '${names[k]}'`);
        positions[p * this.n + i] = x;
        if (velocities !== null) velocities[p * this.n + i] = v;
      }
    }
    this.trajectory = { startS: this.node.steadyNowS(), times, positions, velocities, from: this.sim.jointPositions() };
    this.stats.trajectories++;
  }

  private holdHere(): void {
    if (this.sim.commandInterface === 'position') this.sim.setCommand(this.sim.jointPositions(this.q));
    else this.sim.setCommand(this.cmd.fill(0));
  }

  /** Sets the command from the trajectory at steady time nowS (linear between points, hold after the last). */
  private followTrajectory(nowS: number): void {
    const tr = this.trajectory;
    if (tr === null) return;
    const n = this.n;
    const t = nowS - tr.startS;
    const P = tr.times.length;
    const pos = this.cmd;
    let vff = 0;
    let seg = 0;
    while (seg < P && tr.times[seg]! < t) seg++;
    const velocity = this.sim.commandInterface === 'velocity';
    const q = velocity ? this.sim.jointPositions(this.q) : this.q;
    for (let i = 0; i < n; i++) {
      let x: number;
      if (seg >= P) {
        x = tr.positions[(P - 1) * n + i]!;
        vff = 0;
      } else {
        const t1 = tr.times[seg]!;
        const t0 = seg === 0 ? 0 : tr.times[seg - 1]!;
        const x0 = seg === 0 ? tr.from[i]! : tr.positions[(seg - 1) * n + i]!;
        const x1 = tr.positions[seg * n + i]!;
        const span = t1 - t0;
        const a = span > 0 ? Math.min(Math.max((t - t0) / span, 0), 1) : 1;
        x = x0 + a * (x1 - x0);
        vff = tr.velocities !== null ? tr.velocities[seg * n + i]! : span > 0 ? (x1 - x0) / span : 0;
      }
      pos[i] = velocity ? vff + this.gainPerS * (x - q[i]!) : x;
    }
    this.sim.setCommand(pos);
  }

  private advance(): void {
    const nowS = this.node.steadyNowS();
    const dtS = Math.min(nowS - this.lastAdvanceS, this.maxAdvanceS);
    this.lastAdvanceS = nowS;
    this.followTrajectory(nowS);
    if (dtS > 0) this.sim.step(dtS);
    this.publishJointState();
    for (const l of this.stepListeners) l(this.node.nowS());
  }

  private publishJointState(): void {
    const n = this.n;
    this.sim.jointPositions(this.q);
    this.sim.jointVelocities(this.qd);
    this.sim.jointEfforts(this.effort);
    const order = Array.from({ length: n }, (_, i) => i);
    if (this.rng !== null) {
      for (let i = n - 1; i > 0; i--) {
        const k = this.rng.int(0, i + 1);
        [order[i], order[k]] = [order[k]!, order[i]!];
      }
    }
    const msg: JointState = {
      header: makeHeader(this.node.nowS()),
      name: order.map((i) => this.sim.jointNames[i]!),
      position: Float64Array.from(order, (i) => this.q[i]!),
      velocity: Float64Array.from(order, (i) => this.qd[i]!),
      effort: Float64Array.from(order, (i) => this.effort[i]!),
    };
    this.jsPub.publish(msg);
    this.stats.jointStates++;
  }

  private publishFrame(): void {
    const renderer = this.renderer;
    if (renderer === null || this.imagePub === null || this.infoPub === null) return;
    if (this.imagePub.subscriptionCount() === 0 && this.infoPub.subscriptionCount() === 0) {
      this.stats.rendersSkipped++;
      return;
    }
    const stampS = this.node.nowS();
    if (this.imagePub.subscriptionCount() > 0 && this.sim.cameraPose(this.camPos, this.camMat)) {
      const img = renderer.render(this.sim.geomPoses(), this.camPos, this.camMat, stampS);
      this.imagePub.publish(img);
      this.stats.images++;
    }
    const info = renderer.cameraInfo(stampS);
    this.infoPub.publish({
      ...info,
      d: Float64Array.from(info.d),
      k: Float64Array.from(info.k),
      r: Float64Array.from(info.r),
      p: Float64Array.from(info.p),
    });
  }
}
