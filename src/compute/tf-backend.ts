/**
 * Chooses the tfjs backend: `tensorflow` (native libtensorflow through the optional
 * `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`), else `wasm`, else `cpu`.
 * A backend that is not installed is a notice, never an error.
 */
import * as tf from '@tensorflow/tfjs-core';

export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

export const DEFAULT_TF_BACKENDS: readonly TfBackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface TfBackendChoice {
  name: TfBackendName;
  /** One line saying which preferred backends were skipped and why; absent when the first choice won. */
  notice?: string;
}

/** Which optional native packages to try, in order. Tests replace this to simulate installs. */
export interface TfBackendLoaders {
  /** Imports a module by name; rejects when it is not installed. */
  importModule: (specifier: string) => Promise<unknown>;
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

// A variable specifier keeps TypeScript from resolving optional packages that are not installed.
const defaultLoaders: TfBackendLoaders = { importModule: (specifier: string) => import(specifier) };

/**
 * Silences tfjs's console banners (the cpu backend's "running in Node.js" advice, deprecation
 * notes): odra reports the backend choice itself, through the returned notice.
 */
export function quietTfjs(): void {
  tf.env().set('PROD', true);
}

/**
 * Selects and activates the first usable backend of `preference` (default: tensorflow, wasm, cpu).
 * The tfjs backend is process-wide: the last call decides. Never throws: when nothing in
 * `preference` works, `cpu` is used and the notice says so.
 */
export async function selectTfBackend(
  preference: readonly TfBackendName[] = DEFAULT_TF_BACKENDS,
  loaders: TfBackendLoaders = defaultLoaders,
): Promise<TfBackendChoice> {
  quietTfjs();
  const skipped: string[] = [];
  for (const name of preference) {
    const why = await tryBackend(name, loaders);
    if (why === undefined) {
      return skipped.length === 0 ? { name } : { name, notice: `tfjs backend '${name}' in use; ${skipped.join('; ')}` };
    }
    skipped.push(`'${name}' unavailable: ${why}`);
  }
  // Preference exhausted: cpu ships with odra, so it is the last resort.
  const why = await tryBackend('cpu', loaders);
  const tail = why === undefined ? '' : ` (cpu also failed: ${why})`;
  return { name: 'cpu', notice: `tfjs backend 'cpu' in use; ${skipped.join('; ')}${tail}` };
}

/** Returns undefined on success, else a short reason. */
async function tryBackend(name: TfBackendName, loaders: TfBackendLoaders): Promise<string | undefined> {
  try {
    if (name === 'tensorflow') {
      const notInstalled: string[] = [];
      const broken: string[] = [];
      for (const pkg of NATIVE_PACKAGES) {
        try {
          await loaders.importModule(pkg);
        } catch {
          notInstalled.push(pkg);
          continue;
        }
        if (tf.findBackendFactory('tensorflow') !== null && (await tf.setBackend('tensorflow'))) return undefined;
        broken.push(`${pkg} loaded but did not register 'tensorflow'`);
      }
      const parts = [...(notInstalled.length > 0 ? [`not installed (${notInstalled.join(', ')})`] : []), ...broken];
      return `${parts.join('; ')}; add @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node for native speed`;
    }
    if (name === 'wasm') {
      if (tf.findBackendFactory('wasm') === null) await loaders.importModule('@tensorflow/tfjs-backend-wasm');
    } else {
      if (tf.findBackendFactory('cpu') === null) await loaders.importModule('@tensorflow/tfjs-backend-cpu');
    }
    if (!(await tf.setBackend(name))) return 'failed to initialise';
    await tf.ready();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] ?? 'error' : String(err);
  }
}
