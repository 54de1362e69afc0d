/**
 * The simulator's geoms as flat arrays (struct of arrays): static shape data plus world poses that
 * the simulator refreshes in place. The camera renderer and the keep-out checks read only this.
 */

/** MuJoCo geom type codes (mjtGeom). */
export const GEOM_PLANE = 0;
export const GEOM_SPHERE = 2;
export const GEOM_CAPSULE = 3;
export const GEOM_ELLIPSOID = 4;
export const GEOM_CYLINDER = 5;
export const GEOM_BOX = 6;

export interface GeomSet {
  readonly count: number;
  readonly names: readonly string[];
  /** URDF link each geom belongs to */
  readonly links: readonly string[];
  /** [n] MuJoCo type code (GEOM_*) */
  readonly type: Int32Array;
  /**
   * [n, 3] MuJoCo sizes, m: sphere [r]; capsule and cylinder [r, half-length along local z];
   * box [half x, half y, half z]; plane [half x, half y] with 0 meaning unbounded
   */
  readonly size: Float64Array;
  /** [n, 4] colour, 0..1 */
  readonly rgba: Float32Array;
  /** [n] 1 when the camera draws it */
  readonly rendered: Uint8Array;
  /** [n] 1 when it moves with some joint */
  readonly moving: Uint8Array;
  /** [n] 1 for collision shapes (what keep-out checks test) */
  readonly collision: Uint8Array;
  /** [n, 3] world position, m (refreshed by the simulator) */
  readonly pos: Float64Array;
  /** [n, 9] world rotation, row-major; column k is the geom's local axis k (refreshed) */
  readonly mat: Float64Array;
}

export interface GeomSpec {
  name: string;
  link: string;
  type: number;
  size: readonly number[];
  rgba: readonly number[];
  rendered: boolean;
  moving: boolean;
  collision: boolean;
  /** world pose; identity at the origin when omitted */
  pos?: readonly number[];
  mat?: readonly number[];
}

/** Builds a GeomSet from plain descriptions (tests, tools, or a scene without MuJoCo). */
export function createGeomSet(specs: readonly GeomSpec[]): GeomSet {
  const n = specs.length;
  const set = {
    count: n,
    names: specs.map((s) => s.name),
    links: specs.map((s) => s.link),
    type: new Int32Array(n),
    size: new Float64Array(n * 3),
    rgba: new Float32Array(n * 4),
    rendered: new Uint8Array(n),
    moving: new Uint8Array(n),
    collision: new Uint8Array(n),
    pos: new Float64Array(n * 3),
    mat: new Float64Array(n * 9),
  };
  specs.forEach((s, i) => {
    set.type[i] = s.type;
    for (let k = 0; k < 3; k++) set.size[i * 3 + k] = s.size[k] ?? 0;
    for (let k = 0; k < 4; k++) set.rgba[i * 4 + k] = s.rgba[k] ?? 1;
    set.rendered[i] = s.rendered ? 1 : 0;
    set.moving[i] = s.moving ? 1 : 0;
    set.collision[i] = s.collision ? 1 : 0;
    for (let k = 0; k < 3; k++) set.pos[i * 3 + k] = s.pos?.[k] ?? 0;
    for (let k = 0; k < 9; k++) set.mat[i * 9 + k] = s.mat?.[k] ?? (k % 4 === 0 ? 1 : 0);
  });
  return set;
}
