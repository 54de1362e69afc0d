import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CameraRenderer, stampFromSeconds } from '../../src/sim/camera.ts';
import { createGeomSet, GEOM_BOX, GEOM_CAPSULE, GEOM_CYLINDER, GEOM_PLANE, GEOM_SPHERE } from '../../src/sim/scene.ts';
import type { GeomSpec } from '../../src/sim/scene.ts';
import type { Simulator } from '../../src/sim/simulator.ts';
import { demoSim, REFERENCE_IMAGE_PATH } from './helpers.ts';

// camera at the origin looking along world +z (optical frame = world frame)
const ORIGIN = [0, 0, 0];
const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];
const BG: [number, number, number] = [10, 20, 30];
// light travelling with the view direction: surfaces facing the camera are fully lit
const HEADLIGHT = { background: BG, lightDir: [0, 0, 1] as [number, number, number], shadows: false };

function geom(type: number, size: number[], pos: number[], rgba = [1, 0.5, 0.25, 1], mat = IDENTITY): GeomSpec {
  return { name: `g${type}`, link: 'l', type, size, rgba, rendered: true, moving: false, collision: true, pos, mat };
}

function pixel(data: Uint8Array, width: number, u: number, v: number): number[] {
  const k = (v * width + u) * 3;
  return [data[k]!, data[k + 1]!, data[k + 2]!];
}

function countNotBackground(data: Uint8Array): number {
  let n = 0;
  for (let k = 0; k < data.length; k += 3) if (data[k] !== BG[0] || data[k + 1] !== BG[1] || data[k + 2] !== BG[2]) n++;
  return n;
}

describe('CameraRenderer: messages and intrinsics', () => {
  test('Image and CameraInfo have the sensor_msgs shape', () => {
    const cam = new CameraRenderer({ width: 64, height: 48, fovYDeg: 60, frameId: 'cam' });
    const img = cam.render(createGeomSet([]), ORIGIN, IDENTITY, 12.25);
    assert.deepEqual(img.header, { stamp: { sec: 12, nanosec: 250000000 }, frame_id: 'cam' });
    assert.equal(img.encoding, 'rgb8');
    assert.equal(img.is_bigendian, 0);
    assert.equal(img.step, 64 * 3);
    assert.equal(img.data.length, 64 * 48 * 3);
    const info = cam.cameraInfo(12.25);
    // fy = (h/2) / tan(fovY/2) = 24 / tan(30°)
    const f = 24 / Math.tan(Math.PI / 6);
    assert.ok(Math.abs(info.k[0]! - f) < 1e-9 && Math.abs(info.k[4]! - f) < 1e-9);
    assert.deepEqual([info.k[2], info.k[5]], [31.5, 23.5]);
    assert.deepEqual(info.p, [info.k[0], 0, 31.5, 0, 0, info.k[4], 23.5, 0, 0, 0, 1, 0]);
    assert.equal(info.distortion_model, 'plumb_bob');
    assert.deepEqual(info.d, [0, 0, 0, 0, 0]);
  });

  test('stamps carry nanoseconds correctly', () => {
    assert.deepEqual(stampFromSeconds(1.5), { sec: 1, nanosec: 500000000 });
    assert.deepEqual(stampFromSeconds(2.9999999999), { sec: 3, nanosec: 0 });
    assert.deepEqual(stampFromSeconds(0), { sec: 0, nanosec: 0 });
  });

  test('invalid options are all reported at once', () => {
    assert.throws(() => new CameraRenderer({ width: 0, height: 1.5, fovYDeg: 180, ambient: 2 }), (err: unknown) => {
      assert.ok(err instanceof RangeError);
      for (const word of ['width', 'height', 'fovYDeg', 'ambient']) assert.match(err.message, new RegExp(word));
      return true;
    });
  });
});

describe('CameraRenderer: ray casting', () => {
  const cam = new CameraRenderer({ width: 64, height: 64, fovYDeg: 60, ...HEADLIGHT });
  const f = cam.fy;

  test('a sphere projects to a disc of the expected size, lit head-on at its centre', () => {
    const img = cam.render(createGeomSet([geom(GEOM_SPHERE, [0.5], [0, 0, 2])]), ORIGIN, IDENTITY, 0);
    // silhouette radius in pixels: f · r / sqrt(d² − r²)
    const rPx = (f * 0.5) / Math.sqrt(4 - 0.25);
    const expected = Math.PI * rPx * rPx;
    const got = countNotBackground(img.data);
    assert.ok(Math.abs(got - expected) / expected < 0.05, `${got} px vs ${expected.toFixed(0)}`);
    // centre pixels face the light: colour × (ambient + diffuse) = colour
    const c = pixel(img.data, 64, 32, 32);
    assert.ok(Math.abs(c[0]! - 255) <= 2 && Math.abs(c[1]! - 128) <= 3 && Math.abs(c[2]! - 64) <= 3, `${c}`);
    assert.deepEqual(pixel(img.data, 64, 0, 0), BG);
  });

  test('optical axes: +x appears right, +y appears down', () => {
    const img = cam.render(createGeomSet([geom(GEOM_SPHERE, [0.1], [0.5, 0.3, 2])]), ORIGIN, IDENTITY, 0);
    let su = 0;
    let sv = 0;
    let n = 0;
    for (let v = 0; v < 64; v++) {
      for (let u = 0; u < 64; u++) {
        if (pixel(img.data, 64, u, v)[0] !== BG[0]) {
          su += u;
          sv += v;
          n++;
        }
      }
    }
    assert.ok(n > 0);
    // projected centre: c + f·x/z
    assert.ok(Math.abs(su / n - (31.5 + (f * 0.5) / 2)) < 1, `u ${su / n}`);
    assert.ok(Math.abs(sv / n - (31.5 + (f * 0.3) / 2)) < 1, `v ${sv / n}`);
  });

  test('every primitive is hit at the image centre, and the nearest one wins', () => {
    const rot = [1, 0, 0, 0, 0, -1, 0, 1, 0]; // local z along world −y: a side-on cylinder/capsule
    const shapes = [
      geom(GEOM_BOX, [0.2, 0.2, 0.2], [0, 0, 2]),
      geom(GEOM_CYLINDER, [0.2, 0.3], [0, 0, 2], undefined, rot),
      geom(GEOM_CAPSULE, [0.2, 0.3], [0, 0, 2], undefined, rot),
      geom(GEOM_CYLINDER, [0.2, 0.3], [0, 0, 2]),
      geom(GEOM_PLANE, [0, 0, 1], [0, 0, 3], undefined, [1, 0, 0, 0, -1, 0, 0, 0, -1]),
    ];
    for (const s of shapes) {
      const img = cam.render(createGeomSet([s]), ORIGIN, IDENTITY, 0);
      assert.notDeepEqual(pixel(img.data, 64, 32, 32), BG, `type ${s.type}`);
    }
    // a green box at z=1.5 hides a red sphere at z=3
    const img = cam.render(
      createGeomSet([geom(GEOM_SPHERE, [0.5], [0, 0, 3], [1, 0, 0, 1]), geom(GEOM_BOX, [0.1, 0.1, 0.1], [0, 0, 1.5], [0, 1, 0, 1])]),
      ORIGIN,
      IDENTITY,
      0,
    );
    const c = pixel(img.data, 64, 32, 32);
    assert.ok(c[1]! > 200 && c[0] === 0, `${c}`);
  });

  test('a camera inside a solid sees through it; geoms not marked rendered are not drawn', () => {
    const housing = geom(GEOM_BOX, [0.1, 0.1, 0.1], [0, 0, 0]);
    const hidden = { ...geom(GEOM_SPHERE, [0.5], [0, 0, 2]), rendered: false };
    const img = cam.render(createGeomSet([housing, hidden]), ORIGIN, IDENTITY, 0);
    assert.equal(countNotBackground(img.data), 0);
  });

  test('shadows darken the floor under an object', () => {
    const shady = new CameraRenderer({ width: 32, height: 32, background: BG, lightDir: [0, 1, 0], shadows: true });
    // floor plane at y = 1 facing the camera's −y (up in the image is −y); light travels along +y
    const floor = geom(GEOM_PLANE, [0, 0, 1], [0, 1, 0], [0.8, 0.8, 0.8, 1], [1, 0, 0, 0, 0, 1, 0, -1, 0]);
    const blocker = geom(GEOM_SPHERE, [0.3], [0, 0.3, 3]);
    const lit = shady.render(createGeomSet([floor]), ORIGIN, IDENTITY, 0);
    const shadowed = shady.render(createGeomSet([floor, blocker]), ORIGIN, IDENTITY, 0);
    // the pixel looking at the floor point (0, 1, 3) straight below the sphere: v = c + f·1/3
    const v = Math.round(15.5 + shady.fy / 3);
    assert.ok(pixel(shadowed.data, 32, 16, v)[0]! < pixel(lit.data, 32, 16, v)[0]!);
  });
});

describe('CameraRenderer on the demo arm', () => {
  let sim: Simulator;
  const pos = new Float64Array(3);
  const mat = new Float64Array(9);
  before(async () => {
    sim = await demoSim('position');
  });
  after(() => sim.dispose());

  test('the camera sees the arm: pixels change when a joint moves', () => {
    const cam = new CameraRenderer({ fovYDeg: sim.cameraFovYDeg });
    sim.reset([0, 0.5, 0.8, 0.3, 0, 0.2]);
    assert.ok(sim.cameraPose(pos, mat));
    const a = cam.render(sim.geomPoses(), pos, mat, sim.timeS).data;
    sim.reset([0.6, 0.5, 0.8, 0.3, 0, 0.2]);
    sim.cameraPose(pos, mat);
    const b = cam.render(sim.geomPoses(), pos, mat, sim.timeS).data;
    let changed = 0;
    for (let k = 0; k < a.length; k += 3) if (a[k] !== b[k] || a[k + 1] !== b[k + 1] || a[k + 2] !== b[k + 2]) changed++;
    assert.ok(changed > 40 && changed < 64 * 64 * 0.5, `${changed} pixels changed`);
    // hiding the arm's geoms changes the picture too: the arm is in view
    const g = sim.geomPoses();
    const saved = Uint8Array.from(g.rendered);
    for (let i = 0; i < g.count; i++) if (g.moving[i] === 1) g.rendered[i] = 0;
    const c = cam.render(g, pos, mat, sim.timeS).data;
    g.rendered.set(saved);
    assert.notDeepEqual(c, b);
  });

  test('a 32×32 render at a known pose matches the stored reference', () => {
    const ref = JSON.parse(readFileSync(REFERENCE_IMAGE_PATH, 'utf8')) as {
      q: number[];
      width: number;
      height: number;
      dataBase64: string;
    };
    const expected = Buffer.from(ref.dataBase64, 'base64');
    const cam = new CameraRenderer({ width: ref.width, height: ref.height, fovYDeg: sim.cameraFovYDeg });
    sim.reset(ref.q);
    sim.cameraPose(pos, mat);
    const got = cam.render(sim.geomPoses(), pos, mat, 0).data;
    assert.equal(got.length, expected.length);
    let sumAbs = 0;
    let bad = 0;
    for (let k = 0; k < got.length; k += 3) {
      let worst = 0;
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(got[k + c]! - expected[k + c]!);
        sumAbs += d;
        worst = Math.max(worst, d);
      }
      if (worst > 30) bad++;
    }
    // tolerance for floating-point differences at silhouette edges
    assert.ok(sumAbs / got.length <= 1.5, `mean abs diff ${sumAbs / got.length}`);
    assert.ok(bad <= 0.02 * ref.width * ref.height, `${bad} pixels differ`);
  });

  test('64×64 renders at ≥ 30 Hz', () => {
    const cam = new CameraRenderer({ fovYDeg: sim.cameraFovYDeg });
    sim.reset([0.3, 0.8, 0.9, 0.6, 0, 0]);
    sim.cameraPose(pos, mat);
    const g = sim.geomPoses();
    const out = new Uint8Array(64 * 64 * 3);
    for (let i = 0; i < 10; i++) cam.renderInto(g, pos, mat, out);
    const t0 = performance.now();
    const frames = 30;
    for (let i = 0; i < frames; i++) cam.renderInto(g, pos, mat, out);
    const msPerFrame = (performance.now() - t0) / frames;
    assert.ok(msPerFrame < 1000 / 30, `${msPerFrame.toFixed(1)} ms per frame`);
  });
});
