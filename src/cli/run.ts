/**
 * The `odra` dispatcher: `odra <command> [args]` imports `./commands/<command>` and runs it, so a new
 * command is a new file in commands/ (see command.ts for the contract) and nothing here changes.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliIo, CommandModule } from './command.ts';
import { packageVersion } from './package-root.ts';

/** `.ts` when running from the sources (tsx), `.js` from the compiled dist/. */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const COMMANDS_DIR = new URL('./commands/', import.meta.url);
const NAME = /^[a-z][a-z0-9-]*$/;

/** Names of the commands present (file names in commands/), sorted. */
export function commandNames(): string[] {
  let files: string[];
  try {
    files = readdirSync(fileURLToPath(COMMANDS_DIR));
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith(EXT) && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -EXT.length))
    .filter((n) => NAME.test(n))
    .sort();
}

export async function loadCommand(name: string): Promise<CommandModule> {
  const mod = (await import(new URL(`${name}${EXT}`, COMMANDS_DIR).href)) as Partial<CommandModule> & { default?: Partial<CommandModule> };
  const picked = typeof mod.run === 'function' ? mod : mod.default;
  if (picked === undefined || typeof picked.run !== 'function') throw new Error(`command module '${name}' exports no run() function`);
  return picked as CommandModule;
}

async function help(io: CliIo): Promise<void> {
  const lines = ['Usage: odra <command> [options]', '', 'Commands:'];
  const names = commandNames();
  const width = Math.max(8, ...names.map((n) => n.length));
  for (const name of names) {
    let summary: string;
    try {
      summary = (await loadCommand(name)).summary ?? '';
    } catch (e) {
      summary = `(cannot load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
    }
    lines.push(`  ${name.padEnd(width)}  ${summary}`);
  }
  lines.push('', "Run 'odra <command> --help' for a command's options.", '');
  io.stdout.write(lines.join('\n'));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs one command line; returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && rest[0] !== undefined) return runCli([rest[0], '--help'], io);
    await help(io);
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`odra ${packageVersion()}\n`);
    return 0;
  }
  const names = commandNames();
  if (!NAME.test(first) || !names.includes(first)) {
    const what = first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`;
    io.stderr.write(`odra: ${what}; commands: ${names.join(', ')} (see 'odra --help')\n`);
    return 2;
  }
  let command: CommandModule;
  try {
    command = await loadCommand(first);
  } catch (e) {
    io.stderr.write(`odra ${first}: cannot load the command: ${errorText(e)}\n`);
    return 1;
  }
  try {
    const code = await command.run(rest, io);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    const exitCode = (e as { exitCode?: unknown }).exitCode;
    if (typeof exitCode === 'number') {
      io.stderr.write(`odra ${first}: ${errorText(e)}\n`);
      return exitCode;
    }
    const stack = e instanceof Error && process.env['ODRA_DEBUG'] ? `\n${e.stack}` : '';
    io.stderr.write(`odra ${first}: internal error: ${errorText(e)}${stack}\n`);
    return 1;
  }
}
