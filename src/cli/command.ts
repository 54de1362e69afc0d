/**
 * The contract of an `odra` subcommand. A command is the module `src/cli/commands/<name>.ts`; the
 * dispatcher imports it only when it runs (or, for `odra --help`, to read its summary), so a command
 * module keeps heavy imports (MuJoCo, tfjs, ONNX Runtime) inside `run`.
 *
 *   export const summary = 'one line for odra --help';
 *   export async function run(argv: readonly string[], io: CliIo): Promise<number> { ... }
 *
 * `run` returns the exit code (0 = the command did its job). It throws `UsageError` for bad
 * arguments (exit 2); anything else it throws is reported as an internal error (exit 1). Output for
 * people and machines goes to `io.stdout`, progress and diagnostics to `io.stderr`.
 */

/** Where a command writes; `process.stdout` / `process.stderr` in the real CLI, buffers in tests. */
export interface CliStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** directory relative paths on the command line are resolved against */
  cwd: string;
}

export type CommandRun = (argv: readonly string[], io: CliIo) => Promise<number | void> | number | void;

/** What a command module exports (directly, or as its default export). */
export interface CommandModule {
  summary?: string;
  run: CommandRun;
}

/** Bad arguments or input files: reported without a stack trace, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
