import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BusError } from '../../src/bus/errors.ts';
import type { ParameterDescriptor } from '../../src/bus/parameters.ts';
import { listParameters, paramInfo } from '../../src/config/catalog.ts';
import { toParameterDescriptor } from '../../src/config/ros-descriptors.ts';
import { flattenConfig } from '../../src/config/paths.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { parameterDeclarations } from '../../src/nodes/parameters.ts';
import {
  descriptorMessage,
  descriptorMessageFromPlain,
  fromRclValue,
  parameterTypeOfCode,
  patchDescriptor,
  rclTypeCode,
  toRclValue,
} from '../../src/ros/parameter-messages.ts';
import { createRclNode } from '../../src/ros/rcl-bus.ts';
import { FakeParameter, FakeParameterDescriptor, fakeOverrides, fakeRclnodejs } from './fake-rclnodejs.ts';

afterEach(() => {
  fakeOverrides.length = 0;
});

function desc(over: Partial<ParameterDescriptor>): ParameterDescriptor {
  return { name: 'p', type: 'double', description: 'd [m]', additionalConstraints: 'c', readOnly: false, ...over };
}

describe('descriptor serialization (the rclnodejs 2.2.0 range workaround)', () => {
  test('a double range is sent as {from_value, to_value, step}', () => {
    const m = descriptorMessage(desc({ floatingPointRange: { fromValue: 0, toValue: 1000, step: 0.5 } }));
    assert.deepEqual(m, {
      name: 'p',
      type: 3,
      description: 'd [m]',
      additional_constraints: 'c',
      read_only: false,
      dynamic_typing: false,
      floating_point_range: [{ from_value: 0, to_value: 1000, step: 0.5 }],
      integer_range: [],
    });
  });

  test('an integer range is sent with int64 (bigint) fields', () => {
    const m = descriptorMessage(desc({ type: 'integer', integerRange: { fromValue: 2, toValue: 128, step: 1 }, readOnly: true }));
    assert.deepEqual(m.integer_range, [{ from_value: 2n, to_value: 128n, step: 1n }]);
    assert.deepEqual(m.floating_point_range, []);
    assert.equal(m.type, 2);
    assert.equal(m.read_only, true);
  });

  test('unbounded parameters carry no range', () => {
    const m = descriptorMessage(desc({ type: 'string' }));
    assert.deepEqual([m.floating_point_range, m.integer_range], [[], []]);
  });

  test('plain descriptors from config/ros-descriptors.ts convert int64 fields to bigint', () => {
    const plain = toParameterDescriptor(paramInfo('planner.horizon')!);
    const m = descriptorMessageFromPlain(plain);
    assert.deepEqual(m.integer_range, [{ from_value: 2n, to_value: 128n, step: 1n }]);
    assert.equal(m.description, plain.description);
  });

  test('every odra scalar parameter declared through the bus is described exactly as config/ros-descriptors.ts says', () => {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'odra_agent');
    const values = flattenConfig(defaultConfig(), listParameters().map((p) => p.name));
    node.declareParameters(parameterDeclarations(values));
    const raw = fake.nodes[0]!;
    let checked = 0;
    for (const info of listParameters()) {
      if (info.type.endsWith('_array')) continue;
      const sent = raw.describeService([info.name])[0];
      assert.deepEqual(sent, descriptorMessageFromPlain(toParameterDescriptor(info)), info.name);
      checked++;
    }
    assert.ok(checked > 60, `checked ${checked}`);
    // the one rclnodejs would have sent drops the range
    const stock = new FakeParameterDescriptor('planner.horizon', 2, 'x', true).toMessage();
    assert.equal('integer_range' in stock, false);
  });

  test('patchDescriptor: the instance describes itself with odra’s message and leaves type/range checks to odra', () => {
    const d = new FakeParameterDescriptor('p', 3, 'x');
    d._range = { fromValue: 0, toValue: 1 };
    const msg = descriptorMessage(desc({ floatingPointRange: { fromValue: 0, toValue: 1, step: 0 } }));
    patchDescriptor(d, () => msg);
    assert.equal(d.toMessage(), msg);
    assert.doesNotThrow(() => d.validateParameter(new FakeParameter('p', 2, 5)));
    assert.throws(() => d.validateParameter(new FakeParameter('q', 3, 0.5)), /Name mismatch/);
    // the class itself is untouched
    assert.throws(() => new FakeParameterDescriptor('p', 3).validateParameter(new FakeParameter('p', 2, 5)), /Type mismatch/);
  });
});

describe('parameter values between odra and rclnodejs', () => {
  test('type codes round-trip; NOT_SET and byte arrays have no odra type', () => {
    for (const t of ['bool', 'integer', 'double', 'string', 'bool_array', 'integer_array', 'double_array', 'string_array'] as const) {
      assert.equal(parameterTypeOfCode(rclTypeCode(t)), t);
    }
    assert.equal(parameterTypeOfCode(0), undefined);
    assert.equal(parameterTypeOfCode(5), undefined);
  });

  test('integers are bigint on the rclnodejs side, plain numbers on odra’s', () => {
    assert.equal(toRclValue('integer', 20), 20n);
    assert.deepEqual(toRclValue('integer_array', [1, 2]), [1n, 2n]);
    const arr = [0.5, 1];
    const copy = toRclValue('double_array', arr);
    assert.deepEqual(copy, arr);
    assert.notEqual(copy, arr);
    assert.deepEqual(fromRclValue('integer', 20n), { ok: true, value: 20 });
    assert.deepEqual(fromRclValue('integer_array', BigInt64Array.of(3n, -4n)), { ok: true, value: [3, -4] });
    assert.deepEqual(fromRclValue('double_array', Float64Array.of(0.25)), { ok: true, value: [0.25] });
    assert.deepEqual(fromRclValue('double_array', null), { ok: true, value: [] });
    assert.equal(fromRclValue('integer', 2n ** 60n).ok, false);
    assert.equal(fromRclValue('double', 'x').ok, false);
  });
});

describe('parameters on an rclnodejs node', () => {
  function agentNode() {
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'odra_agent');
    node.declareParameters([
      { name: 'planner.horizon', type: 'integer', defaultValue: 20, range: { fromValue: 2, toValue: 128, step: 1 }, description: 'h' },
      { name: 'cost.keep_out.weight', type: 'double', defaultValue: 100, range: { fromValue: 0, toValue: 1e6 } },
      { name: 'control.rate_hz', type: 'double', defaultValue: 20, readOnly: true },
      { name: 'keep_out.boxes', type: 'double_array', defaultValue: [] },
      { name: 'robot.joints', type: 'string_array', defaultValue: ['a', 'b'] },
    ]);
    return { fake, node, raw: fake.nodes[0]! };
  }

  const dbl = (name: string, v: number) => ({ name, value: { type: 3, double_value: v } });
  const int = (name: string, v: bigint) => ({ name, value: { type: 2, integer_value: v } });

  test('declared values reach rclnodejs with rclnodejs types', () => {
    const { raw } = agentNode();
    assert.equal(raw.getParameter('planner.horizon').value, 20n);
    assert.equal(raw.getParameter('planner.horizon').type, 2);
    assert.equal(raw.getParameter('cost.keep_out.weight').value, 100);
    assert.deepEqual(raw.getParameter('keep_out.boxes').value, []);
    assert.deepEqual(raw.getParameter('robot.joints').value, ['a', 'b']);
  });

  test('ros2 param set: out of range, wrong type and read-only get odra’s reasons, not rclnodejs’s garbled one', () => {
    const { raw, node } = agentNode();
    const results = raw.setService([
      dbl('cost.keep_out.weight', 2e6),
      int('cost.keep_out.weight', 50n),
      dbl('control.rate_hz', 30),
      int('planner.horizon', 1n),
      dbl('nope', 1),
    ]);
    assert.deepEqual(
      results.map((r) => r.reason),
      [
        "parameter 'cost.keep_out.weight': 2000000 is outside [0, 1000000]",
        "parameter 'cost.keep_out.weight' is of type double, got integer (write it with a decimal point, e.g. 50.0)",
        "parameter 'control.rate_hz' is read-only",
        "parameter 'planner.horizon': 1 is outside [2, 128]",
        'Parameter nope has not been declared',
      ],
    );
    assert.ok(results.every((r) => !r.successful));
    assert.equal(node.getParameter('cost.keep_out.weight')?.value, 100);
    assert.equal(raw.getParameter('cost.keep_out.weight').value, 100);
  });

  test('an accepted change reaches odra’s store, its listeners and rclnodejs (and /parameter_events)', () => {
    const { raw, node } = agentNode();
    const seen: unknown[] = [];
    node.onParametersSet((changed) => seen.push(...changed.map((p) => [p.name, p.value])));
    const before = raw.parameterEvents.length;
    assert.deepEqual(raw.setService([dbl('cost.keep_out.weight', 50), { name: 'keep_out.boxes', value: { type: 8, double_array_value: Float64Array.of(0, 0, 0, 1, 1, 1) } }]), [
      { successful: true, reason: '' },
      { successful: true, reason: '' },
    ]);
    assert.equal(node.getParameter('cost.keep_out.weight')?.value, 50);
    assert.deepEqual(node.getParameter('keep_out.boxes')?.value, [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(seen, [
      ['cost.keep_out.weight', 50],
      ['keep_out.boxes', [0, 0, 0, 1, 1, 1]],
    ]);
    assert.equal(raw.parameterEvents.length, before + 2);
  });

  test('a validator’s veto reason is what the client sees', () => {
    const { raw, node } = agentNode();
    node.onSetParameters((c) => ({ successful: false, reason: `${c[0]!.name}: planner.time_budget_ms must stay below the period` }));
    const [r] = raw.setService([int('planner.horizon', 64n)]);
    assert.deepEqual(r, { successful: false, reason: 'planner.horizon: planner.time_budget_ms must stay below the period' });
    assert.equal(node.getParameter('planner.horizon')?.value, 20);
  });

  test('setParameters from node logic goes through rclnodejs; a whole number widens to a double', () => {
    const { raw, node } = agentNode();
    assert.deepEqual(node.setParameters([{ name: 'cost.keep_out.weight', value: 7, type: 'integer' }]), [{ successful: true, reason: '' }]);
    assert.equal(raw.getParameter('cost.keep_out.weight').type, 3);
    assert.equal(raw.getParameter('cost.keep_out.weight').value, 7);
    assert.deepEqual(node.setParametersAtomically([{ name: 'planner.horizon', value: 'x' }]), {
      successful: false,
      reason: "parameter 'planner.horizon': expected an integer, got 'x'",
    });
    assert.deepEqual(node.setParameters([{ name: 'ghost', value: 1 }]), [{ successful: false, reason: "parameter 'ghost' is not declared" }]);
  });

  test('rcl’s own parameters pass through untouched', () => {
    const { raw, node } = agentNode();
    assert.deepEqual(raw.setParameters([new FakeParameter('use_sim_time', 1, true)]), [{ successful: true, reason: '' }]);
    assert.equal(node.useSimTime(), true);
    assert.equal(node.hasParameter('use_sim_time'), false);
  });

  test('overrides from --params-file / -p replace defaults, checked by odra, applied once', () => {
    fakeOverrides.push(new FakeParameter('planner.horizon', 2, 30), new FakeParameter('cost.keep_out.weight', 2, 5));
    const { raw, node } = agentNode();
    assert.equal(node.getParameter('planner.horizon')?.value, 30);
    assert.equal(raw.getParameter('planner.horizon').value, 30n);
    // a YAML `5` arrives as an integer; odra declared a double and keeps it one
    assert.equal(raw.getParameter('cost.keep_out.weight').type, 3);
    assert.equal(node.getParameter('cost.keep_out.weight')?.value, 5);
    assert.deepEqual(node.parameterOverrides(), { 'planner.horizon': 30, 'cost.keep_out.weight': 5 });
  });

  test('a bad override fails the whole declaration once, naming every problem, and rclnodejs gets nothing', () => {
    fakeOverrides.push(new FakeParameter('planner.horizon', 2, 500), new FakeParameter('cost.keep_out.weight', 4, 'heavy'));
    const fake = fakeRclnodejs();
    const node = createRclNode(fake, 'odra_agent');
    assert.throws(
      () =>
        node.declareParameters([
          { name: 'planner.horizon', type: 'integer', defaultValue: 20, range: { fromValue: 2, toValue: 128 } },
          { name: 'cost.keep_out.weight', type: 'double', defaultValue: 100 },
        ]),
      (e: unknown) =>
        e instanceof BusError &&
        e.code === 'PARAMETER_INVALID' &&
        e.message.includes('planner.horizon: override: 500 is outside [2, 128]') &&
        e.message.includes("cost.keep_out.weight: override: expected a double, got 'heavy'"),
    );
    assert.equal(fake.nodes[0]!.hasParameter('planner.horizon'), false);
  });
});
