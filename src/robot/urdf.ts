/**
 * URDF → RobotModel. Parses the subset odra uses (links with collision/visual primitives, revolute,
 * continuous, prismatic and fixed joints, limits, safety controllers), checks the tree, and throws
 * one UrdfError naming every problem it found.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type {
  Collision,
  CollisionGeometry,
  JointLimits,
  JointSpec,
  JointType,
  LinkSpec,
  Origin,
  RobotModel,
  Vec3,
} from './types.ts';

export interface UrdfProblem {
  /** the element concerned, e.g. `joint "elbow" <limit>` */
  path: string;
  message: string;
}

export class UrdfError extends Error {
  readonly problems: readonly UrdfProblem[];
  readonly source: string;

  constructor(source: string, problems: readonly UrdfProblem[]) {
    const n = problems.length;
    const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
    super(`${source}: ${n} problem${n === 1 ? '' : 's'} in URDF\n${lines}`);
    this.name = 'UrdfError';
    this.source = source;
    this.problems = problems;
  }
}

const JOINT_TYPES: readonly JointType[] = ['revolute', 'continuous', 'prismatic', 'fixed'];

/** A parsed element: attributes under `@_name`, children as arrays under their tag name. */
type XmlNode = Record<string, unknown>;

const ATTR = '@_';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  // every element becomes an array so repeated and single children read the same way
  isArray: (_name: string, _jpath: unknown, _isLeaf: boolean, isAttribute: boolean) => !isAttribute,
});

class Problems {
  readonly list: UrdfProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
}

function children(node: XmlNode, tag: string): XmlNode[] {
  const v = node[tag];
  if (!Array.isArray(v)) return [];
  // an empty element without attributes parses as ''
  return v.map((c: unknown) => (typeof c === 'object' && c !== null ? (c as XmlNode) : {}));
}

function attr(node: XmlNode, name: string): string | undefined {
  const v = node[ATTR + name];
  return typeof v === 'string' ? v : undefined;
}

/** The one child `tag` of `node`, reporting duplicates; undefined when absent. */
function single(node: XmlNode, tag: string, path: string, problems: Problems): XmlNode | undefined {
  const list = children(node, tag);
  if (list.length > 1) problems.add(path, `more than one <${tag}> (${list.length})`);
  return list[0];
}

function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

type NumberRule = 'any' | 'nonNegative' | 'positive';

const RULE_TEXT: Record<NumberRule, string> = {
  any: 'a number',
  nonNegative: 'a non-negative number',
  positive: 'a positive number',
};

function checkRule(v: number, rule: NumberRule): boolean {
  return rule === 'any' || (rule === 'positive' ? v > 0 : v >= 0);
}

/** Reads a numeric attribute; reports and returns undefined when it is present but invalid. */
function numAttr(
  node: XmlNode,
  name: string,
  path: string,
  problems: Problems,
  rule: NumberRule,
  required: boolean,
): number | undefined {
  const raw = attr(node, name);
  if (raw === undefined) {
    if (required) problems.add(path, `${name} is required (${RULE_TEXT[rule]})`);
    return undefined;
  }
  const v = parseNumber(raw);
  if (v === undefined || !checkRule(v, rule)) {
    problems.add(path, `${name} must be ${RULE_TEXT[rule]}, got "${raw}"`);
    return undefined;
  }
  return v;
}

/** Reads a 3-vector attribute; returns `fallback` when absent, undefined when invalid (reported). */
function vecAttr(
  node: XmlNode,
  name: string,
  path: string,
  problems: Problems,
  fallback: Vec3 | undefined,
  rule: NumberRule = 'any',
): Vec3 | undefined {
  const raw = attr(node, name);
  if (raw === undefined) {
    if (fallback === undefined) problems.add(path, `${name} is required (3 numbers)`);
    return fallback === undefined ? undefined : [...fallback];
  }
  const parts = raw.trim() === '' ? [] : raw.trim().split(/\s+/);
  const values = parts.map(parseNumber);
  if (values.length !== 3 || values.some((v) => v === undefined)) {
    problems.add(path, `${name} must be 3 numbers, got "${raw}"`);
    return undefined;
  }
  const vec = values as Vec3;
  if (!vec.every((v) => checkRule(v, rule))) {
    problems.add(path, `${name} must be 3 ${RULE_TEXT[rule].replace(/^an? /, '')}s, got "${raw}"`);
    return undefined;
  }
  return vec;
}

function parseOrigin(parent: XmlNode, path: string, problems: Problems): Origin {
  const node = single(parent, 'origin', path, problems);
  if (node === undefined) return { xyz: [0, 0, 0], rpy: [0, 0, 0] };
  const p = `${path} <origin>`;
  return {
    xyz: vecAttr(node, 'xyz', p, problems, [0, 0, 0]) ?? [0, 0, 0],
    rpy: vecAttr(node, 'rpy', p, problems, [0, 0, 0]) ?? [0, 0, 0],
  };
}

function parseGeometry(parent: XmlNode, path: string, problems: Problems): CollisionGeometry | undefined {
  const geom = single(parent, 'geometry', path, problems);
  if (geom === undefined) {
    problems.add(path, '<geometry> is required');
    return undefined;
  }
  const gp = `${path} <geometry>`;
  const kinds = ['box', 'sphere', 'cylinder', 'capsule', 'mesh'].filter((k) => children(geom, k).length > 0);
  const unknown = Object.keys(geom).filter((k) => !k.startsWith(ATTR) && !kinds.includes(k) && k !== '#text');
  if (kinds.length === 0) {
    const got = unknown.length > 0 ? `, got <${unknown.join('>, <')}>` : '';
    problems.add(gp, `needs one of <box>, <sphere>, <cylinder>, <capsule>, <mesh>${got}`);
    return undefined;
  }
  if (kinds.length > 1 || children(geom, kinds[0]!).length > 1) {
    problems.add(gp, `must hold exactly one shape, got ${kinds.map((k) => `<${k}>`).join(', ')}`);
    return undefined;
  }
  const kind = kinds[0]!;
  const node = children(geom, kind)[0]!;
  const p = `${gp} <${kind}>`;
  switch (kind) {
    case 'box': {
      const size = vecAttr(node, 'size', p, problems, undefined, 'nonNegative');
      return size === undefined ? undefined : { kind: 'box', size };
    }
    case 'sphere': {
      const radius = numAttr(node, 'radius', p, problems, 'nonNegative', true);
      return radius === undefined ? undefined : { kind: 'sphere', radius };
    }
    case 'cylinder':
    case 'capsule': {
      const radius = numAttr(node, 'radius', p, problems, 'nonNegative', true);
      const length = numAttr(node, 'length', p, problems, 'nonNegative', true);
      if (radius === undefined || length === undefined) return undefined;
      return { kind, radius, length };
    }
    default: {
      const filename = attr(node, 'filename');
      if (filename === undefined || filename.trim() === '') problems.add(p, 'filename is required');
      const scale = vecAttr(node, 'scale', p, problems, [1, 1, 1]);
      if (filename === undefined || scale === undefined) return undefined;
      return { kind: 'mesh', filename, scale };
    }
  }
}

function parseShapes(link: XmlNode, tag: 'collision' | 'visual', linkPath: string, problems: Problems): Collision[] {
  const out: Collision[] = [];
  children(link, tag).forEach((node, i) => {
    const p = `${linkPath} <${tag}>[${i}]`;
    const origin = parseOrigin(node, p, problems);
    const geometry = parseGeometry(node, p, problems);
    if (geometry !== undefined) out.push({ origin, geometry });
  });
  return out;
}

function parseLink(node: XmlNode, index: number, problems: Problems): LinkSpec | undefined {
  const name = attr(node, 'name');
  const path = name === undefined ? `link #${index}` : `link "${name}"`;
  if (name === undefined || name.trim() === '') problems.add(path, 'name is required');
  const collisions = parseShapes(node, 'collision', path, problems);
  const visuals = parseShapes(node, 'visual', path, problems);
  if (name === undefined || name.trim() === '') return undefined;
  return { name, collisions, visuals };
}

function parseLimits(node: XmlNode, type: JointType, path: string, problems: Problems): JointLimits {
  const limits: JointLimits = {};
  if (type === 'fixed') return limits;
  const limit = single(node, 'limit', path, problems);
  const bounded = type === 'revolute' || type === 'prismatic';
  if (limit === undefined) {
    if (bounded) problems.add(path, `<limit> is required for ${type} joints`);
  } else {
    const lp = `${path} <limit>`;
    if (bounded) {
      // URDF: lower/upper default to 0; velocity and effort are required
      const lower = numAttr(limit, 'lower', lp, problems, 'any', false) ?? 0;
      const upper = numAttr(limit, 'upper', lp, problems, 'any', false) ?? 0;
      if (lower > upper) problems.add(lp, `lower (${lower}) must not exceed upper (${upper})`);
      limits.lower = lower;
      limits.upper = upper;
    }
    const velocity = numAttr(limit, 'velocity', lp, problems, 'positive', bounded);
    const effort = numAttr(limit, 'effort', lp, problems, 'nonNegative', bounded);
    if (velocity !== undefined) limits.velocity = velocity;
    if (effort !== undefined) limits.effort = effort;
  }
  const safety = single(node, 'safety_controller', path, problems);
  if (safety !== undefined) {
    const sp = `${path} <safety_controller>`;
    const softLower = numAttr(safety, 'soft_lower_limit', sp, problems, 'any', false);
    const softUpper = numAttr(safety, 'soft_upper_limit', sp, problems, 'any', false);
    if (softLower !== undefined && softUpper !== undefined && softLower > softUpper) {
      problems.add(sp, `soft_lower_limit (${softLower}) must not exceed soft_upper_limit (${softUpper})`);
    }
    if (softLower !== undefined) limits.softLower = softLower;
    if (softUpper !== undefined) limits.softUpper = softUpper;
  }
  return limits;
}

function linkRef(node: XmlNode, tag: 'parent' | 'child', path: string, problems: Problems): string | undefined {
  const ref = single(node, tag, path, problems);
  if (ref === undefined) {
    problems.add(path, `<${tag} link="..."> is required`);
    return undefined;
  }
  const link = attr(ref, 'link');
  if (link === undefined || link.trim() === '') {
    problems.add(`${path} <${tag}>`, 'link is required');
    return undefined;
  }
  return link;
}

/** What the tree checks need from a joint, kept even when its other attributes are invalid. */
interface JointRef {
  name: string;
  parent: string;
  child: string;
}

function parseJoint(node: XmlNode, index: number, problems: Problems): { spec?: JointSpec; ref?: JointRef } {
  const name = attr(node, 'name');
  const path = name === undefined ? `joint #${index}` : `joint "${name}"`;
  if (name === undefined || name.trim() === '') problems.add(path, 'name is required');
  const typeRaw = attr(node, 'type');
  let type: JointType | undefined;
  if (typeRaw === undefined) problems.add(path, `type is required (${JOINT_TYPES.join(', ')})`);
  else if (!(JOINT_TYPES as readonly string[]).includes(typeRaw)) {
    problems.add(path, `unsupported joint type "${typeRaw}" (supported: ${JOINT_TYPES.join(', ')})`);
  } else type = typeRaw as JointType;
  const parent = linkRef(node, 'parent', path, problems);
  const child = linkRef(node, 'child', path, problems);
  const origin = parseOrigin(node, path, problems);
  let axis: Vec3 | undefined = [1, 0, 0];
  const axisNode = single(node, 'axis', path, problems);
  if (axisNode !== undefined) {
    const ap = `${path} <axis>`;
    axis = vecAttr(axisNode, 'xyz', ap, problems, [1, 0, 0]);
    if (axis !== undefined) {
      const len = Math.hypot(axis[0], axis[1], axis[2]);
      if (len === 0) {
        // a fixed joint ignores its axis, so only moving joints need a direction
        if (type !== 'fixed') problems.add(ap, 'xyz must not be the zero vector');
        axis = type === 'fixed' ? [1, 0, 0] : undefined;
      } else axis = [axis[0] / len, axis[1] / len, axis[2] / len];
    }
  }
  const limits = parseLimits(node, type ?? 'fixed', path, problems);
  if (name === undefined || name.trim() === '' || parent === undefined || child === undefined) return {};
  const ref = { name, parent, child };
  if (type === undefined || axis === undefined) return { ref };
  return { ref, spec: { name, type, parent, child, origin, axis, limits } };
}

/** Checks names, references, parents, cycles and the single root; returns the root link. */
function checkTree(links: LinkSpec[], joints: JointRef[], problems: Problems): string | undefined {
  const linkNames = new Set<string>();
  for (const l of links) {
    if (linkNames.has(l.name)) problems.add(`link "${l.name}"`, 'duplicate link name');
    linkNames.add(l.name);
  }
  const jointNames = new Set<string>();
  for (const j of joints) {
    if (jointNames.has(j.name)) problems.add(`joint "${j.name}"`, 'duplicate joint name');
    jointNames.add(j.name);
  }
  const parentJoint = new Map<string, JointRef>();
  for (const j of joints) {
    const path = `joint "${j.name}"`;
    let ok = true;
    if (!linkNames.has(j.parent)) {
      problems.add(`${path} <parent>`, `unknown link "${j.parent}"`);
      ok = false;
    }
    if (!linkNames.has(j.child)) {
      problems.add(`${path} <child>`, `unknown link "${j.child}"`);
      ok = false;
    }
    if (!ok) continue;
    const prev = parentJoint.get(j.child);
    if (prev !== undefined) {
      problems.add(`link "${j.child}"`, `has two parent joints ("${prev.name}" and "${j.name}")`);
      continue;
    }
    parentJoint.set(j.child, j);
  }
  // with at most one parent per link, a cycle is a parent walk that comes back to where it started
  const state = new Map<string, 'walking' | 'done'>();
  for (const start of linkNames) {
    const walk: string[] = [];
    let cur: string | undefined = start;
    while (cur !== undefined && state.get(cur) === undefined) {
      state.set(cur, 'walking');
      walk.push(cur);
      cur = parentJoint.get(cur)?.parent;
    }
    if (cur !== undefined && state.get(cur) === 'walking') {
      const cycle = walk.slice(walk.indexOf(cur));
      const via = cycle.map((l) => parentJoint.get(l)?.name ?? '?');
      problems.add(
        `joint "${via[0]}"`,
        `is part of a cycle: links ${cycle.map((l) => `"${l}"`).join(', ')} through joints ${via.map((n) => `"${n}"`).join(', ')}`,
      );
    }
    for (const l of walk) state.set(l, 'done');
  }
  const roots = [...linkNames].filter((l) => !parentJoint.has(l));
  if (linkNames.size === 0) problems.add('<robot>', 'has no <link>');
  else if (roots.length === 0) problems.add('<robot>', 'has no root link (every link is a joint child)');
  else if (roots.length > 1) {
    problems.add('<robot>', `has ${roots.length} root links (${roots.map((r) => `"${r}"`).join(', ')}); a URDF tree has exactly one`);
  }
  return roots.length === 1 ? roots[0] : undefined;
}

/** Parses a URDF document; throws a UrdfError listing every problem. `source` names it in messages. */
export function parseUrdf(xml: string, source = '<urdf>'): RobotModel {
  const problems = new Problems();
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    problems.add(`line ${valid.err.line}:${valid.err.col}`, `XML syntax error: ${valid.err.msg}`);
    throw new UrdfError(source, problems.list);
  }
  const doc = parser.parse(xml) as XmlNode;
  const robots = children(doc, 'robot');
  if (robots.length !== 1) {
    problems.add('<robot>', robots.length === 0 ? 'no <robot> root element' : `more than one <robot> (${robots.length})`);
    throw new UrdfError(source, problems.list);
  }
  const robotNode = robots[0]!;
  const name = attr(robotNode, 'name');
  if (name === undefined || name.trim() === '') problems.add('<robot>', 'name is required');
  const links: LinkSpec[] = [];
  children(robotNode, 'link').forEach((node, i) => {
    const link = parseLink(node, i, problems);
    if (link !== undefined) links.push(link);
  });
  const joints: JointSpec[] = [];
  const refs: JointRef[] = [];
  children(robotNode, 'joint').forEach((node, i) => {
    const { spec, ref } = parseJoint(node, i, problems);
    if (spec !== undefined) joints.push(spec);
    if (ref !== undefined) refs.push(ref);
  });
  const rootLink = checkTree(links, refs, problems);
  if (problems.list.length > 0 || rootLink === undefined || name === undefined) {
    throw new UrdfError(source, problems.list);
  }
  return { name, links, joints, rootLink };
}
