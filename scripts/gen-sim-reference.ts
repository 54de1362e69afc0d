/**
 * Regenerates test/fixtures/sim/camera-32.json: the demo arm at a known pose seen by the simulated
 * camera at 32×32, stored as base64 RGB8 text. Run after a deliberate change to the demo scene or
 * the renderer:  node --import tsx scripts/gen-sim-reference.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseUrdf } from '../src/robot/urdf.ts';
import { CameraRenderer } from '../src/sim/camera.ts';
import { Simulator } from '../src/sim/simulator.ts';

const urdfPath = fileURLToPath(new URL('../config/robots/odra_arm.urdf', import.meta.url));
const outPath = fileURLToPath(new URL('../test/fixtures/sim/camera-32.json', import.meta.url));
const jointNames = [
  'shoulder_pan_joint',
  'shoulder_lift_joint',
  'elbow_joint',
  'wrist_1_joint',
  'wrist_2_joint',
  'wrist_3_joint',
];
const q = [0.3, 0.8, 0.9, 0.6, 0.4, -0.3];
const size = 32;

const xml = readFileSync(urdfPath, 'utf8');
const sim = await Simulator.create({
  robot: parseUrdf(xml, urdfPath),
  urdfXml: xml,
  commandInterface: 'position',
  jointNames,
});
sim.reset(q);
const pos = new Float64Array(3);
const mat = new Float64Array(9);
if (!sim.cameraPose(pos, mat)) throw new Error('the demo robot has no camera link');
const camera = new CameraRenderer({ width: size, height: size, fovYDeg: sim.cameraFovYDeg });
const image = camera.render(sim.geomPoses(), pos, mat, 0);
sim.dispose();

const fixture = {
  description: 'odra_arm seen by the simulated camera (defaults, shadows on); regenerate with scripts/gen-sim-reference.ts',
  jointNames,
  q,
  width: image.width,
  height: image.height,
  encoding: image.encoding,
  dataBase64: Buffer.from(image.data).toString('base64'),
};
writeFileSync(outPath, `${JSON.stringify(fixture, null, 2)}\n`);
process.stdout.write(`wrote ${outPath}\n`);
