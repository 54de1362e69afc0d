import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { loadConfig, paramInfo } from '../../src/config/index.ts';

const file = fileURLToPath(new URL('../../config/odra_agent.yaml', import.meta.url));

/** Every scalar leaf of the ros__parameters section, with its dotted name and source text. */
function scalars(node: Node | null, prefix: string, text: string, out: [string, string][]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      scalars(pair.value as Node | null, prefix ? `${prefix}.${key}` : key, text, out);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) scalars(item as Node, prefix, text, out);
  } else if (isScalar(node) && node.range) {
    out.push([prefix, text.slice(node.range[0], node.range[1])]);
  }
}

describe('config/odra_agent.yaml', () => {
  test('loads without problems and configures the demo arm', () => {
    const cfg = loadConfig({ files: [file] });
    assert.equal(cfg.robot.description_file, 'config/robots/odra_arm.urdf');
    assert.equal(cfg.robot.joints.length, 6);
    assert.equal(cfg.keep_out.boxes.length, 6);
  });

  test('loads for a namespaced node only through an explicit section', () => {
    assert.throws(() => loadConfig({ files: [file], nodeName: '/arm1/odra_agent' }), /no section for node \/arm1\/odra_agent/);
  });

  test('scalars are written so that ROS 2 types them as declared (1.0 for doubles, 1 for integers)', () => {
    const text = readFileSync(file, 'utf8');
    const doc = parseDocument(text);
    const section = doc.getIn(['odra_agent', 'ros__parameters'], true) as Node;
    const leaves: [string, string][] = [];
    scalars(section, '', text, leaves);
    assert.ok(leaves.length > 60);
    for (const [name, source] of leaves) {
      const p = paramInfo(name);
      assert.ok(p, `${name} is not a parameter`);
      if (p.type === 'double' || p.type === 'double_array') {
        assert.match(source, /[.eE]/, `${name}: write ${source} as a double (${source}.0)`);
      }
      if (p.type === 'integer' || p.type === 'integer_array') {
        assert.match(source, /^-?\d+$/, `${name}: ${source} is not an integer literal`);
      }
    }
  });
});
