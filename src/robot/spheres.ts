/**
 * Conservative covering spheres for collision primitives, used by keep-out and self-collision costs.
 * Elongated shapes get a row of spheres along their long axis: each sphere covers one slab of the
 * shape, so its radius is the distance from its centre to the farthest corner of that slab.
 */
import type { Collision, Vec3 } from './types.ts';
import { applyTransform, originToTransform } from './transform.ts';

export interface CoverSphere {
  /** centre in the frame the collision's origin is given in (the link frame), m */
  center: Vec3;
  radiusM: number;
}

/**
 * Centres of n equal slabs of a segment of length `lengthM` along `axisIndex`, plus the radius
 * covering a slab whose cross-section has circumradius `crossRadiusM`. Spacing ≤ crossRadiusM.
 */
function slabSpheres(lengthM: number, crossRadiusM: number, axisIndex: number): CoverSphere[] {
  const spacingTarget = crossRadiusM > 0 ? crossRadiusM : lengthM;
  const n = spacingTarget > 0 ? Math.max(1, Math.ceil(lengthM / spacingTarget - 1e-9)) : 1;
  const slabM = lengthM / n;
  const radiusM = Math.hypot(crossRadiusM, slabM / 2);
  const out: CoverSphere[] = [];
  for (let j = 0; j < n; j++) {
    const center: Vec3 = [0, 0, 0];
    center[axisIndex] = -lengthM / 2 + slabM * (j + 0.5);
    out.push({ center, radiusM });
  }
  return out;
}

/** Spheres in the shape's own frame (before its `<origin>`); empty for meshes. */
export function coverSpheresLocal(geometry: Collision['geometry']): CoverSphere[] {
  switch (geometry.kind) {
    case 'sphere':
      return [{ center: [0, 0, 0], radiusM: geometry.radius }];
    case 'box': {
      const s = geometry.size;
      const axis = s[0] >= s[1] && s[0] >= s[2] ? 0 : s[1] >= s[2] ? 1 : 2;
      const cross = s.filter((_, i) => i !== axis);
      return slabSpheres(s[axis]!, Math.hypot(cross[0]!, cross[1]!) / 2, axis);
    }
    case 'cylinder':
      return slabSpheres(geometry.length, geometry.radius, 2);
    case 'capsule': {
      // centres from one hemisphere centre to the other; the end spheres cover the caps
      const { radius, length } = geometry;
      const spacingTarget = radius > 0 ? radius : length;
      const n = length > 0 && spacingTarget > 0 ? Math.ceil(length / spacingTarget - 1e-9) : 0;
      const stepM = n > 0 ? length / n : 0;
      const radiusM = Math.hypot(radius, stepM / 2);
      const out: CoverSphere[] = [];
      for (let j = 0; j <= n; j++) out.push({ center: [0, 0, -length / 2 + stepM * j], radiusM });
      return out;
    }
    case 'mesh':
      return [];
  }
}

/** Spheres covering one `<collision>` element, in its link frame. */
export function coverSpheres(collision: Collision): CoverSphere[] {
  const tf = originToTransform(collision.origin);
  return coverSpheresLocal(collision.geometry).map((s) => ({ center: applyTransform(tf, s.center), radiusM: s.radiusM }));
}
