/** Runs `odra` in this process with captured output. */
import type { CliIo } from '../../src/cli/command.ts';
import { runCli } from '../../src/cli/run.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function odra(args: readonly string[], cwd = process.cwd()): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** The one JSON object `odra sim --json` prints. */
export async function simJson(args: readonly string[]): Promise<Record<string, unknown> & SimJson> {
  const r = await odra(['sim', '--json', ...args]);
  if (r.code !== 0) throw new Error(`odra sim exited ${r.code}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line of JSON, got:\n${r.stdout}`);
  return JSON.parse(lines[0]!) as Record<string, unknown> & SimJson;
}

export interface SimJson {
  episodes: number;
  successRate: number;
  timeToGoalS: { mean: number; p95: number } | null;
  finalJointErrorRad: { mean: number; max: number } | null;
  finalEeErrorM: { mean: number; max: number } | null;
  limitViolations: number;
  keepOutViolations: number;
  interventions: Record<string, number>;
  planMs: { p50: number; p99: number } | null;
  controlHz: number;
  planner: string;
  goal: string;
  recording?: { path: string; messages: Record<string, number>; dropped: number };
}
