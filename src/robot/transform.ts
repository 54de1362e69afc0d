/**
 * Small rigid-transform helpers for configuration-time work (building chains, generating spheres).
 * Rotations are row-major 3×3 matrices; a transform maps child-frame points into the parent frame:
 * p_parent = R · p_child + t. Not for hot paths: these allocate.
 */
import type { Mat3, Vec3 } from './types.ts';

export interface Transform {
  rot: Mat3;
  pos: Vec3;
}

export const IDENTITY3: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function identityTransform(): Transform {
  return { rot: [...IDENTITY3], pos: [0, 0, 0] };
}

/** URDF fixed-axis roll-pitch-yaw: R = Rz(yaw) · Ry(pitch) · Rx(roll). */
export function rpyToMat3(rpy: Vec3): Mat3 {
  const [roll, pitch, yaw] = rpy;
  const cr = Math.cos(roll);
  const sr = Math.sin(roll);
  const cp = Math.cos(pitch);
  const sp = Math.sin(pitch);
  const cy = Math.cos(yaw);
  const sy = Math.sin(yaw);
  return [
    cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr,
    sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr,
    -sp, cp * sr, cp * cr,
  ];
}

/** Rotation by `angleRad` about the unit vector `axis` (Rodrigues). */
export function axisAngleToMat3(axis: Vec3, angleRad: number): Mat3 {
  const [x, y, z] = axis;
  const c = Math.cos(angleRad);
  const s = Math.sin(angleRad);
  const v = 1 - c;
  return [
    c + x * x * v, x * y * v - z * s, x * z * v + y * s,
    y * x * v + z * s, c + y * y * v, y * z * v - x * s,
    z * x * v - y * s, z * y * v + x * s, c + z * z * v,
  ];
}

export function mulMat3(a: Mat3, b: Mat3): Mat3 {
  const out: Mat3 = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!;
    }
  }
  return out;
}

export function transposeMat3(a: Mat3): Mat3 {
  return [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];
}

export function mulMat3Vec3(a: Mat3, v: Vec3): Vec3 {
  return [
    a[0] * v[0] + a[1] * v[1] + a[2] * v[2],
    a[3] * v[0] + a[4] * v[1] + a[5] * v[2],
    a[6] * v[0] + a[7] * v[1] + a[8] * v[2],
  ];
}

export function addVec3(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function subVec3(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function scaleVec3(a: Vec3, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}

export function dotVec3(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function crossVec3(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function normVec3(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/** a ∘ b: first b (child in a's frame), then a. */
export function composeTransforms(a: Transform, b: Transform): Transform {
  return { rot: mulMat3(a.rot, b.rot), pos: addVec3(a.pos, mulMat3Vec3(a.rot, b.pos)) };
}

export function invertTransform(a: Transform): Transform {
  const rt = transposeMat3(a.rot);
  return { rot: rt, pos: scaleVec3(mulMat3Vec3(rt, a.pos), -1) };
}

export function applyTransform(a: Transform, p: Vec3): Vec3 {
  return addVec3(a.pos, mulMat3Vec3(a.rot, p));
}

/** The transform given by a URDF `<origin xyz rpy>`. */
export function originToTransform(origin: { xyz: Vec3; rpy: Vec3 }): Transform {
  return { rot: rpyToMat3(origin.rpy), pos: [...origin.xyz] };
}

/**
 * A rotation whose third column is the unit vector `axis`, so a rotation about `axis` equals
 * C · Rz(θ) · Cᵀ. Exact (0/±1 entries) for coordinate axes, and the identity for +z.
 */
export function frameWithZAlong(axis: Vec3): Mat3 {
  const ax = Math.abs(axis[0]);
  const ay = Math.abs(axis[1]);
  const az = Math.abs(axis[2]);
  // the coordinate axis least aligned with `axis` gives a well-conditioned perpendicular
  const e: Vec3 = ax <= ay && ax <= az ? [1, 0, 0] : ay <= az ? [0, 1, 0] : [0, 0, 1];
  const d = dotVec3(e, axis);
  const u = subVec3(e, scaleVec3(axis, d));
  const x = scaleVec3(u, 1 / normVec3(u));
  const y = crossVec3(axis, x);
  return [x[0], y[0], axis[0], x[1], y[1], axis[1], x[2], y[2], axis[2]];
}
