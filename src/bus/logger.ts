/**
 * Node loggers: four levels plus a throttled form for per-tick warnings, writing records to a sink.
 * A transport with its own logging (rclnodejs, rcutils) wraps it behind the same `Logger` shape.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /**
   * Logs at most once per `periodS` (steady clock) for `key` (the message when omitted); the next
   * record that gets through says how many were suppressed. Returns whether this one was logged.
   */
  throttle(level: LogLevel, periodS: number, msg: string, key?: string): boolean;
}

export interface LogRecord {
  level: LogLevel;
  /** fully qualified node name */
  logger: string;
  msg: string;
  /** node clock, seconds */
  stampS: number;
}

export type LogSink = (record: LogRecord) => void;

/** Writes `[LEVEL] [stamp] [logger]: msg` lines to stderr, as rcutils does. */
export const stderrSink: LogSink = (r) => {
  process.stderr.write(`[${r.level.toUpperCase()}] [${r.stampS.toFixed(6)}] [${r.logger}]: ${r.msg}\n`);
};

/** Per-key "at most once per period" gate with a count of what it held back. */
export class LogThrottle {
  private readonly last = new Map<string, { atS: number; suppressed: number }>();

  /** The number suppressed since the last pass when `key` may log now, else null. */
  pass(key: string, nowS: number, periodS: number): number | null {
    const entry = this.last.get(key);
    if (entry !== undefined && nowS - entry.atS < periodS) {
      entry.suppressed++;
      return null;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(key, { atS: nowS, suppressed: 0 });
    return suppressed;
  }
}

export interface SinkLoggerOptions {
  name: string;
  sink: LogSink;
  /** records below this level are dropped */
  minLevel: LogLevel;
  /** node clock, for stamps */
  nowS: () => number;
  /** steady clock, for throttling */
  steadyNowS: () => number;
}

export class SinkLogger implements Logger {
  private readonly opts: SinkLoggerOptions;
  private readonly minRank: number;
  private readonly throttleGate = new LogThrottle();

  constructor(opts: SinkLoggerOptions) {
    this.opts = opts;
    this.minRank = LOG_LEVELS.indexOf(opts.minLevel);
  }

  debug(msg: string): void {
    this.log('debug', msg);
  }

  info(msg: string): void {
    this.log('info', msg);
  }

  warn(msg: string): void {
    this.log('warn', msg);
  }

  error(msg: string): void {
    this.log('error', msg);
  }

  throttle(level: LogLevel, periodS: number, msg: string, key: string = msg): boolean {
    if (LOG_LEVELS.indexOf(level) < this.minRank) return false;
    const suppressed = this.throttleGate.pass(key, this.opts.steadyNowS(), periodS);
    if (suppressed === null) return false;
    this.log(level, suppressed > 0 ? `${msg} (${suppressed} similar suppressed)` : msg);
    return true;
  }

  private log(level: LogLevel, msg: string): void {
    if (LOG_LEVELS.indexOf(level) < this.minRank) return;
    this.opts.sink({ level, logger: this.opts.name, msg, stampS: this.opts.nowS() });
  }
}
