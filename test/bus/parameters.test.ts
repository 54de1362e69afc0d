import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';
import { BusError } from '../../src/bus/errors.ts';
import { parameterValueProblem, type Parameter, type ParameterDeclaration } from '../../src/bus/parameters.ts';

const DECLS: ParameterDeclaration[] = [
  { name: 'control_rate_hz', type: 'double', defaultValue: 50, description: 'tick rate, Hz', range: { fromValue: 1, toValue: 1000 } },
  { name: 'horizon', type: 'integer', defaultValue: 20, range: { fromValue: 1, toValue: 100, step: 1 } },
  { name: 'planner', type: 'string', defaultValue: 'mppi', additionalConstraints: 'gradient | cem | mppi' },
  { name: 'use_camera', type: 'bool', defaultValue: true },
  { name: 'joints', type: 'string_array', defaultValue: ['a', 'b'], readOnly: true },
  { name: 'weights', type: 'double_array', defaultValue: [1, 2], range: { fromValue: 0, toValue: 10 } },
  { name: 'samples', type: 'integer', defaultValue: 256, range: { fromValue: 64, toValue: 1024, step: 64 } },
];

function setup(overrides: Record<string, Parameter['value']> = {}) {
  const bus = new InProcessBus({ logSink: () => {} });
  const node = bus.createNode('agent', { namespace: '/odra', parameterOverrides: overrides });
  node.declareParameters(DECLS);
  return { bus, node };
}

describe('parameters', () => {
  test('declare returns values; overrides replace defaults', () => {
    const { node } = setup({ horizon: 40, planner: 'cem' });
    assert.deepEqual(node.getParameter('horizon'), { name: 'horizon', type: 'integer', value: 40 });
    assert.equal(node.getParameter('planner')?.value, 'cem');
    assert.equal(node.getParameter('control_rate_hz')?.value, 50);
    assert.equal(node.getParameter('nope'), undefined);
    assert.equal(node.hasParameter('use_camera'), true);
    assert.deepEqual(
      node.getParameters(['use_camera', 'nope', 'horizon']).map((p) => p.name),
      ['use_camera', 'horizon'],
    );
    assert.equal(node.getParameters().length, DECLS.length);
  });

  test('declaration problems are all collected and thrown once', () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const node = bus.createNode('n', { parameterOverrides: { b: 'text' } });
    node.declareParameters([{ name: 'taken', type: 'bool', defaultValue: false }]);
    try {
      node.declareParameters([
        { name: 'taken', type: 'bool', defaultValue: true },
        { name: 'a', type: 'integer', defaultValue: 1.5 },
        { name: 'b', type: 'double', defaultValue: 1 },
        { name: 'c', type: 'double', defaultValue: 5, range: { fromValue: 0, toValue: 1 } },
        { name: 'd', type: 'string', defaultValue: 'x', range: { fromValue: 0, toValue: 1 } },
        { name: 'e', type: 'double', defaultValue: 0, range: { fromValue: 2, toValue: 1 } },
        { name: 'ok', type: 'bool', defaultValue: true },
      ]);
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof BusError);
      assert.equal(e.code, 'PARAMETER_INVALID');
      for (const frag of ['taken: already declared', 'a: default', 'b: override', 'c: default: 5 is outside', 'd: a range', 'e: range']) {
        assert.ok(e.message.includes(frag), `missing '${frag}' in ${e.message}`);
      }
    }
    // All or none: the valid one was not declared either.
    assert.equal(node.hasParameter('ok'), false);
  });

  test('type, range, step, read-only and undeclared are refused with reasons', () => {
    const { node } = setup();
    const r = node.setParameters([
      { name: 'control_rate_hz', value: 0.5 },
      { name: 'horizon', value: 2.5 },
      { name: 'horizon', value: 20, type: 'double' },
      { name: 'samples', value: 100 },
      { name: 'joints', value: ['x'] },
      { name: 'missing', value: 1 },
      { name: 'weights', value: [1, 11] },
      { name: 'use_camera', value: 'yes' },
    ]);
    assert.deepEqual(
      r.map((x) => x.successful),
      [false, false, false, false, false, false, false, false],
    );
    assert.match(r[0]?.reason ?? '', /control_rate_hz.*0\.5 is outside \[1, 1000\]/);
    assert.match(r[1]?.reason ?? '', /expected an integer/);
    assert.match(r[2]?.reason ?? '', /of type integer, got double/);
    assert.match(r[3]?.reason ?? '', /100 is not 64 \+ k·64/);
    assert.match(r[4]?.reason ?? '', /read-only/);
    assert.match(r[5]?.reason ?? '', /not declared/);
    assert.match(r[6]?.reason ?? '', /\[1\]: 11 is outside/);
    assert.match(r[7]?.reason ?? '', /expected a bool/);
    assert.equal(node.getParameter('horizon')?.value, 20);
  });

  test('an integer update widens to a double parameter', () => {
    const { node } = setup();
    assert.deepEqual(node.setParameters([{ name: 'control_rate_hz', value: 20, type: 'integer' }]), [
      { successful: true, reason: '' },
    ]);
    assert.deepEqual(node.getParameter('control_rate_hz'), { name: 'control_rate_hz', type: 'double', value: 20 });
  });

  test('validators veto with a reason; accepted changes reach listeners', () => {
    const { bus, node } = setup();
    const seen: Parameter[][] = [];
    node.onSetParameters((ps) => {
      for (const p of ps) {
        if (p.name === 'planner' && p.value === 'random') return { successful: false, reason: "planner 'random' is not registered" };
      }
      return { successful: true, reason: '' };
    });
    node.onParametersSet((ps) => seen.push([...ps]));
    const [veto] = bus.setParameters('/odra/agent', [{ name: 'planner', value: 'random' }]);
    assert.deepEqual(veto, { successful: false, reason: "planner 'random' is not registered" });
    assert.equal(node.getParameter('planner')?.value, 'mppi');
    const [ok] = bus.setParameters('/odra/agent', [{ name: 'planner', value: 'cem' }]);
    assert.deepEqual(ok, { successful: true, reason: '' });
    assert.equal(bus.getParameters('/odra/agent', ['planner'])[0]?.value, 'cem');
    assert.deepEqual(seen, [[{ name: 'planner', type: 'string', value: 'cem' }]]);
    assert.throws(() => bus.setParameters('/nobody', []), /no such node/);
  });

  test('validators run in order, first veto wins, removers work, throwing counts as veto', () => {
    const { node } = setup();
    const calls: string[] = [];
    const removeA = node.onSetParameters(() => {
      calls.push('a');
      return { successful: false, reason: 'a says no' };
    });
    node.onSetParameters(() => {
      calls.push('b');
      return { successful: true, reason: '' };
    });
    assert.equal(node.setParameters([{ name: 'use_camera', value: false }])[0]?.reason, 'a says no');
    assert.deepEqual(calls, ['a']);
    removeA();
    assert.equal(node.setParameters([{ name: 'use_camera', value: false }])[0]?.successful, true);
    node.onSetParameters(() => {
      throw new Error('kaput');
    });
    assert.match(node.setParameters([{ name: 'use_camera', value: true }])[0]?.reason ?? '', /kaput/);
    assert.equal(node.getParameter('use_camera')?.value, false);
  });

  test('set one by one vs atomically', () => {
    const { node } = setup();
    const each = node.setParameters([
      { name: 'horizon', value: 30 },
      { name: 'samples', value: 1 },
    ]);
    assert.deepEqual(each.map((r) => r.successful), [true, false]);
    assert.equal(node.getParameter('horizon')?.value, 30);
    const atomic = node.setParametersAtomically([
      { name: 'horizon', value: 40 },
      { name: 'samples', value: 1 },
    ]);
    assert.equal(atomic.successful, false);
    assert.equal(node.getParameter('horizon')?.value, 30);
    const batches: number[] = [];
    node.onParametersSet((ps) => batches.push(ps.length));
    assert.equal(node.setParametersAtomically([{ name: 'horizon', value: 40 }, { name: 'samples', value: 512 }]).successful, true);
    assert.deepEqual(batches, [2]);
  });

  test('values handed out are copies', () => {
    const { node } = setup();
    const w = node.getParameter('weights');
    assert.ok(w && w.type === 'double_array');
    w.value.push(99);
    assert.deepEqual(node.getParameter('weights')?.value, [1, 2]);
  });

  test('descriptors carry ranges for clients to show', () => {
    const { bus } = setup();
    const [rate, horizon, planner] = bus.describeParameters('/odra/agent', ['control_rate_hz', 'horizon', 'planner']);
    assert.deepEqual(rate, {
      name: 'control_rate_hz',
      type: 'double',
      description: 'tick rate, Hz',
      additionalConstraints: '',
      readOnly: false,
      floatingPointRange: { fromValue: 1, toValue: 1000, step: 0 },
    });
    assert.deepEqual(horizon?.integerRange, { fromValue: 1, toValue: 100, step: 1 });
    assert.equal(planner?.additionalConstraints, 'gradient | cem | mppi');
  });

  test('value checks: NaN refused, infinity allowed without a range, toValue always on step', () => {
    const d = { name: 'x', type: 'double' as const, description: '', additionalConstraints: '', readOnly: false };
    assert.match(parameterValueProblem(d, Number.NaN) ?? '', /NaN/);
    assert.equal(parameterValueProblem(d, Number.POSITIVE_INFINITY), null);
    const stepped = { ...d, floatingPointRange: { fromValue: 0, toValue: 1, step: 0.3 } };
    assert.equal(parameterValueProblem(stepped, 0.9), null);
    assert.equal(parameterValueProblem(stepped, 1), null);
    assert.notEqual(parameterValueProblem(stepped, 0.5), null);
    assert.match(parameterValueProblem({ ...d, type: 'integer_array' }, 3) ?? '', /expected integer_array/);
  });
});
