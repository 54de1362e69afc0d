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
  /** direction the light travels, world frame (normalized here); default from above, front-left */
  lightDir?: Vec3;
  /** ambient share of the light, 0..1; default 0.35 */
  ambient?: number;
  /** directional share of the light, 0..1; default 0.65 */
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
  /** world ray directions for the current frame */
  private readonly worldRays: Float64Array;
  // per-geom frame data for the current frame (sized by capacity, grown as needed)
  private capacity = 0;
  private idx = new Int32Array(0);
  private inv = new Float64Array(0);
  private org = new Float64Array(0);
  private bound = new Float64Array(0);
  private active = 0;
  // the nearest hit of the last cast: distance, geom slot and local normal
  private hitT = 0;
  private hitSlot = -1;
  private nlx = 0;
  private nly = 0;
  private nlz = 0;

  constructor(opts: CameraOptions = {}) {
    const problems: string[] = [];
    this.width = opts.width ?? 64;
    this.height = opts.height ?? 64;
    this.fovYDeg = opts.fovYDeg ?? 60;
    if (!Number.isInteger(this.width) || this.width < 1 || this.width > 4096) problems.push(`width: must be an integer in [1, 4096], got ${this.width}`);
    if (!Number.isInteger(this.height) || this.height < 1 || this.height > 4096) problems.push(`height: must be an integer in [1, 4096], got ${this.height}`);
    if (!(this.fovYDeg > 1 && this.fovYDeg < 179)) problems.push(`fovYDeg: must be in (1, 179), got ${this.fovYDeg}`);
    const ambient = opts.ambient ?? 0.35;
    const diffuse = opts.diffuse ?? 0.65;
    if (!(ambient >= 0 && ambient <= 1)) problems.push(`ambient: must be in [0, 1], got ${ambient}`);
    if (!(diffuse >= 0 && diffuse <= 1)) problems.push(`diffuse: must be in [0, 1], got ${diffuse}`);
    const l = opts.lightDir ?? [0.3, 0.4, -1];
    const ll = Math.hypot(l[0], l[1], l[2]);
    if (!(ll > 0) || !Number.isFinite(ll)) problems.push('lightDir: must be a finite non-zero vector');
    if (problems.length > 0) throw new RangeError(`invalid camera options:\n  ${problems.join('\n  ')}`);
    this.frameId = opts.frameId ?? 'camera_optical_frame';
    // towards the light
    this.light = Float64Array.of(-l[0] / ll, -l[1] / ll, -l[2] / ll);
    this.ambient = ambient;
    this.diffuse = diffuse;
    this.background = Uint8Array.from(opts.background ?? [196, 206, 218]);
    this.shadows = opts.shadows ?? true;
    this.nearM = opts.nearM ?? 0.01;
    // the image spans fovY between the outer edges of the first and last rows
    this.fy = this.height / 2 / Math.tan((this.fovYDeg * Math.PI) / 360);
    this.fx = this.fy;
    this.cx = (this.width - 1) / 2;
    this.cy = (this.height - 1) / 2;
    const n = this.width * this.height;
    this.rays = new Float64Array(n * 3);
    this.worldRays = new Float64Array(n * 3);
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
   * Renders the rendered geoms of `geoms` seen from the optical frame at camPos (m) with rotation
   * camMat (row-major; columns are the optical x right, y down, z forward axes in the world).
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
    const ox = camPos[0]!;
    const oy = camPos[1]!;
    const oz = camPos[2]!;
    this.prepare(geoms, ox, oy, oz);
    const m0 = camMat[0]!, m1 = camMat[1]!, m2 = camMat[2]!;
    const m3 = camMat[3]!, m4 = camMat[4]!, m5 = camMat[5]!;
    const m6 = camMat[6]!, m7 = camMat[7]!, m8 = camMat[8]!;
    const rays = this.rays;
    const wr = this.worldRays;
    for (let p = 0; p < n; p++) {
      const k = p * 3;
      const x = rays[k]!;
      const y = rays[k + 1]!;
      const z = rays[k + 2]!;
      wr[k] = m0 * x + m1 * y + m2 * z;
      wr[k + 1] = m3 * x + m4 * y + m5 * z;
      wr[k + 2] = m6 * x + m7 * y + m8 * z;
    }
    const bg = this.background;
    const lx = this.light[0]!;
    const ly = this.light[1]!;
    const lz = this.light[2]!;
    for (let p = 0; p < n; p++) {
      const k = p * 3;
      const dx = wr[k]!;
      const dy = wr[k + 1]!;
      const dz = wr[k + 2]!;
      if (!this.cast(geoms, ox, oy, oz, dx, dy, dz, this.nearM, Number.POSITIVE_INFINITY, -1, true)) {
        out[k] = bg[0]!;
        out[k + 1] = bg[1]!;
        out[k + 2] = bg[2]!;
        continue;
      }
      const slot = this.hitSlot;
      const gi = this.idx[slot]!;
      // world normal = R · local normal; R is the transpose of the stored inverse
      const inv = this.inv;
      const o9 = slot * 9;
      let nx = inv[o9]! * this.nlx + inv[o9 + 3]! * this.nly + inv[o9 + 6]! * this.nlz;
      let ny = inv[o9 + 1]! * this.nlx + inv[o9 + 4]! * this.nly + inv[o9 + 7]! * this.nlz;
      let nz = inv[o9 + 2]! * this.nlx + inv[o9 + 5]! * this.nly + inv[o9 + 8]! * this.nlz;
      // light the side facing the camera
      if (nx * dx + ny * dy + nz * dz > 0) {
        nx = -nx;
        ny = -ny;
        nz = -nz;
      }
      let lambert = nx * lx + ny * ly + nz * lz;
      if (lambert > 0 && this.shadows) {
        const t = this.hitT;
        const hx = ox + t * dx + nx * 1e-6;
        const hy = oy + t * dy + ny * 1e-6;
        const hz = oz + t * dz + nz * 1e-6;
        if (this.cast(geoms, hx, hy, hz, lx, ly, lz, 1e-6, Number.POSITIVE_INFINITY, slot, false)) lambert = 0;
      }
      const shade = this.ambient + this.diffuse * (lambert > 0 ? lambert : 0);
      const c = gi * 4;
      out[k] = toByte(geoms.rgba[c]! * shade);
      out[k + 1] = toByte(geoms.rgba[c + 1]! * shade);
      out[k + 2] = toByte(geoms.rgba[c + 2]! * shade);
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
      // inverse rotation = transpose
      for (let rr = 0; rr < 3; rr++) {
        for (let cc = 0; cc < 3; cc++) this.inv[o9 + rr * 3 + cc] = geoms.mat[g9 + cc * 3 + rr]!;
      }
      const px = geoms.pos[i * 3]!;
      const py = geoms.pos[i * 3 + 1]!;
      const pz = geoms.pos[i * 3 + 2]!;
      // camera origin in the geom frame, then the geom centre relative to the camera
      const wx = ox - px;
      const wy = oy - py;
      const wz = oz - pz;
      const inv = this.inv;
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
   * Nearest hit along o + t·d with t in (tMin, tMax). `fromCamera` uses the camera origins cached by
   * prepare(); otherwise (shadow rays) the origin is transformed per geom and any hit suffices.
   * Returns whether something was hit; the hit is left in hitT / hitSlot / nl*.
   */
  private cast(
    geoms: GeomSet,
    ox: number, oy: number, oz: number,
    dx: number, dy: number, dz: number,
    tMin: number, tMax: number,
    skipSlot: number,
    fromCamera: boolean,
  ): boolean {
    let best = tMax;
    let bestSlot = -1;
    for (let a = 0; a < this.active; a++) {
      if (a === skipSlot) continue;
      const o6 = a * 6;
      // bounding-sphere rejection: distance from the centre to the ray line
      const r = this.bound[a]!;
      if (r !== Number.POSITIVE_INFINITY) {
        const cx = this.org[o6 + 3]! - ox;
        const cy = this.org[o6 + 4]! - oy;
        const cz = this.org[o6 + 5]! - oz;
        const tc = cx * dx + cy * dy + cz * dz;
        if (tc + r < tMin || tc - r > best) continue;
        const d2 = cx * cx + cy * cy + cz * cz - tc * tc;
        if (d2 > r * r) continue;
      }
      const inv = this.inv;
      const o9 = a * 9;
      let lx: number, ly: number, lz: number;
      if (fromCamera) {
        lx = this.org[o6]!;
        ly = this.org[o6 + 1]!;
        lz = this.org[o6 + 2]!;
      } else {
        const wx = ox - this.org[o6 + 3]!;
        const wy = oy - this.org[o6 + 4]!;
        const wz = oz - this.org[o6 + 5]!;
        lx = inv[o9]! * wx + inv[o9 + 1]! * wy + inv[o9 + 2]! * wz;
        ly = inv[o9 + 3]! * wx + inv[o9 + 4]! * wy + inv[o9 + 5]! * wz;
        lz = inv[o9 + 6]! * wx + inv[o9 + 7]! * wy + inv[o9 + 8]! * wz;
      }
      const ex = inv[o9]! * dx + inv[o9 + 1]! * dy + inv[o9 + 2]! * dz;
      const ey = inv[o9 + 3]! * dx + inv[o9 + 4]! * dy + inv[o9 + 5]! * dz;
      const ez = inv[o9 + 6]! * dx + inv[o9 + 7]! * dy + inv[o9 + 8]! * dz;
      const gi = this.idx[a]!;
      const t = geoms.type[gi]!;
      const s0 = geoms.size[gi * 3]!;
      const s1 = geoms.size[gi * 3 + 1]!;
      const s2 = geoms.size[gi * 3 + 2]!;
      let hit: number;
      if (t === GEOM_SPHERE || t === GEOM_ELLIPSOID) hit = this.hitSphere(lx, ly, lz, ex, ey, ez, t === GEOM_SPHERE ? s0 : Math.max(s0, s1, s2), 0, tMin, best);
      else if (t === GEOM_BOX) hit = this.hitBox(lx, ly, lz, ex, ey, ez, s0, s1, s2, tMin, best);
      else if (t === GEOM_CYLINDER) hit = this.hitCylinder(lx, ly, lz, ex, ey, ez, s0, s1, tMin, best, false);
      else if (t === GEOM_CAPSULE) hit = this.hitCylinder(lx, ly, lz, ex, ey, ez, s0, s1, tMin, best, true);
      else hit = this.hitPlane(lx, ly, lz, ex, ey, ez, s0, s1, tMin, best);
      if (hit < best) {
        best = hit;
        bestSlot = a;
        if (!fromCamera) break;
      }
    }
    if (bestSlot < 0) return false;
    this.hitT = best;
    this.hitSlot = bestSlot;
    return true;
  }

  // Each hit* returns the entry distance in (tMin, tMax) or +∞, and sets the local normal.
  // Rays that start inside a solid do not hit it (so a camera inside its housing still sees out).

  private hitSphere(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, r: number, cz: number, tMin: number, tMax: number): number {
    const pz = oz - cz;
    const b = ox * dx + oy * dy + pz * dz;
    const c = ox * ox + oy * oy + pz * pz - r * r;
    if (c < 0) return Number.POSITIVE_INFINITY;
    const disc = b * b - c;
    if (disc < 0) return Number.POSITIVE_INFINITY;
    const t = -b - Math.sqrt(disc);
    if (t <= tMin || t >= tMax) return Number.POSITIVE_INFINITY;
    this.nlx = (ox + t * dx) / r;
    this.nly = (oy + t * dy) / r;
    this.nlz = (pz + t * dz) / r;
    return t;
  }

  private hitBox(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, hx: number, hy: number, hz: number, tMin: number, tMax: number): number {
    let tNear = Number.NEGATIVE_INFINITY;
    let tFar = Number.POSITIVE_INFINITY;
    let axis = -1;
    let sign = 0;
    // slabs x, y, z
    if (Math.abs(dx) < EPS) {
      if (ox < -hx || ox > hx) return Number.POSITIVE_INFINITY;
    } else {
      const inv = 1 / dx;
      let t1 = (-hx - ox) * inv;
      let t2 = (hx - ox) * inv;
      let s = -1;
      if (t1 > t2) {
        const tmp = t1;
        t1 = t2;
        t2 = tmp;
        s = 1;
      }
      if (t1 > tNear) {
        tNear = t1;
        axis = 0;
        sign = s;
      }
      if (t2 < tFar) tFar = t2;
    }
    if (Math.abs(dy) < EPS) {
      if (oy < -hy || oy > hy) return Number.POSITIVE_INFINITY;
    } else {
      const inv = 1 / dy;
      let t1 = (-hy - oy) * inv;
      let t2 = (hy - oy) * inv;
      let s = -1;
      if (t1 > t2) {
        const tmp = t1;
        t1 = t2;
        t2 = tmp;
        s = 1;
      }
      if (t1 > tNear) {
        tNear = t1;
        axis = 1;
        sign = s;
      }
      if (t2 < tFar) tFar = t2;
    }
    if (Math.abs(dz) < EPS) {
      if (oz < -hz || oz > hz) return Number.POSITIVE_INFINITY;
    } else {
      const inv = 1 / dz;
      let t1 = (-hz - oz) * inv;
      let t2 = (hz - oz) * inv;
      let s = -1;
      if (t1 > t2) {
        const tmp = t1;
        t1 = t2;
        t2 = tmp;
        s = 1;
      }
      if (t1 > tNear) {
        tNear = t1;
        axis = 2;
        sign = s;
      }
      if (t2 < tFar) tFar = t2;
    }
    if (axis < 0 || tNear > tFar || tNear <= tMin || tNear >= tMax) return Number.POSITIVE_INFINITY;
    // the entry face faces against the ray: a ray entering through the -x face has normal -x
    this.nlx = axis === 0 ? sign : 0;
    this.nly = axis === 1 ? sign : 0;
    this.nlz = axis === 2 ? sign : 0;
    return tNear;
  }

  /** Cylinder (flat caps) or capsule (round caps) of radius r, half-length h along local z. */
  private hitCylinder(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, r: number, h: number, tMin: number, tMax: number, capsule: boolean): number {
    let best = tMax;
    let nx = 0;
    let ny = 0;
    let nz = 0;
    const r2 = r * r;
    // inside the solid: not drawn
    const radial0 = ox * ox + oy * oy;
    if (capsule) {
      const cz = oz > h ? h : oz < -h ? -h : oz;
      if (radial0 + (oz - cz) * (oz - cz) < r2) return Number.POSITIVE_INFINITY;
    } else if (radial0 < r2 && Math.abs(oz) < h) return Number.POSITIVE_INFINITY;
    // side
    const a = dx * dx + dy * dy;
    if (a > EPS) {
      const b = ox * dx + oy * dy;
      const c = radial0 - r2;
      const disc = b * b - a * c;
      if (disc >= 0) {
        const t = (-b - Math.sqrt(disc)) / a;
        if (t > tMin && t < best) {
          const z = oz + t * dz;
          if (z >= -h && z <= h) {
            best = t;
            nx = (ox + t * dx) / r;
            ny = (oy + t * dy) / r;
            nz = 0;
          }
        }
      }
    }
    if (capsule) {
      for (let e = -1; e <= 1; e += 2) {
        const t = this.hitSphere(ox, oy, oz, dx, dy, dz, r, e * h, tMin, best);
        if (t < best) {
          best = t;
          nx = this.nlx;
          ny = this.nly;
          nz = this.nlz;
        }
      }
    } else if (Math.abs(dz) > EPS) {
      for (let e = -1; e <= 1; e += 2) {
        const t = (e * h - oz) / dz;
        if (t > tMin && t < best) {
          const x = ox + t * dx;
          const y = oy + t * dy;
          if (x * x + y * y <= r2) {
            best = t;
            nx = 0;
            ny = 0;
            nz = e;
          }
        }
      }
    }
    if (best >= tMax) return Number.POSITIVE_INFINITY;
    this.nlx = nx;
    this.nly = ny;
    this.nlz = nz;
    return best;
  }

  /** Plane z = 0, bounded by half sizes (sx, sy) when both are positive. */
  private hitPlane(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, sx: number, sy: number, tMin: number, tMax: number): number {
    if (Math.abs(dz) < EPS) return Number.POSITIVE_INFINITY;
    const t = -oz / dz;
    if (t <= tMin || t >= tMax) return Number.POSITIVE_INFINITY;
    if (sx > 0 && sy > 0) {
      const x = ox + t * dx;
      const y = oy + t * dy;
      if (x < -sx || x > sx || y < -sy || y > sy) return Number.POSITIVE_INFINITY;
    }
    this.nlx = 0;
    this.nly = 0;
    this.nlz = 1;
    return t;
  }
}

function toByte(x: number): number {
  const v = Math.round(x * 255);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
