import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expandName, namespaceProblem, nodeNameProblem, normalizeNamespace } from '../../src/bus/names.ts';
import { InProcessBus } from '../../src/bus/in-process.ts';
import { BusError } from '../../src/bus/errors.ts';

function expanded(name: string, ns: string, node: string): string {
  const r = expandName(name, ns, node);
  assert.ok(r.ok, r.ok ? '' : r.problem);
  return r.name;
}

describe('name resolution', () => {
  test('absolute, relative and private names', () => {
    assert.equal(expanded('/joint_states', '/robot', 'agent'), '/joint_states');
    assert.equal(expanded('joint_states', '/robot', 'agent'), '/robot/joint_states');
    assert.equal(expanded('joint_states', '/', 'agent'), '/joint_states');
    assert.equal(expanded('~/plan', '/robot', 'agent'), '/robot/agent/plan');
    assert.equal(expanded('~/plan', '/', 'agent'), '/agent/plan');
    assert.equal(expanded('~', '/a/b', 'agent'), '/a/b/agent');
    assert.equal(expanded('camera/image_raw', '/a/b', 'n'), '/a/b/camera/image_raw');
  });

  test('invalid names are refused with a reason', () => {
    for (const bad of ['', '~plan', 'a//b', 'a/', '/1abc', 'a b', 'a-b']) {
      const r = expandName(bad, '/', 'n');
      assert.equal(r.ok, false, bad);
    }
    assert.notEqual(nodeNameProblem('1node'), null);
    assert.notEqual(nodeNameProblem('my-node'), null);
    assert.equal(nodeNameProblem('odra_agent'), null);
    assert.equal(normalizeNamespace(''), '/');
    assert.equal(normalizeNamespace('robot'), '/robot');
    assert.equal(namespaceProblem('/robot/'), "namespace '/robot/' must not end with '/'");
    assert.equal(namespaceProblem('/a/b'), null);
  });

  test('nodes resolve private names, remap, and refuse bad names at creation', () => {
    const bus = new InProcessBus();
    const node = bus.createNode('agent', { namespace: 'robot', remap: { '/joint_states': 'measured/joints' } });
    assert.equal(node.fullyQualifiedName, '/robot/agent');
    assert.equal(node.resolveName('~/goal_joints'), '/robot/agent/goal_joints');
    assert.equal(node.resolveName('/joint_states'), '/robot/measured/joints');
    const pub = node.createPublisher('std_msgs/msg/Bool', '~/estop');
    assert.equal(pub.topic, '/robot/agent/estop');
    assert.throws(() => node.createPublisher('std_msgs/msg/Bool', 'bad//name'), (e: BusError) => e.code === 'INVALID_NAME');
    assert.throws(() => bus.createNode('bad-name'), (e: BusError) => e.code === 'INVALID_NAME');
    assert.throws(() => bus.createNode('agent', { namespace: '/robot' }), (e: BusError) => e.code === 'NAME_TAKEN');
    assert.throws(
      () => bus.createNode('x', { remap: { 'a//b': 'c' } }),
      (e: BusError) => e.code === 'INVALID_NAME' && /remap/.test(e.message),
    );
    assert.equal(bus.node('/robot/agent'), node);
  });
});
