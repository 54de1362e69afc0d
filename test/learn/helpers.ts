/** Shared fixtures for the learned world model tests: tiny random models, the demo arm, tiny recordings. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildChain } from '../../src/robot/kinematics.ts';
import type { KinematicChain } from '../../src/robot/chain.ts';
import { parseUrdf } from '../../src/robot/urdf.ts';
import type { RobotModel } from '../../src/robot/types.ts';
import { Rng } from '../../src/sim/random.ts';
import { McapRecorder } from '../../src/learn/mcap/writer.ts';
import { nsToRosTime, secondsToNs } from '../../src/learn/mcap/time.ts';
import { recordPlay, type PlayRecordingSummary } from '../../src/learn/play-recording.ts';
import { DEMO_ARM_REGION, jointRegion } from '../../src/learn/workspace.ts';
import { mlpSpec } from '../../src/learn/tf-mlp.ts';
import { writeModelDir } from '../../src/learn/model-files.ts';
import { LEARNED_MODEL_FORMAT, LEARNED_MODEL_VERSION, type LearnedModelJson, type MlpSpec, type MlpWeights } from '../../src/world-model/learned-format.ts';

export const DEMO_URDF_PATH = fileURLToPath(new URL('../../config/robots/odra_arm.urdf', import.meta.url));
export const DEMO_AGENT_CONFIG = fileURLToPath(new URL('../../config/odra_agent.yaml', import.meta.url));
export const DEMO_OBSTACLE = Float64Array.from([0.39, -0.31, 0.0, 0.51, -0.19, 0.3]);

export function demoArm(): { robot: RobotModel; urdfXml: string; chain: KinematicChain } {
  const urdfXml = readFileSync(DEMO_URDF_PATH, 'utf8');
  const robot = parseUrdf(urdfXml, DEMO_URDF_PATH);
  return { robot, urdfXml, chain: buildChain(robot, { baseLink: 'base_link', tipLink: 'tool0' }) };
}

/** Records a tiny play file (a few short episodes) in the simulator. */
export async function recordTiny(out: string, episodes = 2, steps = 12, seed = 1): Promise<PlayRecordingSummary> {
  const { robot, urdfXml, chain } = demoArm();
  return recordPlay({ out, episodes, stepsPerEpisode: steps, seed, dtS: 0.05, robot, urdfXml, chain, keepOutBoxes: DEMO_OBSTACLE, region: jointRegion(chain, DEMO_ARM_REGION) });
}

/** Seeded uniform weights in ±scale/√in, biases ±0.1. */
export function randomWeights(spec: MlpSpec, seed: number, scale = 1): MlpWeights {
  const rng = new Rng(seed);
  return {
    w: spec.layers.map((l) => Float32Array.from({ length: l.inDim * l.outDim }, () => rng.uniform(-scale, scale) / Math.sqrt(l.inDim))),
    b: spec.layers.map((l) => Float32Array.from({ length: l.outDim }, () => rng.uniform(-0.1, 0.1))),
  };
}

/** A complete model.json for a tiny model (no weights files needed for in-memory use). */
export function tinyModelJson(o: { latentDim: number; dof: number; hidden: number[]; image?: number; restAnchored?: boolean }): LearnedModelJson {
  const { latentDim: Dz, dof } = o;
  const D = Dz + 2 * dof;
  const side = o.image ?? 8;
  const enc = mlpSpec(3 * side * side, o.hidden, Dz, 'silu');
  const pred = mlpSpec(D + dof, o.hidden, D, 'silu');
  const ones = (n: number): number[] => new Array<number>(n).fill(1);
  const zeros = (n: number): number[] => new Array<number>(n).fill(0);
  return {
    format: LEARNED_MODEL_FORMAT,
    version: LEARNED_MODEL_VERSION,
    dtS: 0.05,
    jointNames: Array.from({ length: dof }, (_, j) => `j${j}`),
    latentDim: Dz,
    actionKind: 'velocity',
    encoder: {
      mlp: enc,
      image: { width: side, height: side, channels: 3, layout: 'nchw', meanImage: Array.from({ length: 3 * side * side }, (_, i) => 0.3 + 0.4 * Math.sin(i) ** 2), std: [0.2, 0.25, 0.3] },
      weights: 'encoder.weights.bin',
      onnx: 'encoder.onnx',
    },
    predictor: {
      mlp: pred,
      latentDim: Dz,
      dof,
      stateDim: D,
      actionDim: dof,
      inputMean: Array.from({ length: D + dof }, (_, i) => 0.05 * i),
      inputScale: Array.from({ length: D + dof }, (_, i) => 1 / (0.5 + 0.1 * i)),
      keep: [...ones(Dz + dof), ...zeros(dof)],
      outputScale: Array.from({ length: D }, (_, i) => 0.1 + 0.01 * i),
      outputOffset: Array.from({ length: D }, (_, i) => (i >= Dz + dof && o.restAnchored === false ? 0.02 : 0)),
      ...(o.restAnchored === false ? {} : { restMask: [...ones(Dz + dof), ...zeros(2 * dof)] }),
      weights: 'predictor.weights.bin',
      onnx: 'predictor.onnx',
    },
    weightsManifest: [],
    data: {},
    training: {},
    metrics: {},
  };
}

/**
 * Writes a model directory (model.json, weights, ONNX exports) of a tiny model from `tinyModelJson`
 * with seeded random weights; `jointNames` overrides the model's (e.g. the demo arm's).
 */
export async function writeTinyModelDir(
  dir: string,
  json: LearnedModelJson,
  o: { predictorScale?: number; jointNames?: readonly string[]; data?: Record<string, unknown> } = {},
): Promise<void> {
  await writeModelDir(dir, {
    dtS: json.dtS,
    jointNames: [...(o.jointNames ?? json.jointNames)],
    latentDim: json.latentDim,
    encoder: { mlp: json.encoder.mlp, image: json.encoder.image },
    predictor: { ...json.predictor },
    encoderWeights: randomWeights(json.encoder.mlp, 1),
    predictorWeights: randomWeights(json.predictor.mlp, 2, o.predictorScale ?? 0.8),
    data: o.data ?? {},
    training: {},
    metrics: {},
  });
}

/**
 * A robot-like bag: camera at 10 Hz (16×16 rgb8, brightness encodes time), joint states at 50 Hz in
 * another joint order and without velocities, commands at 10 Hz; a 2 s gap splits two stretches.
 */
export async function writeRobotBag(path: string): Promise<{ q: (t: number) => number[] }> {
  const rec = await McapRecorder.open(path);
  rec.addTopic('/cam/image', 'sensor_msgs/msg/Image');
  rec.addTopic('/robot/joint_states', 'sensor_msgs/msg/JointState');
  rec.addTopic('/robot/cmd', 'std_msgs/msg/Float64MultiArray');
  const q = (t: number): number[] => [Math.sin(t), 0.5 * t, -0.2 * t * t];
  const stretches: [number, number][] = [
    [10, 12],
    [14, 15.5],
  ];
  for (const [t0, t1] of stretches) {
    for (let k = 0; t0 + k * 0.02 <= t1 + 1e-9; k++) {
      const t = t0 + k * 0.02 + 0.001 * Math.sin(k); // jittered 50 Hz
      const [a, b, c] = q(t);
      // message order: c, a, b (names say which is which)
      rec.write('/robot/joint_states', { header: { stamp: nsToRosTime(secondsToNs(t)), frame_id: '' }, name: ['j2', 'j0', 'j1'], position: [c, a, b], velocity: [], effort: [] }, secondsToNs(t));
    }
    for (let k = 0; t0 + k * 0.1 <= t1 + 1e-9; k++) {
      const t = t0 + k * 0.1;
      const data = new Uint8Array(16 * 16 * 3).fill(Math.round((t * 10) % 256));
      rec.write('/robot/cmd', { layout: { dim: [], data_offset: 0 }, data: [k, -k, 2 * k] }, secondsToNs(t - 0.004));
      rec.write('/cam/image', { header: { stamp: nsToRosTime(secondsToNs(t)), frame_id: 'cam' }, height: 16, width: 16, encoding: 'rgb8', is_bigendian: 0, step: 48, data }, secondsToNs(t));
    }
  }
  await rec.close();
  return { q };
}

