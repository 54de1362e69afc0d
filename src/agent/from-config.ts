/** Derives the agent's frozen settings from a configuration snapshot (config/ → agent/). */
import type { OdraConfig } from '../config/schema.ts';
import type { NormKind } from '../cost/norms.ts';
import type { AgentSettings, CostSettings, TermSettings } from './settings.ts';

type CostConfig = OdraConfig['cost'];

function term(c: { weight: number; norm?: NormKind; norm_param?: number }): TermSettings {
  return {
    weight: c.weight,
    ...(c.norm !== undefined ? { norm: c.norm } : {}),
    ...(c.norm_param !== undefined ? { normParam: c.norm_param } : {}),
  };
}

function costSettings(c: CostConfig): CostSettings {
  return {
    jointGoal: term(c.joint_goal),
    eePosition: term(c.ee_position),
    eeOrientation: term(c.ee_orientation),
    latentGoal: term(c.latent_goal),
    jointLimits: { ...term(c.joint_limits), marginRad: c.joint_limits.margin_rad },
    velocityLimits: term(c.velocity_limits),
    accelerationLimits: term(c.acceleration_limits),
    keepOut: { ...term(c.keep_out), marginM: c.keep_out.margin_m },
    selfCollision: { ...term(c.self_collision), marginM: c.self_collision.margin_m },
    smoothness: term(c.smoothness),
    effort: term(c.effort),
    terminal: term(c.terminal),
    posture: term(c.posture),
  };
}

export function agentSettingsFromConfig(cfg: OdraConfig, seed = 1): AgentSettings {
  const p = cfg.planner;
  return {
    controlDtS: 1 / cfg.control.rate_hz,
    commandInterface: cfg.control.command_interface,
    planner: {
      name: p.name,
      horizon: p.horizon,
      dtS: p.dt_s,
      iterations: p.iterations,
      timeBudgetMs: p.time_budget_ms,
      warmStart: p.warm_start,
      settings: {
        samples: p.samples,
        seed,
        noiseCorrelation: p.noise_correlation,
        cem: { elites: p.cem.elites, momentum: p.cem.momentum, stdInit: p.cem.std_init, stdMin: p.cem.std_min },
        mppi: { temperature: p.mppi.temperature, noiseStd: p.mppi.noise_std, smoothing: p.mppi.smoothing },
        gradient: { restarts: p.gradient.restarts, steps: p.gradient.steps, learningRate: p.gradient.learning_rate, noiseStd: p.cem.std_init },
        hybrid: { gradientSteps: p.hybrid.gradient_steps },
      },
    },
    worldModel: { actuatorLagS: cfg.world_model.actuator_lag_s },
    cost: costSettings(cfg.cost),
    keepOutBoxes: cfg.keep_out.boxes,
    keepOutSpheres: cfg.keep_out.spheres,
    safety: {
      positionMarginRad: cfg.safety.position_margin_rad,
      velocityScale: cfg.safety.velocity_scale,
      maxAccelerationRadS2: cfg.safety.max_acceleration_rad_s2,
      maxJerkRadS3: cfg.safety.max_jerk_rad_s3,
      jointStateMaxAgeS: cfg.safety.joint_state_max_age_s,
      perceptionMaxAgeS: cfg.safety.perception_max_age_s,
    },
    memory: { capacity: cfg.memory.capacity },
  };
}
