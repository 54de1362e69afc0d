/**
 * What the simulator needs from a URDF beyond the kinematic RobotModel: link inertials, visual
 * colours and joint damping/friction. `robot/urdf.ts` checks the document and builds the tree;
 * this reader only picks these extras and skips anything it cannot read (the sim then falls back
 * to inertia from the collision shapes, grey visuals and default damping).
 */
import { XMLParser } from 'fast-xml-parser';
import type { Vec3 } from '../robot/types.ts';

export type Rgba = [number, number, number, number];

export interface Inertial {
  /** centre of mass in the link frame, m */
  xyz: Vec3;
  /** principal-axes orientation (URDF rpy), rad */
  rpy: Vec3;
  massKg: number;
  /** [ixx, iyy, izz, ixy, ixz, iyz], kg·m² */
  inertia: [number, number, number, number, number, number];
}

export interface JointDynamics {
  /** N·m·s/rad or N·s/m */
  damping?: number;
  /** N·m or N */
  friction?: number;
}

export interface UrdfExtras {
  inertials: Map<string, Inertial>;
  /** colour of each link's visuals, in document order (undefined where a visual names no colour) */
  visualColors: Map<string, (Rgba | undefined)[]>;
  dynamics: Map<string, JointDynamics>;
}

type XmlNode = Record<string, unknown>;
const ATTR = '@_';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (_name: string, _jpath: unknown, _isLeaf: boolean, isAttribute: boolean) => !isAttribute,
});

function kids(node: XmlNode, tag: string): XmlNode[] {
  const v = node[tag];
  if (!Array.isArray(v)) return [];
  return v.map((c: unknown) => (typeof c === 'object' && c !== null ? (c as XmlNode) : {}));
}

function attr(node: XmlNode | undefined, name: string): string | undefined {
  if (node === undefined) return undefined;
  const v = node[ATTR + name];
  return typeof v === 'string' ? v : undefined;
}

function numbers(text: string | undefined, n: number): number[] | undefined {
  if (text === undefined) return undefined;
  const parts = text.trim().split(/\s+/).map(Number);
  return parts.length === n && parts.every(Number.isFinite) ? parts : undefined;
}

function num(text: string | undefined): number | undefined {
  const v = numbers(text, 1);
  return v?.[0];
}

function colorOf(material: XmlNode | undefined, named: Map<string, Rgba>): Rgba | undefined {
  if (material === undefined) return undefined;
  const rgba = numbers(attr(kids(material, 'color')[0], 'rgba'), 4);
  if (rgba !== undefined) return rgba as Rgba;
  const name = attr(material, 'name');
  return name === undefined ? undefined : named.get(name);
}

function readInertial(node: XmlNode): Inertial | undefined {
  const mass = num(attr(kids(node, 'mass')[0], 'value'));
  const inertiaNode = kids(node, 'inertia')[0];
  if (mass === undefined || mass <= 0 || inertiaNode === undefined) return undefined;
  // diagonal moments are required; products of inertia default to 0
  const diagonal = ['ixx', 'iyy', 'izz'].map((k) => num(attr(inertiaNode, k)) ?? Number.NaN);
  const products = ['ixy', 'ixz', 'iyz'].map((k) => num(attr(inertiaNode, k)) ?? 0);
  const values = [...diagonal, ...products];
  if (values.some((v) => !Number.isFinite(v))) return undefined;
  const origin = kids(node, 'origin')[0];
  const xyz = (numbers(attr(origin, 'xyz'), 3) ?? [0, 0, 0]) as Vec3;
  const rpy = (numbers(attr(origin, 'rpy'), 3) ?? [0, 0, 0]) as Vec3;
  return { xyz, rpy, massKg: mass, inertia: values as Inertial['inertia'] };
}

/** Reads inertials, visual colours and joint dynamics; never throws on content it cannot use. */
export function readUrdfExtras(xml: string): UrdfExtras {
  const out: UrdfExtras = { inertials: new Map(), visualColors: new Map(), dynamics: new Map() };
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch {
    return out;
  }
  const robot = kids(doc, 'robot')[0];
  if (robot === undefined) return out;
  const named = new Map<string, Rgba>();
  for (const m of kids(robot, 'material')) {
    const name = attr(m, 'name');
    const c = colorOf(m, new Map());
    if (name !== undefined && c !== undefined) named.set(name, c);
  }
  for (const link of kids(robot, 'link')) {
    const name = attr(link, 'name');
    if (name === undefined) continue;
    const inertialNode = kids(link, 'inertial')[0];
    const inertial = inertialNode === undefined ? undefined : readInertial(inertialNode);
    if (inertial !== undefined) out.inertials.set(name, inertial);
    out.visualColors.set(
      name,
      kids(link, 'visual').map((v) => colorOf(kids(v, 'material')[0], named)),
    );
  }
  for (const joint of kids(robot, 'joint')) {
    const name = attr(joint, 'name');
    const dyn = kids(joint, 'dynamics')[0];
    if (name === undefined || dyn === undefined) continue;
    const d: JointDynamics = {};
    const damping = num(attr(dyn, 'damping'));
    const friction = num(attr(dyn, 'friction'));
    if (damping !== undefined && damping >= 0) d.damping = damping;
    if (friction !== undefined && friction >= 0) d.friction = friction;
    out.dynamics.set(name, d);
  }
  return out;
}
