import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  defaultConfig,
  loadConfig,
  nodeMatches,
  parseOverrideArgs,
  resolveConfig,
  suggestName,
} from '../../src/config/index.ts';
import type { ConfigProblem, ProblemCode } from '../../src/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'odra-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeYaml(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): readonly ConfigProblem[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loading parameter files', () => {
  test('a file with several errors reports every one of them with its path', () => {
    const file = writeYaml(
      'bad.yaml',
      [
        'odra_agent:',
        '  ros__parameters:',
        '    planner:',
        '      samples: 0',
        '      horizn: 30',
        '      name: annealing',
        '      cem: { elites: 1.5 }',
        '    safety.velocity_scale: 1.5',
        '    goal:',
        '      position: [0.1, 0.2]',
        '    topics:',
        '      image: camera image',
        '    control: 20',
        '',
      ].join('\n'),
    );
    const problems = problemsOf(() => loadConfig({ files: [file] }));
    const byPath = new Map(problems.map((p) => [p.path, p]));
    const expect: [string, ProblemCode, string][] = [
      ['planner.samples', 'too_small', 'planner.samples: must be ≥ 2, got 0'],
      ['planner.horizn', 'unknown_parameter', 'planner.horizn: unknown parameter; did you mean planner.horizon?'],
      ['planner.name', 'invalid_value', 'planner.name: must be one of "gradient", "cem", "mppi", "cem+gradient", got "annealing"'],
      ['planner.cem.elites', 'invalid_type', 'planner.cem.elites: must be an integer, got 1.5'],
      ['safety.velocity_scale', 'too_big', 'safety.velocity_scale: must be ≤ 1, got 1.5'],
      ['goal.position', 'invalid_length', 'goal.position: must be empty or hold 3 numbers (x y z)'],
      ['topics.image', 'invalid_format', 'topics.image: must be a valid ROS 2 topic name, got "camera image"'],
      ['control', 'not_a_value', 'control: is a group of parameters (such as control.rate_hz), not a value'],
    ];
    assert.equal(problems.length, expect.length, problems.map((p) => p.message).join('\n'));
    for (const [path, code, message] of expect) {
      const p = byPath.get(path);
      assert.ok(p, `no problem reported for ${path}`);
      assert.equal(p.code, code, path);
      assert.equal(p.message, `${message} (${file})`);
    }
  });

  test('the thrown ConfigError lists every problem in its message', () => {
    const file = writeYaml('two.yaml', 'odra_agent:\n  ros__parameters:\n    planner: { samples: 1, iterations: 0 }\n');
    try {
      loadConfig({ files: [file] });
      assert.fail('expected a ConfigError');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.code, 'CONFIG_INVALID');
      assert.match(e.message, /2 problems/);
      assert.match(e.message, /planner\.samples: must be ≥ 2, got 1/);
      assert.match(e.message, /planner\.iterations: must be ≥ 1, got 0/);
    }
  });

  test('YAML syntax errors name the file, line and column', () => {
    const text = 'odra_agent:\n  ros__parameters:\n    planner:\n      horizon: [1, 2\n    goal: x\n';
    const file = writeYaml('syntax.yaml', text);
    const problems = problemsOf(() => loadConfig({ files: [file] }));
    assert.ok(problems.length >= 1);
    assert.equal(problems[0]?.code, 'yaml_syntax');
    assert.match(problems[0]?.path ?? '', new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')}:\\d+:\\d+$`));
    assert.match(problems[0]?.message ?? '', /syntax\.yaml:5:\d+: /);
  });

  test('duplicate keys are syntax errors', () => {
    const problems = problemsOf(() =>
      loadConfig({ texts: [{ source: 'dup.yaml', text: 'odra_agent:\n  ros__parameters:\n    planner:\n      horizon: 5\n      horizon: 6\n' }] }),
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /^dup\.yaml:5:7: Map keys must be unique/);
  });

  test('/** applies first, then the node’s own section, later files win', () => {
    const shared = writeYaml(
      'shared.yaml',
      [
        'odra_agent:',
        '  ros__parameters:',
        '    planner: { horizon: 40 }',
        '/**:',
        '  ros__parameters:',
        '    planner: { horizon: 10, samples: 64 }',
        '    control.rate_hz: 25.0',
        'other_node:',
        '  ros__parameters: { anything: 1 }',
        '',
      ].join('\n'),
    );
    const cfg = loadConfig({ files: [shared], nodeName: 'odra_agent' });
    assert.equal(cfg.planner.horizon, 40); // own section wins although /** comes later in the file
    assert.equal(cfg.planner.samples, 64);
    assert.equal(cfg.control.rate_hz, 25);
    const tuned = writeYaml('tuned.yaml', '/odra_agent:\n  ros__parameters:\n    planner.samples: 128\n');
    const cfg2 = loadConfig({ files: [shared, tuned] });
    assert.equal(cfg2.planner.samples, 128);
    assert.equal(cfg2.planner.horizon, 40);
  });

  test('namespaced node names and wildcards select the right sections', () => {
    const text = [
      '/robot1/odra_agent:',
      '  ros__parameters: { planner: { horizon: 11 } }',
      '/robot2/odra_agent:',
      '  ros__parameters: { planner: { horizon: 22 } }',
      '/*/odra_agent:',
      '  ros__parameters: { planner: { samples: 33 } }',
      '',
    ].join('\n');
    const r1 = resolveConfig([{ text, source: 'ns.yaml' }], { nodeName: '/robot1/odra_agent' });
    const r2 = resolveConfig([{ text, source: 'ns.yaml' }], { nodeName: '/robot2/odra_agent' });
    assert.ok(r1.ok && r2.ok);
    assert.equal(r1.config.planner.horizon, 11);
    assert.equal(r2.config.planner.horizon, 22);
    assert.equal(r1.config.planner.samples, 33);
    const none = resolveConfig([{ text, source: 'ns.yaml' }], { nodeName: 'odra_agent' });
    assert.equal(none.ok, false);
    if (!none.ok) {
      assert.equal(none.problems[0]?.code, 'no_matching_node');
      assert.match(none.problems[0]?.message ?? '', /no section for node \/odra_agent/);
    }
    assert.equal(nodeMatches('/**', '/a/b/c'), true);
    assert.equal(nodeMatches('/**/odra_agent', '/odra_agent'), true);
    assert.equal(nodeMatches('/**/odra_agent', '/x/y/odra_agent'), true);
    assert.equal(nodeMatches('/*/odra_agent', '/odra_agent'), false);
    assert.equal(nodeMatches('odra_*', '/odra_agent'), true);
    assert.equal(nodeMatches('odra_agent', '/odra_agent'), true);
    assert.equal(nodeMatches('odra_agent', '/ns/odra_agent'), false);
  });

  test('unknown keys are errors with a did-you-mean suggestion', () => {
    const r = resolveConfig([
      {
        source: 'typos.yaml',
        text: [
          'odra_agent:',
          '  ros__parameters:',
          '    horizon: 5',
          '    cost:',
          '      keepout: { weight: 1.0 }',
          '      effort: { wieght: 2.0 }',
          '    plannr: { horizon: 5 }',
          '    zzz_qqq: 1',
        ].join('\n'),
      },
    ]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.problems.map((p) => p.message), [
      'horizon: unknown parameter; did you mean planner.horizon? (typos.yaml)',
      'cost.keepout: unknown parameter; did you mean cost.keep_out? (typos.yaml)',
      'cost.effort.wieght: unknown parameter; did you mean cost.effort.weight? (typos.yaml)',
      'plannr: unknown parameter; did you mean planner? (typos.yaml)',
      'zzz_qqq: unknown parameter (typos.yaml)',
    ]);
    assert.ok(r.problems.every((p) => p.code === 'unknown_parameter'));
  });

  test('file structure problems: missing ros__parameters, extra keys, missing file', () => {
    const problems = problemsOf(() =>
      loadConfig({
        files: [join(dir, 'missing.yaml')],
        texts: [{ source: 'shape.yaml', text: 'odra_agent:\n  parameters: { a: 1 }\n' }],
      }),
    );
    assert.deepEqual(problems.map((p) => p.code), ['file_not_found', 'invalid_file']);
    assert.match(problems[0]?.message ?? '', /missing\.yaml: file not found/);
    assert.match(problems[1]?.message ?? '', /shape\.yaml: odra_agent\.parameters: unexpected key/);
  });

  test('overrides apply last; strings for non-string parameters are read as YAML', () => {
    const cfg = loadConfig({
      texts: [{ source: 'base.yaml', text: 'odra_agent:\n  ros__parameters:\n    planner: { horizon: 10, name: cem }\n' }],
      overrides: {
        'planner.horizon': '30',
        'planner.samples': 512,
        'goal.position': '[0.4, 0.1, 0.3]',
        'robot.base_link': 'world',
        'robot.tip_link': '"123"',
        'planner.warm_start': 'false',
        'planner.iterations': 3n,
      },
    });
    assert.equal(cfg.planner.horizon, 30);
    assert.equal(cfg.planner.name, 'cem');
    assert.equal(cfg.planner.samples, 512);
    assert.deepEqual(cfg.goal.position, [0.4, 0.1, 0.3]);
    assert.equal(cfg.robot.base_link, 'world');
    assert.equal(cfg.robot.tip_link, '123');
    assert.equal(cfg.planner.warm_start, false);
    assert.equal(cfg.planner.iterations, 3);
  });

  test('bad overrides are reported with their origin', () => {
    const problems = problemsOf(() =>
      loadConfig({ overrides: { 'planner.horizn': 3, planner: 3, 'planner.samples': 'many', 'planner.horizon': '[1' } }),
    );
    assert.deepEqual(problems.map((p) => p.message), [
      'planner.horizn: unknown parameter; did you mean planner.horizon? (override)',
      'planner: is a group of parameters (such as planner.name), not a value (override)',
      'planner.horizon: cannot read override "[1" as YAML: Flow sequence must end with a ]',
      'planner.samples: must be an integer, got "many" (override)',
    ]);
  });

  test('parseOverrideArgs accepts name:=value and name=value', () => {
    assert.deepEqual(parseOverrideArgs(['planner.horizon:=30', 'robot.base_link=world', 'goal.joints:=[0.1, 0.2]']), {
      'planner.horizon': '30',
      'robot.base_link': 'world',
      'goal.joints': '[0.1, 0.2]',
    });
    const problems = problemsOf(() => parseOverrideArgs(['planner.horizon', '=3']));
    assert.deepEqual(problems.map((p) => p.code), ['invalid_override', 'invalid_override']);
  });

  test('an empty file and an empty section keep the defaults', () => {
    const texts = [
      { source: 'empty.yaml', text: '' },
      { source: 'e2.yaml', text: 'odra_agent:\n  ros__parameters:\n' },
    ];
    const cfg = loadConfig({ texts });
    assert.deepEqual(cfg, defaultConfig());
  });

  test('suggestName prefers an in-place typo over the same name in another group', () => {
    const margins = ['cost.self_collision.margin_m', 'cost.keep_out.margin_m'];
    assert.equal(suggestName('cost.keep_out.margn_m', margins), 'cost.keep_out.margin_m');
    assert.equal(suggestName('keep_out.margin_m', margins), 'cost.keep_out.margin_m');
    assert.equal(suggestName('totally_different', ['planner.horizon']), undefined);
  });
});
