/** Entry point of the `odra` command (bin/odra.js runs this, compiled or through tsx). */
import { runCli } from './run.ts';

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
