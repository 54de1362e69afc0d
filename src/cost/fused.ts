/**
 * Fused, value-only evaluation of the built-in cost terms. Forward kinematics runs once per state-step
 * into a few cache-resident scratch arrays (body frames, tip pose) and every FK term reads it there,
 * instead of one pass per term over [T·B]-sized FK arrays (30 MB for 1024 × 32 × 38 spheres, far out of
 * cache). Samples go in blocks of 32 through a joint-space pass and an FK pass, time outer so rows are
 * read in memory order.
 *
 * It computes exactly what the terms' own `evaluate` computes (the same residuals, norms and per-term
 * sums, in the same order over time), so costs agree with the straightforward evaluation up to
 * floating-point rounding (test/cost/fused.test.ts compares them). Two exact broad phases skip work that
 * cannot contribute:
 * - a sphere's centre is computed only when the sphere reaches a narrow phase: its body's bounding
 *   sphere within the margin of a keep-out zone, or a self-collision pair that passed the broad phase;
 * - self-collision, after the body-pair test, tests each sphere against the other body's bounding
 *   sphere, and a sphere pair only when both spheres passed. If ‖c_i − C_B‖ ≥ r_i + R_B + m, with
 *   R_B ≥ ‖c_j − C_B‖ + r_j for every sphere j of body B, then ‖c_i − c_j‖ ≥ r_i + r_j + m: the
 *   barrier is 0 for every pair of i with B. A slack of 1 nm keeps rounding from skipping a pair.
 *
 * The joint-space pass, and where it applies (revolute chains; fused-kernel.ts says when not) the FK pass,
 * run in the kernel (fused-kernel.ts: native/fused-fk.c, four samples per vector, where it is built, else
 * wasm/fused-fk.ts, two per f64x2; one call per block): the joint-space terms, forward kinematics,
 * bounding centres and the FK terms, each term's per-sample sum over time the same double bit for bit as
 * the JS here (test/cost/fused-kernel.test.ts). The terminal term stays in JS, and so does the latent goal
 * but in the native build; the JS passes stay as the reference and the fallback (setFusedWasm(false)).
 *
 * Everything a kernel reads is plain data (FusedProblem), so the same kernel runs on worker threads
 * (parallel.ts); each sample's cost depends only on that sample's rows, so how samples are split over
 * threads never changes a result.
 */
import type { KinematicChain } from '../robot/chain.ts';
import { type ChainConstants, forwardFrames } from '../robot/kinematics.ts';
import type { StateLayout } from '../world-model/world-model.ts';
import { BROAD_SLACK_M, FusedKernel, fusedKernelDescription, fusedWasmEnabled, fusedWasmSupport, WASM_FK, WASM_TERMS, type WasmBlock, type WasmSampling, wasmSlotFlag } from './fused-kernel.ts';
import { NORM_CODES, normElementCoded, normFinishCoded, normScalarCoded, normValueCoded } from './norms.ts';
import { AccelerationLimitsTerm } from './terms/acceleration-limits.ts';
import { EeOrientationTerm } from './terms/ee-orientation.ts';
import { EePositionTerm } from './terms/ee-position.ts';
import { EffortTerm } from './terms/effort.ts';
import { JointGoalTerm } from './terms/joint-goal.ts';
import { JointLimitsTerm } from './terms/joint-limits.ts';
import { KeepOutTerm } from './terms/keep-out.ts';
import { LatentGoalTerm } from './terms/latent-goal.ts';
import { PostureTerm } from './terms/posture.ts';
import { SelfCollisionTerm } from './terms/self-collision.ts';
import { SmoothnessTerm } from './terms/smoothness.ts';
import { TerminalTerm } from './terms/terminal.ts';
import { VelocityLimitsTerm } from './terms/velocity-limits.ts';
import type { CostProblem, CostTerm } from './types.ts';


export const FUSED_TERM_TYPES = [
  'joint_goal',
  'ee_position',
  'ee_orientation',
  'latent_goal',
  'terminal',
  'posture',
  'joint_limits',
  'velocity_limits',
  'acceleration_limits',
  'keep_out',
  'self_collision',
  'smoothness',
  'effort',
] as const;
export type FusedTermType = (typeof FUSED_TERM_TYPES)[number];

/** One active term as data: its type, weight, norm (NORM_CODES) and norm parameter (or margin). */
export interface FusedTerm {
  type: FusedTermType;
  weight: number;
  norm: number;
  param: number;
  /** terminal only: weight of the final velocity */
  velocityWeight: number;
}

/** The chain as the kernel needs it: FK constants, sphere radii, bounding spheres, self-collision groups. */
export interface FusedGeometry {
  dof: number;
  constants: ChainConstants;
  nSpheres: number;
  /** [S] sphere radii, m */
  radius: Float64Array;
  /** [dof + 2] spheres of body k are bodyStart[k] .. bodyStart[k+1]-1 */
  bodyStart: Int32Array;
  /** [(dof+1), 3] centre of each body's bounding sphere in its body frame (mean of its sphere centres) */
  boundCentre: Float64Array;
  /** [dof + 1] bounding radius (0 for a body without spheres), m */
  boundRadius: Float64Array;
  /** moving bodies (k > 0) that carry spheres, ascending: what keep-out checks */
  keepOutBodies: Int32Array;
  /** self-collision: groups of pairs by body pair (bodyA < bodyB) */
  groupA: Int32Array;
  groupB: Int32Array;
  /** [G + 1] the group's spheres of body A are firsts[groupStart[g] .. groupStart[g+1]) */
  groupStart: Int32Array;
  /** sphere i of body A, one entry per sphere that has partners in the group */
  firsts: Int32Array;
  /** [firsts + 1] partners of firsts[e] are partners[partnerStart[e] .. partnerStart[e+1]) */
  partnerStart: Int32Array;
  /** spheres j of body B */
  partners: Int32Array;
  /** [G + 1] offsets of each group's body-B spheres in the per-margin reach table */
  groupNearStart: Int32Array;
}

/** Everything one fused evaluation reads, as plain data (structured-cloneable). */
export interface FusedProblem {
  layout: StateLayout;
  actionDim: number;
  dtS: number;
  /** the active terms in evaluation order (perTerm row k is terms[k]) */
  terms: FusedTerm[];
  goalJoints: Float64Array | null;
  goalEePosition: Float64Array | null;
  goalEeRotation: Float64Array | null;
  goalLatent: Float64Array | null;
  goalPosture: Float64Array | null;
  lower: Float64Array;
  upper: Float64Array;
  maxVel: Float64Array;
  maxAcc: Float64Array;
  boxes: Float64Array;
  zoneSpheres: Float64Array;
  prevAction: Float64Array;
  /** null when no active term needs forward kinematics */
  geometry: FusedGeometry | null;
}

const geometryCache = new WeakMap<KinematicChain, FusedGeometry | null>();

/** The constants of a chain built by buildChain (null for other KinematicChain implementations). */
function constantsOf(chain: KinematicChain): ChainConstants | null {
  const c = (chain as { constants?: ChainConstants }).constants;
  return c !== undefined && c.jointRot instanceof Float64Array && c.sphereCenters instanceof Float64Array ? c : null;
}

/**
 * One line saying which implementation runs the fused cost's kinematic kernels for this chain on this
 * thread (for start-up logs and benchmark reports): the native kernel, WebAssembly SIMD, or JavaScript and why.
 */
export function fusedKernelNotice(chain: KinematicChain): string {
  const g = fusedGeometry(chain);
  const why = g === null ? 'the chain exposes no constants' : !fusedWasmEnabled() ? 'ODRA_FUSED_WASM=0' : fusedWasmSupport(g);
  return why === null
    ? `fused cost: forward kinematics, keep-out, self-collision, end-effector and joint-space terms in the kernel: ${fusedKernelDescription()} (ODRA_FUSED_WASM=0 runs the JavaScript path)`
    : `fused cost: JavaScript path (${why})`;
}

/** The fused geometry of a chain (cached per chain); null when the chain does not expose its constants. */
export function fusedGeometry(chain: KinematicChain): FusedGeometry | null {
  if (geometryCache.has(chain)) return geometryCache.get(chain)!;
  const c = constantsOf(chain);
  const g = c === null ? null : buildGeometry(chain, c);
  geometryCache.set(chain, g);
  return g;
}

function buildGeometry(chain: KinematicChain, c: ChainConstants): FusedGeometry {
  const dof = chain.dof;
  const S = chain.spheres.length;
  const radius = Float64Array.from(chain.spheres, (s) => s.radiusM);
  const bodyStart = c.bodyStart;
  const C = c.sphereCenters;
  const boundCentre = new Float64Array((dof + 1) * 3);
  const boundRadius = new Float64Array(dof + 1);
  const keepOut: number[] = [];
  for (let k = 0; k <= dof; k++) {
    const s0 = bodyStart[k]!;
    const s1 = bodyStart[k + 1]!;
    if (s1 <= s0) continue;
    if (k > 0) keepOut.push(k);
    let x = 0, y = 0, z = 0;
    for (let s = s0; s < s1; s++) {
      x += C[s * 3]!;
      y += C[s * 3 + 1]!;
      z += C[s * 3 + 2]!;
    }
    x /= s1 - s0;
    y /= s1 - s0;
    z /= s1 - s0;
    let r = 0;
    for (let s = s0; s < s1; s++) r = Math.max(r, Math.hypot(C[s * 3]! - x, C[s * 3 + 1]! - y, C[s * 3 + 2]! - z) + radius[s]!);
    boundCentre.set([x, y, z], k * 3);
    boundRadius[k] = r;
  }
  // self-collision pairs grouped by body pair, then by first sphere
  const bodyOf = Int32Array.from(chain.spheres, (s) => s.body);
  const byGroup = new Map<number, Map<number, number[]>>();
  const pairs = chain.collisionPairs;
  for (let p = 0; p + 1 < pairs.length; p += 2) {
    let i = pairs[p]!;
    let j = pairs[p + 1]!;
    if (bodyOf[i]! > bodyOf[j]!) [i, j] = [j, i];
    const key = bodyOf[i]! * (dof + 1) + bodyOf[j]!;
    const group = byGroup.get(key) ?? new Map<number, number[]>();
    byGroup.set(key, group);
    const list = group.get(i) ?? [];
    list.push(j);
    group.set(i, list);
  }
  const groupA: number[] = [];
  const groupB: number[] = [];
  const groupStart: number[] = [0];
  const groupNearStart: number[] = [0];
  const firsts: number[] = [];
  const partnerStart: number[] = [0];
  const partners: number[] = [];
  for (const key of [...byGroup.keys()].sort((a, b) => a - b)) {
    const group = byGroup.get(key)!;
    groupA.push(Math.floor(key / (dof + 1)));
    groupB.push(key % (dof + 1));
    for (const i of [...group.keys()].sort((a, b) => a - b)) {
      firsts.push(i);
      partners.push(...group.get(i)!.sort((a, b) => a - b));
      partnerStart.push(partners.length);
    }
    groupStart.push(firsts.length);
    const kb = key % (dof + 1);
    groupNearStart.push(groupNearStart[groupNearStart.length - 1]! + bodyStart[kb + 1]! - bodyStart[kb]!);
  }
  return {
    dof,
    constants: c,
    nSpheres: S,
    radius,
    bodyStart,
    boundCentre,
    boundRadius,
    keepOutBodies: Int32Array.from(keepOut),
    groupA: Int32Array.from(groupA),
    groupB: Int32Array.from(groupB),
    groupStart: Int32Array.from(groupStart),
    firsts: Int32Array.from(firsts),
    partnerStart: Int32Array.from(partnerStart),
    partners: Int32Array.from(partners),
    groupNearStart: Int32Array.from(groupNearStart),
  };
}

/** The term as fused data, or null when the kernel does not know it (only the built-in classes, exactly). */
function fusedTerm(t: CostTerm): FusedTerm | null {
  let type: FusedTermType;
  let velocityWeight = 0;
  switch (t.constructor) {
    case JointGoalTerm: type = 'joint_goal'; break;
    case EePositionTerm: type = 'ee_position'; break;
    case EeOrientationTerm: type = 'ee_orientation'; break;
    case LatentGoalTerm: type = 'latent_goal'; break;
    case TerminalTerm:
      type = 'terminal';
      velocityWeight = (t as TerminalTerm).velocityWeight;
      break;
    case PostureTerm: type = 'posture'; break;
    case JointLimitsTerm: type = 'joint_limits'; break;
    case VelocityLimitsTerm: type = 'velocity_limits'; break;
    case AccelerationLimitsTerm: type = 'acceleration_limits'; break;
    case KeepOutTerm: type = 'keep_out'; break;
    case SelfCollisionTerm: type = 'self_collision'; break;
    case SmoothnessTerm: type = 'smoothness'; break;
    case EffortTerm: type = 'effort'; break;
    default:
      return null;
  }
  const norm = NORM_CODES[t.norm];
  if (norm === undefined) return null;
  return { type, weight: t.weight, norm, param: t.normParam, velocityWeight };
}

function lengthOr(a: Float64Array | undefined, n: number): Float64Array | null {
  return a !== undefined && a.length === n ? a : null;
}

/**
 * The fused form of an evaluation of `active` (the evaluator's active terms, in its order), or null when
 * some term or input is outside what the kernel reproduces exactly (the evaluator then runs the terms).
 */
export function fusedProblem(active: readonly CostTerm[], problem: CostProblem, chain: KinematicChain | null, actionDim: number): FusedProblem | null {
  const terms: FusedTerm[] = [];
  for (const t of active) {
    const f = fusedTerm(t);
    if (f === null) return null;
    terms.push(f);
  }
  const { layout, goal } = problem;
  const needsFk = chain !== null && active.some((t) => t.needsFk);
  let geometry: FusedGeometry | null = null;
  if (needsFk) {
    geometry = fusedGeometry(chain);
    if (geometry === null || geometry.dof !== layout.dof) return null;
    // the terminal term reads the goal position whenever it is set; other lengths are the terms' problem
    if (goal.eePosition !== undefined && goal.eePosition.length !== 3) return null;
  }
  const hasFk = (type: FusedTermType): boolean => needsFk && terms.some((t) => t.type === type);
  return {
    layout,
    actionDim,
    dtS: problem.dtS,
    terms,
    goalJoints: lengthOr(goal.joints, layout.dof),
    goalEePosition: needsFk ? (goal.eePosition ?? null) : null,
    goalEeRotation: hasFk('ee_orientation') ? lengthOr(goal.eeRotation, 9) : null,
    goalLatent: lengthOr(goal.latent, layout.latentDim),
    goalPosture: lengthOr(goal.posture, layout.dof),
    lower: problem.limits.lower,
    upper: problem.limits.upper,
    maxVel: problem.limits.maxVel,
    maxAcc: problem.limits.maxAcc,
    boxes: problem.keepOut.boxes,
    zoneSpheres: problem.keepOut.spheres,
    prevAction: problem.prevAction,
    geometry,
  };
}

/** Per-thread scratch of the kernel, sized for one problem shape and grown on demand. */
export class FusedScratch {
  frames = new Float64Array(0);
  ee = new Float64Array(12);
  centres = new Float64Array(0);
  /** sphereStamp[s] === stamp when sphere s's centre in `centres` is current */
  sphereStamp = new Int32Array(0);
  stamp = 0;
  /** [(dof+1), 3] bounding-sphere centres in the base frame */
  bounds = new Float64Array(0);
  /** 1 when a sphere of body B passed the test against body A's bounding sphere (self-collision) */
  near = new Uint8Array(0);
  residual = new Float64Array(0);
  /** squared self-collision reaches for collisionMargin (collisionReaches) */
  collisionReach = new Float64Array(0);
  collisionMargin = Number.NaN;
  /** this scratch's instance of the kernel, native or WebAssembly (fused-kernel.ts); null when unavailable, undefined until first needed */
  wasm: FusedKernel | null | undefined = undefined;
  private geometry: FusedGeometry | null = null;

  ensure(p: FusedProblem): void {
    const g = p.geometry;
    const dof = p.layout.dof;
    const S = g === null ? 0 : g.nSpheres;
    if (this.frames.length < (dof + 1) * 12) {
      this.frames = new Float64Array((dof + 1) * 12);
      this.bounds = new Float64Array((dof + 1) * 3);
    }
    if (this.centres.length < S * 3) {
      this.centres = new Float64Array(S * 3);
      this.sphereStamp = new Int32Array(S);
      this.near = new Uint8Array(S);
    }
    const r = Math.max(dof + 3, p.actionDim, p.layout.latentDim, 3);
    if (this.residual.length < r) this.residual = new Float64Array(r);
    if (g !== this.geometry) {
      this.geometry = g;
      // the base's bounding centre never moves (its frame is the identity)
      if (g !== null) this.bounds.set(g.boundCentre.subarray(0, 3), 0);
      this.collisionMargin = Number.NaN;
      if (g !== null) this.collisionReach = new Float64Array(g.groupA.length + g.firsts.length + g.groupNearStart[g.groupA.length]!);
    }
    if (this.stamp > 0x3fffffff) {
      this.stamp = 0;
      this.sphereStamp.fill(0);
    }
  }
}

/** Centre of sphere s (on body k) in the base frame, from the body's frame in F, into centres (once per stamp). */
function sphereCentre(g: FusedGeometry, s: number, k: number, F: Float64Array, centres: Float64Array, sphereStamp: Int32Array, stamp: number): void {
  if (sphereStamp[s] === stamp) return;
  sphereStamp[s] = stamp;
  const C = g.constants.sphereCenters;
  const cx = C[s * 3]!, cy = C[s * 3 + 1]!, cz = C[s * 3 + 2]!;
  if (k === 0) {
    // the base: the same numbers fk writes (the constants themselves)
    centres[s * 3] = cx;
    centres[s * 3 + 1] = cy;
    centres[s * 3 + 2] = cz;
    return;
  }
  const f = k * 12;
  centres[s * 3] = F[f + 9]! + F[f]! * cx + F[f + 1]! * cy + F[f + 2]! * cz;
  centres[s * 3 + 1] = F[f + 10]! + F[f + 3]! * cx + F[f + 4]! * cy + F[f + 5]! * cz;
  centres[s * 3 + 2] = F[f + 11]! + F[f + 6]! * cx + F[f + 7]! * cy + F[f + 8]! * cz;
}

/** Keep-out cost of one configuration (the KeepOutTerm sum over bodies, spheres, boxes, zone spheres). */
function keepOutRow(p: FusedProblem, g: FusedGeometry, sc: FusedScratch, code: number, m: number): number {
  const boxes = p.boxes;
  const zones = p.zoneSpheres;
  const nBox = Math.floor(boxes.length / 6);
  const nSph = Math.floor(zones.length / 4);
  const bounds = sc.bounds;
  const centres = sc.centres;
  const radius = g.radius;
  let c = 0;
  const bodies = g.keepOutBodies;
  for (let kb = 0; kb < bodies.length; kb++) {
    const k = bodies[kb]!;
    // broad phase: the body's bounding sphere within the margin of some zone
    const reach = g.boundRadius[k]! + m + BROAD_SLACK_M;
    const bx = bounds[k * 3]!, by = bounds[k * 3 + 1]!, bz = bounds[k * 3 + 2]!;
    let near = false;
    for (let zb = 0; zb < nBox && !near; zb++) {
      const bo = zb * 6;
      const dx = Math.max(boxes[bo]! - bx, 0, bx - boxes[bo + 3]!);
      const dy = Math.max(boxes[bo + 1]! - by, 0, by - boxes[bo + 4]!);
      const dz = Math.max(boxes[bo + 2]! - bz, 0, bz - boxes[bo + 5]!);
      near = dx * dx + dy * dy + dz * dz < reach * reach;
    }
    for (let zs = 0; zs < nSph && !near; zs++) {
      const so = zs * 4;
      const r = reach + zones[so + 3]!;
      const dx = bx - zones[so]!, dy = by - zones[so + 1]!, dz = bz - zones[so + 2]!;
      near = dx * dx + dy * dy + dz * dz < r * r;
    }
    if (!near) continue;
    for (let s = g.bodyStart[k]!, e = g.bodyStart[k + 1]!; s < e; s++) {
      sphereCentre(g, s, k, sc.frames, centres, sc.sphereStamp, sc.stamp);
      const x = centres[s * 3]!, y = centres[s * 3 + 1]!, z = centres[s * 3 + 2]!;
      const rs = radius[s]!;
      for (let zb = 0; zb < nBox; zb++) {
        const bo = zb * 6;
        const x0 = boxes[bo]!, y0 = boxes[bo + 1]!, z0 = boxes[bo + 2]!;
        const x1 = boxes[bo + 3]!, y1 = boxes[bo + 4]!, z1 = boxes[bo + 5]!;
        const reachS = m + rs;
        if (x < x0 - reachS || x > x1 + reachS || y < y0 - reachS || y > y1 + reachS || z < z0 - reachS || z > z1 + reachS) continue;
        const cx = x < x0 ? x0 : x > x1 ? x1 : x;
        const cy = y < y0 ? y0 : y > y1 ? y1 : y;
        const cz = z < z0 ? z0 : z > z1 ? z1 : z;
        const dx = x - cx, dy = y - cy, dz = z - cz;
        const dist2 = dx * dx + dy * dy + dz * dz;
        let dist: number;
        if (dist2 > 1e-18) dist = Math.sqrt(dist2);
        else {
          // inside: distance to the nearest face, negative (the first nearest face, as KeepOutTerm)
          let best = x - x0;
          const f1 = x1 - x, f2 = y - y0, f3 = y1 - y, f4 = z - z0, f5 = z1 - z;
          if (f1 < best) best = f1;
          if (f2 < best) best = f2;
          if (f3 < best) best = f3;
          if (f4 < best) best = f4;
          if (f5 < best) best = f5;
          dist = -best;
        }
        const r = m - (dist - rs);
        if (r <= 0) continue;
        c += normScalarCoded(code, r, m);
      }
      for (let zs = 0; zs < nSph; zs++) {
        const so = zs * 4;
        const dx = x - zones[so]!, dy = y - zones[so + 1]!, dz = z - zones[so + 2]!;
        const dc = Math.sqrt(dx * dx + dy * dy + dz * dz);
        const r = m - (dc - zones[so + 3]! - rs);
        if (r <= 0) continue;
        c += normScalarCoded(code, r, m);
      }
    }
  }
  return c;
}

/**
 * Self-collision cost of one configuration (the SelfCollisionTerm sum over sphere pairs). Broad phase per
 * body pair: bounding spheres in the base frame; then each sphere against the other body's bounding
 * sphere, done in the sphere's own body frame (the other centre is carried into it by one inverse
 * transform) so that sphere centres are transformed only for the pairs that reach the narrow phase.
 */
function selfCollisionRow(g: FusedGeometry, sc: FusedScratch, code: number, m: number): number {
  const reach2 = sc.collisionReach;
  const bounds = sc.bounds;
  const F = sc.frames;
  const centres = sc.centres;
  const local = g.constants.sphereCenters;
  const radius = g.radius;
  const near = sc.near;
  const bodyStart = g.bodyStart;
  const { groupA, groupB, groupStart, firsts, partnerStart, partners, groupNearStart } = g;
  const nGroups = groupA.length;
  const nFirsts = firsts.length;
  const stamps = sc.sphereStamp;
  const stamp = sc.stamp;
  let c = 0;
  for (let gi = 0; gi < nGroups; gi++) {
    const ka = groupA[gi]!;
    const kb = groupB[gi]!;
    const ax = bounds[ka * 3]!, ay = bounds[ka * 3 + 1]!, az = bounds[ka * 3 + 2]!;
    const bx = bounds[kb * 3]!, by = bounds[kb * 3 + 1]!, bz = bounds[kb * 3 + 2]!;
    const ex = ax - bx, ey = ay - by, ez = az - bz;
    if (ex * ex + ey * ey + ez * ez >= reach2[gi]!) continue;
    // B's bounding centre in A's frame: Rᵀ (C_B − p_A)
    const fa = ka * 12;
    const vx = bx - F[fa + 9]!, vy = by - F[fa + 10]!, vz = bz - F[fa + 11]!;
    const ux = F[fa]! * vx + F[fa + 3]! * vy + F[fa + 6]! * vz;
    const uy = F[fa + 1]! * vx + F[fa + 4]! * vy + F[fa + 7]! * vz;
    const uz = F[fa + 2]! * vx + F[fa + 5]! * vy + F[fa + 8]! * vz;
    let nearDone = false;
    for (let e = groupStart[gi]!, eEnd = groupStart[gi + 1]!; e < eEnd; e++) {
      const i = firsts[e]!;
      const fx = local[i * 3]! - ux, fy = local[i * 3 + 1]! - uy, fz = local[i * 3 + 2]! - uz;
      if (fx * fx + fy * fy + fz * fz >= reach2[nGroups + e]!) continue;
      if (!nearDone) {
        nearDone = true;
        // A's bounding centre in B's frame, and which spheres of B come within reach of it
        const fb = kb * 12;
        const wx0 = ax - F[fb + 9]!, wy0 = ay - F[fb + 10]!, wz0 = az - F[fb + 11]!;
        const wx = F[fb]! * wx0 + F[fb + 3]! * wy0 + F[fb + 6]! * wz0;
        const wy = F[fb + 1]! * wx0 + F[fb + 4]! * wy0 + F[fb + 7]! * wz0;
        const wz = F[fb + 2]! * wx0 + F[fb + 5]! * wy0 + F[fb + 8]! * wz0;
        const r0 = nGroups + nFirsts + groupNearStart[gi]! - bodyStart[kb]!;
        for (let j = bodyStart[kb]!, jEnd = bodyStart[kb + 1]!; j < jEnd; j++) {
          const dx = local[j * 3]! - wx, dy = local[j * 3 + 1]! - wy, dz = local[j * 3 + 2]! - wz;
          // 'not provably far', so that NaN reaches the narrow phase (and its NaN), as in the term
          near[j] = dx * dx + dy * dy + dz * dz >= reach2[r0 + j]! ? 0 : 1;
        }
      }
      const mi = m + radius[i]!;
      for (let q = partnerStart[e]!, qEnd = partnerStart[e + 1]!; q < qEnd; q++) {
        const j = partners[q]!;
        if (near[j] === 0) continue;
        // narrow phase on the centres fk would compute, transformed only now
        sphereCentre(g, i, ka, F, centres, stamps, stamp);
        sphereCentre(g, j, kb, F, centres, stamps, stamp);
        const xi = centres[i * 3]!, yi = centres[i * 3 + 1]!, zi = centres[i * 3 + 2]!;
        const dx = xi - centres[j * 3]!;
        const dy = yi - centres[j * 3 + 1]!;
        const dz = zi - centres[j * 3 + 2]!;
        const reach = mi + radius[j]!;
        const d2 = dx * dx + dy * dy + dz * dz;
        if (d2 >= reach * reach) continue;
        c += normScalarCoded(code, reach - Math.sqrt(d2), m);
      }
    }
  }
  return c;
}

/**
 * Squared broad-phase reaches of self-collision for margin m, laid out as [groups | firsts | near spheres
 * per group] (see selfCollisionRow).
 */
function collisionReaches(g: FusedGeometry, m: number, out: Float64Array): void {
  const nGroups = g.groupA.length;
  const nFirsts = g.firsts.length;
  for (let gi = 0; gi < nGroups; gi++) {
    const ka = g.groupA[gi]!;
    const kb = g.groupB[gi]!;
    const ra = g.boundRadius[ka]!;
    const rb = g.boundRadius[kb]!;
    const r = ra + rb + m + BROAD_SLACK_M;
    out[gi] = r * r;
    for (let e = g.groupStart[gi]!, eEnd = g.groupStart[gi + 1]!; e < eEnd; e++) {
      const re = g.radius[g.firsts[e]!]! + rb + m + BROAD_SLACK_M;
      out[nGroups + e] = re * re;
    }
    const r0 = nGroups + nFirsts + g.groupNearStart[gi]!;
    for (let j = g.bodyStart[kb]!, jEnd = g.bodyStart[kb + 1]!; j < jEnd; j++) {
      const rj = g.radius[j]! + ra + m + BROAD_SLACK_M;
      out[r0 + j - g.bodyStart[kb]!] = rj * rj;
    }
  }
}

/** A term's slot and numbers, resolved once per evaluation; slot −1 = inactive. */
interface Slot {
  k: number;
  weight: number;
  norm: number;
  param: number;
  /** 1 / param (the log barrier's scale) */
  inv: number;
  velocityWeight: number;
}

type Slots = Record<FusedTermType, Slot>;

function slotsOf(terms: readonly FusedTerm[]): Slots {
  const slots = {} as Slots;
  for (const type of FUSED_TERM_TYPES) slots[type] = { k: -1, weight: 0, norm: 0, param: 1, inv: 1, velocityWeight: 0 };
  terms.forEach((t, k) => {
    slots[t.type] = { k, weight: t.weight, norm: t.norm, param: t.param, inv: 1 / t.param, velocityWeight: t.velocityWeight };
  });
  return slots;
}

/** Samples per block: each pass over a block's rows stays in cache for the next pass. */
const BLOCK_SAMPLES = 32;

/**
 * Evaluates samples b0 .. b1-1 of a batch: states [T+1, B, D], actions [T, B, A]. Writes each active
 * term's cost to perTerm[k·B + b] and the sum (NaN → Infinity) to total[b].
 *
 * Blocks of samples go through three passes (joint-space terms, latent goal, FK terms), each a small
 * function V8 compiles with its norm helpers inlined; each term still sums its steps in time order.
 * Where the kernel runs (fused-kernel.ts: native or WebAssembly), one call per block does the joint-space
 * pass and, when it applies, the FK pass; the terminal term stays here, the latent goal too but in the
 * native build.
 */
export function evaluateFused(
  p: FusedProblem,
  states: Float64Array,
  actions: Float64Array,
  T: number,
  B: number,
  b0: number,
  b1: number,
  perTerm: Float64Array,
  total: Float64Array,
  sc: FusedScratch,
  sampling: WasmSampling | null = null,
): boolean {
  sc.ensure(p);
  const nTerms = p.terms.length;
  const g = p.geometry;
  const slots = slotsOf(p.terms);
  const SC = slots.self_collision;
  if (g !== null && SC.k >= 0 && sc.collisionMargin !== SC.param) {
    collisionReaches(g, SC.param, sc.collisionReach);
    sc.collisionMargin = SC.param;
  }
  let kernel: FusedKernel | null = null;
  let flags = 0;
  if (fusedWasmEnabled()) {
    if (sc.wasm === undefined) sc.wasm = FusedKernel.create();
    kernel = sc.wasm;
    if (kernel !== null) flags = kernel.prepare(p, slots, sc.collisionReach);
  }
  if (sampling !== null) {
    // the kernel writes the rows only where it runs all of the passes it can (else the caller's JS path)
    if (kernel === null || !kernel.canSample(sampling) || (g !== null && (flags & WASM_FK) === 0)) return false;
    kernel.setSampling(sampling, T);
  }
  for (let k = 0; k < nTerms; k++) perTerm.fill(0, k * B + b0, k * B + b1);
  const TE = slots.terminal;
  // the latent goal reads every state row here, the terminal term the last one
  const latentRows = slots.latent_goal.k >= 0 && p.goalLatent !== null;
  for (let c0 = b0; c0 < b1; c0 += BLOCK_SAMPLES) {
    const c1 = Math.min(b1, c0 + BLOCK_SAMPLES);
    if (kernel === null) jointPass(p, slots, states, actions, T, B, c0, c1, perTerm);
    else if (flags !== 0 || sampling !== null) {
      const block = sampling !== null ? kernel.sampleRun(states, actions, T, B, c0, c1, sampling.keepStates || latentRows) : kernel.run(states, actions, T, B, c0, c1);
      addWasmSums(slots, flags, block, B, c0, c1, perTerm);
      // the terminal term at t = T, as fkPass (which has no row to run when T = 0)
      if ((flags & WASM_FK) !== 0 && TE.k >= 0 && T >= 1) {
        const { qOffset, qdOffset, stateDim: D } = p.layout;
        for (let b = c0; b < c1; b++) {
          const row = (T * B + b) * D;
          perTerm[TE.k * B + b]! += TE.weight * terminalValue(p, TE, states, row + qOffset, row + qdOffset, true, block.out, block.tip + 4 * (b - c0), sc.residual);
        }
      }
    }
    if (latentRows) {
      const LG = slots.latent_goal;
      const { latentDim, stateDim } = p.layout;
      const native = kernel !== null && kernel.latentRows(states, perTerm, p.goalLatent!, T, B, c0, c1, stateDim, latentDim, LG.k * B, LG.norm, LG.inv, LG.param, LG.weight);
      if (!native) latentPass(p, LG, states, T, B, c0, c1, perTerm);
    }
    if ((flags & WASM_FK) === 0 && (g !== null || TE.k >= 0)) fkPass(p, slots, states, T, B, c0, c1, perTerm, sc);
  }
  for (let b = b0; b < b1; b++) {
    let tot = 0;
    for (let k = 0; k < nTerms; k++) tot += perTerm[k * B + b]!;
    total[b] = Number.isNaN(tot) ? Infinity : tot;
  }
  return true;
}

/**
 * Adds the kernel's per-sample sums of samples c0 .. c1-1 into perTerm. Each sum is Σ_t weight · value
 * from +0 in time order, the JS pass's own additions; perTerm holds +0 there (each term has one pass),
 * and +0 + s = s (a sum from +0 is never −0), so perTerm gets the same double either way.
 */
function addWasmSums(slots: Slots, flags: number, block: WasmBlock, B: number, c0: number, c1: number, perTerm: Float64Array): void {
  const { out, stride } = block;
  for (let s = 0; s < WASM_TERMS.length; s++) {
    if ((flags & wasmSlotFlag(s)) === 0) continue;
    const k = slots[WASM_TERMS[s]!].k;
    for (let b = c0, o = s * stride; b < c1; b++, o++) perTerm[k * B + b]! += out[o]!;
  }
}

/**
 * Joint-space terms (joint goal, posture, limits, smoothness, effort) of samples c0 .. c1-1, one pass over
 * the joints per row: the JS path (the kernel repeats it where it runs, fused-kernel.ts).
 */
function jointPass(p: FusedProblem, slots: Slots, states: Float64Array, actions: Float64Array, T: number, B: number, c0: number, c1: number, perTerm: Float64Array): void {
  const { dof, qOffset, qdOffset, stateDim: D } = p.layout;
  const A = p.actionDim;
  const invDt = 1 / p.dtS;
  const JG = slots.joint_goal, PO = slots.posture, JL = slots.joint_limits;
  const VL = slots.velocity_limits, AL = slots.acceleration_limits, SM = slots.smoothness, EF = slots.effort;
  const goalJ = p.goalJoints;
  const posture = p.goalPosture;
  const { lower, upper, maxVel, maxAcc, prevAction } = p;
  // a goal term without its goal is inactive (the evaluator only lists active terms)
  const doJG = JG.k >= 0 && goalJ !== null;
  const doPO = PO.k >= 0 && posture !== null;
  const doJL = JL.k >= 0;
  const doVL = VL.k >= 0;
  const doAL = AL.k >= 0;
  const doSM = SM.k >= 0;
  const doEF = EF.k >= 0;
  if (doJG || doPO || doJL || doVL || doAL) {
    for (let t = 1; t <= T; t++) {
      for (let b = c0; b < c1; b++) {
        const q0 = (t * B + b) * D + qOffset;
        const qd0 = (t * B + b) * D + qdOffset;
        const qdPrev = ((t - 1) * B + b) * D + qdOffset;
        let sJG = 0, sPO = 0, cJL = 0, cVL = 0, cAL = 0;
        for (let j = 0; j < dof; j++) {
          const q = states[q0 + j]!;
          const qd = states[qd0 + j]!;
          if (doJG) sJG += normElementCoded(JG.norm, q - goalJ![j]!, JG.inv);
          if (doPO) sPO += normElementCoded(PO.norm, q - posture![j]!, PO.inv);
          if (doJL) {
            const m = JL.param;
            const lo = lower[j]! + m - q;
            const hi = q - (upper[j]! - m);
            if (lo > 0) cJL += normScalarCoded(JL.norm, lo, m);
            else if (hi > 0) cJL += normScalarCoded(JL.norm, hi, m);
          }
          if (doVL) {
            const excess = Math.abs(qd) - maxVel[j]!;
            if (excess > 0) cVL += normScalarCoded(VL.norm, excess, VL.param);
          }
          if (doAL) {
            const excess = Math.abs((qd - states[qdPrev + j]!) * invDt) - maxAcc[j]!;
            if (excess > 0) cAL += normScalarCoded(AL.norm, excess, AL.param);
          }
        }
        if (doJG) perTerm[JG.k * B + b]! += JG.weight * normFinishCoded(JG.norm, sJG, JG.param);
        if (doPO) perTerm[PO.k * B + b]! += PO.weight * normFinishCoded(PO.norm, sPO, PO.param);
        if (doJL) perTerm[JL.k * B + b]! += JL.weight * cJL;
        if (doVL) perTerm[VL.k * B + b]! += VL.weight * cVL;
        if (doAL) perTerm[AL.k * B + b]! += AL.weight * cAL;
      }
    }
  }
  if (doSM || doEF) {
    for (let t = 1; t <= T; t++) {
      for (let b = c0; b < c1; b++) {
        const aRow = ((t - 1) * B + b) * A;
        const aPrev = t === 1 ? -1 : ((t - 2) * B + b) * A;
        let sSM = 0, sEF = 0;
        for (let j = 0; j < A; j++) {
          const a = actions[aRow + j]!;
          if (doSM) sSM += normElementCoded(SM.norm, a - (aPrev < 0 ? prevAction[j]! : actions[aPrev + j]!), SM.inv);
          if (doEF) sEF += normElementCoded(EF.norm, a, EF.inv);
        }
        if (doSM) perTerm[SM.k * B + b]! += SM.weight * normFinishCoded(SM.norm, sSM, SM.param);
        if (doEF) perTerm[EF.k * B + b]! += EF.weight * normFinishCoded(EF.norm, sEF, EF.param);
      }
    }
  }
}

/** The latent goal term of samples c0 .. c1-1. */
function latentPass(p: FusedProblem, LG: Slot, states: Float64Array, T: number, B: number, c0: number, c1: number, perTerm: Float64Array): void {
  const { latentDim, stateDim: D } = p.layout;
  const goalZ = p.goalLatent!;
  const { norm, inv, param, weight, k } = LG;
  for (let t = 1; t <= T; t++) {
    for (let b = c0; b < c1; b++) {
      const row = (t * B + b) * D;
      perTerm[k * B + b]! += weight * normFinishCoded(norm, latentSum(norm, states, row, goalZ, latentDim, inv), param);
    }
  }
}

/**
 * Σ normElementCoded(code, z[row + j] − goal[j], inv) over the latent: the residual read in place, the
 * norm chosen once per row and four partial sums (the latent is long: 32–256 entries). The order of the
 * additions differs from normValueCoded's, so the two agree to rounding (~1e-16 relative), not bitwise.
 */
function latentSum(code: number, z: Float64Array, row: number, goal: Float64Array, n: number, inv: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  if (code === NORM_CODES.l1) {
    for (; j + 3 < n; j += 4) {
      s0 += Math.abs(z[row + j]! - goal[j]!);
      s1 += Math.abs(z[row + j + 1]! - goal[j + 1]!);
      s2 += Math.abs(z[row + j + 2]! - goal[j + 2]!);
      s3 += Math.abs(z[row + j + 3]! - goal[j + 3]!);
    }
  } else if (code === NORM_CODES.quadratic || code === NORM_CODES.smooth_abs) {
    for (; j + 3 < n; j += 4) {
      const v0 = z[row + j]! - goal[j]!, v1 = z[row + j + 1]! - goal[j + 1]!;
      const v2 = z[row + j + 2]! - goal[j + 2]!, v3 = z[row + j + 3]! - goal[j + 3]!;
      s0 += v0 * v0;
      s1 += v1 * v1;
      s2 += v2 * v2;
      s3 += v3 * v3;
    }
  }
  for (; j < n; j++) s0 += normElementCoded(code, z[row + j]! - goal[j]!, inv);
  return s0 + s1 + (s2 + s3);
}

/**
 * Forward kinematics once per row of samples c0 .. c1-1, and every term that reads it; the terminal term.
 * The JS FK pass: evaluateFused runs it where the WebAssembly kernel does not do the problem's FK.
 */
function fkPass(p: FusedProblem, slots: Slots, states: Float64Array, T: number, B: number, c0: number, c1: number, perTerm: Float64Array, sc: FusedScratch): void {
  const { dof, qOffset, stateDim: D } = p.layout;
  const g = p.geometry;
  const F = sc.frames;
  const ee = sc.ee;
  const bounds = sc.bounds;
  const EP = slots.ee_position, EO = slots.ee_orientation, KO = slots.keep_out, SC = slots.self_collision, TE = slots.terminal;
  const goalP = p.goalEePosition;
  const goalR = p.goalEeRotation;
  const doEP = EP.k >= 0 && goalP !== null;
  const doEO = EO.k >= 0 && goalR !== null;
  // FK at every step only for the terms that read it there; the terminal term alone needs it at t = T
  const everyStep = g !== null && (doEP || doEO || KO.k >= 0 || SC.k >= 0);
  for (let t = everyStep ? 1 : T; t <= T; t++) {
    for (let b = c0; b < c1; b++) {
      const q0 = (t * B + b) * D + qOffset;
      if (g !== null) {
        forwardFrames(g.constants, dof, states, q0, F, ee, null);
        sc.stamp++;
        boundCentres(g, F, bounds);
        if (doEP) {
          let s = normElementCoded(EP.norm, ee[0]! - goalP![0]!, EP.inv);
          s += normElementCoded(EP.norm, ee[1]! - goalP![1]!, EP.inv);
          s += normElementCoded(EP.norm, ee[2]! - goalP![2]!, EP.inv);
          perTerm[EP.k * B + b]! += EP.weight * normFinishCoded(EP.norm, s, EP.param);
        }
        if (doEO) {
          let e0 = 0, e1 = 0, e2 = 0;
          for (let c = 0; c < 3; c++) {
            const rx = ee[3 + c]!, ry = ee[6 + c]!, rz = ee[9 + c]!;
            const gx = goalR![c]!, gy = goalR![3 + c]!, gz = goalR![6 + c]!;
            e0 += 0.5 * (ry * gz - rz * gy);
            e1 += 0.5 * (rz * gx - rx * gz);
            e2 += 0.5 * (rx * gy - ry * gx);
          }
          let s = normElementCoded(EO.norm, e0, EO.inv);
          s += normElementCoded(EO.norm, e1, EO.inv);
          s += normElementCoded(EO.norm, e2, EO.inv);
          perTerm[EO.k * B + b]! += EO.weight * normFinishCoded(EO.norm, s, EO.param);
        }
        if (KO.k >= 0) perTerm[KO.k * B + b]! += KO.weight * keepOutRow(p, g, sc, KO.norm, KO.param);
        if (SC.k >= 0) perTerm[SC.k * B + b]! += SC.weight * selfCollisionRow(g, sc, SC.norm, SC.param);
      }
      if (TE.k >= 0 && t === T) perTerm[TE.k * B + b]! += TE.weight * terminalValue(p, TE, states, q0, (t * B + b) * D + p.layout.qdOffset, g !== null, ee, 0, sc.residual);
    }
  }
}

/**
 * The terminal term's value (before its weight) of the row at q0 / qd0 with the tip position at
 * ee[eeOff ..]: goal residuals (joints, then the tip when there is FK and a goal position), and the
 * final velocity.
 */
function terminalValue(p: FusedProblem, TE: Slot, states: Float64Array, q0: number, qd0: number, hasFk: boolean, ee: Float64Array, eeOff: number, r: Float64Array): number {
  const dof = p.layout.dof;
  const goalJ = p.goalJoints;
  const goalP = p.goalEePosition;
  let n = 0;
  if (goalJ !== null) for (let j = 0; j < dof; j++) r[n++] = states[q0 + j]! - goalJ[j]!;
  if (hasFk && goalP !== null) for (let j = 0; j < 3; j++) r[n++] = ee[eeOff + j]! - goalP[j]!;
  const c = normValueCoded(TE.norm, r, 0, n, TE.param);
  let v2 = 0;
  for (let j = 0; j < dof; j++) {
    const v = states[qd0 + j]!;
    v2 += v * v;
  }
  return c + 0.5 * TE.velocityWeight * v2;
}

/** Bounding-sphere centres of the moving bodies in the base frame, from their frames (body 0's is constant). */
function boundCentres(g: FusedGeometry, F: Float64Array, out: Float64Array): void {
  const bc = g.boundCentre;
  for (let k = 1, n = g.dof + 1; k < n; k++) {
    const f = k * 12;
    const cx = bc[k * 3]!, cy = bc[k * 3 + 1]!, cz = bc[k * 3 + 2]!;
    out[k * 3] = F[f + 9]! + F[f]! * cx + F[f + 1]! * cy + F[f + 2]! * cz;
    out[k * 3 + 1] = F[f + 10]! + F[f + 3]! * cx + F[f + 4]! * cy + F[f + 5]! * cz;
    out[k * 3 + 2] = F[f + 11]! + F[f + 6]! * cx + F[f + 7]! * cy + F[f + 8]! * cz;
  }
}
