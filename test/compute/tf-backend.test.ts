import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectTfBackend } from '../../src/compute/tf-backend.ts';
import type { TfBackendLoaders } from '../../src/compute/tf-backend.ts';

/** Imports for real, except the named packages, which are "not installed". */
function loadersWithout(missing: readonly string[], fake: Record<string, () => unknown> = {}): TfBackendLoaders {
  return {
    importModule: async (spec: string) => {
      if (missing.includes(spec)) throw new Error(`Cannot find package '${spec}'`);
      const f = fake[spec];
      return f !== undefined ? f() : import(spec);
    },
  };
}

test('here (no tfjs-node): wasm is selected with a one-line notice about the missing tensorflow backend', async () => {
  const choice = await selectTfBackend();
  assert.ok(choice.name === 'wasm' || choice.name === 'cpu', choice.name);
  assert.equal(choice.name, 'wasm', 'tfjs-backend-wasm is a dependency and runs in Node');
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(choice.notice !== undefined, 'a notice');
  assert.match(choice.notice, /'tensorflow' unavailable: not installed \(@tensorflow\/tfjs-node-gpu, @tensorflow\/tfjs-node\)/);
  assert.equal(choice.notice.includes('\n'), false, 'one line');
  assert.deepEqual(tf.tidy(() => [...tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync()]), [4, 6]);
});

test('the preference order is honoured and a first-choice win has no notice', async () => {
  assert.deepEqual(await selectTfBackend(['cpu', 'wasm']), { name: 'cpu' });
  assert.equal(tf.getBackend(), 'cpu');
  assert.deepEqual(await selectTfBackend(['wasm']), { name: 'wasm' });
});

test('a native package that loads but registers no backend is reported, not thrown', async () => {
  const choice = await selectTfBackend(['tensorflow', 'cpu'], loadersWithout(['@tensorflow/tfjs-node-gpu'], { '@tensorflow/tfjs-node': () => ({}) }));
  assert.equal(choice.name, 'cpu');
  assert.match(choice.notice ?? '', /@tensorflow\/tfjs-node loaded but did not register 'tensorflow'/);
});

test('an exhausted preference falls back to cpu with the reasons', async () => {
  const choice = await selectTfBackend(['tensorflow'], loadersWithout(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']));
  assert.equal(choice.name, 'cpu');
  assert.match(choice.notice ?? '', /^tfjs backend 'cpu' in use; 'tensorflow' unavailable/);
});
