import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  configSchema,
  crossFieldIssues,
  defaultConfig,
  listParameters,
  listSchemaParameters,
  param,
  paramInfo,
  validateParameters,
} from '../../src/config/index.ts';
import type { ParamValue } from '../../src/config/index.ts';

/** The declared default of a parameter; fails the test when the name is not a parameter. */
function defaultOf(name: string): ParamValue {
  const p = paramInfo(name);
  assert.ok(p, `${name} is not a parameter`);
  return p.default;
}

describe('schema', () => {
  test('the defaults are a valid configuration, nested by the dotted names', () => {
    const cfg = defaultConfig();
    assert.equal(configSchema.safeParse(cfg).success, true);
    assert.deepEqual(crossFieldIssues(cfg), []);
    assert.equal(cfg.planner.horizon, defaultOf('planner.horizon'));
    assert.equal(cfg.control.rate_hz, 20);
    assert.equal(cfg.control.command_interface, 'velocity');
    assert.equal(cfg.cost.keep_out.weight, defaultOf('cost.keep_out.weight'));
    assert.equal(cfg.cost.posture.norm, defaultOf('cost.posture.norm'));
    assert.equal(cfg.topics.position_commands, '/forward_position_controller/commands');
    assert.deepEqual(cfg.goal.joints, []);
  });

  test('defaultConfig returns independent objects', () => {
    const a = defaultConfig();
    const horizon = defaultOf('planner.horizon');
    assert.notEqual(horizon, 3); // the edit below must change the value
    a.perception.mean[0] = 99;
    a.planner.horizon = 3;
    const b = defaultConfig();
    assert.equal(b.perception.mean[0], 0.485);
    assert.equal(b.planner.horizon, horizon);
    assert.equal(paramInfo('perception.mean')?.default.toString(), '0.485,0.456,0.406');
  });

  test('every leaf is listed once with a description; every number has units', () => {
    const params = listParameters();
    const names = params.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(params.length > 90, `only ${params.length} parameters`);
    for (const p of params) {
      assert.ok(p.description.length > 5, `${p.name} has no description`);
      if (/integer|double/.test(p.type)) assert.ok(p.units.length > 0, `${p.name} has no units`);
    }
    // the leaf names equal the paths of the default config
    for (const p of params) {
      const value = p.name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], defaultConfig());
      assert.deepEqual(value, p.default, p.name);
    }
  });

  test('types, bounds, enums and live flags come from the schema', () => {
    const horizon = paramInfo('planner.horizon');
    assert.deepEqual(
      { type: horizon?.type, min: horizon?.min, max: horizon?.max, live: horizon?.live },
      { type: 'integer', min: 2, max: 128, live: true },
    );
    const momentum = paramInfo('planner.cem.momentum');
    assert.equal(momentum?.type, 'double');
    assert.equal(momentum?.minExclusive, false);
    assert.equal(momentum?.maxExclusive, true);
    assert.equal(paramInfo('safety.velocity_scale')?.minExclusive, true);
    assert.deepEqual(paramInfo('planner.name')?.enum, ['gradient', 'cem', 'mppi', 'cem+gradient']);
    assert.equal(paramInfo('cost.keep_out.norm')?.type, 'string');
    assert.equal(paramInfo('robot.joints')?.type, 'string_array');
    assert.equal(paramInfo('keep_out.boxes')?.type, 'double_array');
    assert.equal(paramInfo('perception.execution_providers')?.type, 'string_array');
    assert.ok(paramInfo('perception.execution_providers')?.enum?.includes('cuda'));
    assert.equal(paramInfo('planner.warm_start')?.type, 'bool');
    for (const ro of ['robot.description_file', 'robot.joints', 'control.rate_hz', 'world_model.kind', 'memory.capacity', 'topics.image']) {
      assert.equal(paramInfo(ro)?.live, false, ro);
    }
    for (const live of ['planner.name', 'cost.effort.weight', 'keep_out.spheres', 'safety.velocity_scale', 'goal.position']) {
      assert.equal(paramInfo(live)?.live, true, live);
    }
  });

  test('cross-field rules: elites ≤ samples, model paths, norm parameters, time budget', () => {
    const r = validateParameters([
      ['planner.samples', 16],
      ['planner.cem.elites', 17],
      ['world_model.kind', 'onnx'],
      ['cost.ee_position.norm_param', 0],
      ['planner.time_budget_ms', 60],
      ['memory.context_window', 300],
      ['robot.joints', ['a', 'b']],
      ['goal.joints', [0, 0, 0]],
    ]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(
      r.problems.map((p) => [p.path, p.code]),
      [
        ['planner.cem.elites', 'cross_field'],
        ['planner.time_budget_ms', 'cross_field'],
        ['cost.ee_position.norm_param', 'cross_field'],
        ['world_model.model_dir', 'cross_field'],
        ['memory.context_window', 'cross_field'],
        ['goal.joints', 'cross_field'],
      ],
    );
    assert.equal(r.problems[0]?.message, 'planner.cem.elites: must be ≤ planner.samples (16), got 17');
    assert.equal(r.problems[1]?.message, 'planner.time_budget_ms: must be ≤ the control period (50 ms at 20 Hz), got 60');
  });

  test('cross-field rules still run when another field of the same group is invalid', () => {
    const r = validateParameters([
      ['planner.horizon', 2.5],
      ['planner.cem.elites', 500],
    ]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.problems.map((p) => p.message), [
      'planner.horizon: must be an integer, got 2.5',
      'planner.cem.elites: must be ≤ planner.samples (64), got 500',
    ]);
  });

  test('array rules: keep-out boxes and spheres, goal lengths, unit quaternion, unique joints', () => {
    const r = validateParameters([
      ['keep_out.boxes', [0, 0, 0, 1, 1, 1, 0.5, 0, 0, 0.4, 1, 1]],
      ['keep_out.spheres', [0, 0, 0]],
      ['goal.position', [1, 2]],
      ['goal.orientation', [0, 0, 0, 2]],
      ['robot.joints', ['a', 'a']],
      ['perception.std', [0.2, 0, 0.2]],
    ]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.problems.map((p) => p.message), [
      "robot.joints: lists joint 'a' twice",
      'keep_out.boxes: box 1: min x (0.5) must be ≤ max x (0.4)',
      'keep_out.spheres: must hold 4 numbers per sphere (centre xyz, radius), got 3',
      'perception.std[1]: must be > 0, got 0',
      'goal.position: must be empty or hold 3 numbers (x y z)',
      'goal.orientation: must be a unit quaternion, got norm 2.000',
    ]);
    const ok = validateParameters([
      ['keep_out.boxes', [0, 0, 0, 1, 1, 1]],
      ['keep_out.spheres', [0.5, 0, 0.2, 0.1]],
      ['goal.orientation', [0, 0, 0.7071, 0.7071]],
    ]);
    assert.equal(ok.ok, true);
  });

  test('param() registers metadata that the walker reads; a leaf without it is an error', () => {
    const schema = z.strictObject({
      g: z
        .strictObject({
          x: param(z.number().gt(0).lte(5), { default: 1, description: 'x value', units: 'm', live: true, step: 0.5 }),
        })
        .prefault({}),
    });
    assert.deepEqual(listSchemaParameters(schema), [
      {
        name: 'g.x',
        type: 'double',
        default: 1,
        description: 'x value',
        units: 'm',
        live: true,
        min: 0,
        minExclusive: true,
        max: 5,
        maxExclusive: false,
        step: 0.5,
      },
    ]);
    assert.throws(() => listSchemaParameters(z.strictObject({ y: z.number() })), /y: schema leaf without param\(\) metadata/);
  });
});
