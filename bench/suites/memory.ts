/**
 * `memory`: many agent ticks (Agent with the kinematic model, the `odra sim` configuration) on a
 * simulated arm that integrates the commands, with goals switching so planning never idles. RSS and
 * heap are sampled along the way; growth is measured from a baseline taken after warm-up (buffers
 * sized on first use are not growth). The tfjs tensor count must not change.
 *
 * It runs in a child process of its own (node --expose-gc), so what other suites loaded and freed
 * does not move the numbers, and every sample follows a full collection.
 */
import { spawn } from 'node:child_process';
import { memoryUsage } from 'node:process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Agent } from '../../src/agent/agent.ts';
import { GOAL_Q, loadDemoArm, START_Q } from '../problems.ts';
import type { MemoryReport, SuiteContext } from '../report.ts';
import { summarize } from '../stats.ts';

/** ticks between goal switches */
const GOAL_PERIOD = 100;
/** the third goal of the cycle, rad: across the keep-out box from the start */
const OTHER_Q = [-0.7, -0.2, 0.9, -0.6, -0.3, 0.4];

const MIB = 2 ** 20;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === 'function') gc();
}

export interface MemoryOptions {
  ticks: number;
  quick: boolean;
}

/** The measurement itself, in this process. */
export async function measureMemory(opts: MemoryOptions, progress: (line: string) => void): Promise<MemoryReport> {
  const { ticks } = opts;
  const warmupTicks = Math.min(1000, Math.floor(ticks / 10));
  const samples = 50;
  const sampleEvery = Math.max(1, Math.floor((ticks - warmupTicks) / samples));
  const arm = loadDemoArm();
  const { chain, settings } = arm;
  const dof = chain.dof;
  const dtS = settings.controlDtS;
  const agent = new Agent({ chain, settings });
  const names = chain.jointNames;
  const q = Float64Array.from(START_Q);
  const qd = new Float64Array(dof);
  const goals = [GOAL_Q, START_Q, OTHER_Q].map((g) => Float64Array.from(g));
  const tickMs = new Float64Array(ticks);
  let rss = { start: 0, end: 0, max: 0 };
  let heap = { start: 0, end: 0, max: 0 };
  let tensors = { start: 0, end: 0, max: 0 };
  const sample = (first: boolean): void => {
    collect();
    const m = memoryUsage();
    const n = tf.memory().numTensors;
    if (first) {
      rss = { start: m.rss, end: m.rss, max: m.rss };
      heap = { start: m.heapUsed, end: m.heapUsed, max: m.heapUsed };
      tensors = { start: n, end: n, max: n };
      return;
    }
    rss = { start: rss.start, end: m.rss, max: Math.max(rss.max, m.rss) };
    heap = { start: heap.start, end: m.heapUsed, max: Math.max(heap.max, m.heapUsed) };
    tensors = { start: tensors.start, end: n, max: Math.max(tensors.max, n) };
  };
  let holds = 0;
  for (let k = 0; k < ticks; k++) {
    if (k % GOAL_PERIOD === 0) agent.setGoal({ joints: goals[(k / GOAL_PERIOD) % goals.length]! });
    const nowS = (k + 1) * dtS;
    const t0 = performance.now();
    const out = await agent.step(nowS, { jointState: { stampS: nowS, names, position: q, velocity: qd } });
    tickMs[k] = performance.now() - t0;
    if (out.command.hold) holds++;
    // the arm follows the velocity command exactly (a position command: jumps there)
    const v = out.command.values;
    for (let j = 0; j < dof; j++) {
      if (out.command.interface === 'velocity') {
        qd[j] = v[j]!;
        q[j]! += dtS * v[j]!;
      } else {
        qd[j] = (v[j]! - q[j]!) / dtS;
        q[j] = v[j]!;
      }
    }
    if (k + 1 === warmupTicks) sample(true);
    else if (k + 1 > warmupTicks && ((k + 1 - warmupTicks) % sampleEvery === 0 || k + 1 === ticks)) sample(false);
    if (opts.quick ? k % 250 === 249 : k % 5000 === 4999) progress(`memory: ${k + 1} / ${ticks} ticks, RSS ${(memoryUsage().rss / MIB).toFixed(1)} MiB`);
  }
  const growth = ((rss.end - rss.start) / rss.start) * 100;
  const gcExposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
  const notes = [
    `Agent.step with the kinematic model and the configured planner (${settings.planner.name}, ${settings.planner.settings.samples} samples × horizon ${settings.planner.horizon} × ${settings.planner.iterations} iterations); goals switch every ${GOAL_PERIOD} ticks`,
    `tfjs tensors are counted on the '${tf.getBackend()}' backend; the kinematic agent's tick uses no tfjs, so the count is expected to stay where it started`,
  ];
  if (!gcExposed) notes.push('run node with --expose-gc for samples taken right after a full collection (RSS then moves less)');
  if (holds > 0) notes.push(`${holds} ticks held (safety filter)`);
  return {
    ticks,
    warmupTicks,
    tick: summarize(tickMs),
    rssMiB: { start: rss.start / MIB, end: rss.end / MIB, max: rss.max / MIB },
    heapUsedMiB: { start: heap.start / MIB, end: heap.end / MIB, max: heap.max / MIB },
    rssGrowthPct: growth,
    tensors,
    gcExposed,
    pass: { rss: growth < 5, tensors: tensors.end === tensors.start && tensors.max === tensors.start },
    notes,
  };
}

/** Runs measureMemory in a fresh `node --expose-gc` process and returns its report. */
export async function runMemory(ctx: SuiteContext): Promise<MemoryReport> {
  const ticks = ctx.ticks ?? (ctx.quick ? 500 : 50000);
  const child = fileURLToPath(new URL('../memory-child.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  ctx.progress(`memory: ${ticks} agent ticks in a child process (node --expose-gc)`);
  const proc = spawn(process.execPath, ['--expose-gc', `--import=${tsx}`, child, String(ticks), ctx.quick ? 'quick' : 'full'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let partial = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('memory: ')) ctx.progress(line);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', resolve);
  });
  if (code !== 0) throw new Error(`memory bench: the child process exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return JSON.parse(stdout) as MemoryReport;
}
