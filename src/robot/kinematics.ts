/**
 * RobotModel → KinematicChain: batched forward kinematics on flat Float64Arrays with an exact
 * vector-Jacobian product (the contract in chain.ts).
 *
 * Each actuated joint k gets an axis-aligned body frame F_k whose z axis is the joint axis, so the
 * joint motion is Rz(q) (or a z translation) and everything constant between two joints (fixed
 * joints, the joint origin, the axis alignment) folds into one rotation A_k and offset t_k:
 *   F_k = F_{k-1} · (A_k, t_k) · Rz(q_k)
 * Spheres and the tip are stored as constants in the body frame they ride on.
 */
import type { FkResult, KinematicChain, LinkSphere } from './chain.ts';
import type { JointLimits, JointSpec, RobotModel, Vec3 } from './types.ts';
import { sincos } from './sincos.ts';
import { coverSpheres } from './spheres.ts';
import {
  type Transform,
  addVec3,
  applyTransform,
  composeTransforms,
  frameWithZAlong,
  identityTransform,
  invertTransform,
  mulMat3Vec3,
  originToTransform,
  transposeMat3,
} from './transform.ts';

export interface ChainOptions {
  /** default: the robot's root link */
  baseLink?: string;
  tipLink: string;
  /** tip point in the tip link frame, m (e.g. a tool centre point); default 0 */
  tipOffset?: Vec3;
}

export interface ChainProblem {
  path: string;
  message: string;
}

/** Thrown by buildChain with every problem in the options. */
export class ChainError extends Error {
  readonly problems: readonly ChainProblem[];
  constructor(problems: readonly ChainProblem[]) {
    super(`kinematic chain: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'ChainError';
    this.problems = problems;
  }
}

/** A collision element that produced no spheres (meshes), so callers can warn. */
export interface SkippedCollision {
  link: string;
  /** index among the link's `<collision>` elements */
  index: number;
  reason: string;
}

/** The constants of the chain, for other FK implementations (fk-tf.ts). Row-major, m. */
export interface ChainConstants {
  /** [dof, 9] rotation from body frame F_k to joint k+1's axis-aligned frame (joint axis = z) */
  jointRot: Float64Array;
  /** [dof, 3] origin of joint k+1 in body frame F_k */
  jointTrans: Float64Array;
  /** [dof] 1 for prismatic joints (translation along z), 0 for revolute/continuous (rotation about z) */
  prismatic: Uint8Array;
  /**
   * [dof, 3] when joint k's rotation is a signed permutation (all entries 0 or ±1, as in URDFs with
   * axis-aligned joints): the row of the ±1 in each column; all −1 otherwise. forwardFrames then picks
   * columns instead of multiplying by A (the same numbers: a product with 0 or ±1 is exact).
   */
  jointPerm: Int8Array;
  /** [dof, 3] the sign of that ±1 */
  jointSign: Float64Array;
  /** [S, 3] sphere centres in the frame of the body each rides on */
  sphereCenters: Float64Array;
  /** [dof + 2] spheres of body b are the indices bodyStart[b] .. bodyStart[b+1]-1 */
  bodyStart: Int32Array;
  /** [9] tip rotation in the last body frame */
  tipRot: Float64Array;
  /** [3] tip point in the last body frame */
  tipTrans: Float64Array;
}

/** The chain built here: the contract plus what it skipped and its constants. */
export interface RobotChain extends KinematicChain {
  readonly skippedCollisions: readonly SkippedCollision[];
  /** links whose collision spheres are included, with their body index */
  readonly bodyLinks: readonly { link: string; body: number }[];
  readonly constants: ChainConstants;
}

interface RigidLink {
  link: string;
  body: number;
  /** link frame in its body frame */
  inBody: Transform;
}

function positionLimits(joint: JointSpec): JointLimits {
  const limits: JointLimits = { ...joint.limits };
  if (joint.type === 'continuous') {
    delete limits.lower;
    delete limits.upper;
  }
  return limits;
}

/** Builds the chain from `baseLink` to `tipLink`; throws ChainError naming every problem. */
export function buildChain(robot: RobotModel, opts: ChainOptions): RobotChain {
  const problems: ChainProblem[] = [];
  const linkNames = new Set(robot.links.map((l) => l.name));
  const baseLink = opts.baseLink ?? robot.rootLink;
  const tipLink = opts.tipLink;
  if (!linkNames.has(baseLink)) problems.push({ path: 'baseLink', message: `unknown link "${baseLink}"` });
  if (!linkNames.has(tipLink)) problems.push({ path: 'tipLink', message: `unknown link "${tipLink}"` });
  const tipOffset: Vec3 = opts.tipOffset ?? [0, 0, 0];
  if (tipOffset.length !== 3 || !tipOffset.every(Number.isFinite)) {
    problems.push({ path: 'tipOffset', message: `must be 3 finite numbers, got [${tipOffset.join(', ')}]` });
  }
  const parentJoint = new Map(robot.joints.map((j) => [j.child, j] as const));
  const path: JointSpec[] = [];
  if (problems.length === 0) {
    let cur = tipLink;
    while (cur !== baseLink) {
      const j = parentJoint.get(cur);
      if (j === undefined) {
        problems.push({ path: 'tipLink', message: `"${tipLink}" is not a descendant of base link "${baseLink}"` });
        break;
      }
      path.push(j);
      cur = j.parent;
    }
    path.reverse();
  }
  if (problems.length > 0) throw new ChainError(problems);

  // walk base → tip, folding fixed joints and recording every chain link's frame in its body frame
  const actuated: JointSpec[] = [];
  const jointTfs: Transform[] = [];
  const rigid: RigidLink[] = [{ link: baseLink, body: 0, inBody: identityTransform() }];
  let cur = identityTransform();
  for (const joint of path) {
    const origin = originToTransform(joint.origin);
    if (joint.type === 'fixed') {
      cur = composeTransforms(cur, origin);
    } else {
      const align = frameWithZAlong(joint.axis);
      jointTfs.push(composeTransforms(composeTransforms(cur, origin), { rot: align, pos: [0, 0, 0] }));
      actuated.push(joint);
      cur = { rot: transposeMat3(align), pos: [0, 0, 0] };
    }
    rigid.push({ link: joint.child, body: actuated.length, inBody: cur });
  }
  const dof = actuated.length;
  const tipInBody = cur;

  // links rigidly attached to moving chain links through fixed joints (tool flanges, camera mounts).
  // Links fixed to the base but off the chain (tables, posts, obstacles in a scene URDF) are environment,
  // not robot: they belong in keep-out zones, and as robot spheres they would count as self-collision.
  const onChain = new Set(rigid.map((r) => r.link));
  const childJoints = new Map<string, JointSpec[]>();
  for (const j of robot.joints) {
    const list = childJoints.get(j.parent) ?? [];
    list.push(j);
    childJoints.set(j.parent, list);
  }
  const seen = new Set(onChain);
  const queue = [...rigid];
  for (let qi = 0; qi < queue.length; qi++) {
    const r = queue[qi]!;
    const next: RigidLink[] = [];
    for (const j of childJoints.get(r.link) ?? []) {
      if (j.type === 'fixed' && !seen.has(j.child) && r.body > 0) {
        next.push({ link: j.child, body: r.body, inBody: composeTransforms(r.inBody, originToTransform(j.origin)) });
      }
    }
    const up = parentJoint.get(r.link);
    // only the base can have a rigid parent off the chain: every other chain link's parent joint is on it
    if (up !== undefined && up.type === 'fixed' && !seen.has(up.parent) && r.body > 0) {
      next.push({ link: up.parent, body: r.body, inBody: composeTransforms(r.inBody, invertTransform(originToTransform(up.origin))) });
    }
    for (const n of next) {
      seen.add(n.link);
      queue.push(n);
      if (!onChain.has(n.link)) rigid.push(n);
    }
  }
  rigid.sort((a, b) => a.body - b.body);

  const linkByName = new Map(robot.links.map((l) => [l.name, l] as const));
  const spheres: LinkSphere[] = [];
  const bodyCenters: Vec3[] = [];
  const skipped: SkippedCollision[] = [];
  for (const r of rigid) {
    const link = linkByName.get(r.link);
    if (link === undefined) continue;
    link.collisions.forEach((c, index) => {
      if (c.geometry.kind === 'mesh') {
        skipped.push({ link: r.link, index, reason: `mesh "${c.geometry.filename}" has no sphere approximation` });
        return;
      }
      for (const s of coverSpheres(c)) {
        spheres.push({ link: r.link, body: r.body, center: s.center, radiusM: s.radiusM });
        bodyCenters.push(applyTransform(r.inBody, s.center));
      }
    });
  }

  const constants: ChainConstants = {
    jointRot: new Float64Array(dof * 9),
    jointTrans: new Float64Array(dof * 3),
    prismatic: new Uint8Array(dof),
    jointPerm: new Int8Array(dof * 3).fill(-1),
    jointSign: new Float64Array(dof * 3),
    sphereCenters: new Float64Array(bodyCenters.flat()),
    bodyStart: new Int32Array(dof + 2),
    tipRot: new Float64Array(tipInBody.rot),
    tipTrans: new Float64Array(addVec3(tipInBody.pos, mulMat3Vec3(tipInBody.rot, tipOffset))),
  };
  jointTfs.forEach((t, k) => {
    constants.jointRot.set(t.rot, k * 9);
    constants.jointTrans.set(t.pos, k * 3);
    constants.prismatic[k] = actuated[k]!.type === 'prismatic' ? 1 : 0;
    const perm = signedPermutation(t.rot);
    if (perm !== null) {
      for (let c = 0; c < 3; c++) {
        constants.jointPerm[k * 3 + c] = perm.row[c]!;
        constants.jointSign[k * 3 + c] = perm.sign[c]!;
      }
    }
  });
  for (let b = 0, s = 0; b <= dof + 1; b++) {
    while (s < spheres.length && spheres[s]!.body < b) s++;
    constants.bodyStart[b] = s;
  }

  return new ArrayChain(
    robot,
    baseLink,
    tipLink,
    actuated.map((j) => j.name),
    actuated.map(positionLimits),
    spheres,
    constants,
    skipped,
    rigid.map((r) => ({ link: r.link, body: r.body })),
  );
}

/** For a rotation whose entries are all exactly 0 or ±1: per column, the row of its ±1 and the sign. */
function signedPermutation(rot: readonly number[]): { row: number[]; sign: number[] } | null {
  const row: number[] = [];
  const sign: number[] = [];
  for (let c = 0; c < 3; c++) {
    let found = -1;
    for (let r = 0; r < 3; r++) {
      const v = rot[r * 3 + c]!;
      if (v === 0) continue;
      if ((v !== 1 && v !== -1) || found >= 0) return null;
      found = r;
      sign[c] = v;
    }
    if (found < 0) return null;
    row[c] = found;
  }
  return new Set(row).size === 3 ? { row, sign } : null;
}

/** sin and cos of the current joint angle (scratch of forwardFrames) */
const SC = new Float64Array(2);

/**
 * Forward kinematics of one configuration q[qOff .. qOff+dof), the one FK implementation (fk, the fused
 * cost kernel and the VJP's caches all come from it):
 * - frames [(dof+1), 12]: for body k, its rotation (row-major) at k·12 and its origin at k·12+9, in the
 *   base frame; body 0 is the base (identity, written here too);
 * - ee [12]: tip position, then tip rotation (row-major);
 * - joints [dof, 6] (optional): origin and axis of each actuated joint in the base frame.
 */
export function forwardFrames(
  c: ChainConstants,
  dof: number,
  q: Float64Array,
  qOff: number,
  frames: Float64Array,
  ee: Float64Array,
  joints: Float64Array | null,
): void {
  const { jointRot: A, jointTrans: T, prismatic, tipRot, tipTrans, jointPerm: perm, jointSign: sign } = c;
  let r00 = 1, r01 = 0, r02 = 0, r10 = 0, r11 = 1, r12 = 0, r20 = 0, r21 = 0, r22 = 1;
  let px = 0, py = 0, pz = 0;
  frames[0] = 1; frames[1] = 0; frames[2] = 0;
  frames[3] = 0; frames[4] = 1; frames[5] = 0;
  frames[6] = 0; frames[7] = 0; frames[8] = 1;
  frames[9] = 0; frames[10] = 0; frames[11] = 0;
  for (let k = 0; k < dof; k++) {
    let m00: number, m01: number, m02: number, m10: number, m11: number, m12: number, m20: number, m21: number, m22: number;
    const pc = k * 3;
    if (perm[pc]! >= 0) {
      // M = R·A with A a signed permutation: column c of M is ±(column perm[c] of R), read back from frames
      const f = k * 12;
      const p0 = f + perm[pc]!, p1 = f + perm[pc + 1]!, p2 = f + perm[pc + 2]!;
      const s0 = sign[pc]!, s1 = sign[pc + 1]!, s2 = sign[pc + 2]!;
      m00 = s0 * frames[p0]!; m01 = s1 * frames[p1]!; m02 = s2 * frames[p2]!;
      m10 = s0 * frames[p0 + 3]!; m11 = s1 * frames[p1 + 3]!; m12 = s2 * frames[p2 + 3]!;
      m20 = s0 * frames[p0 + 6]!; m21 = s1 * frames[p1 + 6]!; m22 = s2 * frames[p2 + 6]!;
    } else {
      const a = k * 9;
      const a0 = A[a]!, a1 = A[a + 1]!, a2 = A[a + 2]!;
      const a3 = A[a + 3]!, a4 = A[a + 4]!, a5 = A[a + 5]!;
      const a6 = A[a + 6]!, a7 = A[a + 7]!, a8 = A[a + 8]!;
      m00 = r00 * a0 + r01 * a3 + r02 * a6; m01 = r00 * a1 + r01 * a4 + r02 * a7; m02 = r00 * a2 + r01 * a5 + r02 * a8;
      m10 = r10 * a0 + r11 * a3 + r12 * a6; m11 = r10 * a1 + r11 * a4 + r12 * a7; m12 = r10 * a2 + r11 * a5 + r12 * a8;
      m20 = r20 * a0 + r21 * a3 + r22 * a6; m21 = r20 * a1 + r21 * a4 + r22 * a7; m22 = r20 * a2 + r21 * a5 + r22 * a8;
    }
    const t0 = T[k * 3]!, t1 = T[k * 3 + 1]!, t2 = T[k * 3 + 2]!;
    const ox = px + r00 * t0 + r01 * t1 + r02 * t2;
    const oy = py + r10 * t0 + r11 * t1 + r12 * t2;
    const oz = pz + r20 * t0 + r21 * t1 + r22 * t2;
    if (joints !== null) {
      const jo = k * 6;
      joints[jo] = ox;
      joints[jo + 1] = oy;
      joints[jo + 2] = oz;
      joints[jo + 3] = m02;
      joints[jo + 4] = m12;
      joints[jo + 5] = m22;
    }
    const qk = q[qOff + k]!;
    if (prismatic[k] === 1) {
      px = ox + qk * m02;
      py = oy + qk * m12;
      pz = oz + qk * m22;
      r00 = m00; r01 = m01; r10 = m10; r11 = m11; r20 = m20; r21 = m21;
    } else {
      sincos(qk, SC, 0);
      const s = SC[0]!;
      const co = SC[1]!;
      px = ox;
      py = oy;
      pz = oz;
      // columns of M · Rz(q): x' = x c + y s, y' = y c − x s
      r00 = m00 * co + m01 * s; r01 = m01 * co - m00 * s;
      r10 = m10 * co + m11 * s; r11 = m11 * co - m10 * s;
      r20 = m20 * co + m21 * s; r21 = m21 * co - m20 * s;
    }
    r02 = m02; r12 = m12; r22 = m22;
    const f = (k + 1) * 12;
    frames[f] = r00; frames[f + 1] = r01; frames[f + 2] = r02;
    frames[f + 3] = r10; frames[f + 4] = r11; frames[f + 5] = r12;
    frames[f + 6] = r20; frames[f + 7] = r21; frames[f + 8] = r22;
    frames[f + 9] = px; frames[f + 10] = py; frames[f + 11] = pz;
  }
  const t0 = tipTrans[0]!, t1 = tipTrans[1]!, t2 = tipTrans[2]!;
  ee[0] = px + r00 * t0 + r01 * t1 + r02 * t2;
  ee[1] = py + r10 * t0 + r11 * t1 + r12 * t2;
  ee[2] = pz + r20 * t0 + r21 * t1 + r22 * t2;
  const b0 = tipRot[0]!, b1 = tipRot[1]!, b2 = tipRot[2]!;
  const b3 = tipRot[3]!, b4 = tipRot[4]!, b5 = tipRot[5]!;
  const b6 = tipRot[6]!, b7 = tipRot[7]!, b8 = tipRot[8]!;
  ee[3] = r00 * b0 + r01 * b3 + r02 * b6;
  ee[4] = r00 * b1 + r01 * b4 + r02 * b7;
  ee[5] = r00 * b2 + r01 * b5 + r02 * b8;
  ee[6] = r10 * b0 + r11 * b3 + r12 * b6;
  ee[7] = r10 * b1 + r11 * b4 + r12 * b7;
  ee[8] = r10 * b2 + r11 * b5 + r12 * b8;
  ee[9] = r20 * b0 + r21 * b3 + r22 * b6;
  ee[10] = r20 * b1 + r21 * b4 + r22 * b7;
  ee[11] = r20 * b2 + r21 * b5 + r22 * b8;
}

class ArrayChain implements RobotChain {
  readonly dof: number;
  readonly collisionPairs: Int32Array;
  /** scratch of fk: body frames, tip pose, joint origins and axes of one configuration */
  private readonly frames: Float64Array;
  private readonly ee = new Float64Array(12);
  private readonly joints: Float64Array;

  constructor(
    readonly robot: RobotModel,
    readonly baseLink: string,
    readonly tipLink: string,
    readonly jointNames: readonly string[],
    readonly limits: readonly JointLimits[],
    readonly spheres: readonly LinkSphere[],
    readonly constants: ChainConstants,
    readonly skippedCollisions: readonly SkippedCollision[],
    readonly bodyLinks: readonly { link: string; body: number }[],
  ) {
    this.dof = jointNames.length;
    this.frames = new Float64Array((this.dof + 1) * 12);
    this.joints = new Float64Array(this.dof * 6);
    this.collisionPairs = this.selfCollisionPairs();
  }

  /**
   * Sphere pairs two or more bodies apart that do not already overlap at q = 0 (clamped into limits) and
   * whose distance can change at all (a pair turning about an axis through both centres keeps its
   * distance: it can never collide and would only add a constant cost).
   */
  private selfCollisionPairs(): Int32Array {
    const q0 = new Float64Array(this.dof);
    this.limits.forEach((l, k) => {
      q0[k] = Math.min(Math.max(0, l.lower ?? -Infinity), l.upper ?? Infinity);
    });
    const res = this.createFkResult(1);
    this.fk(q0, 1, res);
    const c = res.spheres;
    const pairs: number[] = [];
    const s = this.spheres;
    for (let i = 0; i < s.length; i++) {
      for (let j = i + 1; j < s.length; j++) {
        if (Math.abs(s[i]!.body - s[j]!.body) < 2) continue;
        const d = Math.hypot(c[i * 3]! - c[j * 3]!, c[i * 3 + 1]! - c[j * 3 + 1]!, c[i * 3 + 2]! - c[j * 3 + 2]!);
        if (d < s[i]!.radiusM + s[j]!.radiusM) continue;
        pairs.push(i, j);
      }
    }
    return this.dropRigidPairs(pairs);
  }

  /** Removes pairs whose distance is the same over a spread of configurations across the limits. */
  private dropRigidPairs(pairs: number[]): Int32Array {
    const n = 24;
    const q = new Float64Array(n * this.dof);
    for (let c = 0; c < n; c++) {
      this.limits.forEach((l, k) => {
        const lo = Number.isFinite(l.lower ?? NaN) ? l.lower! : -Math.PI;
        const hi = Number.isFinite(l.upper ?? NaN) ? l.upper! : Math.PI;
        // a deterministic low-discrepancy spread (golden-ratio sequence per joint)
        q[c * this.dof + k] = lo + (hi - lo) * (((c + 1) * 0.6180339887 * (k + 1)) % 1);
      });
    }
    const res = this.createFkResult(n);
    this.fk(q, n, res);
    const S = this.spheres.length;
    const c = res.spheres;
    const kept: number[] = [];
    for (let p = 0; p < pairs.length; p += 2) {
      const i = pairs[p]!;
      const j = pairs[p + 1]!;
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < n; k++) {
        const a = (k * S + i) * 3;
        const b = (k * S + j) * 3;
        const d = Math.hypot(c[a]! - c[b]!, c[a + 1]! - c[b + 1]!, c[a + 2]! - c[b + 2]!);
        lo = Math.min(lo, d);
        hi = Math.max(hi, d);
      }
      if (hi - lo > 1e-6) kept.push(i, j);
    }
    return Int32Array.from(kept);
  }

  createFkResult(capacity: number): FkResult {
    const n = Math.max(0, Math.floor(capacity));
    return {
      capacity: n,
      eePos: new Float64Array(n * 3),
      eeRot: new Float64Array(n * 9),
      spheres: new Float64Array(n * this.spheres.length * 3),
      jointPos: new Float64Array(n * this.dof * 3),
      jointAxis: new Float64Array(n * this.dof * 3),
    };
  }

  fk(q: Float64Array, n: number, out: FkResult): void {
    const dof = this.dof;
    const c = this.constants;
    const { sphereCenters: C, bodyStart } = c;
    const nS = this.spheres.length;
    const rows = Math.min(n, out.capacity, dof > 0 ? Math.floor(q.length / dof) : n);
    const { eePos, eeRot, spheres, jointPos, jointAxis } = out;
    const F = this.frames;
    const ee = this.ee;
    const J = this.joints;
    for (let i = 0; i < rows; i++) {
      forwardFrames(c, dof, q, i * dof, F, ee, J);
      const sOut = i * nS * 3;
      // body 0 rides on the base frame
      for (let s = bodyStart[0]!, e = bodyStart[1]!; s < e; s++) {
        spheres[sOut + s * 3] = C[s * 3]!;
        spheres[sOut + s * 3 + 1] = C[s * 3 + 1]!;
        spheres[sOut + s * 3 + 2] = C[s * 3 + 2]!;
      }
      for (let k = 1; k <= dof; k++) {
        const f = k * 12;
        const r00 = F[f]!, r01 = F[f + 1]!, r02 = F[f + 2]!;
        const r10 = F[f + 3]!, r11 = F[f + 4]!, r12 = F[f + 5]!;
        const r20 = F[f + 6]!, r21 = F[f + 7]!, r22 = F[f + 8]!;
        const px = F[f + 9]!, py = F[f + 10]!, pz = F[f + 11]!;
        for (let s = bodyStart[k]!, e = bodyStart[k + 1]!; s < e; s++) {
          const cx = C[s * 3]!, cy = C[s * 3 + 1]!, cz = C[s * 3 + 2]!;
          const o = sOut + s * 3;
          spheres[o] = px + r00 * cx + r01 * cy + r02 * cz;
          spheres[o + 1] = py + r10 * cx + r11 * cy + r12 * cz;
          spheres[o + 2] = pz + r20 * cx + r21 * cy + r22 * cz;
        }
      }
      const jo = i * dof * 3;
      for (let k = 0; k < dof; k++) {
        jointPos[jo + k * 3] = J[k * 6]!;
        jointPos[jo + k * 3 + 1] = J[k * 6 + 1]!;
        jointPos[jo + k * 3 + 2] = J[k * 6 + 2]!;
        jointAxis[jo + k * 3] = J[k * 6 + 3]!;
        jointAxis[jo + k * 3 + 1] = J[k * 6 + 4]!;
        jointAxis[jo + k * 3 + 2] = J[k * 6 + 5]!;
      }
      eePos[i * 3] = ee[0]!;
      eePos[i * 3 + 1] = ee[1]!;
      eePos[i * 3 + 2] = ee[2]!;
      for (let e = 0; e < 9; e++) eeRot[i * 9 + e] = ee[3 + e]!;
    }
  }

  /**
   * Revolute joint j moves point p by a_j × (p − o_j) and the tip rotation by [a_j]× R, so with
   * Σg and Σ p×g accumulated from the tip backwards, dL/dq_j = a_j · (Σ p×g − o_j × Σg + w),
   * where w is the axial vector of G Rᵀ (the rotation term). Prismatic: dL/dq_j = a_j · Σg.
   */
  fkVjp(
    _q: Float64Array,
    n: number,
    fk: FkResult,
    gEePos: Float64Array | null,
    gEeRot: Float64Array | null,
    gSpheres: Float64Array | null,
    gq: Float64Array,
  ): void {
    const dof = this.dof;
    const nS = this.spheres.length;
    const { prismatic, bodyStart } = this.constants;
    const { eePos, eeRot, spheres, jointPos, jointAxis } = fk;
    const rows = Math.min(n, fk.capacity, dof > 0 ? Math.floor(gq.length / dof) : n);
    for (let i = 0; i < rows; i++) {
      let gx = 0, gy = 0, gz = 0;
      let cx = 0, cy = 0, cz = 0;
      if (gEePos !== null) {
        const p = i * 3;
        const ux = gEePos[p]!, uy = gEePos[p + 1]!, uz = gEePos[p + 2]!;
        const x = eePos[p]!, y = eePos[p + 1]!, z = eePos[p + 2]!;
        gx += ux; gy += uy; gz += uz;
        cx += y * uz - z * uy;
        cy += z * ux - x * uz;
        cz += x * uy - y * ux;
      }
      if (gEeRot !== null) {
        const e = i * 9;
        const G = gEeRot, R = eeRot;
        // M = G Rᵀ, M_ac = Σ_b G_ab R_cb; w = (M21 − M12, M02 − M20, M10 − M01)
        const m01 = G[e]! * R[e + 3]! + G[e + 1]! * R[e + 4]! + G[e + 2]! * R[e + 5]!;
        const m02 = G[e]! * R[e + 6]! + G[e + 1]! * R[e + 7]! + G[e + 2]! * R[e + 8]!;
        const m10 = G[e + 3]! * R[e]! + G[e + 4]! * R[e + 1]! + G[e + 5]! * R[e + 2]!;
        const m12 = G[e + 3]! * R[e + 6]! + G[e + 4]! * R[e + 7]! + G[e + 5]! * R[e + 8]!;
        const m20 = G[e + 6]! * R[e]! + G[e + 7]! * R[e + 1]! + G[e + 8]! * R[e + 2]!;
        const m21 = G[e + 6]! * R[e + 3]! + G[e + 7]! * R[e + 4]! + G[e + 8]! * R[e + 5]!;
        cx += m21 - m12;
        cy += m02 - m20;
        cz += m10 - m01;
      }
      const sOff = i * nS * 3;
      for (let k = dof - 1; k >= 0; k--) {
        if (gSpheres !== null) {
          for (let s = bodyStart[k + 1]!, e = bodyStart[k + 2]!; s < e; s++) {
            const o = sOff + s * 3;
            const ux = gSpheres[o]!, uy = gSpheres[o + 1]!, uz = gSpheres[o + 2]!;
            const x = spheres[o]!, y = spheres[o + 1]!, z = spheres[o + 2]!;
            gx += ux; gy += uy; gz += uz;
            cx += y * uz - z * uy;
            cy += z * ux - x * uz;
            cz += x * uy - y * ux;
          }
        }
        const jo = (i * dof + k) * 3;
        const ax = jointAxis[jo]!, ay = jointAxis[jo + 1]!, az = jointAxis[jo + 2]!;
        if (prismatic[k] === 1) {
          gq[i * dof + k] = gq[i * dof + k]! + ax * gx + ay * gy + az * gz;
        } else {
          const ox = jointPos[jo]!, oy = jointPos[jo + 1]!, oz = jointPos[jo + 2]!;
          const vx = cx - (oy * gz - oz * gy);
          const vy = cy - (oz * gx - ox * gz);
          const vz = cz - (ox * gy - oy * gx);
          gq[i * dof + k] = gq[i * dof + k]! + ax * vx + ay * vy + az * vz;
        }
      }
    }
  }
}
