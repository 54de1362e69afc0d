import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  PARAMETERS_DOC_PATH,
  REGENERATE_COMMAND,
  formatRange,
  listParameters,
  paramInfo,
  renderParametersMarkdown,
} from '../../src/config/index.ts';

const docUrl = new URL(`../../${PARAMETERS_DOC_PATH}`, import.meta.url);

describe('docs/parameters.md', () => {
  test('the committed file is up to date with the schema', () => {
    let committed = '';
    try {
      committed = readFileSync(docUrl, 'utf8');
    } catch {
      // reported by the assertion below
    }
    assert.ok(
      committed === renderParametersMarkdown(),
      `${PARAMETERS_DOC_PATH} is out of date with src/config/schema.ts: run \`${REGENERATE_COMMAND}\` and commit the result`,
    );
  });

  test('every parameter has a row with type, default, range, units and live flag', () => {
    const md = renderParametersMarkdown();
    for (const p of listParameters()) assert.ok(md.includes(`| \`${p.name}\` | ${p.type} |`), p.name);
    const horizonRow = `| \`planner.horizon\` | integer | \`${String(paramInfo('planner.horizon')?.default)}\` | [2, 128] | steps | live | Planning horizon. |`;
    assert.ok(md.includes(horizonRow), horizonRow);
    const rateRow = '| `control.rate_hz` | double | `20` | [1, 1000] | Hz | read-only |';
    assert.ok(md.includes(rateRow), rateRow);
    const meanRow = '| `perception.mean` | double_array | `[0.485, 0.456, 0.406]` |';
    assert.ok(md.includes(meanRow), meanRow);
  });

  test('ranges use interval notation; pipes in cells are escaped', () => {
    const range = (n: string): string => {
      const p = paramInfo(n);
      assert.ok(p, n);
      return formatRange(p);
    };
    assert.equal(range('safety.velocity_scale'), '(0, 1]');
    assert.equal(range('planner.cem.momentum'), '[0, 1)');
    assert.equal(range('planner.warm_start'), '—');
    assert.equal(range('perception.std'), 'each > 0');
    assert.equal(range('cost.effort.norm'), 'one of `quadratic`, `l1`, `smooth_abs`, `log_barrier`');
    const md = renderParametersMarkdown([{ name: 'x.y', type: 'string', default: 'a|b', description: 'one | two', units: '', live: true }]);
    const escapedRow = '| `x.y` | string | `"a\\|b"` | — | — | live | one \\| two |';
    assert.ok(md.includes(escapedRow), escapedRow);
  });
});
