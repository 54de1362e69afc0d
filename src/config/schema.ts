/**
 * Every odra parameter, declared once: type, default, bounds, units, description, live or read-only.
 * Keys are the ROS 2 parameter names split at the dots (`planner.cem.elites`). The typed config, the
 * validation, the ROS parameter descriptors and docs/parameters.md are all derived from this file.
 */
import { z } from 'zod';
import { crossFieldIssues } from './cross-field.ts';
import { param } from './param.ts';

const LIVE = true;
const READ_ONLY = false;

export const NORM_KINDS = ['quadratic', 'l1', 'smooth_abs', 'log_barrier'] as const;
export const PLANNER_NAMES = ['gradient', 'cem', 'mppi', 'cem+gradient'] as const;
export const WORLD_MODEL_KINDS = ['kinematic', 'learned', 'onnx'] as const;
export const ENCODER_KINDS = ['none', 'onnx', 'tfjs'] as const;
export const EXECUTION_PROVIDERS = ['cuda', 'tensorrt', 'dml', 'coreml', 'webgpu', 'qnn', 'cpu'] as const;

/** Groups parse `{}` through their own schema so nested defaults fill in. */
function group<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape).prefault({} as never);
}

function finiteNumbers(): z.ZodArray<z.ZodNumber> {
  return z.array(z.number());
}

// ROS 2 name rules: tokens of [A-Za-z0-9_] not starting with a digit, '/'-separated, optionally '/' or '~/' first.
const ROS_NAME = /^(?:~\/|\/)?[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*$/;

function topic(defaultName: string, description: string) {
  return param(z.string().regex(ROS_NAME, { message: 'must be a valid ROS 2 topic name' }), {
    default: defaultName,
    description,
    live: READ_ONLY,
  });
}

// ---------------------------------------------------------------------------------------------------------

const robot = group({
  description_file: param(z.string(), {
    default: '',
    description:
      "Path of the robot's URDF file, relative to the working directory; empty = the built-in demo arm.",
    live: READ_ONLY,
  }),
  base_link: param(z.string().min(1), {
    default: 'base_link',
    description: 'Root link of the controlled kinematic chain; boxes, spheres and EE goals are in this frame.',
    live: READ_ONLY,
  }),
  tip_link: param(z.string().min(1), {
    default: 'tool0',
    description: 'End-effector link of the controlled chain.',
    live: READ_ONLY,
  }),
  joints: param(
    z.array(z.string().min(1)).superRefine((names, ctx) => {
      const seen = new Set<string>();
      for (const n of names) {
        if (seen.has(n)) ctx.addIssue({ code: 'custom', message: `lists joint '${n}' twice` });
        seen.add(n);
      }
    }),
    {
      default: [],
      description:
        'Controlled joints in command order; empty = every actuated joint of the chain from base_link to tip_link.',
      live: READ_ONLY,
      constraints: 'unique names',
    },
  ),
});

const control = group({
  rate_hz: param(z.number().min(1).max(1000), {
    default: 20,
    description: 'Control (planning) tick rate.',
    units: 'Hz',
    live: READ_ONLY,
  }),
  command_interface: param(z.enum(['position', 'velocity']), {
    default: 'velocity',
    description: 'Command interface of the ros2_control controller that receives the commands.',
    live: READ_ONLY,
  }),
  output: param(z.enum(['forward', 'trajectory']), {
    default: 'forward',
    description:
      'forward: one Float64MultiArray per tick to a forward command controller; ' +
      'trajectory: the planned horizon as a JointTrajectory.',
    live: READ_ONLY,
  }),
  trajectory_points: param(z.number().int().min(1).max(128), {
    default: 10,
    description: 'Planned points published per JointTrajectory (clipped to the horizon).',
    units: 'points',
    live: LIVE,
  }),
});

const worldModel = group({
  kind: param(z.enum(WORLD_MODEL_KINDS), {
    default: 'kinematic',
    description:
      'kinematic: joint integrator; learned: tfjs latent model trained by odra (differentiable); ' +
      'onnx: forward-only ONNX model.',
    live: READ_ONLY,
  }),
  model_dir: param(z.string(), {
    default: '',
    description: 'Directory of the trained model; required when kind is learned or onnx.',
    live: READ_ONLY,
  }),
  threads: param(z.number().int().min(1).max(16), {
    default: 2,
    description:
      'ONNX Runtime threads for a learned model\'s rollouts of 256 network rows or more (capped at the CPU count; ' +
      'smaller batches run on one thread, where synchronization costs more than it saves).',
    units: 'threads',
    live: READ_ONLY,
  }),
  actuator_lag_s: param(z.number().min(0).max(10), {
    default: 0,
    description: 'Time constant of the first-order actuator lag in the kinematic model; 0 = none.',
    units: 's',
    live: LIVE,
  }),
});

const planner = group({
  name: param(z.enum(PLANNER_NAMES), {
    default: 'cem',
    description: 'Optimizer that infers the action sequence each tick.',
    live: LIVE,
  }),
  horizon: param(z.number().int().min(2).max(128), {
    default: 12,
    description: 'Planning horizon.',
    units: 'steps',
    live: LIVE,
  }),
  dt_s: param(z.number().min(0).max(1), {
    default: 0,
    description: 'Time step of the planned sequence; 0 = the control period.',
    units: 's',
    live: LIVE,
  }),
  samples: param(z.number().int().min(2).max(8192), {
    default: 64,
    description: 'Action sequences sampled per iteration (CEM, MPPI); batch size of the rollouts.',
    units: 'samples',
    live: LIVE,
  }),
  iterations: param(z.number().int().min(1).max(64), {
    default: 3,
    description: 'Optimizer iterations per tick.',
    units: 'iterations',
    live: LIVE,
  }),
  time_budget_ms: param(z.number().min(0).max(10000), {
    default: 30,
    description: 'Wall-clock budget of one plan; iterations stop early when it runs out; 0 = none.',
    units: 'ms',
    live: LIVE,
    constraints: '≤ the control period (1000 / control.rate_hz)',
  }),
  noise_correlation: param(z.number().min(0).max(0.99), {
    default: 0.8,
    description:
      'Correlation of the sampling noise from one horizon step to the next (cem, mppi): 0 = independent per step; higher explores whole-trajectory changes.',
    units: '1',
    live: LIVE,
  }),
  warm_start: param(z.boolean(), {
    default: true,
    description: 'Start each plan from the previous solution shifted by one step.',
    live: LIVE,
  }),
  cem: group({
    elites: param(z.number().int().min(1).max(8192), {
      default: 8,
      description: 'Lowest-cost samples that refit the CEM sampling distribution.',
      units: 'samples',
      live: LIVE,
      constraints: '≤ planner.samples',
    }),
    momentum: param(z.number().min(0).lt(1), {
      default: 0.1,
      description: 'Share of the previous mean and std kept at each CEM refit.',
      units: '1',
      live: LIVE,
    }),
    std_init: param(z.number().gt(0).max(100), {
      default: 0.5,
      description: 'Initial standard deviation of the sampled actions.',
      units: 'rad/s',
      live: LIVE,
    }),
    std_min: param(z.number().min(0).max(100), {
      default: 0.02,
      description: 'Floor of the CEM standard deviation (keeps exploring).',
      units: 'rad/s',
      live: LIVE,
      constraints: '≤ planner.cem.std_init',
    }),
  }),
  mppi: group({
    temperature: param(z.number().gt(0).max(1e6), {
      default: 0.02,
      description: 'MPPI temperature λ: sample weights are exp(−cost / λ).',
      units: 'cost',
      live: LIVE,
    }),
    noise_std: param(z.number().gt(0).max(100), {
      default: 0.4,
      description: 'Standard deviation of the action noise.',
      units: 'rad/s',
      live: LIVE,
    }),
    smoothing: param(z.number().min(0).lt(1), {
      default: 0.2,
      description: 'Low-pass factor applied to the noise along the horizon (0 = white noise).',
      units: '1',
      live: LIVE,
    }),
  }),
  gradient: group({
    restarts: param(z.number().int().min(1).max(64), {
      default: 4,
      description: 'Action sequences optimized in parallel; the best one wins.',
      units: 'sequences',
      live: LIVE,
    }),
    steps: param(z.number().int().min(1).max(1000), {
      default: 16,
      description: 'Gradient steps per iteration.',
      units: 'steps',
      live: LIVE,
    }),
    learning_rate: param(z.number().gt(0).max(100), {
      default: 0.08,
      description: 'Step size of the gradient optimizer (Adam), in action units.',
      units: 'rad/s',
      live: LIVE,
    }),
  }),
  hybrid: group({
    gradient_steps: param(z.number().int().min(0).max(1000), {
      default: 4,
      description: 'Gradient steps that refine the CEM result in cem+gradient.',
      units: 'steps',
      live: LIVE,
    }),
  }),
});

interface TermDefaults {
  weight: number;
  norm: (typeof NORM_KINDS)[number];
  normParam: number;
  /** Units of the term's residual, which are also those of norm_param. */
  units: string;
}

function costTermShape(what: string, d: TermDefaults) {
  return {
    weight: param(z.number().min(0).max(1e6), {
      default: d.weight,
      description: `Weight of the ${what} cost; 0 disables the term.`,
      units: '1',
      live: LIVE,
    }),
    norm: param(z.enum(NORM_KINDS), {
      default: d.norm,
      description: `Norm applied to the ${what} residual.`,
      live: LIVE,
    }),
    norm_param: param(z.number().min(0).max(1000), {
      default: d.normParam,
      description: 'Norm parameter: transition width for smooth_abs, band width for log_barrier; unused otherwise.',
      units: d.units,
      live: LIVE,
      constraints: '> 0 when norm is smooth_abs or log_barrier',
    }),
  };
}

const cost = group({
  joint_goal: group(costTermShape('joint-space goal', { weight: 10, norm: 'smooth_abs', normParam: 0.05, units: 'rad' })),
  ee_position: group(
    costTermShape('end-effector position goal', { weight: 40, norm: 'smooth_abs', normParam: 0.05, units: 'm' }),
  ),
  ee_orientation: group(
    costTermShape('end-effector orientation goal', { weight: 2, norm: 'quadratic', normParam: 0.1, units: 'rad' }),
  ),
  latent_goal: group(costTermShape('latent (goal image) goal', { weight: 1, norm: 'l1', normParam: 0.1, units: '1' })),
  joint_limits: group({
    ...costTermShape('joint position limit', { weight: 1, norm: 'log_barrier', normParam: 0.1, units: 'rad' }),
    margin_rad: param(z.number().min(0).max(1), {
      default: 0.1,
      description: 'Distance inside a joint limit at which the cost starts.',
      units: 'rad',
      live: LIVE,
    }),
  }),
  velocity_limits: group(
    costTermShape('joint velocity limit', { weight: 10, norm: 'quadratic', normParam: 0.1, units: 'rad/s' }),
  ),
  acceleration_limits: group(
    costTermShape('joint acceleration limit', { weight: 0.01, norm: 'quadratic', normParam: 0.1, units: 'rad/s²' }),
  ),
  keep_out: group({
    ...costTermShape('keep-out zone', { weight: 5, norm: 'log_barrier', normParam: 0.05, units: 'm' }),
    margin_m: param(z.number().min(0).max(1), {
      default: 0.05,
      description: 'Clearance to a keep-out box or sphere below which the cost starts.',
      units: 'm',
      live: LIVE,
    }),
  }),
  self_collision: group({
    ...costTermShape('self-collision', { weight: 5, norm: 'log_barrier', normParam: 0.02, units: 'm' }),
    margin_m: param(z.number().min(0).max(1), {
      default: 0.02,
      description: 'Clearance between non-adjacent links below which the cost starts.',
      units: 'm',
      live: LIVE,
    }),
  }),
  smoothness: group(
    costTermShape('smoothness (action change per step)', { weight: 0.05, norm: 'quadratic', normParam: 0.1, units: 'rad/s' }),
  ),
  effort: group(
    costTermShape('effort (action magnitude)', { weight: 0.01, norm: 'quadratic', normParam: 0.1, units: 'rad/s' }),
  ),
  terminal: group(
    costTermShape('terminal (goal residual and velocity at the last step of the horizon)', {
      weight: 20,
      norm: 'quadratic',
      normParam: 0.05,
      units: 'rad or m',
    }),
  ),
  posture: group(
    costTermShape('posture (pull toward the IK solution of a pose goal)', {
      weight: 2,
      norm: 'smooth_abs',
      normParam: 0.2,
      units: 'rad',
    }),
  ),
});

const keepOut = group({
  boxes: param(
    finiteNumbers().superRefine((v, ctx) => {
      if (v.length % 6 !== 0) {
        const message = `must hold 6 numbers per box (min xyz, max xyz), got ${v.length}`;
        ctx.addIssue({ code: 'custom', message, params: { code: 'invalid_length' } });
        return;
      }
      for (let b = 0; b < v.length; b += 6) {
        for (let k = 0; k < 3; k++) {
          const lo = v[b + k]!;
          const hi = v[b + 3 + k]!;
          if (lo > hi) {
            const axis = 'xyz'[k];
            ctx.addIssue({ code: 'custom', message: `box ${b / 6}: min ${axis} (${lo}) must be ≤ max ${axis} (${hi})` });
          }
        }
      }
    }),
    {
      default: [],
      description: 'Axis-aligned keep-out boxes in the base frame, 6 numbers each: min x y z, max x y z.',
      units: 'm',
      live: LIVE,
      constraints: 'length a multiple of 6; min ≤ max on each axis',
    },
  ),
  spheres: param(
    finiteNumbers().superRefine((v, ctx) => {
      if (v.length % 4 !== 0) {
        const message = `must hold 4 numbers per sphere (centre xyz, radius), got ${v.length}`;
        ctx.addIssue({ code: 'custom', message, params: { code: 'invalid_length' } });
        return;
      }
      for (let s = 0; s < v.length; s += 4) {
        const r = v[s + 3]!;
        if (!(r > 0)) ctx.addIssue({ code: 'custom', message: `sphere ${s / 4}: radius must be > 0, got ${r}` });
      }
    }),
    {
      default: [],
      description: 'Keep-out spheres in the base frame, 4 numbers each: centre x y z, radius.',
      units: 'm',
      live: LIVE,
      constraints: 'length a multiple of 4; radius > 0',
    },
  ),
});

const safety = group({
  position_margin_rad: param(z.number().min(0).max(1), {
    default: 0.02,
    description: 'Commands are clamped this far inside the joint position limits.',
    units: 'rad',
    live: LIVE,
  }),
  velocity_scale: param(z.number().gt(0).max(1), {
    default: 1,
    description: 'Fraction of the URDF velocity limits the filter allows.',
    units: '1',
    live: LIVE,
  }),
  max_acceleration_rad_s2: param(z.number().gt(0).max(1000), {
    default: 5,
    description: 'Acceleration limit of every joint (the URDF has none).',
    units: 'rad/s²',
    live: LIVE,
  }),
  max_jerk_rad_s3: param(z.number().min(0).max(1e5), {
    default: 0,
    description: 'Jerk limit of every joint; 0 = off.',
    units: 'rad/s³',
    live: LIVE,
  }),
  joint_state_max_age_s: param(z.number().gt(0).max(10), {
    default: 0.25,
    description: 'Older joint states stop the robot (watchdog).',
    units: 's',
    live: LIVE,
  }),
  perception_max_age_s: param(z.number().min(0).max(10), {
    default: 0,
    description: 'Older latents stop the robot; 0 = perception not required.',
    units: 's',
    live: LIVE,
    constraints: '0 unless perception.encoder is set',
  }),
});

const memory = group({
  capacity: param(z.number().int().min(1).max(100000), {
    default: 256,
    description: 'Entries kept per short-term memory stream (ring buffer length).',
    units: 'entries',
    live: READ_ONLY,
  }),
  context_window: param(z.number().int().min(1).max(1024), {
    default: 1,
    description: 'Most recent entries handed to the world model as context.',
    units: 'entries',
    live: READ_ONLY,
    constraints: '≤ memory.capacity',
  }),
});

const perception = group({
  encoder: param(z.enum(ENCODER_KINDS), {
    default: 'none',
    description: 'Image encoder that turns a camera frame into a latent; none = no camera (latent size 0).',
    live: READ_ONLY,
  }),
  model_path: param(z.string(), {
    default: '',
    description: 'Encoder model: an .onnx file, or a tfjs model.json; required unless encoder is none.',
    live: READ_ONLY,
  }),
  width: param(z.number().int().min(1).max(4096), {
    default: 224,
    description: 'Encoder input width.',
    units: 'px',
    live: READ_ONLY,
  }),
  height: param(z.number().int().min(1).max(4096), {
    default: 224,
    description: 'Encoder input height.',
    units: 'px',
    live: READ_ONLY,
  }),
  mean: param(finiteNumbers().length(3), {
    default: [0.485, 0.456, 0.406],
    description: 'Per-channel mean subtracted from pixels scaled to [0, 1], in the model channel order.',
    units: '1',
    live: READ_ONLY,
    constraints: 'exactly 3 numbers',
  }),
  std: param(z.array(z.number().gt(0)).length(3), {
    default: [0.229, 0.224, 0.225],
    description: 'Per-channel standard deviation that divides the centred pixels.',
    units: '1',
    live: READ_ONLY,
    constraints: 'exactly 3 numbers',
  }),
  layout: param(z.enum(['nchw', 'nhwc']), {
    default: 'nchw',
    description: 'Tensor layout of the encoder input.',
    live: READ_ONLY,
  }),
  channel_order: param(z.enum(['rgb', 'bgr']), {
    default: 'rgb',
    description: 'Channel order the encoder expects.',
    live: READ_ONLY,
  }),
  max_rate_hz: param(z.number().min(0).max(1000), {
    default: 10,
    description: 'Frames encoded per second at most (extra frames are dropped); 0 = every frame.',
    units: 'Hz',
    live: LIVE,
  }),
  max_pixels: param(z.number().int().min(1).max(268435456), {
    default: 8294400,
    description: 'Frames with more pixels are dropped before decoding (default 3840×2160).',
    units: 'px',
    live: READ_ONLY,
  }),
  threads: param(z.number().int().min(0).max(16), {
    default: 1,
    description:
      'ONNX Runtime intra-op threads of the encoder on the CPU; 0 = one per core. One keeps the control loop\'s ' +
      'latency steady (a runtime-sized pool spins on every core and delays the planner: tick p99 5.3–7.7 ms ' +
      'around the plan against 2.4–2.6 with one thread, 2 cores); a large encoder in a perception node of its own ' +
      'encodes faster on more (ResNet-18 at 224×224: 50 ms on one thread, 28 ms on two).',
    units: 'threads',
    live: READ_ONLY,
  }),
  execution_providers: param(z.array(z.enum(EXECUTION_PROVIDERS)).min(1), {
    default: ['cuda', 'cpu'],
    description: 'ONNX Runtime execution providers in order of preference; unavailable ones are skipped.',
    live: READ_ONLY,
    constraints: 'at least one',
  }),
});

const topics = group({
  joint_states: topic('/joint_states', 'sensor_msgs/msg/JointState input.'),
  image: topic('/camera/image_raw', 'sensor_msgs/msg/Image input (SensorData QoS).'),
  compressed_image: topic('/camera/image_raw/compressed', 'sensor_msgs/msg/CompressedImage input (jpeg/png).'),
  position_commands: topic(
    '/forward_position_controller/commands',
    'std_msgs/msg/Float64MultiArray output when command_interface is position.',
  ),
  velocity_commands: topic(
    '/forward_velocity_controller/commands',
    'std_msgs/msg/Float64MultiArray output when command_interface is velocity.',
  ),
  joint_trajectory: topic(
    '/joint_trajectory_controller/joint_trajectory',
    'trajectory_msgs/msg/JointTrajectory output when control.output is trajectory.',
  ),
  diagnostics: topic('/diagnostics', 'diagnostic_msgs/msg/DiagnosticArray output.'),
});

const goal = group({
  joints: param(finiteNumbers(), {
    default: [],
    description: 'Joint-space goal in the order of robot.joints; empty = none.',
    units: 'rad',
    live: LIVE,
    constraints: 'empty, or one value per controlled joint',
  }),
  position: param(
    finiteNumbers().refine((v) => v.length === 0 || v.length === 3, {
      message: 'must be empty or hold 3 numbers (x y z)',
      params: { code: 'invalid_length' },
    }),
    {
      default: [],
      description: 'End-effector position goal (x y z) in the base frame; empty = none.',
      units: 'm',
      live: LIVE,
      constraints: 'empty or 3 numbers',
    },
  ),
  orientation: param(
    finiteNumbers().superRefine((v, ctx) => {
      if (v.length !== 0 && v.length !== 4) {
        const message = `must be empty or hold 4 numbers (x y z w), got ${v.length}`;
        ctx.addIssue({ code: 'custom', message, params: { code: 'invalid_length' } });
        return;
      }
      if (v.length === 4) {
        const n = Math.hypot(v[0]!, v[1]!, v[2]!, v[3]!);
        if (Math.abs(n - 1) > 0.01) {
          ctx.addIssue({ code: 'custom', message: `must be a unit quaternion, got norm ${n.toPrecision(4)}` });
        }
      }
    }),
    {
      default: [],
      description: 'End-effector orientation goal as a quaternion (x y z w) in the base frame; empty = none.',
      units: '1',
      live: LIVE,
      constraints: 'empty or a unit quaternion (norm within 0.01 of 1)',
    },
  ),
});

// ---------------------------------------------------------------------------------------------------------

/** Every parameter with its own rules; `configSchema` adds the rules that span parameters. */
export const parameterTreeSchema = z.strictObject({
  robot,
  control,
  world_model: worldModel,
  planner,
  cost,
  keep_out: keepOut,
  safety,
  memory,
  perception,
  topics,
  goal,
});

/** The whole parameter tree with its cross-field rules (which zod runs only when the fields parsed). */
export const configSchema = parameterTreeSchema.superRefine((cfg, ctx) => {
  for (const issue of crossFieldIssues(cfg)) {
    const path = issue.path.split('.');
    ctx.addIssue({ code: 'custom', path, message: issue.message, params: { code: 'cross_field' } });
  }
});

/** The typed configuration; `cfg.planner.horizon` is the ROS parameter `planner.horizon`. */
export type OdraConfig = z.output<typeof configSchema>;

/** A fresh, mutable configuration holding every default. */
export function defaultConfig(): OdraConfig {
  return configSchema.parse({});
}
