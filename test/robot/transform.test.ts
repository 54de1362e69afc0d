import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  axisAngleToMat3,
  composeTransforms,
  frameWithZAlong,
  invertTransform,
  mulMat3,
  mulMat3Vec3,
  rpyToMat3,
  transposeMat3,
} from '../../src/robot/transform.ts';
import type { Mat3, Vec3 } from '../../src/robot/types.ts';
import { rng, uniform } from './helpers.ts';

function close(a: readonly number[], b: readonly number[], tol = 1e-12): void {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tol, `[${i}] ${v} vs ${b[i]}`));
}

const h = Math.PI / 2;

describe('transform', () => {
  test('rpy follows URDF: R = Rz(yaw)·Ry(pitch)·Rx(roll)', () => {
    // single angles give the elementary rotations
    close(rpyToMat3([h, 0, 0]), [1, 0, 0, 0, 0, -1, 0, 1, 0]);
    close(rpyToMat3([0, h, 0]), [0, 0, 1, 0, 1, 0, -1, 0, 0]);
    close(rpyToMat3([0, 0, h]), [0, -1, 0, 1, 0, 0, 0, 0, 1]);
    // roll pi/2 then yaw pi/2 (fixed axes): Rz·Rx = [[0,-1,0],[1,0,0],[0,0,1]]·[[1,0,0],[0,0,-1],[0,1,0]] = [[0,0,1],[1,0,0],[0,1,0]]
    close(rpyToMat3([h, 0, h]), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
    const rand = rng(1);
    for (let i = 0; i < 20; i++) {
      const rpy: Vec3 = [uniform(rand, -3, 3), uniform(rand, -1.5, 1.5), uniform(rand, -3, 3)];
      const expected = mulMat3(mulMat3(axisAngleToMat3([0, 0, 1], rpy[2]), axisAngleToMat3([0, 1, 0], rpy[1])), axisAngleToMat3([1, 0, 0], rpy[0]));
      close(rpyToMat3(rpy), expected);
    }
  });

  test('axis-angle rotates about the axis and keeps it fixed', () => {
    const a: Vec3 = [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)];
    // a third of a turn about (1,1,1) cycles the coordinate axes: x -> y -> z
    close(axisAngleToMat3(a, (2 * Math.PI) / 3), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
    close(mulMat3Vec3(axisAngleToMat3(a, 0.7), a), a);
  });

  test('frameWithZAlong is a rotation with the axis as its z column, identity for +z', () => {
    assert.deepEqual(frameWithZAlong([0, 0, 1]), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const rand = rng(2);
    const axes: Vec3[] = [[0, 1, 0], [0, 0, -1], [-1, 0, 0]];
    for (let i = 0; i < 20; i++) {
      const v: Vec3 = [uniform(rand, -1, 1), uniform(rand, -1, 1), uniform(rand, -1, 1)];
      const n = Math.hypot(...v);
      axes.push([v[0] / n, v[1] / n, v[2] / n]);
    }
    for (const axis of axes) {
      const c: Mat3 = frameWithZAlong(axis);
      close([c[2], c[5], c[8]], axis);
      close(mulMat3(c, transposeMat3(c)), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
      const det = c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) + c[2] * (c[3] * c[7] - c[4] * c[6]);
      assert.ok(Math.abs(det - 1) < 1e-12);
      // a rotation about the axis equals C · Rz(t) · Cᵀ
      close(mulMat3(mulMat3(c, axisAngleToMat3([0, 0, 1], 0.9)), transposeMat3(c)), axisAngleToMat3(axis, 0.9));
    }
  });

  test('compose and invert', () => {
    const a = { rot: rpyToMat3([0.1, 0.2, 0.3]), pos: [1, 2, 3] as Vec3 };
    const id = composeTransforms(a, invertTransform(a));
    close(id.rot, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    close(id.pos, [0, 0, 0]);
    // translate by (1,0,0) after yawing pi/2: the child's x offset lands on +y
    const b = composeTransforms({ rot: rpyToMat3([0, 0, h]), pos: [0, 0, 1] }, { rot: rpyToMat3([0, 0, 0]), pos: [1, 0, 0] });
    close(b.pos, [0, 1, 1]);
  });
});
