/**
 * Training configuration: every knob of `odra train` with its default, read from an optional YAML or
 * JSON file (`--config`) and command-line overrides, validated once with every problem reported.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ACTIVATIONS } from '../world-model/learned-format.ts';

const group = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).prefault({} as never);
const sizes = z.array(z.number().int().min(1).max(4096)).max(8);
const activation = z.enum(ACTIVATIONS as unknown as ['relu', 'tanh', 'silu', 'linear']);

export const DEMO_JOINT_NAMES = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];

export const trainConfigSchema = z.strictObject({
  seed: z.number().int().default(1),
  /** passes over the training windows */
  epochs: z.number().int().min(1).max(10000).default(12),
  /** training sequences per step */
  batchSize: z.number().int().min(2).max(4096).default(64),
  /** K: steps of each training sequence (teacher forcing on each, and one K-step rollout) */
  rolloutSteps: z.number().int().min(1).max(32).default(4),
  latentDim: z.number().int().min(2).max(512).default(32),
  /** encoder input size, px: camera images are area-averaged down to it */
  image: group({ width: z.number().int().min(4).max(256).default(32), height: z.number().int().min(4).max(256).default(32) }),
  encoder: group({
    hidden: sizes.default([256, 256]),
    activation: activation.default('silu'),
    /** first layer shared over size × size image patches (a strided convolution) with `features` outputs each; size 0 = a dense first layer */
    patch: group({ size: z.number().int().min(0).max(32).default(0), features: z.number().int().min(1).max(256).default(16) }),
  }),
  predictor: group({
    hidden: sizes.default([256, 256]),
    activation: activation.default('silu'),
    /**
     * feed joint positions to the predictor network; off by default: q then enters only through the residual
     * q' = q + Δq, and the latent has to carry the arm's configuration for z' to be predictable
     */
    jointPositionInput: z.boolean().default(false),
    /** subtract the network's output at rest (qd = 0, a = 0): a zero command at rest then predicts no change, exactly */
    restAnchored: z.boolean().default(true),
  }),
  /** inverse-dynamics head (training only): predicts a_t from (z_t, z_{t+1}), so z must see every joint move */
  inverseDynamics: group({ hidden: sizes.default([128]), activation: activation.default('silu') }),
  loss: group({
    /** one-step prediction from true inputs (teacher forcing), L1 */
    teacherForcing: z.number().min(0).default(1),
    /** K-step open-loop rollout from the first frame, L1 averaged over steps */
    rollout: z.number().min(0).default(1),
    /** weight of the joint (q, qd) part of the prediction error, in units of their per-step spread */
    joints: z.number().min(0).default(0.1),
    /** VICReg variance hinge: every latent dimension keeps a std ≥ 1 over the batch */
    variance: z.number().min(0).default(1),
    /** VICReg covariance: off-diagonal covariances of the latent pushed to 0 */
    covariance: z.number().min(0).default(0.04),
    inverseDynamics: z.number().min(0).default(0.5),
    /** gradient into the target latent (VICReg-style, both branches learn); false = stop-gradient on targets */
    targetGradient: z.boolean().default(true),
  }),
  optimizer: group({
    learningRate: z.number().positive().max(1).default(1e-3),
    /** cosine decay ends here */
    minLearningRate: z.number().min(0).max(1).default(5e-5),
    warmupSteps: z.number().int().min(0).default(100),
    /** global gradient-norm clip; 0 = off */
    clipNorm: z.number().min(0).default(5),
  }),
  /** training-time input augmentation: Gaussian pixel noise of this std (images in [0, 1]); 0 = none */
  augment: group({ noiseStd: z.number().min(0).max(0.5).default(0) }),
  /** share of recorded segments (episodes) held out for validation */
  valFraction: z.number().min(0).max(0.9).default(0.1),
  /** steps between checkpoints; 0 = at the end of every epoch */
  checkpointEverySteps: z.number().int().min(0).default(0),
  data: group({
    jointNames: z.array(z.string().min(1)).min(1).default(DEMO_JOINT_NAMES),
    imageTopic: z.string().default('/camera/image_raw'),
    jointStateTopic: z.string().default('/joint_states'),
    commandTopic: z.string().default('/forward_velocity_controller/commands'),
    /** frame period, s; 0 = the median image period */
    dtS: z.number().min(0).default(0),
    time: z.enum(['log', 'header']).default('log'),
  }),
});

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export class TrainConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`training configuration: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
    this.name = 'TrainConfigError';
  }
}

function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)) {
      out[k] = mergeDeep(b as Record<string, unknown>, v as Record<string, unknown>);
    } else out[k] = v;
  }
  return out;
}

/** Validates a configuration object (file contents merged with overrides); throws TrainConfigError with every problem. */
export function resolveTrainConfig(input: unknown, overrides: Record<string, unknown> = {}): TrainConfig {
  const base = input === undefined || input === null ? {} : input;
  if (typeof base !== 'object' || Array.isArray(base)) throw new TrainConfigError(['(root): must be a mapping']);
  const merged = mergeDeep(base as Record<string, unknown>, overrides);
  const r = trainConfigSchema.safeParse(merged);
  if (!r.success) throw new TrainConfigError(r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  return r.data;
}

/** Reads a YAML or JSON training configuration file. */
export function loadTrainConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TrainConfigError([`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`]);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new TrainConfigError([`${path}: not YAML/JSON (${(err as Error).message})`]);
  }
}
