/**
 * Episodes for the simulator, given or drawn:
 * - the episode description both the scenario file and the sampler produce;
 * - the scenario file (JSON), validated with zod; every problem names the entry and the field:
 *   { "episodes": [ { "start": [rad...],
 *                     "goal": { "joints": [rad...] } | { "pose": { "position": [x,y,z], "orientation"?: [x,y,z,w] } },
 *                     "keepOut"?: [ { "box": { "min": [x,y,z], "max": [x,y,z] } } | { "sphere": { "center": [x,y,z], "radius": r } } ],
 *                     "maxTicks"?: n } ] }
 *   Joint vectors follow the controlled joint order; positions are in the base frame, m.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Image } from '../bus/messages.ts';
import type { JointLimits } from '../robot/types.ts';
import type { KeepOutZone } from './keep-out.ts';

export type EpisodeGoal =
  | { kind: 'joints'; joints: Float64Array }
  /** orientation: quaternion x y z w, or null for a position-only goal */
  | { kind: 'pose'; position: Float64Array; orientation: Float64Array | null }
  /**
   * a goal image (the camera's view of the arm at the goal configuration), sent to the perception
   * node's goal image topic; success is judged on the end effector's `position` there
   */
  | { kind: 'image'; image: Image; position: Float64Array };

export interface EpisodeSpec {
  /** joint positions, rad, controlled joint order */
  start: Float64Array;
  goal: EpisodeGoal;
  /** zones of this episode, in addition to the configured ones (base frame) */
  keepOut: KeepOutZone[];
  /** control ticks before the episode counts as failed; undefined = the run's default */
  maxTicks?: number;
}

export class ScenarioError extends Error {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(`scenario ${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });
const vec3 = z.array(finite).length(3, { message: 'must hold 3 numbers (x, y, z)' });

const zoneSchema = z
  .strictObject({
    box: z.strictObject({ min: vec3, max: vec3 }).optional(),
    sphere: z.strictObject({ center: vec3, radius: z.number().gt(0, { message: 'must be > 0' }) }).optional(),
  })
  .superRefine((zone, ctx) => {
    if ((zone.box === undefined) === (zone.sphere === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'must hold exactly one of "box" or "sphere"' });
    }
    if (zone.box !== undefined) {
      for (let k = 0; k < 3; k++) {
        if (zone.box.min[k]! > zone.box.max[k]!) {
          ctx.addIssue({ code: 'custom', path: ['box', 'min', k], message: `must be ≤ max[${k}] (${zone.box.max[k]})` });
        }
      }
    }
  });

const goalSchema = z
  .strictObject({
    joints: z.array(finite).optional(),
    pose: z
      .strictObject({
        position: vec3,
        orientation: z
          .array(finite)
          .length(4, { message: 'must hold 4 numbers (x, y, z, w)' })
          .refine((q) => Math.abs(Math.hypot(...q) - 1) <= 0.01, { message: 'must be a unit quaternion (x, y, z, w)' })
          .optional(),
      })
      .optional(),
  })
  .superRefine((goal, ctx) => {
    if ((goal.joints === undefined) === (goal.pose === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'must hold exactly one of "joints" or "pose"' });
    }
  });

const scenarioSchema = z.strictObject({
  episodes: z
    .array(
      z.strictObject({
        start: z.array(finite),
        goal: goalSchema,
        keepOut: z.array(zoneSchema).optional(),
        maxTicks: z.number().int({ message: 'must be an integer' }).min(1, { message: 'must be ≥ 1' }).optional(),
      }),
    )
    .min(1, { message: 'must hold at least one episode' }),
});

/** `['episodes', 2, 'goal', 'joints']` → `episodes[2].goal.joints` */
function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(file)' : out;
}

export interface ScenarioRobot {
  jointNames: readonly string[];
  limits: readonly JointLimits[];
}

function checkJoints(values: readonly number[], field: string, robot: ScenarioRobot, problems: string[]): void {
  const dof = robot.jointNames.length;
  if (values.length !== dof) {
    problems.push(`${field}: must hold ${dof} joint positions (${robot.jointNames.join(', ')}), got ${values.length}`);
    return;
  }
  values.forEach((q, j) => {
    const l = robot.limits[j]!;
    if ((l.lower !== undefined && q < l.lower) || (l.upper !== undefined && q > l.upper)) {
      problems.push(`${field}[${j}]: ${robot.jointNames[j]} = ${q} is outside its limits [${l.lower}, ${l.upper}]`);
    }
  });
}

/** Parses and checks a scenario text; throws ScenarioError listing every problem. */
export function parseScenario(text: string, source: string, robot: ScenarioRobot): EpisodeSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(source, [`not valid JSON: ${(e as Error).message}`]);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ScenarioError(
      source,
      parsed.error.issues.map((i) => `${pathText(i.path)}: ${i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message}`),
    );
  }
  const problems: string[] = [];
  const episodes = parsed.data.episodes.map((e, k): EpisodeSpec => {
    checkJoints(e.start, `episodes[${k}].start`, robot, problems);
    if (e.goal.joints !== undefined) checkJoints(e.goal.joints, `episodes[${k}].goal.joints`, robot, problems);
    const goal: EpisodeGoal =
      e.goal.joints !== undefined
        ? { kind: 'joints', joints: Float64Array.from(e.goal.joints) }
        : {
            kind: 'pose',
            position: Float64Array.from(e.goal.pose!.position),
            orientation: e.goal.pose!.orientation === undefined ? null : Float64Array.from(e.goal.pose!.orientation),
          };
    const keepOut: KeepOutZone[] = (e.keepOut ?? []).map((zone) =>
      zone.box !== undefined
        ? { box: { min: zone.box.min as [number, number, number], max: zone.box.max as [number, number, number] } }
        : { sphere: { center: zone.sphere!.center as [number, number, number], radius: zone.sphere!.radius } },
    );
    return { start: Float64Array.from(e.start), goal, keepOut, ...(e.maxTicks !== undefined ? { maxTicks: e.maxTicks } : {}) };
  });
  if (problems.length > 0) throw new ScenarioError(source, problems);
  return episodes;
}

/** Reads and parses a scenario file; a missing or unreadable file is a ScenarioError too. */
export function loadScenario(path: string, robot: ScenarioRobot): EpisodeSpec[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ScenarioError(path, [missing ? 'file not found' : `cannot read: ${(e as Error).message}`]);
  }
  return parseScenario(text, path, robot);
}

/** Keep-out zones from the flat parameter arrays (`keep_out.boxes`, `keep_out.spheres`). */
export function zonesFromParameters(boxes: readonly number[], spheres: readonly number[]): KeepOutZone[] {
  const zones: KeepOutZone[] = [];
  for (let b = 0; b + 5 < boxes.length; b += 6) {
    zones.push({ box: { min: [boxes[b]!, boxes[b + 1]!, boxes[b + 2]!], max: [boxes[b + 3]!, boxes[b + 4]!, boxes[b + 5]!] } });
  }
  for (let s = 0; s + 3 < spheres.length; s += 4) {
    zones.push({ sphere: { center: [spheres[s]!, spheres[s + 1]!, spheres[s + 2]!], radius: spheres[s + 3]! } });
  }
  return zones;
}

/** Zones back to the flat parameter arrays. */
export function zonesToParameters(zones: readonly KeepOutZone[]): { boxes: number[]; spheres: number[] } {
  const boxes: number[] = [];
  const spheres: number[] = [];
  for (const z of zones) {
    if (z.box !== undefined) boxes.push(...z.box.min, ...z.box.max);
    if (z.sphere !== undefined) spheres.push(...z.sphere.center, z.sphere.radius);
  }
  return { boxes, spheres };
}
