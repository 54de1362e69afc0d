/**
 * The agent node's output messages, built from one tick's command and telemetry.
 *
 * `~/cost_terms` is a std_msgs/Float64MultiArray (readable by `ros2 topic echo` and Foxglove's plot
 * panel): `data = [total, term_1, ..., term_n]`, the weighted cost of the chosen plan summed over the
 * horizon, and `layout.dim[0].label` names the entries, comma-separated (`total,joint_goal,...`).
 * Only the terms active for the current goal appear.
 */
import type { AgentCommand, PlanTelemetry } from '../agent/agent.ts';
import {
  durationFromSeconds,
  emptyLayout,
  makeHeader,
  MARKER_ACTION,
  MARKER_TYPE,
  type Float64MultiArray,
  type JointTrajectory,
  type JointTrajectoryPoint,
  type Marker,
  type MarkerArray,
  type Point,
} from '../bus/messages.ts';
import type { FkResult, KinematicChain } from '../robot/chain.ts';
import type { SafetyLimits } from '../safety/types.ts';

const EMPTY = new Float64Array(0);

export function commandMessage(values: Float64Array): Float64MultiArray {
  return { layout: emptyLayout(), data: values };
}

function point(positions: Float64Array, velocities: Float64Array, timeS: number): JointTrajectoryPoint {
  return { positions, velocities, accelerations: EMPTY, effort: EMPTY, time_from_start: durationFromSeconds(timeS) };
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export interface TrajectoryInputs {
  stampS: number;
  jointNames: readonly string[];
  command: AgentCommand;
  /** measured joint positions the tick planned from, configured order */
  measured: Float64Array;
  plan: PlanTelemetry | null;
  /** positions of a predicted state start at this offset of a state row */
  qOffset: number;
  qdOffset: number;
  stateDim: number;
  maxPoints: number;
  limits: SafetyLimits;
  /** time of point 1 when there is no plan, s */
  controlDtS: number;
}

/**
 * The planned horizon as a JointTrajectory for a trajectory controller. Point 1 comes from the safety
 * filter's command (what the filter allowed this tick); later points are the plan's predicted states
 * clamped to the filter's position and velocity limits. A hold (or no plan) is one point at the held
 * position. Ends early at the first non-finite predicted value.
 */
export function trajectoryMessage(x: TrajectoryInputs): JointTrajectory {
  const dof = x.jointNames.length;
  const { lower, upper, maxVel } = x.limits;
  const stepS = x.plan?.dtS ?? x.controlDtS;
  const points: JointTrajectoryPoint[] = [];
  const first = new Float64Array(dof);
  const firstVel = new Float64Array(dof);
  for (let j = 0; j < dof; j++) {
    if (x.command.interface === 'velocity') {
      firstVel[j] = x.command.hold ? 0 : x.command.values[j]!;
      first[j] = clamp(x.measured[j]! + firstVel[j]! * stepS, lower[j]!, upper[j]!);
    } else {
      first[j] = x.command.values[j]!;
      firstVel[j] = x.command.hold ? 0 : clamp((first[j]! - x.measured[j]!) / stepS, -maxVel[j]!, maxVel[j]!);
    }
    // a non-finite measurement leaves only the filter's own (finite) command
    if (!Number.isFinite(first[j]!)) first[j] = x.command.values[j]!;
    if (!Number.isFinite(firstVel[j]!)) firstVel[j] = 0;
  }
  points.push(point(first, firstVel, stepS));
  const plan = x.plan;
  if (plan !== null && !x.command.hold) {
    const T = plan.horizon;
    const n = Math.min(x.maxPoints, T);
    for (let t = 2; t <= n; t++) {
      const row = t * x.stateDim;
      const pos = new Float64Array(dof);
      const vel = new Float64Array(dof);
      let finite = true;
      for (let j = 0; j < dof; j++) {
        const p = plan.states[row + x.qOffset + j]!;
        const v = plan.states[row + x.qdOffset + j]!;
        if (!Number.isFinite(p) || !Number.isFinite(v)) finite = false;
        pos[j] = clamp(p, lower[j]!, upper[j]!);
        vel[j] = clamp(v, -maxVel[j]!, maxVel[j]!);
      }
      if (!finite) break;
      points.push(point(pos, vel, t * stepS));
    }
  }
  return { header: makeHeader(x.stampS), joint_names: [...x.jointNames], points };
}

/** `~/plan`: every predicted state after the current one, unclamped (what the planner expects). */
export function planMessage(stampS: number, jointNames: readonly string[], plan: PlanTelemetry, qOffset: number, qdOffset: number, stateDim: number): JointTrajectory {
  const dof = jointNames.length;
  const points: JointTrajectoryPoint[] = [];
  for (let t = 1; t <= plan.horizon; t++) {
    const row = t * stateDim;
    points.push(
      point(
        plan.states.slice(row + qOffset, row + qOffset + dof),
        plan.states.slice(row + qdOffset, row + qdOffset + dof),
        t * plan.dtS,
      ),
    );
  }
  return { header: makeHeader(stampS), joint_names: [...jointNames], points };
}

/** Reusable FK buffers for the marker path. */
export class EePath {
  private fk: FkResult | null = null;
  private q = new Float64Array(0);

  constructor(private readonly chain: KinematicChain) {}

  /** End-effector positions [(T+1), 3] of the predicted states. */
  compute(plan: PlanTelemetry, qOffset: number, stateDim: number): Float64Array {
    const dof = this.chain.dof;
    const n = plan.horizon + 1;
    if (this.fk === null || this.fk.capacity < n) this.fk = this.chain.createFkResult(n);
    if (this.q.length < n * dof) this.q = new Float64Array(n * dof);
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < dof; j++) this.q[t * dof + j] = plan.states[t * stateDim + qOffset + j]!;
    }
    this.chain.fk(this.q, n, this.fk);
    return this.fk.eePos.subarray(0, n * 3);
  }
}

/** `~/plan_markers`: the predicted end-effector path as one LINE_STRIP in the base frame. */
export function planMarkers(stampS: number, frameId: string, eePath: Float64Array, lifetimeS: number): MarkerArray {
  const points: Point[] = [];
  for (let k = 0; k + 2 < eePath.length; k += 3) {
    const x = eePath[k]!;
    const y = eePath[k + 1]!;
    const z = eePath[k + 2]!;
    if (Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)) points.push({ x, y, z });
  }
  const marker: Marker = {
    header: makeHeader(stampS, frameId),
    ns: 'odra_plan',
    id: 0,
    type: MARKER_TYPE.LINE_STRIP,
    action: MARKER_ACTION.ADD,
    pose: { position: { x: 0, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    scale: { x: 0.01, y: 0, z: 0 },
    color: { r: 0.1, g: 0.6, b: 1, a: 1 },
    lifetime: durationFromSeconds(lifetimeS),
    frame_locked: false,
    points,
    colors: [],
    text: '',
    mesh_resource: '',
    mesh_use_embedded_materials: false,
  };
  return { markers: [marker] };
}

/** `~/cost_terms`: [total, term...] with the names in `layout.dim[0].label` (see the file comment). */
export function costTermsMessage(plan: PlanTelemetry): Float64MultiArray {
  const n = plan.breakdown.length + 1;
  const data = new Float64Array(n);
  data[0] = plan.cost;
  const names = ['total'];
  plan.breakdown.forEach((t, k) => {
    data[k + 1] = t.cost;
    names.push(t.name);
  });
  return { layout: { dim: [{ label: names.join(','), size: n, stride: n }], data_offset: 0 }, data };
}
