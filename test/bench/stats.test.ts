import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBenchArgs, selected, SUITES } from '../../bench/args.ts';
import { num, table } from '../../bench/format.ts';
import { checkTarget } from '../../bench/report.ts';
import { measure, pairedSummary, percentile, scaledFor, summarize } from '../../bench/stats.ts';

describe('bench statistics', () => {
  test('nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    assert.equal(percentile(sorted, 0.5), 50, 'p50 of 1..100');
    assert.equal(percentile(sorted, 0.99), 99, 'p99 of 1..100');
    assert.equal(percentile(sorted, 1), 100, 'p100 is the max');
    assert.equal(percentile([7], 0.99), 7, 'one sample');
    assert.ok(Number.isNaN(percentile([], 0.5)), 'no samples: NaN');
  });

  test('paired rounds: the ratio divides out a drift that moves both versions alike', () => {
    // the machine slows down 3× over the rounds; b is 10 % faster than a in every round
    const a = Array.from({ length: 9 }, (_, i) => 10 * (1 + 0.25 * i));
    const b = a.map((x) => 0.9 * x);
    const s = pairedSummary(a, b);
    assert.equal(s.rounds, 9);
    assert.equal(s.aMs, 20, 'median of a');
    assert.ok(Math.abs(s.bMs - 18) < 1e-12, 'median of b');
    for (const r of [s.ratio, s.ratioLow, s.ratioHigh]) assert.ok(Math.abs(r - 0.9) < 1e-12, `ratio ${r}`);
    assert.throws(() => pairedSummary([1, 2], [1]), /paired rounds/);
    assert.throws(() => pairedSummary([], []), /paired rounds/);
  });

  test('summarize sorts and reports p50, p99, mean, min, max', () => {
    const t = summarize([5, 1, 3, 2, 4]);
    assert.deepEqual(t, { n: 5, p50Ms: 3, p99Ms: 5, meanMs: 3, minMs: 1, maxMs: 5 });
  });

  test('measure warms up, then repeats until both the count and the time are reached', async () => {
    let calls = 0;
    const t = await measure(() => {
      calls++;
      return 2; // the case reports its own ms
    }, { warmup: 3, minRuns: 4, maxRuns: 10, minTimeMs: 0 });
    assert.equal(calls, 7, '3 warm-up + 4 measured calls');
    assert.equal(t.n, 4, 'warm-up not counted');
    assert.equal(t.p50Ms, 2, 'the reported ms are used');
    const capped = await measure(() => undefined, { warmup: 0, minRuns: 1, maxRuns: 6, minTimeMs: 1e9 });
    assert.equal(capped.n, 6, 'maxRuns bounds a time target that is never met');
  });

  test('slow cases get fewer runs, never fewer than 3', () => {
    const base = { warmup: 5, minRuns: 30, maxRuns: 400, minTimeMs: 2000 };
    assert.deepEqual(scaledFor(base, 1000, 8000), { warmup: 0, minRuns: 8, maxRuns: 8, minTimeMs: 2000 }, '8 runs of 1 s fit 8 s');
    assert.equal(scaledFor(base, 5000, 8000).maxRuns, 3, 'at least 3 runs');
    assert.deepEqual(scaledFor(base, 1, 8000), { ...base, warmup: 5 }, 'fast cases keep the full policy');
  });
});

describe('bench arguments and report', () => {
  test('suites, comma lists, filters', () => {
    assert.deepEqual(parseBenchArgs([]).suites, [...SUITES], 'all suites by default');
    const a = parseBenchArgs(['--suite', 'memory,peak', '--suite', 'tick', '--quick', '--json', '--filter', 'mppi', '--ticks', '1000']);
    assert.deepEqual(a.suites, ['peak', 'tick', 'memory'], 'in run order');
    assert.equal(a.quick && a.json, true, 'flags');
    assert.deepEqual(a.filters, ['mppi'], 'filters');
    assert.equal(a.ticks, 1000, 'ticks');
    assert.equal(a.threads, null, 'cost threads: the default unless given');
    assert.equal(parseBenchArgs(['--threads', '0']).threads, 0, '--threads 0: one thread');
    assert.throws(() => parseBenchArgs(['--threads', 'two']), /--threads/, 'a bad thread count is a usage error');
    assert.equal(selected('mppi/kinematic/64x8x3', a.filters), true, 'substring match');
    assert.equal(selected('cem/kinematic/64x8x3', a.filters), false, 'no match');
    assert.equal(selected('anything', []), true, 'no filter: everything');
  });

  test('targets compare in their direction', () => {
    const base = { id: 'x', description: 'x', case: 'c', unit: 'ms' };
    assert.equal(checkTarget({ ...base, measured: 4, op: '<=', target: 5 }).pass, true, '4 ≤ 5');
    assert.equal(checkTarget({ ...base, measured: 6, op: '<=', target: 5 }).pass, false, '6 > 5');
    assert.equal(checkTarget({ ...base, measured: 6, op: '>=', target: 5.6 }).pass, true, '6 ≥ 5.6');
  });

  test('table columns align; numbers keep about three digits', () => {
    assert.equal(num(1234567), '1.23M', 'millions');
    assert.equal(num(12345), '12.3k', 'thousands');
    assert.equal(num(3.14159), '3.14', 'units');
    assert.equal(num(0.01234), '0.012', 'fractions');
    const t = table(['name', 'ms'], [['a', '1.5'], ['long name', '10.2']]);
    assert.equal(t, 'name         ms\n---------  ----\na           1.5\nlong name  10.2\n', 'left text, right numbers');
  });
});
