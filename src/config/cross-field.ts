/**
 * Rules that involve more than one parameter (elites ≤ samples, a model path when a model is used,
 * ...). They read a parameter tree that may hold invalid values, so they can run next to the
 * per-field checks and every problem is reported at once.
 */

export interface CrossFieldIssue {
  /** Dotted name of the parameter the rule reports against. */
  path: string;
  /** Without the path: `must be ≤ planner.samples (256), got 300`. */
  message: string;
}

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function pick(tree: unknown, name: string): unknown {
  let node = tree;
  for (const key of name.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Every cross-field rule broken by `tree`; each value is checked for its type before use. */
export function crossFieldIssues(tree: unknown): CrossFieldIssue[] {
  const out: CrossFieldIssue[] = [];
  const num = (name: string): number | undefined => finite(pick(tree, name));
  const add = (path: string, message: string): void => {
    out.push({ path, message });
  };

  const elites = num('planner.cem.elites');
  const samples = num('planner.samples');
  if (elites !== undefined && samples !== undefined && elites > samples) {
    add('planner.cem.elites', `must be ≤ planner.samples (${samples}), got ${elites}`);
  }
  const stdMin = num('planner.cem.std_min');
  const stdInit = num('planner.cem.std_init');
  if (stdMin !== undefined && stdInit !== undefined && stdMin > stdInit) {
    add('planner.cem.std_min', `must be ≤ planner.cem.std_init (${stdInit}), got ${stdMin}`);
  }
  const budgetMs = num('planner.time_budget_ms');
  const rateHz = num('control.rate_hz');
  if (budgetMs !== undefined && rateHz !== undefined && rateHz > 0 && budgetMs > 1000 / rateHz) {
    const periodMs = Number((1000 / rateHz).toPrecision(6));
    add('planner.time_budget_ms', `must be ≤ the control period (${periodMs} ms at ${rateHz} Hz), got ${budgetMs}`);
  }

  const terms = pick(tree, 'cost');
  if (typeof terms === 'object' && terms !== null) {
    for (const term of Object.keys(terms)) {
      const norm = pick(tree, `cost.${term}.norm`);
      if (norm !== 'smooth_abs' && norm !== 'log_barrier') continue;
      const np = num(`cost.${term}.norm_param`);
      if (np !== undefined && np <= 0) add(`cost.${term}.norm_param`, `must be > 0 when norm is ${norm}, got ${np}`);
    }
  }

  const wmKind = pick(tree, 'world_model.kind');
  if ((wmKind === 'learned' || wmKind === 'onnx') && pick(tree, 'world_model.model_dir') === '') {
    add('world_model.model_dir', `must be set when world_model.kind is ${wmKind}`);
  }
  const encoder = pick(tree, 'perception.encoder');
  if ((encoder === 'onnx' || encoder === 'tfjs') && pick(tree, 'perception.model_path') === '') {
    add('perception.model_path', `must be set when perception.encoder is ${encoder}`);
  }
  const perceptionAge = num('safety.perception_max_age_s');
  if (encoder === 'none' && perceptionAge !== undefined && perceptionAge > 0) {
    add('safety.perception_max_age_s', `must be 0 when perception.encoder is none, got ${perceptionAge}`);
  }

  const window = num('memory.context_window');
  const capacity = num('memory.capacity');
  if (window !== undefined && capacity !== undefined && window > capacity) {
    add('memory.context_window', `must be ≤ memory.capacity (${capacity}), got ${window}`);
  }

  const goalJoints = pick(tree, 'goal.joints');
  const joints = pick(tree, 'robot.joints');
  if (Array.isArray(goalJoints) && Array.isArray(joints) && goalJoints.length > 0 && joints.length > 0) {
    if (goalJoints.length !== joints.length) {
      add('goal.joints', `must hold one value per robot.joints entry (${joints.length}), got ${goalJoints.length}`);
    }
  }
  return out;
}
