/**
 * The training set: aligned frames (image_t, q_t, qd_t, a_t) from MCAP recordings, odra's own play
 * recordings and rosbag2 bags from a real robot alike. Frames are anchored on camera images; the joint
 * state nearest in time and the command in force (the latest at or before the image, as forward command
 * controllers hold it) are attached. Consecutive frames one period apart form segments; a transition is
 * any pair of neighbouring frames inside a segment.
 *
 * Images are stored area-averaged to the encoder's size as rgb8 (HWC), the same reduction the encoder
 * applies at run time.
 */
import { createHash } from 'node:crypto';
import { decodeCompressed, decodeImage } from '../perception/decode.ts';
import type { CompressedImageMsg, DecodedImage, ImageMsg } from '../perception/types.ts';
import { Rng } from '../sim/random.ts';
import { areaResizeRgb8 } from '../world-model/learned-image.ts';
import { readMcap } from './mcap/reader.ts';
import { DEFAULT_PLAY_TOPICS, type PlayTopics } from './topics.ts';

export interface DatasetOptions {
  jointNames: readonly string[];
  topics?: PlayTopics;
  /** encoder input size, px */
  width: number;
  height: number;
  /** frame period, s; 0 or omitted = the median period of the images */
  dtS?: number;
  /** which time orders messages: MCAP log time (default) or the message header stamp where there is one */
  time?: 'log' | 'header';
  /** largest |Δt| between an image and its joint state, s; default half a period */
  matchToleranceS?: number;
}

export interface Segment {
  /** first frame index */
  start: number;
  /** frames in the segment */
  length: number;
}

export interface DatasetStats {
  images: number;
  jointStates: number;
  commands: number;
  /** images dropped: undecodable, no joint state near enough, no command yet, joints missing */
  dropped: Record<string, number>;
}

export interface Dataset {
  files: string[];
  jointNames: string[];
  dof: number;
  width: number;
  height: number;
  dtS: number;
  frames: number;
  /** [frames, height, width, 3] rgb8 at the encoder size */
  images: Uint8Array;
  /** [frames, dof] joint positions, rad */
  q: Float32Array;
  /** [frames, dof] joint velocities, rad/s (measured, else finite differences) */
  qd: Float32Array;
  /** [frames, dof] velocity command in force from this frame to the next, rad/s */
  a: Float32Array;
  segments: Segment[];
  /** sha256 of the aligned data and its layout */
  hash: string;
  stats: DatasetStats;
}

export class DatasetError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`dataset: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
    this.name = 'DatasetError';
  }
}

interface Stamped<T> {
  t: number;
  v: T;
}

function stampOf(msg: Record<string, unknown>, logTimeNs: bigint, mode: 'log' | 'header'): number {
  if (mode === 'header') {
    const h = msg.header as { stamp?: { sec?: number; nanosec?: number } } | undefined;
    if (h?.stamp && typeof h.stamp.sec === 'number' && typeof h.stamp.nanosec === 'number') return h.stamp.sec + h.stamp.nanosec * 1e-9;
  }
  return Number(logTimeNs) * 1e-9;
}

/** Decoded image → rgb8 HWC at its own size. */
function toRgb8(img: DecodedImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  const d = img.data;
  if (img.channels === 3) for (let i = 0; i < n * 3; i++) out[i] = Math.max(0, Math.min(255, Math.round(d[i]! * 255)));
  else
    for (let i = 0; i < n; i++) {
      const v = Math.max(0, Math.min(255, Math.round(d[i]! * 255)));
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = v;
    }
  return out;
}

function lowerBound(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
}

/** Reads and aligns recordings. Throws DatasetError listing every problem (missing topics, no frames). */
export async function loadDataset(files: readonly string[], opts: DatasetOptions): Promise<Dataset> {
  const topics = opts.topics ?? DEFAULT_PLAY_TOPICS;
  const mode = opts.time ?? 'log';
  const names = [...opts.jointNames];
  const dof = names.length;
  const { width: W, height: H } = opts;
  const problems: string[] = [];
  if (files.length === 0) problems.push('no data files given');
  if (dof === 0) problems.push('jointNames: empty');
  if (problems.length > 0) throw new DatasetError(problems);
  const dropped: Record<string, number> = {};
  const drop = (why: string): void => {
    dropped[why] = (dropped[why] ?? 0) + 1;
  };
  const images: Stamped<Uint8Array>[] = [];
  const states: Stamped<{ q: Float64Array; qd: Float64Array | null }>[] = [];
  const commands: Stamped<Float64Array>[] = [];
  const small = (): Uint8Array => new Uint8Array(W * H * 3);
  for (const file of files) {
    const counts = { image: 0, js: 0, cmd: 0 };
    for await (const m of readMcap(file, { topics: [topics.image, topics.jointStates, topics.commands] })) {
      const msg = m.message;
      const t = stampOf(msg, m.logTimeNs, mode);
      if (m.topic === topics.image) {
        counts.image++;
        const out = small();
        const im = msg as unknown as ImageMsg;
        if (m.type.endsWith('/CompressedImage')) {
          const r = await decodeCompressed(msg as unknown as CompressedImageMsg);
          if (!r.ok) {
            drop(`image_${r.reason}`);
            continue;
          }
          areaResizeRgb8(toRgb8(r.image), r.image.width, r.image.height, W, H, out);
        } else if (im.encoding === 'rgb8' && im.step === im.width * 3 && im.data instanceof Uint8Array && im.data.length >= im.width * im.height * 3) {
          areaResizeRgb8(im.data, im.width, im.height, W, H, out);
        } else {
          const r = decodeImage(im);
          if (!r.ok || r.image.kind === 'depth') {
            drop(r.ok ? 'image_depth' : `image_${r.reason}`);
            continue;
          }
          areaResizeRgb8(toRgb8(r.image), r.image.width, r.image.height, W, H, out);
        }
        images.push({ t, v: out });
      } else if (m.topic === topics.jointStates) {
        counts.js++;
        const js = msg as { name?: string[]; position?: ArrayLike<number>; velocity?: ArrayLike<number> };
        const q = new Float64Array(dof);
        const hasVel = js.velocity !== undefined && js.velocity.length === (js.name?.length ?? -1);
        const qd = hasVel ? new Float64Array(dof) : null;
        let ok = true;
        names.forEach((n, j) => {
          const k = js.name?.indexOf(n) ?? -1;
          if (k < 0 || js.position === undefined || k >= js.position.length || !Number.isFinite(js.position[k]!)) ok = false;
          else {
            q[j] = js.position[k]!;
            if (qd) qd[j] = Number.isFinite(js.velocity![k]!) ? js.velocity![k]! : 0;
          }
        });
        if (!ok) {
          drop('joint_state_missing_joint');
          continue;
        }
        states.push({ t, v: { q, qd } });
      } else if (m.topic === topics.commands) {
        counts.cmd++;
        const data = (msg as { data?: ArrayLike<number> }).data;
        if (!data || data.length !== dof) {
          drop('command_wrong_length');
          continue;
        }
        commands.push({ t, v: Float64Array.from(data) });
      }
    }
    if (counts.image === 0) problems.push(`${file}: no messages on the image topic ${topics.image}`);
    if (counts.js === 0) problems.push(`${file}: no messages on the joint state topic ${topics.jointStates}`);
    if (counts.cmd === 0) problems.push(`${file}: no messages on the command topic ${topics.commands}`);
  }
  if (problems.length > 0) throw new DatasetError(problems);
  const byTime = <T>(a: Stamped<T>, b: Stamped<T>): number => a.t - b.t;
  images.sort(byTime);
  states.sort(byTime);
  commands.sort(byTime);
  const periods: number[] = [];
  for (let i = 1; i < images.length; i++) periods.push(images[i]!.t - images[i - 1]!.t);
  const dt = opts.dtS && opts.dtS > 0 ? opts.dtS : median(periods);
  if (!(dt > 0)) throw new DatasetError(['cannot tell the frame period: fewer than two images, or all at one time']);
  const tol = opts.matchToleranceS ?? 0.5 * dt;
  const stT = Float64Array.from(states, (s) => s.t);
  const cmdT = Float64Array.from(commands, (c) => c.t);

  // frames: each image with its nearest joint state and the command in force
  const frameIdx: { img: number; st: number; cmd: number }[] = [];
  for (let i = 0; i < images.length; i++) {
    const t = images[i]!.t;
    const k = lowerBound(stT, t);
    let best = -1;
    let bestD = Infinity;
    for (const c of [k - 1, k]) {
      if (c >= 0 && c < stT.length && Math.abs(stT[c]! - t) < bestD) {
        bestD = Math.abs(stT[c]! - t);
        best = c;
      }
    }
    if (best < 0 || bestD > tol) {
      drop('no_joint_state_near');
      continue;
    }
    // latest command stamped no later than the image (a small slack for stamps taken in the same tick)
    const c = lowerBound(cmdT, t + 1e-6) - 1;
    if (c < 0 || t - cmdT[c]! > Math.max(2 * dt, tol)) {
      drop('no_recent_command');
      continue;
    }
    frameIdx.push({ img: i, st: best, cmd: c });
  }
  const N = frameIdx.length;
  if (N < 2) throw new DatasetError([`only ${N} aligned frame(s): check the topics and joint names`]);
  const imgs = new Uint8Array(N * W * H * 3);
  const q = new Float32Array(N * dof);
  const qd = new Float32Array(N * dof);
  const a = new Float32Array(N * dof);
  const tFrame = new Float64Array(N);
  const measuredVel = new Uint8Array(N);
  frameIdx.forEach((f, n) => {
    imgs.set(images[f.img]!.v, n * W * H * 3);
    const s = states[f.st]!.v;
    q.set(s.q, n * dof);
    if (s.qd) {
      qd.set(s.qd, n * dof);
      measuredVel[n] = 1;
    }
    a.set(commands[f.cmd]!.v, n * dof);
    tFrame[n] = images[f.img]!.t;
  });
  const segments: Segment[] = [];
  let start = 0;
  for (let n = 1; n <= N; n++) {
    const gap = n < N ? tFrame[n]! - tFrame[n - 1]! : Infinity;
    if (!(gap > 0.5 * dt && gap < 1.5 * dt)) {
      if (n - start >= 2) segments.push({ start, length: n - start });
      start = n;
    }
  }
  // joint velocities the bag did not carry: finite differences inside the segment
  for (const seg of segments) {
    for (let n = seg.start; n < seg.start + seg.length; n++) {
      if (measuredVel[n]) continue;
      const lo = Math.max(seg.start, n - 1);
      const hi = Math.min(seg.start + seg.length - 1, n + 1);
      const span = tFrame[hi]! - tFrame[lo]!;
      for (let j = 0; j < dof; j++) qd[n * dof + j] = span > 0 ? (q[hi * dof + j]! - q[lo * dof + j]!) / span : 0;
    }
  }
  if (segments.length === 0) throw new DatasetError(['no two consecutive frames one period apart']);
  const h = createHash('sha256');
  h.update(JSON.stringify({ names, W, H, dt: Math.round(dt * 1e9), segments }));
  for (const arr of [imgs, q, qd, a]) h.update(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
  return {
    files: [...files],
    jointNames: names,
    dof,
    width: W,
    height: H,
    dtS: dt,
    frames: N,
    images: imgs,
    q,
    qd,
    a,
    segments,
    hash: h.digest('hex'),
    stats: { images: images.length, jointStates: states.length, commands: commands.length, dropped },
  };
}

/** Splits segments into train and validation sets (a seeded shuffle; at least one of each when possible). */
export function splitSegments(ds: Dataset, valFraction: number, seed: number): { train: number[]; val: number[] } {
  const idx = ds.segments.map((_, i) => i);
  const rng = new Rng(seed);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  let nVal = Math.round(idx.length * valFraction);
  if (valFraction > 0 && nVal === 0 && idx.length > 1) nVal = 1;
  const val = idx.slice(0, nVal).sort((x, y) => x - y);
  const train = idx.slice(nVal).sort((x, y) => x - y);
  return { train, val };
}

/**
 * Start frames of every window of `len` consecutive frames inside the given segments
 * (len = K + 1 for K-step training sequences).
 */
export function windowStarts(ds: Dataset, segmentIds: readonly number[], len: number): Int32Array {
  const out: number[] = [];
  for (const s of segmentIds) {
    const seg = ds.segments[s]!;
    for (let i = 0; i + len <= seg.length; i++) out.push(seg.start + i);
  }
  return Int32Array.from(out);
}
