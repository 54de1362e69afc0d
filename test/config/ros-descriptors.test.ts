import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ParameterType, listParameters, paramInfo, parameterDescriptors, toParameterDescriptor } from '../../src/config/index.ts';
import type { ParamInfo } from '../../src/config/index.ts';

function info(name: string): ParamInfo {
  const p = paramInfo(name);
  assert.ok(p, name);
  return p;
}

describe('ROS parameter descriptors', () => {
  test('types map to rcl_interfaces ParameterType constants', () => {
    const types = Object.fromEntries(
      [
        'planner.warm_start',
        'planner.horizon',
        'planner.dt_s',
        'planner.name',
        'robot.joints',
        'keep_out.boxes',
        'perception.execution_providers',
      ].map((n) => [n, toParameterDescriptor(info(n)).type]),
    );
    assert.deepEqual(types, {
      'planner.warm_start': ParameterType.PARAMETER_BOOL,
      'planner.horizon': ParameterType.PARAMETER_INTEGER,
      'planner.dt_s': ParameterType.PARAMETER_DOUBLE,
      'planner.name': ParameterType.PARAMETER_STRING,
      'robot.joints': ParameterType.PARAMETER_STRING_ARRAY,
      'keep_out.boxes': ParameterType.PARAMETER_DOUBLE_ARRAY,
      'perception.execution_providers': ParameterType.PARAMETER_STRING_ARRAY,
    });
    assert.deepEqual([1, 2, 3, 4, 6, 7, 8, 9], [
      ParameterType.PARAMETER_BOOL,
      ParameterType.PARAMETER_INTEGER,
      ParameterType.PARAMETER_DOUBLE,
      ParameterType.PARAMETER_STRING,
      ParameterType.PARAMETER_BOOL_ARRAY,
      ParameterType.PARAMETER_INTEGER_ARRAY,
      ParameterType.PARAMETER_DOUBLE_ARRAY,
      ParameterType.PARAMETER_STRING_ARRAY,
    ]);
  });

  test('bounded integers get an integer range with step 1; doubles a floating-point range with step 0', () => {
    const horizon = toParameterDescriptor(info('planner.horizon'));
    assert.deepEqual(horizon.integer_range, [{ from_value: 2, to_value: 128, step: 1 }]);
    assert.deepEqual(horizon.floating_point_range, []);
    const scale = toParameterDescriptor(info('safety.velocity_scale'));
    assert.deepEqual(scale.floating_point_range, [{ from_value: 0, to_value: 1, step: 0 }]);
    assert.deepEqual(scale.integer_range, []);
    assert.match(scale.additional_constraints, /^0 < value ≤ 1/);
  });

  test('every bounded scalar number advertises a range; strings, bools and arrays none', () => {
    for (const p of listParameters()) {
      const d = toParameterDescriptor(p);
      const bounded = p.min !== undefined || p.max !== undefined;
      assert.equal(d.floating_point_range.length, p.type === 'double' && bounded ? 1 : 0, p.name);
      assert.equal(d.integer_range.length, p.type === 'integer' && bounded ? 1 : 0, p.name);
      for (const r of [...d.floating_point_range, ...d.integer_range]) {
        assert.ok(Number.isFinite(r.from_value) && Number.isFinite(r.to_value) && r.from_value <= r.to_value, p.name);
        const inside = typeof p.default === 'number' && p.default >= r.from_value && p.default <= r.to_value;
        assert.ok(inside, `${p.name} default outside its range`);
      }
      assert.equal(d.dynamic_typing, false);
      assert.equal(d.name, p.name);
    }
  });

  test('a missing bound becomes ±Number.MAX_VALUE (doubles) or ±MAX_SAFE_INTEGER (int64)', () => {
    const base = { description: 'd', units: 'm', live: true, default: 1 } as const;
    const d = toParameterDescriptor({ ...base, name: 'a', type: 'double', min: 0, minExclusive: true });
    assert.deepEqual(d.floating_point_range, [{ from_value: 0, to_value: Number.MAX_VALUE, step: 0 }]);
    const d2 = toParameterDescriptor({ ...base, name: 'b', type: 'double', max: 5, maxExclusive: false, step: 0.5 });
    assert.deepEqual(d2.floating_point_range, [{ from_value: -Number.MAX_VALUE, to_value: 5, step: 0.5 }]);
    const i = toParameterDescriptor({ ...base, name: 'c', type: 'integer', min: 0, minExclusive: true });
    assert.deepEqual(i.integer_range, [{ from_value: 1, to_value: Number.MAX_SAFE_INTEGER, step: 1 }]);
    const none = toParameterDescriptor({ ...base, name: 'e', type: 'double' });
    assert.deepEqual(none.floating_point_range, []);
  });

  test('read-only follows live; description carries the units; constraints are spelled out', () => {
    const rate = toParameterDescriptor(info('control.rate_hz'));
    assert.equal(rate.read_only, true);
    assert.equal(rate.description, 'Control (planning) tick rate. [Hz]');
    const elites = toParameterDescriptor(info('planner.cem.elites'));
    assert.equal(elites.read_only, false);
    assert.match(elites.additional_constraints, /1 ≤ value ≤ 8192; ≤ planner\.samples/);
    const name = toParameterDescriptor(info('planner.name'));
    assert.match(name.additional_constraints, /one of: gradient, cem, mppi, cem\+gradient/);
    const providers = toParameterDescriptor(info('perception.execution_providers'));
    assert.match(providers.additional_constraints, /each one of: cuda/);
    assert.equal(parameterDescriptors().length, listParameters().length);
  });
});
