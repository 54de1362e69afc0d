/**
 * Loads rclnodejs lazily, and only where a ROS 2 environment is sourced (`ROS_DISTRO` set):
 * requiring it elsewhere starts a native rebuild against a ROS that is not there, and fails slowly.
 * rclnodejs is not a dependency of odra; on a robot it is installed next to it after sourcing ROS.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { LoadedRclnodejs, Rclnodejs } from './rclnodejs-types.ts';

export const ROS_NOT_FOUND_MESSAGE =
  'odra: ROS 2 not found — source /opt/ros/<distro>/setup.bash, then npm rebuild rclnodejs';

/** Thrown when rclnodejs cannot be used here; `code` tells a missing ROS from a broken install. */
export class RosUnavailableError extends Error {
  readonly code: 'ROS_NOT_SOURCED' | 'RCLNODEJS_NOT_LOADABLE';

  constructor(code: RosUnavailableError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RosUnavailableError';
    this.code = code;
  }
}

export interface LoadRclnodejsOptions {
  /** default `process.env` */
  env?: Readonly<Record<string, string | undefined>>;
  /** resolves and loads a CommonJS module (default: `createRequire` at this file) */
  require?: NodeJS.Require;
}

/** Why rclnodejs may not be loaded in `env`, or null when ROS 2 looks sourced. */
export function rosEnvironmentProblem(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const distro = env['ROS_DISTRO'];
  return distro === undefined || distro.trim() === '' ? ROS_NOT_FOUND_MESSAGE : null;
}

/** True where ROS 2 is sourced; says nothing about whether rclnodejs is installed. */
export function rosSourced(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return rosEnvironmentProblem(env) === null;
}

function readVersion(req: NodeJS.Require): string {
  try {
    const main = req.resolve('rclnodejs');
    // index.js sits at the package root; its package.json holds the version
    const pkg = JSON.parse(readFileSync(join(dirname(main), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '';
  } catch {
    return '';
  }
}

let cached: LoadedRclnodejs | undefined;

/**
 * The rclnodejs module and its version. Throws `RosUnavailableError` with
 * `ROS_NOT_FOUND_MESSAGE` where `ROS_DISTRO` is unset (without touching rclnodejs), or with the
 * cause where rclnodejs is missing or fails to load. The default loader caches the module.
 */
export function loadRclnodejs(opts: LoadRclnodejsOptions = {}): LoadedRclnodejs {
  const env = opts.env ?? process.env;
  const problem = rosEnvironmentProblem(env);
  if (problem !== null) throw new RosUnavailableError('ROS_NOT_SOURCED', problem);
  const useCache = opts.require === undefined;
  if (useCache && cached !== undefined) return cached;
  const req = opts.require ?? createRequire(import.meta.url);
  let rcl: Rclnodejs;
  try {
    rcl = req('rclnodejs') as Rclnodejs;
  } catch (e) {
    const distro = env['ROS_DISTRO'] ?? '';
    const cause = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new RosUnavailableError(
      'RCLNODEJS_NOT_LOADABLE',
      `odra: rclnodejs could not be loaded for ROS 2 ${distro} (${cause}) — source /opt/ros/${distro}/setup.bash, ` +
        'then `npm install rclnodejs` (or `npm rebuild rclnodejs`) in the odra directory',
      { cause: e },
    );
  }
  const loaded: LoadedRclnodejs = { rcl, version: readVersion(req) };
  if (useCache) cached = loaded;
  return loaded;
}
