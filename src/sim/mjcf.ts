/**
 * RobotModel → MJCF (MuJoCo's model format). Links become bodies nested along the joint tree, so a
 * body's frame is its link frame; collision primitives become colliding geoms and visuals become
 * render-only geoms; every movable joint gets a stiff `position` actuator, which is how
 * ros2_control's forward position controller behaves on a real drive. The velocity interface
 * reuses that actuator: the simulator integrates the commanded velocity into the position target
 * and feeds the velocity forward (see simulator.ts), which tracks with no steady-state error and no
 * position drift, unlike a bare velocity actuator fighting joint damping.
 */
import type { Collision, JointSpec, LinkSpec, Mat3, RobotModel, Vec3 } from '../robot/types.ts';
import {
  composeTransforms,
  identityTransform,
  mulMat3,
  originToTransform,
  rpyToMat3,
  transposeMat3,
} from '../robot/transform.ts';
import type { Transform } from '../robot/transform.ts';
import type { Rgba, UrdfExtras } from './urdf-extras.ts';

export type CommandInterface = 'position' | 'velocity';

export interface MjcfOptions {
  commandInterface: CommandInterface;
  /** physics step, s; ≤ 0.002 keeps the sim at ≥ 500 Hz */
  timestepS?: number;
  /** inertials, colours and damping read from the URDF text */
  extras?: UrdfExtras;
  /** initial actuator gains per joint name (the simulator retunes them from the mass matrix) */
  gains?: ReadonlyMap<string, { kp: number; kv: number }>;
  /** arm contacts with the fixed world (table, obstacle, post); arm links never collide with each other */
  collisions?: boolean;
  /** floor height in the root frame, m; undefined = just below the lowest fixed geom; null = no floor */
  floorZ?: number | null;
  /** link that carries the camera, in the ROS optical convention (z forward, x right, y down) */
  cameraLink?: string | null;
  cameraFovYDeg?: number;
  /** reflected rotor inertia added to every joint, kg·m² (steadies light wrist links) */
  armature?: number;
  /** N·m·s/rad, for joints whose URDF gives no `<dynamics damping>` */
  defaultDamping?: number;
}

export interface MjcfGeomInfo {
  /** MuJoCo geom name: `<link>/collision<i>`, `<link>/visual<i>` or `floor` */
  name: string;
  link: string;
  role: 'collision' | 'visual' | 'floor';
  /** moves with some joint (false for the table, obstacle, floor, ...) */
  moving: boolean;
  /** drawn by the camera: visuals, and collisions of links that have no drawable visual */
  rendered: boolean;
  rgba: Rgba;
}

export interface MjcfResult {
  xml: string;
  geoms: MjcfGeomInfo[];
  /** movable joints in document order; each has an actuator of the same name */
  movableJoints: string[];
  /** names of links that move with some joint */
  movingLinks: string[];
  /** MuJoCo camera name, or null when there is no camera link */
  cameraName: string | null;
  cameraLink: string | null;
  /** shapes the simulator cannot represent (meshes, empty shapes), each with its link */
  skipped: string[];
}

export class MjcfError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`cannot build the simulation model: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
    this.name = 'MjcfError';
  }
}

export const DEFAULT_TIMESTEP_S = 0.002;
export const DEFAULT_CAMERA_LINK = 'camera_optical_frame';
export const DEFAULT_CAMERA_FOVY_DEG = 60;
const DEFAULT_RGBA: Rgba = [0.7, 0.7, 0.7, 1];
const FLOOR_RGBA: Rgba = [0.46, 0.48, 0.52, 1];
// moving geoms (type 1, affinity 2) touch fixed ones (type 2, affinity 1) but never each other
const MOVING_CONTACT = 'contype="1" conaffinity="2"';
const FIXED_CONTACT = 'contype="2" conaffinity="1"';
const NO_CONTACT = 'contype="0" conaffinity="0"';

function fmt(x: number): string {
  if (Object.is(x, -0) || Math.abs(x) < 1e-15) return '0';
  return String(Number(x.toPrecision(12)));
}

function vec(v: readonly number[]): string {
  return v.map(fmt).join(' ');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** URDF fixed-axis rpy as a MuJoCo quaternion (w x y z). */
export function rpyToQuat(rpy: Vec3): [number, number, number, number] {
  const [r, p, y] = rpy;
  const cr = Math.cos(r / 2);
  const sr = Math.sin(r / 2);
  const cp = Math.cos(p / 2);
  const sp = Math.sin(p / 2);
  const cy = Math.cos(y / 2);
  const sy = Math.sin(y / 2);
  return [
    cr * cp * cy + sr * sp * sy,
    sr * cp * cy - cr * sp * sy,
    cr * sp * cy + sr * cp * sy,
    cr * cp * sy - sr * sp * cy,
  ];
}

function frameAttrs(origin: { xyz: Vec3; rpy: Vec3 }): string {
  const pos = origin.xyz.every((v) => v === 0) ? '' : ` pos="${vec(origin.xyz)}"`;
  const quat = origin.rpy.every((v) => v === 0) ? '' : ` quat="${vec(rpyToQuat(origin.rpy))}"`;
  return pos + quat;
}

/** MuJoCo type and size for a primitive, or a reason it cannot be represented. */
function shapeAttrs(g: Collision['geometry']): { attrs: string } | { skip: string } {
  switch (g.kind) {
    case 'sphere':
      return g.radius > 0 ? { attrs: `type="sphere" size="${fmt(g.radius)}"` } : { skip: 'sphere of zero radius' };
    case 'box':
      return g.size.every((s) => s > 0)
        ? { attrs: `type="box" size="${vec(g.size.map((s) => s / 2))}"` }
        : { skip: 'box with a zero side' };
    case 'cylinder':
    case 'capsule':
      // URDF lengths exclude a capsule's caps, as MuJoCo's half-length does
      return g.radius > 0 && (g.length > 0 || g.kind === 'capsule')
        ? { attrs: `type="${g.kind}" size="${fmt(g.radius)} ${fmt(g.length / 2)}"` }
        : { skip: `${g.kind} of zero size` };
    case 'mesh':
      return { skip: `mesh "${g.filename}" (meshes are not simulated)` };
  }
}

/** Lowest world z of a fixed shape whose link sits at `link` in the world, m. */
function lowestZ(c: Collision, link: Transform): number {
  const t = composeTransforms(link, originToTransform(c.origin));
  // |row z| of the rotation scales each local half-extent into a vertical half-extent
  const zx = Math.abs(t.rot[6]);
  const zy = Math.abs(t.rot[7]);
  const zz = Math.abs(t.rot[8]);
  const g = c.geometry;
  let half = 0;
  if (g.kind === 'sphere') half = g.radius;
  else if (g.kind === 'box') half = (zx * g.size[0] + zy * g.size[1] + zz * g.size[2]) / 2;
  else if (g.kind === 'cylinder' || g.kind === 'capsule') {
    half = (zz * g.length) / 2 + g.radius * (g.kind === 'capsule' ? 1 : Math.sqrt(Math.max(0, 1 - zz * zz)));
  }
  return t.pos[2] - half;
}

interface Ctx {
  opts: MjcfOptions;
  links: Map<string, LinkSpec>;
  childJoints: Map<string, JointSpec[]>;
  out: string[];
  actuators: string[];
  excludes: string[];
  result: MjcfResult;
  /** lowest world z of the fixed shapes, for the floor */
  minFixedZ: number;
}

function inertialXml(ctx: Ctx, link: string, hasJoint: boolean, collisionCount: number): string {
  const inertial = ctx.opts.extras?.inertials.get(link);
  if (inertial !== undefined) {
    // express the tensor in the link frame so no orientation attribute is needed
    const [ixx, iyy, izz, ixy, ixz, iyz] = inertial.inertia;
    const local: Mat3 = [ixx, ixy, ixz, ixy, iyy, iyz, ixz, iyz, izz];
    const r = rpyToMat3(inertial.rpy);
    const i = mulMat3(mulMat3(r, local), transposeMat3(r));
    const full = [i[0], i[4], i[8], i[1], i[2], i[5]];
    return `<inertial pos="${vec(inertial.xyz)}" mass="${fmt(inertial.massKg)}" fullinertia="${vec(full)}"/>`;
  }
  // a jointed body with no mass of its own cannot be simulated; give it a small default
  if (hasJoint && collisionCount === 0) return '<inertial pos="0 0 0" mass="0.1" diaginertia="1e-4 1e-4 1e-4"/>';
  return '';
}

function jointXml(ctx: Ctx, j: JointSpec): string {
  const type = j.type === 'prismatic' ? 'slide' : 'hinge';
  const lim = j.limits;
  const bounded = j.type !== 'continuous' && lim.lower !== undefined && lim.upper !== undefined;
  const range = bounded ? ` limited="true" range="${fmt(lim.lower!)} ${fmt(lim.upper!)}"` : ' limited="false"';
  const dyn = ctx.opts.extras?.dynamics.get(j.name);
  const damping = dyn?.damping ?? ctx.opts.defaultDamping ?? 0.5;
  const friction = dyn?.friction ?? 0;
  const armature = ctx.opts.armature ?? 0.02;
  // the drive's torque limit bounds everything it applies, gravity compensation included
  const effort =
    lim.effort !== undefined && lim.effort > 0
      ? ` actuatorfrclimited="true" actuatorfrcrange="${fmt(-lim.effort)} ${fmt(lim.effort)}"`
      : '';
  return (
    `<joint name="${esc(j.name)}" type="${type}" axis="${vec(j.axis)}"${range} damping="${fmt(damping)}"` +
    ` frictionloss="${fmt(friction)}" armature="${fmt(armature)}" actuatorgravcomp="true"${effort}/>`
  );
}

function actuatorXml(ctx: Ctx, j: JointSpec): string {
  const g = ctx.opts.gains?.get(j.name) ?? { kp: 100, kv: 10 };
  const lim = j.limits;
  const bounded = j.type !== 'continuous' && lim.lower !== undefined && lim.upper !== undefined;
  // position interface: the drive clamps targets to the joint range; velocity: the sim clamps
  const ctrl =
    ctx.opts.commandInterface === 'position' && bounded
      ? ` ctrllimited="true" ctrlrange="${fmt(lim.lower!)} ${fmt(lim.upper!)}"`
      : ' ctrllimited="false"';
  return `<position name="${esc(j.name)}" joint="${esc(j.name)}" kp="${fmt(g.kp)}" kv="${fmt(g.kv)}"${ctrl}/>`;
}

function geomsXml(ctx: Ctx, link: LinkSpec, moving: boolean, indent: string): void {
  const colors = ctx.opts.extras?.visualColors.get(link.name) ?? [];
  const linkColor = colors.find((c) => c !== undefined) ?? DEFAULT_RGBA;
  const collide = ctx.opts.collisions ?? true;
  const contact = collide ? (moving ? MOVING_CONTACT : FIXED_CONTACT) : NO_CONTACT;
  // collision shapes stand in for the looks of links with no drawable visual (none, or meshes)
  const hasVisual = link.visuals.some((v) => !('skip' in shapeAttrs(v.geometry)));
  const emit = (c: Collision, role: 'collision' | 'visual', i: number, rgba: Rgba): void => {
    const shape = shapeAttrs(c.geometry);
    if ('skip' in shape) {
      ctx.result.skipped.push(`link "${link.name}" ${role} ${i}: ${shape.skip}`);
      return;
    }
    const name = `${link.name}/${role}${i}`;
    const extra =
      role === 'collision' ? `group="3" ${contact}` : `group="2" ${NO_CONTACT} mass="0"`;
    ctx.out.push(
      `${indent}<geom name="${esc(name)}" ${shape.attrs}${frameAttrs(c.origin)} rgba="${vec(rgba)}" ${extra}/>`,
    );
    ctx.result.geoms.push({
      name,
      link: link.name,
      role,
      moving,
      rendered: role === 'visual' || !hasVisual,
      rgba,
    });
  };
  link.collisions.forEach((c, i) => emit(c, 'collision', i, linkColor));
  link.visuals.forEach((v, i) => emit(v, 'visual', i, colors[i] ?? linkColor));
}

function bodyXml(
  ctx: Ctx,
  linkName: string,
  via: JointSpec | undefined,
  moving: boolean,
  depth: number,
  world: Transform,
): void {
  const link = ctx.links.get(linkName);
  if (link === undefined) return;
  const indent = '  '.repeat(depth);
  const movable = via !== undefined && via.type !== 'fixed';
  const frame = via === undefined ? '' : frameAttrs(via.origin);
  ctx.out.push(`${indent}<body name="${esc(linkName)}"${frame}${moving ? ' gravcomp="1"' : ''}>`);
  if (moving) ctx.result.movingLinks.push(linkName);
  const inertial = inertialXml(ctx, linkName, movable, link.collisions.length);
  if (inertial !== '') ctx.out.push(`${indent}  ${inertial}`);
  if (movable) {
    ctx.out.push(`${indent}  ${jointXml(ctx, via)}`);
    ctx.actuators.push(`    ${actuatorXml(ctx, via)}`);
    ctx.result.movableJoints.push(via.name);
  }
  geomsXml(ctx, link, moving, `${indent}  `);
  if (!moving) {
    for (const c of [...link.collisions, ...link.visuals]) {
      if (c.geometry.kind !== 'mesh') ctx.minFixedZ = Math.min(ctx.minFixedZ, lowestZ(c, world));
    }
  }
  if (linkName === ctx.result.cameraLink) {
    // MuJoCo cameras look along -z with y up: a half turn about x from the optical frame
    const fovy = ctx.opts.cameraFovYDeg ?? DEFAULT_CAMERA_FOVY_DEG;
    ctx.out.push(`${indent}  <camera name="${esc(ctx.result.cameraName ?? 'camera')}" pos="0 0 0" quat="0 1 0 0" fovy="${fmt(fovy)}"/>`);
  }
  for (const j of ctx.childJoints.get(linkName) ?? []) {
    const childMoving = moving || j.type !== 'fixed';
    // contacts between a fixed parent and its first moving child are excluded, as MuJoCo does
    // for moving parents (the shapes touch at the joint by design)
    if (!moving && childMoving) ctx.excludes.push(`    <exclude body1="${esc(linkName)}" body2="${esc(j.child)}"/>`);
    bodyXml(ctx, j.child, j, childMoving, depth + 1, composeTransforms(world, originToTransform(j.origin)));
  }
  ctx.out.push(`${indent}</body>`);
}

/** Builds the MJCF document; throws MjcfError listing every problem with the options. */
export function generateMjcf(robot: RobotModel, opts: MjcfOptions): MjcfResult {
  const problems: string[] = [];
  const timestepS = opts.timestepS ?? DEFAULT_TIMESTEP_S;
  if (!(timestepS > 0 && timestepS <= 0.01)) problems.push(`timestepS: must be in (0, 0.01] s, got ${timestepS}`);
  const links = new Map(robot.links.map((l) => [l.name, l]));
  if (!links.has(robot.rootLink)) problems.push(`rootLink: unknown link "${robot.rootLink}"`);
  let cameraLink: string | null = null;
  if (opts.cameraLink === undefined) cameraLink = links.has(DEFAULT_CAMERA_LINK) ? DEFAULT_CAMERA_LINK : null;
  else if (opts.cameraLink !== null) {
    if (links.has(opts.cameraLink)) cameraLink = opts.cameraLink;
    else problems.push(`cameraLink: unknown link "${opts.cameraLink}"`);
  }
  const fovy = opts.cameraFovYDeg ?? DEFAULT_CAMERA_FOVY_DEG;
  if (!(fovy > 1 && fovy < 179)) problems.push(`cameraFovYDeg: must be in (1, 179) degrees, got ${fovy}`);
  if (opts.armature !== undefined && !(opts.armature >= 0)) problems.push(`armature: must be ≥ 0, got ${opts.armature}`);
  if (opts.defaultDamping !== undefined && !(opts.defaultDamping >= 0)) {
    problems.push(`defaultDamping: must be ≥ 0, got ${opts.defaultDamping}`);
  }
  if (opts.floorZ !== undefined && opts.floorZ !== null && !Number.isFinite(opts.floorZ)) {
    problems.push(`floorZ: must be a finite number or null, got ${opts.floorZ}`);
  }
  for (const [name, g] of opts.gains ?? []) {
    if (!(g.kp > 0 && g.kv >= 0)) problems.push(`gains.${name}: kp must be > 0 and kv ≥ 0, got ${g.kp}, ${g.kv}`);
  }
  for (const j of robot.joints) {
    const l = j.limits;
    if (j.type !== 'fixed' && j.type !== 'continuous' && (l.lower === undefined || l.upper === undefined)) {
      problems.push(`joints.${j.name}: a ${j.type} joint needs lower and upper limits`);
    } else if (l.lower !== undefined && l.upper !== undefined && !(l.lower <= l.upper)) {
      problems.push(`joints.${j.name}: lower limit ${l.lower} exceeds upper ${l.upper}`);
    }
  }
  if (problems.length > 0) throw new MjcfError(problems);

  const childJoints = new Map<string, JointSpec[]>();
  for (const j of robot.joints) {
    const list = childJoints.get(j.parent) ?? [];
    list.push(j);
    childJoints.set(j.parent, list);
  }
  const ctx: Ctx = {
    opts,
    links,
    childJoints,
    out: [],
    actuators: [],
    excludes: [],
    minFixedZ: Number.POSITIVE_INFINITY,
    result: {
      xml: '',
      geoms: [],
      movableJoints: [],
      movingLinks: [],
      cameraName: cameraLink === null ? null : 'camera',
      cameraLink,
      skipped: [],
    },
  };
  bodyXml(ctx, robot.rootLink, undefined, false, 2, identityTransform());

  const floorZ = opts.floorZ === undefined ? (Number.isFinite(ctx.minFixedZ) ? ctx.minFixedZ : null) : opts.floorZ;
  const floor: string[] = [];
  if (floorZ !== null) {
    const contact = (opts.collisions ?? true) ? FIXED_CONTACT : NO_CONTACT;
    floor.push(`    <geom name="floor" type="plane" pos="0 0 ${fmt(floorZ)}" size="0 0 1" rgba="${vec(FLOOR_RGBA)}" group="0" ${contact}/>`);
    ctx.result.geoms.unshift({ name: 'floor', link: robot.rootLink, role: 'floor', moving: false, rendered: true, rgba: FLOOR_RGBA });
  }

  const xml = [
    `<mujoco model="${esc(robot.name)}">`,
    // radians everywhere; unbalanced URDF inertias are repaired instead of rejected
    '  <compiler angle="radian" autolimits="true" balanceinertia="true"/>',
    `  <option timestep="${fmt(timestepS)}" integrator="implicitfast"/>`,
    '  <worldbody>',
    ...floor,
    ...ctx.out,
    '  </worldbody>',
    ...(ctx.excludes.length > 0 ? ['  <contact>', ...ctx.excludes, '  </contact>'] : []),
    ...(ctx.actuators.length > 0 ? ['  <actuator>', ...ctx.actuators, '  </actuator>'] : []),
    '</mujoco>',
    '',
  ].join('\n');
  ctx.result.xml = xml;
  return ctx.result;
}
