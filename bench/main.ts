/**
 * `odra bench`: runs the selected suites and prints one report, a table for people or (--json) one
 * JSON object for machines. Progress goes to stderr only. Suites load only when they run.
 */
import type { CliIo } from '../src/cli/command.ts';
import { setCostThreads, startCostWorkers } from '../src/cost/parallel.ts';
import { parseBenchArgs, USAGE, type SuiteName } from './args.ts';
import { chooseBackends, loadAvgNow, machineInfo } from './env.ts';
import { formatReport } from './format.ts';
import { DRIFT_NOTICE, REPORT_SCHEMA, type BenchReport, type SuiteContext } from './report.ts';
import { repeatOptions } from './stats.ts';

async function runSuite(name: SuiteName, ctx: SuiteContext, report: BenchReport): Promise<void> {
  switch (name) {
    case 'peak': {
      const { runPeak } = await import('./suites/peak.ts');
      report.peak = await runPeak(ctx);
      ctx.peak = report.peak;
      report.notices.push(...report.peak.notices);
      return;
    }
    case 'planners': {
      const { runPlanners } = await import('./suites/planners.ts');
      // start the cost workers first, so that no measured plan runs while they are still starting
      const workers = await startCostWorkers();
      ctx.progress(`planners: ${workers} cost worker thread(s) ready`);
      report.notices.push(
        workers > 0
          ? `cost evaluations of 8192+ state-steps run on the calling thread and ${workers} worker thread(s) (--threads to change)`
          : 'cost evaluations run on the calling thread only (--threads 0, or one core)',
      );
      report.planners = await runPlanners(ctx);
      return;
    }
    case 'perception': {
      const { runPerception } = await import('./suites/perception.ts');
      report.perception = await runPerception(ctx);
      return;
    }
    case 'tick': {
      const { runTick } = await import('./suites/tick.ts');
      report.tick = await runTick(ctx);
      return;
    }
    case 'memory': {
      const { runMemory } = await import('./suites/memory.ts');
      report.memory = await runMemory(ctx);
      return;
    }
  }
}

/** Runs `odra bench` with its arguments; returns the exit code. Throws UsageError on bad arguments. */
export async function runBench(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseBenchArgs(argv);
  if (args.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const started = performance.now();
  const progress = (line: string): void => {
    io.stderr.write(`bench: ${line}\n`);
  };
  const machine = machineInfo();
  const backends = await chooseBackends();
  const notices: string[] = [];
  if (backends.tfjs.notice !== undefined) notices.push(backends.tfjs.notice);
  if (backends.onnx.notice !== undefined) notices.push(backends.onnx.notice);
  if (backends.fusedCost.notice !== undefined) notices.push(backends.fusedCost.notice);
  for (const n of notices) progress(n);
  if (args.threads !== null) setCostThreads(args.threads);
  const repeat = repeatOptions(args.quick);
  const report: BenchReport = {
    schema: REPORT_SCHEMA,
    date: new Date().toISOString(),
    quick: args.quick,
    suites: [...args.suites],
    filters: args.filters,
    repeat,
    machine,
    backends,
    notices,
    durationS: 0,
    loadAvgEnd: [],
  };
  const ctx: SuiteContext = { quick: args.quick, filters: args.filters, repeat, backends, machine, progress, peak: null, ticks: args.ticks };
  for (const suite of args.suites) {
    const t0 = performance.now();
    await runSuite(suite, ctx, report);
    progress(`${suite} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (report.peak !== undefined && args.suites.some((s) => s !== 'peak')) {
    const { measureDrift } = await import('./suites/peak.ts');
    const drift = await measureDrift(ctx, report.peak);
    if (drift !== null) {
      report.drift = drift;
      if (Math.abs(drift.change) > DRIFT_NOTICE) {
        report.notices.push(
          `the machine's GEMM speed moved ${drift.change > 0 ? 'up' : 'down'} ${Math.abs(100 * drift.change).toFixed(0)} % during this run ` +
            `(${drift.case}: ${drift.startGflops.toFixed(1)} → ${drift.endGflops.toFixed(1)} GFLOP/s); verdicts near a target move with it`,
        );
      }
    }
  }
  report.durationS = (performance.now() - started) / 1000;
  report.loadAvgEnd = loadAvgNow();
  io.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return 0;
}
