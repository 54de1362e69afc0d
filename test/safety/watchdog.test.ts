import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Watchdog, freshness, stampAgeS } from '../../src/safety/index.ts';

describe('stampAgeS / freshness', () => {
  test('age is now − stamp; missing is Infinity; non-finite is NaN', () => {
    assert.equal(stampAgeS(9.75, 10), 0.25);
    assert.equal(stampAgeS(null, 10), Infinity);
    assert.ok(Number.isNaN(stampAgeS(NaN, 10)));
    assert.ok(Number.isNaN(stampAgeS(1, Infinity)));
  });

  test('fresh up to and including the maximum age, stale beyond it', () => {
    // 10 − 9.75 = 0.25 exactly in binary
    assert.equal(freshness(9.75, 10, 0.25), 'fresh');
    assert.equal(freshness(9.75, 10.125, 0.25), 'stale');
    assert.equal(freshness(10, 10, 0.25), 'fresh');
    assert.equal(freshness(null, 10, 0.25), 'missing');
  });

  test('a stamp ahead of the clock or a non-finite time is not trusted', () => {
    assert.equal(freshness(10.5, 10, 1), 'stale');
    assert.equal(freshness(NaN, 10, 1), 'stale');
    assert.equal(freshness(9.9, NaN, 1), 'stale');
    assert.equal(freshness(-Infinity, 10, Infinity), 'stale');
  });
});

describe('Watchdog', () => {
  test('missing until fed, then fresh, then stale as the clock advances', () => {
    const w = new Watchdog(0.5);
    assert.equal(w.check(1), 'missing');
    assert.equal(w.ageS(1), Infinity);
    w.feed(1);
    assert.equal(w.lastStampS, 1);
    assert.equal(w.check(1.5), 'fresh');
    assert.equal(w.isFresh(1.5), true);
    assert.equal(w.check(1.625), 'stale');
    assert.equal(w.ageS(1.625), 0.625);
  });

  test('keeps the newest stamp, ignores non-finite ones, and clear() forgets', () => {
    const w = new Watchdog(1);
    w.feed(5);
    w.feed(4);
    w.feed(NaN);
    w.feed(Infinity);
    assert.equal(w.lastStampS, 5);
    w.maxAgeS = 0.25;
    assert.equal(w.check(5.5), 'stale');
    w.clear();
    assert.equal(w.lastStampS, null);
    assert.equal(w.check(5.5), 'missing');
  });
});
