/** Whether the module at `moduleUrl` is the script Node was started with (symlinks resolved). */

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function isMainModule(moduleUrl: string, argv1: string | undefined = process.argv[1]): boolean {
  if (argv1 === undefined) return false;
  try {
    // `colcon build --symlink-install` links dist/ into the install space; Node reports the real path
    return realpathSync(argv1) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
