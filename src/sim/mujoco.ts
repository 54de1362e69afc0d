/**
 * The MuJoCo WebAssembly module, loaded once per process. MuJoCo's own messages (warnings such
 * as "simulation is unstable") are captured here instead of reaching the console.
 */
import loadMujocoModule from 'mujoco-js';
import type { MainModule, MjModel } from 'mujoco-js';

export type { MainModule, MjData, MjModel } from 'mujoco-js';

const MAX_MESSAGES = 64;
const messages: string[] = [];
let modulePromise: Promise<MainModule> | undefined;
let fileCounter = 0;

function capture(line: string): void {
  if (line.trim() === '') return;
  messages.push(line);
  if (messages.length > MAX_MESSAGES) messages.shift();
}

/** The shared module; the first call compiles it (about 0.2 s). */
export function loadMujoco(): Promise<MainModule> {
  modulePromise ??= loadMujocoModule({ print: capture, printErr: capture }).then((mj) => {
    mj.FS.mkdir('/odra');
    return mj;
  });
  return modulePromise;
}

/** The most recent messages MuJoCo printed (newest last), at most 64. */
export function mujocoMessages(): readonly string[] {
  return messages;
}

export class MjcfLoadError extends Error {
  constructor(
    message: string,
    readonly xml: string,
  ) {
    super(message);
    this.name = 'MjcfLoadError';
  }
}

/** Compiles an MJCF document through MuJoCo's in-memory file system. */
export function loadModelFromXml(mj: MainModule, xml: string): MjModel {
  const path = `/odra/model-${fileCounter++}.xml`;
  mj.FS.writeFile(path, xml);
  const before = messages.length;
  try {
    return mj.MjModel.loadFromXML(path);
  } catch (err) {
    // the wasm build throws a bare C++ exception whose text is not retrievable; name its type
    const kind = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : String(err);
    const printed = messages.slice(before).join('; ');
    throw new MjcfLoadError(`MuJoCo rejected the generated MJCF (${kind})${printed === '' ? '' : `: ${printed}`}`, xml);
  } finally {
    mj.FS.unlink(path);
  }
}
