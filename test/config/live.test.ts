import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ParameterStore, defaultConfig } from '../../src/config/index.ts';
import type { ConfigSnapshot } from '../../src/config/index.ts';

describe('ParameterStore', () => {
  test('live parameters are accepted; read-only ones are refused with a reason', () => {
    const store = new ParameterStore();
    assert.deepEqual(store.propose({ 'planner.horizon': 30, 'cost.keep_out.weight': 50 }), { successful: true });
    const refused = store.propose({ 'control.rate_hz': 50, 'robot.joints': ['a'], 'planner.samples': 64 });
    assert.deepEqual(refused, {
      successful: false,
      reasons: [
        'control.rate_hz: read-only; set it in the parameter file and restart the node',
        'robot.joints: read-only; set it in the parameter file and restart the node',
      ],
    });
    // a refused proposal queues nothing, not even its valid part
    assert.deepEqual([...store.pending.keys()], ['planner.horizon', 'cost.keep_out.weight']);
  });

  test('every reason is given with its path; unknown names get a suggestion', () => {
    const store = new ParameterStore();
    const r = store.propose({ 'planner.samples': 1, 'planner.iterations': 0, 'planner.name': 'sgd' });
    assert.equal(r.successful, false);
    assert.deepEqual(r.successful ? [] : r.reasons, [
      'planner.name: must be one of "gradient", "cem", "mppi", "cem+gradient", got "sgd"',
      'planner.samples: must be ≥ 2, got 1',
      'planner.iterations: must be ≥ 1, got 0',
    ]);
    const unknown = store.propose({ 'planner.samplez': 10 });
    assert.deepEqual(unknown, { successful: false, reasons: ['planner.samplez: unknown parameter; did you mean planner.samples?'] });
  });

  test('the cross-field check elites ≤ samples sees the pending changes too', () => {
    const store = new ParameterStore();
    assert.equal(store.snapshot.planner.cem.elites, 8); // the default the first message quotes
    const r = store.propose({ 'planner.samples': 4 });
    assert.deepEqual(r, { successful: false, reasons: ['planner.cem.elites: must be ≤ planner.samples (4), got 8'] });
    assert.deepEqual(store.propose({ 'planner.samples': 4, 'planner.cem.elites': 2 }), { successful: true });
    // elites 2 is pending: raising it above the pending sample count is refused
    const again = store.propose({ 'planner.cem.elites': 5 });
    assert.deepEqual(again, { successful: false, reasons: ['planner.cem.elites: must be ≤ planner.samples (4), got 5'] });
    assert.deepEqual(store.commit(), new Set(['planner.samples', 'planner.cem.elites']));
    assert.equal(store.snapshot.planner.cem.elites, 2);
  });

  test('propose has no side effect on the snapshot; commit applies everything at once', () => {
    const store = new ParameterStore();
    const before = store.snapshot;
    const defaultHorizon = defaultConfig().planner.horizon;
    assert.notEqual(defaultHorizon, 40); // the proposal below must be a change
    store.propose({ 'planner.horizon': 40 });
    store.propose({ 'planner.samples': 1024, 'goal.position': [0.4, 0, 0.3] });
    assert.equal(store.snapshot, before);
    assert.equal(store.snapshot.planner.horizon, defaultHorizon);
    assert.equal(store.version, 0);

    const changed = store.commit();
    assert.deepEqual(changed, new Set(['planner.horizon', 'planner.samples', 'goal.position']));
    assert.notEqual(store.snapshot, before);
    assert.equal(store.snapshot.planner.horizon, 40);
    assert.equal(store.snapshot.planner.samples, 1024);
    assert.deepEqual(store.snapshot.goal.position, [0.4, 0, 0.3]);
    assert.equal(store.version, 1);
    assert.equal(store.pending.size, 0);
    // the old snapshot is untouched
    assert.equal(before.planner.horizon, defaultHorizon);
    assert.equal(store.get('planner.samples'), 1024);
  });

  test('commit returns only names whose value changed; a no-op commit keeps the snapshot', () => {
    const store = new ParameterStore();
    const before = store.snapshot;
    assert.deepEqual(store.commit(), new Set());
    // the same values as the defaults: accepted, but nothing changes
    assert.deepEqual(store.propose({ 'planner.horizon': defaultConfig().planner.horizon, 'keep_out.boxes': [] }), { successful: true });
    assert.deepEqual(store.commit(), new Set());
    assert.equal(store.snapshot, before);
    assert.equal(store.version, 0);
  });

  test('snapshots are deeply frozen and independent of the caller’s arrays', () => {
    const store = new ParameterStore();
    const boxes = [0, 0, 0, 1, 1, 1];
    store.propose({ 'keep_out.boxes': boxes });
    boxes[0] = 5; // the caller's array is not kept
    store.commit();
    const snap = store.snapshot;
    assert.deepEqual(snap.keep_out.boxes, [0, 0, 0, 1, 1, 1]);
    assert.ok(Object.isFrozen(snap));
    assert.ok(Object.isFrozen(snap.planner));
    assert.ok(Object.isFrozen(snap.planner.cem));
    assert.ok(Object.isFrozen(snap.keep_out.boxes));
    assert.throws(() => {
      (snap.planner as { horizon: number }).horizon = 3;
    }, TypeError);
    assert.throws(() => {
      (snap.keep_out.boxes as number[]).push(1);
    }, TypeError);
  });

  test('subscribers run after a commit with the new snapshot; their errors never escape commit', () => {
    const errors: unknown[] = [];
    const store = new ParameterStore(defaultConfig(), { onListenerError: (e) => errors.push(e) });
    const seen: [ConfigSnapshot, string[]][] = [];
    const unsubscribe = store.subscribe((snap, changed) => seen.push([snap, [...changed]]));
    store.subscribe(() => {
      throw new Error('re-allocation failed');
    });
    store.propose({ 'planner.samples': 512 });
    assert.equal(seen.length, 0);
    const changed = store.commit();
    assert.deepEqual([...changed], ['planner.samples']);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.[0], store.snapshot);
    assert.deepEqual(seen[0]?.[1], ['planner.samples']);
    assert.equal(errors.length, 1);
    unsubscribe();
    store.propose({ 'planner.samples': 64 });
    store.commit();
    assert.equal(seen.length, 1);
    assert.equal(errors.length, 2);
  });

  test('values from ROS transports are normalized: bigint integers, typed arrays', () => {
    const store = new ParameterStore();
    assert.deepEqual(store.propose({ 'planner.horizon': 25n, 'goal.position': Float64Array.of(0.1, 0.2, 0.3) }), { successful: true });
    store.commit();
    assert.equal(store.snapshot.planner.horizon, 25);
    assert.deepEqual(store.snapshot.goal.position, [0.1, 0.2, 0.3]);
  });

  test('discardPending drops accepted changes', () => {
    const store = new ParameterStore();
    const defaultHorizon = defaultConfig().planner.horizon;
    assert.notEqual(defaultHorizon, 64); // the proposal below must be a change
    assert.deepEqual(store.propose({ 'planner.horizon': 64 }), { successful: true });
    store.discardPending();
    assert.deepEqual(store.commit(), new Set());
    assert.equal(store.snapshot.planner.horizon, defaultHorizon);
  });

  test('an invalid initial configuration throws a ConfigError', () => {
    const cfg = defaultConfig();
    cfg.planner.samples = cfg.planner.cem.elites - 1; // one below the default elites
    assert.ok(cfg.planner.samples >= 2, 'samples must stay inside its own range so only the cross-field rule fails');
    assert.throws(() => new ParameterStore(cfg), (e: unknown) => e instanceof ConfigError && e.problems[0]?.path === 'planner.cem.elites');
  });
});
