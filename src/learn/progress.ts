/**
 * A one-line progress bar for long runs (training, recording) on stderr: redrawn in place on a terminal,
 * printed as plain lines at a bounded rate otherwise (CI logs, pipes).
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export class ProgressBar {
  private lastDraw = 0;
  private lastLen = 0;
  private readonly start = performance.now();

  constructor(
    private readonly out: ProgressStream,
    private readonly label: string,
    private readonly total: number,
    /** plain-line mode: least time between lines, ms */
    private readonly plainEveryMs = 10_000,
  ) {}

  /** Shows progress `done`/total with a free-form tail (loss terms); throttled unless `force`. */
  update(done: number, tail: string, force = false): void {
    const now = performance.now();
    const tty = this.out.isTTY === true;
    if (!force && now - this.lastDraw < (tty ? 100 : this.plainEveryMs)) return;
    this.lastDraw = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const width = 20;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed * (this.total - done)) / done : NaN;
    const line = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total} ${tail} | ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}`;
    if (tty) {
      this.out.write(`\r${line}${' '.repeat(Math.max(0, this.lastLen - line.length))}`);
      this.lastLen = line.length;
    } else this.out.write(`${line}\n`);
  }

  /** Ends the bar's line (terminal mode). */
  finish(): void {
    if (this.out.isTTY === true && this.lastLen > 0) this.out.write('\n');
    this.lastLen = 0;
  }
}
