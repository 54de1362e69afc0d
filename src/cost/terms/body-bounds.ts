/**
 * Bounding spheres of the chain's moving bodies, for broad-phase culling: each body's spheres are rigid
 * with it, so the mean of their centres moves with the body and one radius (measured once at q = 0)
 * bounds them all.
 */
import type { KinematicChain } from '../../robot/chain.ts';

export interface BodyBounds {
  /** body index of each entry */
  bodies: number[];
  /** sphere indices per body */
  members: Int32Array[];
  /** bounding radius per entry of members, m */
  radius: Float64Array;
}

/** Bounds of the moving bodies (body > 0), for keep-out. */
export function movingBodyBounds(chain: KinematicChain): BodyBounds {
  return bodyBounds(chain, [...new Set(chain.spheres.filter((s) => s.body > 0).map((s) => s.body))]);
}

/** Bounds of the given bodies (each must carry spheres). */
export function bodyBounds(chain: KinematicChain, bodyList: readonly number[]): BodyBounds {
  const bodies = [...bodyList].sort((a, b) => a - b);
  const members = bodies.map((body) => Int32Array.from(chain.spheres.flatMap((s, i) => (s.body === body ? [i] : []))));
  const fk = chain.createFkResult(1);
  chain.fk(new Float64Array(chain.dof), 1, fk);
  const radius = Float64Array.from(
    members.map((idx) => {
      let x = 0, y = 0, z = 0;
      for (const i of idx) {
        x += fk.spheres[i * 3]!;
        y += fk.spheres[i * 3 + 1]!;
        z += fk.spheres[i * 3 + 2]!;
      }
      x /= idx.length;
      y /= idx.length;
      z /= idx.length;
      let r = 0;
      for (const i of idx) r = Math.max(r, Math.hypot(fk.spheres[i * 3]! - x, fk.spheres[i * 3 + 1]! - y, fk.spheres[i * 3 + 2]! - z) + chain.spheres[i]!.radiusM);
      return r;
    }),
  );
  return { bodies, members, radius };
}

/** Writes the bounding centre of body k (mean of its sphere centres at configuration base) into out[k*3..]. */
export function bodyCentres(bounds: BodyBounds, centers: Float64Array, base: number, out: Float64Array): void {
  for (let k = 0; k < bounds.members.length; k++) {
    const idx = bounds.members[k]!;
    let x = 0, y = 0, z = 0;
    for (let i = 0; i < idx.length; i++) {
      const o = (base + idx[i]!) * 3;
      x += centers[o]!;
      y += centers[o + 1]!;
      z += centers[o + 2]!;
    }
    const inv = 1 / idx.length;
    out[k * 3] = x * inv;
    out[k * 3 + 1] = y * inv;
    out[k * 3 + 2] = z * inv;
  }
}
