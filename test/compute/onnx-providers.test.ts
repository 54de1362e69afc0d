import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultOnnxProbe, selectOnnxProviders } from '../../src/compute/onnx-providers.ts';
import type { OnnxProviderProbe } from '../../src/compute/onnx-providers.ts';

function probe(backends: { name: string; bundled: boolean }[], libs: string[] = []): OnnxProviderProbe {
  return { supported: () => backends, libraryPresent: (n) => libs.includes(n) };
}

test('here: onnxruntime-node lists cuda but its provider library was not downloaded, so cpu with a reason', () => {
  const names = defaultOnnxProbe.supported().map((b) => b.name);
  assert.ok(names.includes('cpu'), names.join(','));
  const choice = selectOnnxProviders(['cuda', 'cpu']);
  if (defaultOnnxProbe.libraryPresent('cuda')) {
    assert.deepEqual(choice, { providers: ['cuda', 'cpu'] });
  } else {
    assert.deepEqual(choice.providers, ['cpu']);
    assert.match(choice.notice ?? '', /'cuda' (provider library is not installed|is not built into)/);
  }
});

test('cuda is chosen when bundled, or when its library is installed beside the binding', () => {
  assert.deepEqual(selectOnnxProviders(['cuda', 'cpu'], probe([{ name: 'cpu', bundled: true }, { name: 'cuda', bundled: true }])), { providers: ['cuda', 'cpu'] });
  assert.deepEqual(selectOnnxProviders(['cuda', 'cpu'], probe([{ name: 'cpu', bundled: true }, { name: 'cuda', bundled: false }], ['cuda'])), { providers: ['cuda', 'cpu'] });
});

test('cpu is always last, even when the preference omits it', () => {
  assert.deepEqual(selectOnnxProviders(['cuda'], probe([{ name: 'cuda', bundled: true }])), { providers: ['cuda', 'cpu'] });
  assert.deepEqual(selectOnnxProviders(['cpu']), { providers: ['cpu'] });
  assert.deepEqual(selectOnnxProviders([]), { providers: ['cpu'] });
});

test('a binding without cuda, or a probe that throws, falls back to cpu', () => {
  const choice = selectOnnxProviders(['cuda', 'cpu'], probe([{ name: 'cpu', bundled: true }]));
  assert.deepEqual(choice.providers, ['cpu']);
  assert.match(choice.notice ?? '', /'cuda' is not built into this onnxruntime-node/);
  const throwing: OnnxProviderProbe = { supported: () => { throw new Error('no binding'); }, libraryPresent: () => false };
  assert.deepEqual(selectOnnxProviders(['cuda', 'cpu'], throwing).providers, ['cpu']);
});
