/**
 * Chooses ONNX Runtime execution providers from a preference list. `cuda` is used only when the
 * installed onnxruntime-node has it and its provider library is on disk (the install step that
 * downloads it is skipped where the CUDA host is unreachable); otherwise `cpu`, with the reason.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { listSupportedBackends } from 'onnxruntime-node';

export type OnnxProviderName = 'cuda' | 'cpu';

export const DEFAULT_ONNX_PROVIDERS: readonly OnnxProviderName[] = ['cuda', 'cpu'];

export interface OnnxProviderChoice {
  /** Providers to pass to `InferenceSession.create`, best first; always ends with 'cpu'. */
  providers: OnnxProviderName[];
  /** One line naming each preferred provider that was dropped and why. */
  notice?: string;
}

/** What the runtime offers; replaceable in tests. */
export interface OnnxProviderProbe {
  /** Backends compiled into the binding; `bundled: false` means a separate library is needed. */
  supported: () => readonly { name: string; bundled: boolean }[];
  /** Whether the separately installed provider library for `name` exists. */
  libraryPresent: (name: string) => boolean;
}

const require = createRequire(import.meta.url);

function bindingDir(): string | undefined {
  try {
    const pkg = require.resolve('onnxruntime-node/package.json');
    return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

const PROVIDER_LIBRARY: Record<string, string> = {
  cuda: process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so',
};

export const defaultOnnxProbe: OnnxProviderProbe = {
  supported: () => listSupportedBackends(),
  libraryPresent: (name) => {
    const dir = bindingDir();
    const lib = PROVIDER_LIBRARY[name];
    return dir !== undefined && lib !== undefined && existsSync(join(dir, lib));
  },
};

/** Never throws; 'cpu' is always available because it ships inside onnxruntime-node. */
export function selectOnnxProviders(
  preference: readonly OnnxProviderName[] = DEFAULT_ONNX_PROVIDERS,
  probe: OnnxProviderProbe = defaultOnnxProbe,
): OnnxProviderChoice {
  let supported: readonly { name: string; bundled: boolean }[];
  try {
    supported = probe.supported();
  } catch {
    supported = [{ name: 'cpu', bundled: true }];
  }
  const providers: OnnxProviderName[] = [];
  const dropped: string[] = [];
  for (const name of preference) {
    if (providers.includes(name)) continue;
    if (name === 'cpu') {
      providers.push('cpu');
      continue;
    }
    const entry = supported.find((b) => b.name === name);
    if (entry === undefined) {
      dropped.push(`'${name}' is not built into this onnxruntime-node`);
    } else if (!entry.bundled && !probe.libraryPresent(name)) {
      dropped.push(`'${name}' provider library is not installed (run onnxruntime-node's install step on a CUDA machine)`);
    } else {
      providers.push(name);
    }
  }
  if (!providers.includes('cpu')) providers.push('cpu');
  return dropped.length === 0 ? { providers } : { providers, notice: `onnx providers [${providers.join(', ')}]; ${dropped.join('; ')}` };
}
