/**
 * A tfjs IOHandler on node:fs: loads and saves `model.json` plus its weight files from a local
 * path or file:// URL, so tfjs models load with no network and no tfjs-node.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

/** Accepts a path or a file:// URL; anything with another scheme is refused. */
export function localModelPath(pathOrUrl: string): string {
  if (pathOrUrl.startsWith('file://')) return fileURLToPath(pathOrUrl);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUrl)) throw new Error(`${pathOrUrl}: only local files and file:// URLs are loaded`);
  return pathOrUrl;
}

function toArrayBuffer(buf: Uint8Array): ArrayBuffer {
  // Node buffers may share a pooled ArrayBuffer: copy out exactly this file's bytes.
  const out = new ArrayBuffer(buf.byteLength);
  new Uint8Array(out).set(buf);
  return out;
}

function joinBuffers(parts: readonly ArrayBuffer[]): ArrayBuffer {
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out.buffer;
}

/** IOHandler for `tf.loadLayersModel`, `tf.loadGraphModel` and `model.save`, rooted at a model.json path. */
export function fileIO(modelJson: string): tf.io.IOHandler {
  const jsonPath = localModelPath(modelJson);
  const dir = dirname(jsonPath);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const text = await readFile(jsonPath, 'utf8');
      const modelJSON = JSON.parse(text) as tf.io.ModelJSON;
      if (typeof modelJSON !== 'object' || modelJSON === null || modelJSON.modelTopology === undefined) {
        throw new Error(`${jsonPath}: no modelTopology`);
      }
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const local = localModelPath(p);
            parts.push(toArrayBuffer(await readFile(isAbsolute(local) ? local : join(dir, local))));
          }
        }
        return [specs, joinBuffers(parts)];
      });
    },

    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await mkdir(dir, { recursive: true });
      const weightsFile = `${basename(jsonPath).replace(/\.json$/i, '')}.weights.bin`;
      const data = artifacts.weightData;
      const weights = data === undefined ? new ArrayBuffer(0) : Array.isArray(data) ? joinBuffers(data) : (data as ArrayBuffer);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.format !== undefined) modelJSON.format = artifacts.format;
      if (artifacts.generatedBy !== undefined) modelJSON.generatedBy = artifacts.generatedBy;
      if (artifacts.convertedBy !== undefined) modelJSON.convertedBy = artifacts.convertedBy;
      if (artifacts.signature !== undefined) modelJSON.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata !== undefined) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer !== undefined) modelJSON.modelInitializer = artifacts.modelInitializer;
      if (artifacts.trainingConfig !== undefined) modelJSON.trainingConfig = artifacts.trainingConfig;
      await writeFile(join(dir, weightsFile), new Uint8Array(weights));
      await writeFile(jsonPath, JSON.stringify(modelJSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}
