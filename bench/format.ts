/** The benchmark report as text tables (what `odra bench` prints without --json). */
import type { BenchReport, TargetCheck } from './report.ts';
import type { Timing } from './stats.ts';

/** A number with about three significant digits, for tables. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const right = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.]+[kMG%]?$|^[-+]?(Infinity|NaN)$|^—$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

function timingCells(t: Timing): string[] {
  return [num(t.p50Ms), num(t.p99Ms), String(t.n)];
}

function targetLines(targets: readonly TargetCheck[]): string {
  if (targets.length === 0) return '';
  const rows = targets.map((t) => [t.pass ? 'PASS' : 'MISS', `${num(t.measured)} ${t.unit}`, `${t.op === '<=' ? '≤' : '≥'} ${t.target} ${t.unit}`, t.description, t.case]);
  return `\ntargets:\n${table(['', 'measured', 'target', 'what', 'case'], rows)}`;
}

function notesLines(notes: readonly string[]): string {
  return notes.length === 0 ? '' : notes.map((n) => `  note: ${n}\n`).join('');
}

export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`odra bench — ${r.date}${r.quick ? ' (--quick)' : ''}${r.filters.length > 0 ? `, filter ${r.filters.join(', ')}` : ''}\n`);
  out.push(`machine: ${m.cpus} × ${m.cpuModel}, ${m.totalMemGiB} GiB, node ${m.node} ${m.platform}-${m.arch}; onnxruntime-node ${m.onnxruntime}, tfjs ${m.tfjs}\n`);
  out.push(`load average (1/5/15 min): ${m.loadAvg.join(' / ')} at the start, ${r.loadAvgEnd.join(' / ')} at the end\n`);
  if (r.drift) {
    const d = r.drift;
    out.push(`machine speed: ${d.case} ${num(d.startGflops)} GFLOP/s at the start, ${num(d.endGflops)} at the end (${d.change >= 0 ? '+' : ''}${(100 * d.change).toFixed(1)} %)\n`);
  }
  out.push(`backends: tfjs '${r.backends.tfjs.name}', ONNX Runtime providers [${r.backends.onnx.providers.join(', ')}], fused cost kernel '${r.backends.fusedCost.kernel}'\n`);
  for (const n of r.notices) out.push(`notice: ${n}\n`);
  out.push(`repetitions: ${r.repeat.warmup} warm-up, then ${r.repeat.minRuns}–${r.repeat.maxRuns} runs and at least ${r.repeat.minTimeMs} ms per case (fewer for slow cases; n says how many)\n`);

  if (r.peak) {
    out.push('\n== peak: GEMM throughput (GFLOP/s = 2·m·k·n / p50) ==\n');
    out.push(table(['engine', 'threads', 'm×k×n', 'p50 ms', 'p99 ms', 'n', 'GFLOP/s'], r.peak.cases.map((c) => [c.engine, String(c.threads), `${c.m}×${c.k}×${c.n}`, ...timingCells(c.timing), num(c.gflops)])));
    const peaks = Object.entries(r.peak.onnxPeakGflops).map(([t, g]) => `${t} thread${t === '1' ? '' : 's'} ${num(g)} GFLOP/s`);
    if (peaks.length > 0) out.push(`ONNX Runtime peak: ${peaks.join('; ')}\n`);
  }

  if (r.planners) {
    const p = r.planners;
    out.push('\n== planners: plan time, throughput ==\n');
    const rows = p.cases.map((c) => [
      c.name,
      ...timingCells(c.timing),
      num(c.stateStepsPerS),
      c.gflops === undefined ? '—' : num(c.gflops),
      c.peakFraction === undefined ? '—' : `${(c.peakFraction * 100).toFixed(1)}%`,
    ]);
    out.push(table(['case (planner/model/samples×horizon×iterations)', 'p50 ms', 'p99 ms', 'n', 'state-steps/s', 'GFLOP/s', 'of peak'], rows));
    if (p.peakReference) out.push(`peak reference: ONNX Runtime, ${p.peakReference.threads} thread(s), ${num(p.peakReference.gflops)} GFLOP/s\n`);
    if (p.mlp) out.push(`MLP model: state ${p.mlp.stateDim}, actions ${p.mlp.actionDim}, hidden [${p.mlp.hidden.join(', ')}], ${p.mlp.flopsPerRow} FLOP per state row forward\n`);
    out.push(targetLines(p.targets));
    out.push(notesLines(p.notes));
  }

  if (r.perception) {
    out.push('\n== perception: frame → latent (ONNX Runtime) ==\n');
    const rows = r.perception.cases.map((c) => [c.name, c.frame, c.input, num(c.gmacs), ...timingCells(c.encode), num(c.pipeline.p50Ms), num(c.pipeline.p99Ms), c.threads]);
    out.push(table(['case', 'frame', 'network input', 'GMAC', 'encode p50', 'encode p99', 'n', 'pipeline p50', 'pipeline p99', 'threads'], rows));
    out.push(notesLines(r.perception.notes));
  }

  if (r.tick) {
    const t = r.tick;
    out.push(`\n== tick: camera → command (${t.path}) ==\n`);
    out.push(table(['stage', 'p50 ms', 'p99 ms', 'n'], [['camera frame → command', ...timingCells(t.latency)], ['  encode (perception)', ...timingCells(t.encode)], ['  agent tick', ...timingCells(t.agentTick)], ['    of which plan', ...timingCells(t.plan)], ['  around the plan (latency − plan)', ...timingCells(t.aroundPlan)]]));
    out.push(`target: ${t.target.description} ${num(t.target.measured)} ${t.target.unit} (≤ ${t.target.target}) ${t.target.pass ? 'PASS' : 'MISS'}\n`);
    out.push(`planner ${t.planner}, latent ${t.latentDim}, ${t.ticks} ticks measured\n`);
    out.push(notesLines(t.notes));
  }

  if (r.memory) {
    const mm = r.memory;
    out.push(`\n== memory: ${mm.ticks} agent ticks ==\n`);
    out.push(
      table(
        ['measure', 'start', 'end', 'max', 'result'],
        [
          ['RSS MiB', num(mm.rssMiB.start), num(mm.rssMiB.end), num(mm.rssMiB.max), `${mm.rssGrowthPct.toFixed(2)}% growth ${mm.pass.rss ? 'PASS' : 'MISS'} (< 5 %)`],
          ['heap used MiB', num(mm.heapUsedMiB.start), num(mm.heapUsedMiB.end), num(mm.heapUsedMiB.max), ''],
          ['tfjs tensors', String(mm.tensors.start), String(mm.tensors.end), String(mm.tensors.max), `${mm.pass.tensors ? 'PASS' : 'MISS'} (constant)`],
        ],
      ),
    );
    out.push(`tick p50 ${num(mm.tick.p50Ms)} ms, p99 ${num(mm.tick.p99Ms)} ms; baseline after ${mm.warmupTicks} warm-up ticks\n`);
    out.push(notesLines(mm.notes));
  }
  out.push(`\ntotal ${r.durationS.toFixed(1)} s\n`);
  return out.join('');
}
