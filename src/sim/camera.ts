/**
 * The simulated camera: ray casts the geoms (plane, sphere, capsule, cylinder, box; ellipsoids as
 * spheres) from a pinhole camera at the optical frame, with Lambert shading from one directional
 * light plus ambient and optional hard shadows. Output messages have the shape rclnodejs gives
 * sensor_msgs/msg/Image and sensor_msgs/msg/CameraInfo.
 *
 * Speed: per frame each geom's inverse transform, the camera origin in its frame and its bounding
 * sphere are computed once; per pixel a geom costs a ray–sphere rejection test unless the ray
 * passes near it. Pixel ray directions in the camera frame are computed once per camera.
 */
import type { Vec3 } from '../robot/types.ts';
import { GEOM_BOX, GEOM_CAPSULE, GEOM_CYLINDER, GEOM_ELLIPSOID, GEOM_PLANE, GEOM_SPHERE } from './scene.ts';
import type { GeomSet } from './scene.ts';

export interface Header {
  stamp: { sec: number; nanosec: number };
  frame_id: string;
}

/** sensor_msgs/msg/Image */
export interface ImageMessage {
  header: Header;
  height: number;
  width: number;
  encoding: 'rgb8';
  is_bigendian: 0;
  step: number;
  data: Uint8Array;
}

/** sensor_msgs/msg/CameraInfo (ROS 2 field names: d, k, r, p) */
export interface CameraInfoMessage {
  header: Header;
  height: number;
  width: number;
  distortion_model: 'plumb_bob';
  d: number[];
  k: number[];
  r: number[];
  p: number[];
  binning_x: number;
  binning_y: number;
  roi: { x_offset: number; y_offset: number; height: number; width: number; do_rectify: boolean };
}

export interface CameraOptions {
  /** pixels; default 64 */
  width?: number;
  /** pixels; default 64 */
  height?: number;
  /** vertical field of view, degrees; default 60 */
  fovYDeg?: number;
  /** default `camera_optical_frame` */
  frameId?: string;
  /** direction the light travels, world frame (normalized here); default from above the camera side */
  lightDir?: Vec3;
  /** ambient share of the light, 0..1; default 0.4 */
  ambient?: number;
  /** directional share of the light, 0..1; default 0.6 */
  diffuse?: number;
  /** RGB 0..255 where no geom is hit; default a pale grey-blue */
  background?: [number, number, number];
  /** cast shadows from the directional light; default true */
  shadows?: boolean;
  /** nearest distance drawn, m; default 0.01 */
  nearM?: number;
}

/** ROS stamp from seconds. */
export function stampFromSeconds(timeS: number): { sec: number; nanosec: number } {
  let sec = Math.floor(timeS);
  let nanosec = Math.round((timeS - sec) * 1e9);
  if (nanosec >= 1e9) {
    sec += 1;
    nanosec -= 1e9;
  }
  return { sec, nanosec };
}

const EPS = 1e-9;
/** Light from above, behind the camera's side of the demo scene (direction of travel, world). */
const DEFAULT_LIGHT_DIR: Vec3 = [-0.2, -0.5, -1];

// Scratch layout: numbers shared between the casting methods live in one Float64Array, because
// passing or returning doubles through non-inlined calls boxes them (a heap allocation each).
const OX = 0; // ray origin, world (3)
const DX = 3; // ray direction, world (3)
const LX = 6; // ray origin, geom frame (3)
const EX = 9; // ray direction, geom frame (3)
const TMIN = 12;
const TBEST = 13; // nearest hit so far (the far limit for the next test)
const NX = 14; // geom-frame normal of the nearest hit (3)
const SCRATCH = 17;

export class CameraRenderer {
  readonly width: number;
  readonly height: number;
  readonly fovYDeg: number;
  readonly frameId: string;
  /** focal lengths and principal point, pixels */
  readonly fx: number;
  readonly fy: number;
  readonly cx: number;
  readonly cy: number;
  private readonly light: Float64Array;
  private readonly ambient: number;
  private readonly diffuse: number;
  private readonly background: Uint8Array;
  private readonly shadows: boolean;
  private readonly nearM: number;
  /** [h·w, 3] unit ray directions in the optical frame */
  private readonly rays: Float64Array;
  private readonly w = new Float64Array(SCRATCH);
  // the geoms of the frame being rendered
  private gType: Int32Array = new Int32Array(0);
  private gSize: Float64Array = new Float64Array(0);
  // per active geom, for the current frame (grown as needed)
  private capacity = 0;
  private idx = new Int32Array(0);
  /** [k, 9] inverse (transposed) rotation */
  private inv = new Float64Array(0);
  /** [k, 6] camera origin in the geom frame, then the geom centre in the world */
  private org = new Float64Array(0);
  /** [k] bounding radius (∞ for unbounded planes) */
  private bound = new Float64Array(0);
  private active = 0;

  constructor(opts: CameraOptions = {}) {
    const problems: string[] = [];
    this.width = opts.width ?? 64;
    this.height = opts.height ?? 64;
    this.fovYDeg = opts.fovYDeg ?? 60;
    if (!Number.isInteger(this.width) || this.width < 1 || this.width > 4096) {
      problems.push(`width: must be an integer in [1, 4096], got ${this.width}`);
    }
    if (!Number.isInteger(this.height) || this.height < 1 || this.height > 4096) {
      problems.push(`height: must be an integer in [1, 4096], got ${this.height}`);
    }
    if (!(this.fovYDeg > 1 && this.fovYDeg < 179)) problems.push(`fovYDeg: must be in (1, 179), got ${this.fovYDeg}`);
    const ambient = opts.ambient ?? 0.4;
    const diffuse = opts.diffuse ?? 0.6;
    if (!(ambient >= 0 && ambient <= 1)) problems.push(`ambient: must be in [0, 1], got ${ambient}`);
    if (!(diffuse >= 0 && diffuse <= 1)) problems.push(`diffuse: must be in [0, 1], got ${diffuse}`);
    const l = opts.lightDir ?? DEFAULT_LIGHT_DIR;
    const ll = Math.hypot(l[0], l[1], l[2]);
    if (!(ll > 0) || !Number.isFinite(ll)) problems.push('lightDir: must be a finite non-zero vector');
    const nearM = opts.nearM ?? 0.01;
    if (!(nearM > 0)) problems.push(`nearM: must be > 0, got ${nearM}`);
    if (problems.length > 0) throw new RangeError(`invalid camera options:\n  ${problems.join('\n  ')}`);
    this.frameId = opts.frameId ?? 'camera_optical_frame';
    // stored pointing towards the light
    this.light = Float64Array.of(-l[0] / ll, -l[1] / ll, -l[2] / ll);
    this.ambient = ambient;
    this.diffuse = diffuse;
    this.background = Uint8Array.from(opts.background ?? [196, 206, 218]);
    this.shadows = opts.shadows ?? true;
    this.nearM = nearM;
    // fovY spans the outer edges of the first and last rows; pixel centres sit at integers (OpenCV)
    this.fy = this.height / 2 / Math.tan((this.fovYDeg * Math.PI) / 360);
    this.fx = this.fy;
    this.cx = (this.width - 1) / 2;
    this.cy = (this.height - 1) / 2;
    const n = this.width * this.height;
    this.rays = new Float64Array(n * 3);
    for (let v = 0; v < this.height; v++) {
      for (let u = 0; u < this.width; u++) {
        const x = (u - this.cx) / this.fx;
        const y = (v - this.cy) / this.fy;
        const len = Math.hypot(x, y, 1);
        const k = (v * this.width + u) * 3;
        this.rays[k] = x / len;
        this.rays[k + 1] = y / len;
        this.rays[k + 2] = 1 / len;
      }
    }
  }

  cameraInfo(timeS: number): CameraInfoMessage {
    const { fx, fy, cx, cy } = this;
    return {
      header: { stamp: stampFromSeconds(timeS), frame_id: this.frameId },
      height: this.height,
      width: this.width,
      distortion_model: 'plumb_bob',
      d: [0, 0, 0, 0, 0],
      k: [fx, 0, cx, 0, fy, cy, 0, 0, 1],
      r: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      p: [fx, 0, cx, 0, 0, fy, cy, 0, 0, 0, 1, 0],
      binning_x: 0,
      binning_y: 0,
      roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
    };
  }

  /**
   * Renders the `rendered` geoms seen from the optical frame at camPos (m) with rotation camMat
   * (row-major; its columns are the optical x right, y down, z forward axes in the world).
   */
  render(geoms: GeomSet, camPos: ArrayLike<number>, camMat: ArrayLike<number>, timeS: number): ImageMessage {
    const data = new Uint8Array(this.width * this.height * 3);
    this.renderInto(geoms, camPos, camMat, data);
    return {
      header: { stamp: stampFromSeconds(timeS), frame_id: this.frameId },
      height: this.height,
      width: this.width,
      encoding: 'rgb8',
      is_bigendian: 0,
      step: this.width * 3,
      data,
    };
  }

  /** Renders row-major RGB8 into `out` (width·height·3 bytes). Allocates nothing once warm. */
  renderInto(geoms: GeomSet, camPos: ArrayLike<number>, camMat: ArrayLike<number>, out: Uint8Array): void {
    const n = this.width * this.height;
    if (out.length < n * 3) throw new RangeError(`renderInto: out needs ${n * 3} bytes, got ${out.length}`);
    const w = this.w;
    const ox = camPos[0]!;
    const oy = camPos[1]!;
    const oz = camPos[2]!;
    this.prepare(geoms, ox, oy, oz);
    const m0 = camMat[0]!, m1 = camMat[1]!, m2 = camMat[2]!;
    const m3 = camMat[3]!, m4 = camMat[4]!, m5 = camMat[5]!;
    const m6 = camMat[6]!, m7 = camMat[7]!, m8 = camMat[8]!;
    const rays = this.rays;
    const bg = this.background;
    const rgba = geoms.rgba;
    const inv = this.inv;
    const lx = this.light[0]!;
    const ly = this.light[1]!;
    const lz = this.light[2]!;
    for (let p = 0; p < n; p++) {
      const k = p * 3;
      const cxr = rays[k]!;
      const cyr = rays[k + 1]!;
      const czr = rays[k + 2]!;
      const dx = m0 * cxr + m1 * cyr + m2 * czr;
      const dy = m3 * cxr + m4 * cyr + m5 * czr;
      const dz = m6 * cxr + m7 * cyr + m8 * czr;
      w[OX] = ox;
      w[OX + 1] = oy;
      w[OX + 2] = oz;
      w[DX] = dx;
      w[DX + 1] = dy;
      w[DX + 2] = dz;
      w[TMIN] = this.nearM;
      w[TBEST] = Number.POSITIVE_INFINITY;
      const slot = this.cast(-1, true);
      if (slot < 0) {
        out[k] = bg[0]!;
        out[k + 1] = bg[1]!;
        out[k + 2] = bg[2]!;
        continue;
      }
      const t = w[TBEST]!;
      const o9 = slot * 9;
      const nlx = w[NX]!;
      const nly = w[NX + 1]!;
      const nlz = w[NX + 2]!;
      // world normal = R · local normal, with R the transpose of the stored inverse
      let nx = inv[o9]! * nlx + inv[o9 + 3]! * nly + inv[o9 + 6]! * nlz;
      let ny = inv[o9 + 1]! * nlx + inv[o9 + 4]! * nly + inv[o9 + 7]! * nlz;
      let nz = inv[o9 + 2]! * nlx + inv[o9 + 5]! * nly + inv[o9 + 8]! * nlz;
      // shade the side that faces the camera
      if (nx * dx + ny * dy + nz * dz > 0) {
        nx = -nx;
        ny = -ny;
        nz = -nz;
      }
      let lambert = nx * lx + ny * ly + nz * lz;
      if (lambert > 0 && this.shadows) {
        // a shadow ray from just above the surface towards the light; any hit darkens
        w[OX] = ox + t * dx + nx * 1e-6;
        w[OX + 1] = oy + t * dy + ny * 1e-6;
        w[OX + 2] = oz + t * dz + nz * 1e-6;
        w[DX] = lx;
        w[DX + 1] = ly;
        w[DX + 2] = lz;
        w[TMIN] = 1e-6;
        w[TBEST] = Number.POSITIVE_INFINITY;
        if (this.cast(slot, false) >= 0) lambert = 0;
      }
      const shade = this.ambient + this.diffuse * (lambert > 0 ? lambert : 0);
      const c = this.idx[slot]! * 4;
      out[k] = toByte(rgba[c]! * shade);
      out[k + 1] = toByte(rgba[c + 1]! * shade);
      out[k + 2] = toByte(rgba[c + 2]! * shade);
    }
  }

  /** Per-frame geom data: inverse rotation, camera origin in the geom frame, bounding radius. */
  private prepare(geoms: GeomSet, ox: number, oy: number, oz: number): void {
    if (this.capacity < geoms.count) {
      this.capacity = geoms.count;
      this.idx = new Int32Array(geoms.count);
      this.inv = new Float64Array(geoms.count * 9);
      this.org = new Float64Array(geoms.count * 6);
      this.bound = new Float64Array(geoms.count);
    }
    this.gType = geoms.type;
    this.gSize = geoms.size;
    const inv = this.inv;
    let a = 0;
    for (let i = 0; i < geoms.count; i++) {
      if (geoms.rendered[i] !== 1) continue;
      const t = geoms.type[i]!;
      const s0 = geoms.size[i * 3]!;
      const s1 = geoms.size[i * 3 + 1]!;
      const s2 = geoms.size[i * 3 + 2]!;
      let r: number;
      if (t === GEOM_SPHERE) r = s0;
      else if (t === GEOM_ELLIPSOID) r = Math.max(s0, s1, s2);
      else if (t === GEOM_CAPSULE) r = s0 + s1;
      else if (t === GEOM_CYLINDER) r = Math.hypot(s0, s1);
      else if (t === GEOM_BOX) r = Math.hypot(s0, s1, s2);
      else if (t === GEOM_PLANE) r = s0 > 0 && s1 > 0 ? Math.hypot(s0, s1) : Number.POSITIVE_INFINITY;
      else continue;
      this.idx[a] = i;
      this.bound[a] = r;
      const o9 = a * 9;
      const g9 = i * 9;
      for (let rr = 0; rr < 3; rr++) {
        for (let cc = 0; cc < 3; cc++) inv[o9 + rr * 3 + cc] = geoms.mat[g9 + cc * 3 + rr]!;
      }
      const px = geoms.pos[i * 3]!;
      const py = geoms.pos[i * 3 + 1]!;
      const pz = geoms.pos[i * 3 + 2]!;
      const wx = ox - px;
      const wy = oy - py;
      const wz = oz - pz;
      this.org[a * 6] = inv[o9]! * wx + inv[o9 + 1]! * wy + inv[o9 + 2]! * wz;
      this.org[a * 6 + 1] = inv[o9 + 3]! * wx + inv[o9 + 4]! * wy + inv[o9 + 5]! * wz;
      this.org[a * 6 + 2] = inv[o9 + 6]! * wx + inv[o9 + 7]! * wy + inv[o9 + 8]! * wz;
      this.org[a * 6 + 3] = px;
      this.org[a * 6 + 4] = py;
      this.org[a * 6 + 5] = pz;
      a++;
    }
    this.active = a;
  }

  /**
   * The nearest geom slot hit by the ray in the scratch (origin, direction, TMIN, TBEST as the far
   * limit), or -1. Camera rays reuse the origins from prepare(); shadow rays (`anyHit`) stop at the
   * first hit. The hit distance is left in TBEST and its geom-frame normal in NX.
   */
  private cast(skipSlot: number, fromCamera: boolean): number {
    const w = this.w;
    const org = this.org;
    const inv = this.inv;
    const bound = this.bound;
    const ox = w[OX]!;
    const oy = w[OX + 1]!;
    const oz = w[OX + 2]!;
    const dx = w[DX]!;
    const dy = w[DX + 1]!;
    const dz = w[DX + 2]!;
    const tMin = w[TMIN]!;
    let bestSlot = -1;
    for (let a = 0; a < this.active; a++) {
      if (a === skipSlot) continue;
      const o6 = a * 6;
      const r = bound[a]!;
      if (r !== Number.POSITIVE_INFINITY) {
        // bounding-sphere rejection: the ray line passes farther than r from the centre
        const cx = org[o6 + 3]! - ox;
        const cy = org[o6 + 4]! - oy;
        const cz = org[o6 + 5]! - oz;
        const tc = cx * dx + cy * dy + cz * dz;
        if (tc + r < tMin || tc - r > w[TBEST]!) continue;
        if (cx * cx + cy * cy + cz * cz - tc * tc > r * r) continue;
      }
      const o9 = a * 9;
      if (fromCamera) {
        w[LX] = org[o6]!;
        w[LX + 1] = org[o6 + 1]!;
        w[LX + 2] = org[o6 + 2]!;
      } else {
        const wx = ox - org[o6 + 3]!;
        const wy = oy - org[o6 + 4]!;
        const wz = oz - org[o6 + 5]!;
        w[LX] = inv[o9]! * wx + inv[o9 + 1]! * wy + inv[o9 + 2]! * wz;
        w[LX + 1] = inv[o9 + 3]! * wx + inv[o9 + 4]! * wy + inv[o9 + 5]! * wz;
        w[LX + 2] = inv[o9 + 6]! * wx + inv[o9 + 7]! * wy + inv[o9 + 8]! * wz;
      }
      w[EX] = inv[o9]! * dx + inv[o9 + 1]! * dy + inv[o9 + 2]! * dz;
      w[EX + 1] = inv[o9 + 3]! * dx + inv[o9 + 4]! * dy + inv[o9 + 5]! * dz;
      w[EX + 2] = inv[o9 + 6]! * dx + inv[o9 + 7]! * dy + inv[o9 + 8]! * dz;
      const gi = this.idx[a]!;
      const type = this.gType[gi]!;
      let hit: number;
      if (type === GEOM_BOX) hit = this.hitBox(gi);
      else if (type === GEOM_CYLINDER) hit = this.hitCylinder(gi);
      else if (type === GEOM_CAPSULE) hit = this.hitCapsule(gi);
      else if (type === GEOM_SPHERE || type === GEOM_ELLIPSOID) hit = this.hitSphere(gi, 0);
      else hit = this.hitPlane(gi);
      if (hit === 1) {
        bestSlot = a;
        if (!fromCamera) break;
      }
    }
    return bestSlot;
  }

  // Each hit* tests the geom-frame ray in the scratch against geom gi; on a hit nearer than TBEST
  // it stores the distance and normal and returns 1, else 0. Rays that start inside a solid do not
  // hit it, so a camera inside its own housing still sees out.

  /** Sphere (capSign 0), or the cap sphere at z = capSign·half-length of a capsule. */
  private hitSphere(gi: number, capSign: number): number {
    const w = this.w;
    const sz = this.gSize;
    const r = this.gType[gi] === GEOM_ELLIPSOID ? Math.max(sz[gi * 3]!, sz[gi * 3 + 1]!, sz[gi * 3 + 2]!) : sz[gi * 3]!;
    const cz = capSign === 0 ? 0 : capSign * sz[gi * 3 + 1]!;
    const ox = w[LX]!;
    const oy = w[LX + 1]!;
    const oz = w[LX + 2]! - cz;
    const dx = w[EX]!;
    const dy = w[EX + 1]!;
    const dz = w[EX + 2]!;
    const b = ox * dx + oy * dy + oz * dz;
    const c = ox * ox + oy * oy + oz * oz - r * r;
    if (c < 0) return 0;
    const disc = b * b - c;
    if (disc < 0) return 0;
    const t = -b - Math.sqrt(disc);
    if (t <= w[TMIN]! || t >= w[TBEST]!) return 0;
    w[TBEST] = t;
    w[NX] = (ox + t * dx) / r;
    w[NX + 1] = (oy + t * dy) / r;
    w[NX + 2] = (oz + t * dz) / r;
    return 1;
  }

  private hitBox(gi: number): number {
    const w = this.w;
    const sz = this.gSize;
    let tNear = Number.NEGATIVE_INFINITY;
    let tFar = Number.POSITIVE_INFINITY;
    let axis = -1;
    let sign = 0;
    for (let k = 0; k < 3; k++) {
      const h = sz[gi * 3 + k]!;
      const o = w[LX + k]!;
      const d = w[EX + k]!;
      if (d > -EPS && d < EPS) {
        if (o < -h || o > h) return 0;
        continue;
      }
      const id = 1 / d;
      let t1 = (-h - o) * id;
      let t2 = (h - o) * id;
      // entering through the −h face means the outward normal there is −axis
      let s = -1;
      if (t1 > t2) {
        const tmp = t1;
        t1 = t2;
        t2 = tmp;
        s = 1;
      }
      if (t1 > tNear) {
        tNear = t1;
        axis = k;
        sign = s;
      }
      if (t2 < tFar) tFar = t2;
    }
    if (axis < 0 || tNear > tFar || tNear <= w[TMIN]! || tNear >= w[TBEST]!) return 0;
    w[TBEST] = tNear;
    w[NX] = axis === 0 ? sign : 0;
    w[NX + 1] = axis === 1 ? sign : 0;
    w[NX + 2] = axis === 2 ? sign : 0;
    return 1;
  }

  /** Side of a z-axis cylinder of the geom's radius and half-length (no caps). */
  private hitSide(gi: number): number {
    const w = this.w;
    const r = this.gSize[gi * 3]!;
    const h = this.gSize[gi * 3 + 1]!;
    const ox = w[LX]!;
    const oy = w[LX + 1]!;
    const dx = w[EX]!;
    const dy = w[EX + 1]!;
    const a = dx * dx + dy * dy;
    if (a < EPS) return 0;
    const b = ox * dx + oy * dy;
    const c = ox * ox + oy * oy - r * r;
    const disc = b * b - a * c;
    if (disc < 0) return 0;
    const t = (-b - Math.sqrt(disc)) / a;
    if (t <= w[TMIN]! || t >= w[TBEST]!) return 0;
    const z = w[LX + 2]! + t * w[EX + 2]!;
    if (z < -h || z > h) return 0;
    w[TBEST] = t;
    w[NX] = (ox + t * dx) / r;
    w[NX + 1] = (oy + t * dy) / r;
    w[NX + 2] = 0;
    return 1;
  }

  private hitCylinder(gi: number): number {
    const w = this.w;
    const r = this.gSize[gi * 3]!;
    const h = this.gSize[gi * 3 + 1]!;
    const ox = w[LX]!;
    const oy = w[LX + 1]!;
    const oz = w[LX + 2]!;
    if (ox * ox + oy * oy < r * r && oz > -h && oz < h) return 0;
    let hit = this.hitSide(gi);
    const dz = w[EX + 2]!;
    if (dz > EPS || dz < -EPS) {
      // the cap facing the ray origin
      const capZ = oz > 0 ? h : -h;
      const t = (capZ - oz) / dz;
      if (t > w[TMIN]! && t < w[TBEST]!) {
        const x = ox + t * w[EX]!;
        const y = oy + t * w[EX + 1]!;
        if (x * x + y * y <= r * r) {
          w[TBEST] = t;
          w[NX] = 0;
          w[NX + 1] = 0;
          w[NX + 2] = oz > 0 ? 1 : -1;
          hit = 1;
        }
      }
    }
    return hit;
  }

  private hitCapsule(gi: number): number {
    const w = this.w;
    const r = this.gSize[gi * 3]!;
    const h = this.gSize[gi * 3 + 1]!;
    const ox = w[LX]!;
    const oy = w[LX + 1]!;
    const oz = w[LX + 2]!;
    const cz = oz > h ? h : oz < -h ? -h : oz;
    if (ox * ox + oy * oy + (oz - cz) * (oz - cz) < r * r) return 0;
    // the first entry into a union of convex parts is the first entry into any part
    const side = this.hitSide(gi);
    const lower = this.hitSphere(gi, -1);
    const upper = this.hitSphere(gi, 1);
    return side | lower | upper;
  }

  /** Plane z = 0 of the geom frame, bounded by its half sizes when both are positive. */
  private hitPlane(gi: number): number {
    const w = this.w;
    const dz = w[EX + 2]!;
    if (dz > -EPS && dz < EPS) return 0;
    const t = -w[LX + 2]! / dz;
    if (t <= w[TMIN]! || t >= w[TBEST]!) return 0;
    const sx = this.gSize[gi * 3]!;
    const sy = this.gSize[gi * 3 + 1]!;
    if (sx > 0 && sy > 0) {
      const x = w[LX]! + t * w[EX]!;
      const y = w[LX + 1]! + t * w[EX + 1]!;
      if (x < -sx || x > sx || y < -sy || y > sy) return 0;
    }
    w[TBEST] = t;
    w[NX] = 0;
    w[NX + 1] = 0;
    w[NX + 2] = 1;
    return 1;
  }
}

function toByte(x: number): number {
  const v = Math.round(x * 255);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
