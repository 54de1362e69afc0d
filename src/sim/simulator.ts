/**
 * The embedded simulator: a RobotModel in MuJoCo (WebAssembly) driven like a ros2_control forward
 * command controller. A plain class with no transport; the caller steps it, commands it and reads
 * joint states, geom poses and ground-truth checks from it.
 *
 * Drives: each joint has a PD position drive (MuJoCo `position` actuator) with gravity
 * compensation routed through the drive and the total torque clipped to the URDF effort. The gains
 * are set from each joint's largest inertia over sampled configurations so every joint gets the
 * same closed-loop bandwidth. Position interface: the command is the drive's target, clamped to the
 * joint range. Velocity interface: the command (clamped to the URDF velocity) is integrated into
 * the target at the physics rate and fed forward to the damping term, which is how a real
 * velocity-interface drive tracks (no steady-state velocity error, no drift); the target is kept
 * within the joint range and within `maxLagRad` of the joint so it cannot wind up when blocked.
 */
import { readFileSync } from 'node:fs';
import type { JointLimits, RobotModel } from '../robot/types.ts';
import { keepOutPenetration } from './keep-out.ts';
import type { KeepOutZone } from './keep-out.ts';
import { DEFAULT_CAMERA_FOVY_DEG, generateMjcf, MjcfError } from './mjcf.ts';
import type { CommandInterface, MjcfResult } from './mjcf.ts';
import { loadModelFromXml, loadMujoco } from './mujoco.ts';
import type { MainModule, MjData, MjModel } from './mujoco.ts';
import { Rng, sampleInLimits } from './random.ts';
import { createGeomSet } from './scene.ts';
import type { GeomSet } from './scene.ts';
import { readUrdfExtras } from './urdf-extras.ts';
import type { UrdfExtras } from './urdf-extras.ts';

export type { CommandInterface } from './mjcf.ts';
export type { KeepOutZone } from './keep-out.ts';

export interface SimulatorOptions {
  robot: RobotModel;
  /** the URDF file, read for inertials, colours and joint damping */
  urdfPath?: string;
  /** the URDF text itself (instead of urdfPath) */
  urdfXml?: string;
  commandInterface: CommandInterface;
  /** physics step, s; default 0.002 (500 Hz); at most 0.002 */
  timestepS?: number;
  /** commanded joints in command/readout order; other movable joints hold their reset position */
  jointNames: string[];
  /** arm contacts with the fixed world (table, obstacle, camera post); default true */
  collisions?: boolean;
  /** floor height, m; default just below the lowest fixed shape; null = no floor */
  floorZ?: number | null;
  /** optical-frame link of the camera; default `camera_optical_frame` when the robot has it */
  cameraLink?: string | null;
  cameraFovYDeg?: number;
  /** closed-loop bandwidth of every joint drive, Hz; default 5 */
  driveBandwidthHz?: number;
  /** damping ratio of the drives at their largest inertia; default 1 */
  driveDampingRatio?: number;
  /** velocity interface: how far the integrated target may lead the joint, rad; default 0.25 */
  maxLagRad?: number;
  /** reflected rotor inertia per joint, kg·m²; default 0.02 */
  armature?: number;
}

export interface SimulatorStats {
  /** physics steps taken since creation */
  steps: number;
  /** command entries ignored for being NaN or infinite */
  nonFiniteCommandValues: number;
  /** whole commands ignored for having the wrong length */
  rejectedCommands: number;
  /** step() calls ignored for a negative or non-finite duration */
  rejectedSteps: number;
  /** times MuJoCo found the state diverging and reset it */
  instabilityResets: number;
}

/** Gains per drive: kp in N·m/rad, kv in N·m·s/rad. */
export interface DriveGains {
  joint: string;
  inertiaKgM2: number;
  kp: number;
  kv: number;
}

interface Views {
  buffer: ArrayBufferLike;
  qpos: Float64Array;
  qvel: Float64Array;
  ctrl: Float64Array;
  qfrcActuator: Float64Array;
  geomXpos: Float64Array;
  geomXmat: Float64Array;
  xpos: Float64Array;
  xmat: Float64Array;
}

const MJ_OBJ_BODY = 1;
const MJ_OBJ_JOINT = 3;
const MJ_OBJ_GEOM = 5;
const MJ_OBJ_ACTUATOR = 19;
// mjNGAIN and mjNBIAS: parameters per actuator in actuator_gainprm / actuator_biasprm
const NPRM = 10;

export class SimConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid simulator options: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
    this.name = 'SimConfigError';
  }
}

export class Simulator {
  readonly jointNames: readonly string[];
  readonly commandInterface: CommandInterface;
  readonly timestepS: number;
  /** per commanded joint, from the URDF */
  readonly limits: readonly JointLimits[];
  readonly gains: readonly DriveGains[];
  /** shapes that could not be simulated (meshes, empty shapes) */
  readonly skipped: readonly string[];
  /** the generated MJCF document */
  readonly mjcf: string;
  readonly cameraLink: string | null;
  readonly cameraFovYDeg: number;
  readonly stats: SimulatorStats = {
    steps: 0,
    nonFiniteCommandValues: 0,
    rejectedCommands: 0,
    rejectedSteps: 0,
    instabilityResets: 0,
  };

  private readonly mj: MainModule;
  private model: MjModel | null;
  private data: MjData | null;
  private views: Views;
  private readonly n: number;
  private readonly qposAdr: Int32Array;
  private readonly dofAdr: Int32Array;
  private readonly actId: Int32Array;
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  private readonly maxVel: Float64Array;
  /** drives of movable joints that are not commanded: [actuator id, qpos adr] pairs */
  private readonly heldAct: Int32Array;
  private readonly heldTarget: Float64Array;
  /** position targets (position interface) or velocities (velocity interface) */
  private readonly command: Float64Array;
  /** velocity interface: integrated position targets */
  private readonly target: Float64Array;
  /** velocity interface: the velocity fed forward (0 while the target rests on a joint limit) */
  private readonly feedVel: Float64Array;
  private readonly kvOverKp: Float64Array;
  private readonly maxLagRad: number;
  private readonly geomSet: GeomSet;
  private readonly geomIds: Int32Array;
  private readonly cameraBody: number;
  /** time not yet stepped (less than one physics step), s */
  private pendingS = 0;
  private stepsSinceReset = 0;

  private constructor(
    mj: MainModule,
    model: MjModel,
    result: MjcfResult,
    opts: SimulatorOptions,
    timestepS: number,
  ) {
    this.mj = mj;
    this.model = model;
    this.data = new mj.MjData(model);
    this.views = this.readViews();
    this.jointNames = [...opts.jointNames];
    this.commandInterface = opts.commandInterface;
    this.timestepS = timestepS;
    this.mjcf = result.xml;
    this.skipped = result.skipped;
    this.cameraLink = result.cameraLink;
    this.cameraFovYDeg = opts.cameraFovYDeg ?? DEFAULT_CAMERA_FOVY_DEG;
    this.maxLagRad = opts.maxLagRad ?? 0.25;
    const n = (this.n = this.jointNames.length);
    const specs = new Map(opts.robot.joints.map((j) => [j.name, j]));
    this.limits = this.jointNames.map((name) => ({ ...specs.get(name)!.limits }));
    this.qposAdr = new Int32Array(n);
    this.dofAdr = new Int32Array(n);
    this.actId = new Int32Array(n);
    this.lower = new Float64Array(n);
    this.upper = new Float64Array(n);
    this.maxVel = new Float64Array(n);
    this.command = new Float64Array(n);
    this.target = new Float64Array(n);
    this.feedVel = new Float64Array(n);
    this.kvOverKp = new Float64Array(n);
    const jntQposAdr = model.jnt_qposadr as Int32Array;
    const jntDofAdr = model.jnt_dofadr as Int32Array;
    this.jointNames.forEach((name, i) => {
      const jid = mj.mj_name2id(model, MJ_OBJ_JOINT, name);
      this.qposAdr[i] = jntQposAdr[jid]!;
      this.dofAdr[i] = jntDofAdr[jid]!;
      this.actId[i] = mj.mj_name2id(model, MJ_OBJ_ACTUATOR, name);
      const lim = this.limits[i]!;
      const bounded = specs.get(name)!.type !== 'continuous';
      this.lower[i] = bounded ? (lim.lower ?? -Infinity) : -Infinity;
      this.upper[i] = bounded ? (lim.upper ?? Infinity) : Infinity;
      this.maxVel[i] = lim.velocity !== undefined && lim.velocity > 0 ? lim.velocity : Infinity;
    });
    const held = result.movableJoints.filter((j) => !this.jointNames.includes(j));
    this.heldAct = new Int32Array(held.length * 2);
    this.heldTarget = new Float64Array(held.length);
    held.forEach((name, k) => {
      this.heldAct[2 * k] = mj.mj_name2id(model, MJ_OBJ_ACTUATOR, name);
      this.heldAct[2 * k + 1] = jntQposAdr[mj.mj_name2id(model, MJ_OBJ_JOINT, name)]!;
    });

    this.gains = this.tuneDrives(
      result.movableJoints,
      opts.driveBandwidthHz ?? 5,
      opts.driveDampingRatio ?? 1,
    );
    this.gains.forEach((g) => {
      const i = this.jointNames.indexOf(g.joint);
      if (i >= 0) this.kvOverKp[i] = g.kv / g.kp;
    });

    const types = model.geom_type as Int32Array;
    const sizes = model.geom_size as Float64Array;
    const ids: number[] = [];
    this.geomSet = createGeomSet(
      result.geoms.map((info) => {
        const id = mj.mj_name2id(model, MJ_OBJ_GEOM, info.name);
        ids.push(id);
        return {
          name: info.name,
          link: info.link,
          type: types[id]!,
          size: Array.from(sizes.subarray(id * 3, id * 3 + 3)),
          rgba: info.rgba,
          rendered: info.rendered,
          moving: info.moving,
          collision: info.role !== 'visual',
        };
      }),
    );
    this.geomIds = Int32Array.from(ids);
    this.cameraBody = result.cameraLink === null ? -1 : mj.mj_name2id(model, MJ_OBJ_BODY, result.cameraLink);
    this.reset(new Array<number>(n).fill(0));
  }

  static async create(opts: SimulatorOptions): Promise<Simulator> {
    const problems: string[] = [];
    const timestepS = opts.timestepS ?? 0.002;
    if (!(timestepS > 0 && timestepS <= 0.002)) problems.push(`timestepS: must be in (0, 0.002] s (≥ 500 Hz), got ${timestepS}`);
    if (opts.commandInterface !== 'position' && opts.commandInterface !== 'velocity') {
      problems.push(`commandInterface: must be "position" or "velocity", got "${String(opts.commandInterface)}"`);
    }
    const specs = new Map(opts.robot.joints.map((j) => [j.name, j]));
    if (opts.jointNames.length === 0) problems.push('jointNames: must name at least one joint');
    const seen = new Set<string>();
    opts.jointNames.forEach((name, i) => {
      const j = specs.get(name);
      if (j === undefined) problems.push(`jointNames[${i}]: unknown joint "${name}"`);
      else if (j.type === 'fixed') problems.push(`jointNames[${i}]: joint "${name}" is fixed`);
      if (seen.has(name)) problems.push(`jointNames[${i}]: "${name}" is listed twice`);
      seen.add(name);
    });
    const bw = opts.driveBandwidthHz ?? 5;
    if (!(bw > 0 && bw <= 50)) problems.push(`driveBandwidthHz: must be in (0, 50], got ${bw}`);
    const zeta = opts.driveDampingRatio ?? 1;
    if (!(zeta > 0 && zeta <= 5)) problems.push(`driveDampingRatio: must be in (0, 5], got ${zeta}`);
    const lag = opts.maxLagRad ?? 0.25;
    if (!(lag > 0)) problems.push(`maxLagRad: must be > 0, got ${lag}`);
    let extras: UrdfExtras | undefined;
    if (opts.urdfXml !== undefined) extras = readUrdfExtras(opts.urdfXml);
    else if (opts.urdfPath !== undefined) {
      try {
        extras = readUrdfExtras(readFileSync(opts.urdfPath, 'utf8'));
      } catch (err) {
        problems.push(`urdfPath: cannot read "${opts.urdfPath}": ${(err as Error).message}`);
      }
    }
    let result: MjcfResult | undefined;
    try {
      result = generateMjcf(opts.robot, {
        commandInterface: opts.commandInterface,
        timestepS,
        ...(extras !== undefined ? { extras } : {}),
        ...(opts.collisions !== undefined ? { collisions: opts.collisions } : {}),
        ...(opts.floorZ !== undefined ? { floorZ: opts.floorZ } : {}),
        ...(opts.cameraLink !== undefined ? { cameraLink: opts.cameraLink } : {}),
        ...(opts.cameraFovYDeg !== undefined ? { cameraFovYDeg: opts.cameraFovYDeg } : {}),
        ...(opts.armature !== undefined ? { armature: opts.armature } : {}),
      });
    } catch (err) {
      if (err instanceof MjcfError) problems.push(...err.problems);
      else throw err;
    }
    if (problems.length > 0 || result === undefined) throw new SimConfigError(problems);
    const mj = await loadMujoco();
    const model = loadModelFromXml(mj, result.xml);
    return new Simulator(mj, model, result, opts, timestepS);
  }

  /** Simulated time since the last reset, s (a whole number of physics steps). */
  get timeS(): number {
    return this.data === null ? 0 : this.stepsSinceReset * this.timestepS;
  }

  /**
   * Puts the commanded joints at q0 (velocities qd0, default 0), the others at 0, and makes every
   * drive hold there. Throws RangeError on a wrong length or a non-finite value.
   */
  reset(q0: ArrayLike<number>, qd0?: ArrayLike<number>): void {
    const m = this.model;
    const d = this.data;
    if (m === null || d === null) return;
    const n = this.n;
    if (q0.length !== n || (qd0 !== undefined && qd0.length !== n)) {
      throw new RangeError(`reset: expected ${n} values per vector, got q0 ${q0.length}, qd0 ${qd0?.length ?? '-'}`);
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(q0[i]!) || (qd0 !== undefined && !Number.isFinite(qd0[i]!))) {
        throw new RangeError(`reset: non-finite value for joint "${this.jointNames[i]}"`);
      }
    }
    this.mj.mj_resetData(m, d);
    const v = this.freshViews();
    for (let i = 0; i < n; i++) {
      v.qpos[this.qposAdr[i]!] = q0[i]!;
      v.qvel[this.dofAdr[i]!] = qd0 === undefined ? 0 : qd0[i]!;
      this.target[i] = q0[i]!;
      this.feedVel[i] = 0;
      this.command[i] = this.commandInterface === 'position' ? q0[i]! : 0;
    }
    for (let k = 0; k < this.heldTarget.length; k++) this.heldTarget[k] = v.qpos[this.heldAct[2 * k + 1]!]!;
    this.applyCommand(v);
    this.mj.mj_forward(m, d);
    this.pendingS = 0;
    this.stepsSinceReset = 0;
  }

  /**
   * A command in jointNames order: positions (rad, m) or velocities (rad/s, m/s). Non-finite entries
   * are ignored (that joint keeps its last command) and counted; a wrong length is rejected.
   * Like a forward command controller, the last command holds until the next.
   */
  setCommand(values: ArrayLike<number>): void {
    if (values.length !== this.n) {
      this.stats.rejectedCommands++;
      return;
    }
    for (let i = 0; i < this.n; i++) {
      const x = values[i]!;
      if (!Number.isFinite(x)) {
        this.stats.nonFiniteCommandValues++;
        continue;
      }
      this.command[i] = this.commandInterface === 'velocity' ? Math.min(Math.max(x, -this.maxVel[i]!), this.maxVel[i]!) : x;
    }
  }

  /** Advances the physics by durationS (carried over to the next call when not a whole number of steps). */
  step(durationS: number): void {
    const m = this.model;
    const d = this.data;
    if (m === null || d === null) return;
    if (!(durationS >= 0) || !Number.isFinite(durationS)) {
      this.stats.rejectedSteps++;
      return;
    }
    this.pendingS += durationS;
    // the small slack absorbs rounding so that k calls of dt/k give exactly one step
    const steps = Math.floor(this.pendingS / this.timestepS + 1e-9);
    this.pendingS = Math.max(0, this.pendingS - steps * this.timestepS);
    if (steps === 0) return;
    const mj = this.mj;
    const startTime = d.time;
    for (let s = 0; s < steps; s++) {
      const v = this.freshViews();
      if (this.commandInterface === 'velocity') this.integrateTargets(v);
      this.applyCommand(v);
      mj.mj_step(m, d);
    }
    // MuJoCo resets a diverging state to the model's initial one (time restarts)
    if (d.time < startTime + (steps - 0.5) * this.timestepS) this.stats.instabilityResets++;
    this.stats.steps += steps;
    this.stepsSinceReset += steps;
  }

  jointPositions(out: Float64Array = new Float64Array(this.n)): Float64Array {
    const v = this.freshViews();
    for (let i = 0; i < this.n; i++) out[i] = v.qpos[this.qposAdr[i]!]!;
    return out;
  }

  jointVelocities(out: Float64Array = new Float64Array(this.n)): Float64Array {
    const v = this.freshViews();
    for (let i = 0; i < this.n; i++) out[i] = v.qvel[this.dofAdr[i]!]!;
    return out;
  }

  /** Torque (force) the drive applies, gravity compensation included, clipped to the URDF effort. */
  jointEfforts(out: Float64Array = new Float64Array(this.n)): Float64Array {
    const v = this.freshViews();
    for (let i = 0; i < this.n; i++) out[i] = v.qfrcActuator[this.dofAdr[i]!]!;
    return out;
  }

  /** Current command per joint (position targets, or clamped velocities). */
  currentCommand(out: Float64Array = new Float64Array(this.n)): Float64Array {
    out.set(this.command);
    return out;
  }

  /** All geoms with their current world poses; the returned set is reused (refreshed in place). */
  geomPoses(): GeomSet {
    const v = this.freshViews();
    const g = this.geomSet;
    for (let k = 0; k < g.count; k++) {
      const id = this.geomIds[k]!;
      for (let c = 0; c < 3; c++) g.pos[k * 3 + c] = v.geomXpos[id * 3 + c]!;
      for (let c = 0; c < 9; c++) g.mat[k * 9 + c] = v.geomXmat[id * 9 + c]!;
    }
    return g;
  }

  /** World pose of a link: position (m) and row-major rotation. False when the link is unknown. */
  linkPose(link: string, outPos: Float64Array, outMat: Float64Array): boolean {
    if (this.model === null) return false;
    const id = this.mj.mj_name2id(this.model, MJ_OBJ_BODY, link);
    return id >= 0 && this.bodyPose(id, outPos, outMat);
  }

  /** Pose of the camera's optical frame (z forward, x right, y down). False without a camera. */
  cameraPose(outPos: Float64Array, outMat: Float64Array): boolean {
    return this.cameraBody >= 0 && this.bodyPose(this.cameraBody, outPos, outMat);
  }

  /** Number of commanded joints now beyond their URDF position limits by more than toleranceRad. */
  limitViolations(toleranceRad = 1e-3): number {
    const v = this.freshViews();
    let count = 0;
    for (let i = 0; i < this.n; i++) {
      const q = v.qpos[this.qposAdr[i]!]!;
      if (q < this.lower[i]! - toleranceRad || q > this.upper[i]! + toleranceRad) count++;
    }
    return count;
  }

  /** Deepest penetration (m) of the robot's moving collision shapes into any zone; 0 when clear. */
  keepOutPenetration(zones: readonly KeepOutZone[]): number {
    return keepOutPenetration(this.geomPoses(), zones);
  }

  /** Frees the MuJoCo model and data; the simulator does nothing afterwards. */
  dispose(): void {
    this.data?.delete();
    this.model?.delete();
    this.data = null;
    this.model = null;
  }

  private bodyPose(id: number, outPos: Float64Array, outMat: Float64Array): boolean {
    if (this.model === null) return false;
    const v = this.freshViews();
    for (let c = 0; c < 3; c++) outPos[c] = v.xpos[id * 3 + c]!;
    for (let c = 0; c < 9; c++) outMat[c] = v.xmat[id * 9 + c]!;
    return true;
  }

  private integrateTargets(v: Views): void {
    const dt = this.timestepS;
    const lag = this.maxLagRad;
    for (let i = 0; i < this.n; i++) {
      const q = v.qpos[this.qposAdr[i]!]!;
      const vel = this.command[i]!;
      let t = this.target[i]! + vel * dt;
      // anti-windup: stay within maxLag of the joint and within the joint range
      t = Math.min(Math.max(t, q - lag), q + lag);
      const lo = this.lower[i]!;
      const hi = this.upper[i]!;
      const atLimit = (t <= lo && vel < 0) || (t >= hi && vel > 0);
      this.target[i] = t < lo ? lo : t > hi ? hi : t;
      this.feedVel[i] = atLimit ? 0 : vel;
    }
  }

  private applyCommand(v: Views): void {
    const ctrl = v.ctrl;
    if (this.commandInterface === 'position') {
      for (let i = 0; i < this.n; i++) ctrl[this.actId[i]!] = this.command[i]!;
    } else {
      // ctrl = target + (kv/kp)·v gives force kp·(target − q) + kv·(v − q̇)
      for (let i = 0; i < this.n; i++) ctrl[this.actId[i]!] = this.target[i]! + this.kvOverKp[i]! * this.feedVel[i]!;
    }
    for (let k = 0; k < this.heldTarget.length; k++) ctrl[this.heldAct[2 * k]!] = this.heldTarget[k]!;
  }

  /** Typed-array views into wasm memory, rebuilt when the memory has grown (old views detach). */
  private freshViews(): Views {
    if (this.views.buffer.byteLength === 0 && this.data !== null) this.views = this.readViews();
    return this.views;
  }

  private readViews(): Views {
    const d = this.data!;
    const qpos = d.qpos as Float64Array;
    return {
      buffer: qpos.buffer,
      qpos,
      qvel: d.qvel as Float64Array,
      ctrl: d.ctrl as Float64Array,
      qfrcActuator: d.qfrc_actuator as Float64Array,
      geomXpos: d.geom_xpos as Float64Array,
      geomXmat: d.geom_xmat as Float64Array,
      xpos: d.xpos as Float64Array,
      xmat: d.xmat as Float64Array,
    };
  }

  /**
   * Sets kp = I·ω² and kv = 2ζ·I·ω per drive, with I the largest diagonal of the joint-space
   * inertia (armature included) over the zero pose and 16 seeded configurations within limits.
   */
  private tuneDrives(movable: readonly string[], bandwidthHz: number, zeta: number): DriveGains[] {
    const m = this.model!;
    const d = this.data!;
    const mj = this.mj;
    const jntQposAdr = m.jnt_qposadr as Int32Array;
    const jntDofAdr = m.jnt_dofadr as Int32Array;
    const jntRange = m.jnt_range as Float64Array;
    const jntLimited = m.jnt_limited as Uint8Array;
    const dofMadr = m.dof_Madr as Int32Array;
    const ids = movable.map((name) => mj.mj_name2id(m, MJ_OBJ_JOINT, name));
    const limits: JointLimits[] = ids.map((jid) =>
      jntLimited[jid] === 1 ? { lower: jntRange[jid * 2]!, upper: jntRange[jid * 2 + 1]! } : {},
    );
    const inertia = new Float64Array(ids.length);
    const rng = new Rng(0x0d7a);
    const q = new Float64Array(ids.length);
    for (let sample = 0; sample <= 16; sample++) {
      if (sample > 0) sampleInLimits(rng, limits, q, { marginRad: 0 });
      mj.mj_resetData(m, d);
      const qpos = d.qpos as Float64Array;
      ids.forEach((jid, k) => {
        qpos[jntQposAdr[jid]!] = q[k]!;
      });
      mj.mj_forward(m, d);
      const qM = d.qM as Float64Array;
      ids.forEach((jid, k) => {
        inertia[k] = Math.max(inertia[k]!, qM[dofMadr[jntDofAdr[jid]!]!]!);
      });
    }
    const w = 2 * Math.PI * bandwidthHz;
    const gain = m.actuator_gainprm as Float64Array;
    const bias = m.actuator_biasprm as Float64Array;
    return movable.map((name, k) => {
      const a = mj.mj_name2id(m, MJ_OBJ_ACTUATOR, name);
      const inertiaKgM2 = inertia[k]!;
      const kp = inertiaKgM2 * w * w;
      const kv = 2 * zeta * inertiaKgM2 * w;
      gain[a * NPRM] = kp;
      bias[a * NPRM + 1] = -kp;
      bias[a * NPRM + 2] = -kv;
      return { joint: name, inertiaKgM2, kp, kv };
    });
  }
}
