/**
 * Live parameters in two phases: `propose` validates a change against the would-be configuration
 * (veto with reasons, no side effects), `commit` applies everything accepted at once, at a tick
 * boundary, as a new deeply frozen snapshot. No tick ever sees a half-applied change.
 */
import { paramInfo, parameterNames } from './catalog.ts';
import { ConfigError } from './errors.ts';
import type { ParamValue } from './param.ts';
import { deepFreeze, flattenConfig, valuesEqual } from './paths.ts';
import type { DeepReadonly } from './paths.ts';
import { defaultConfig } from './schema.ts';
import type { OdraConfig } from './schema.ts';
import { normalizeInput, unknownParameter, validateParameters } from './validate.ts';

export type ConfigSnapshot = DeepReadonly<OdraConfig>;

export type ProposeResult = { successful: true } | { successful: false; reasons: string[] };

/** Called after a commit that changed something, with the new snapshot and the changed names. */
export type CommitListener = (snapshot: ConfigSnapshot, changed: ReadonlySet<string>) => void;

export interface ParameterStoreOptions {
  /** Receives what a listener threw; commit itself never throws. Default: kept in `listenerErrors`. */
  onListenerError?: (error: unknown) => void;
}

function copyValue(v: unknown): unknown {
  return Array.isArray(v) ? Object.freeze([...(v as unknown[])]) : v;
}

export class ParameterStore {
  #snapshot: ConfigSnapshot;
  #values: Map<string, ParamValue>;
  #pending = new Map<string, unknown>();
  #listeners: CommitListener[] = [];
  #version = 0;
  readonly #onListenerError: (error: unknown) => void;
  /** Errors thrown by listeners since construction, when no `onListenerError` is given. */
  readonly listenerErrors: unknown[] = [];

  /** Throws a ConfigError if `initial` is not a valid configuration. */
  constructor(initial: OdraConfig = defaultConfig(), options: ParameterStoreOptions = {}) {
    const checked = validateParameters(flattenConfig(initial, parameterNames()));
    if (!checked.ok) throw new ConfigError(checked.problems, 'initial parameters');
    this.#snapshot = deepFreeze(checked.config);
    this.#values = flattenConfig(this.#snapshot, parameterNames());
    this.#onListenerError = options.onListenerError ?? ((e) => this.listenerErrors.push(e));
  }

  /** The current configuration; deeply frozen, replaced (never mutated) by `commit`. */
  get snapshot(): ConfigSnapshot {
    return this.#snapshot;
  }

  /** Incremented by every commit that changed something. */
  get version(): number {
    return this.#version;
  }

  /** Current value of a parameter, or undefined for an unknown name. */
  get(name: string): ParamValue | undefined {
    return this.#values.get(name);
  }

  /** Every current value by dotted name (for declaring ROS parameters). */
  values(): ReadonlyMap<string, ParamValue> {
    return this.#values;
  }

  /** Accepted changes waiting for the next commit. */
  get pending(): ReadonlyMap<string, unknown> {
    return this.#pending;
  }

  /**
   * Validates `changes` on top of the current snapshot and the changes already pending. Accepted
   * changes wait for `commit`; a refused proposal changes nothing and says why, one reason per problem.
   */
  propose(changes: Readonly<Record<string, unknown>>): ProposeResult {
    const reasons: string[] = [];
    const normalized = new Map<string, unknown>();
    for (const [name, raw] of Object.entries(changes)) {
      const info = paramInfo(name);
      if (!info) reasons.push(unknownParameter(name, false).message);
      else if (!info.live) reasons.push(`${name}: read-only; set it in the parameter file and restart the node`);
      else normalized.set(name, copyValue(normalizeInput(raw)));
    }
    if (reasons.length > 0) return { successful: false, reasons };
    if (normalized.size === 0) return { successful: true };
    const result = validateParameters(new Map([...this.#values, ...this.#pending, ...normalized]));
    if (!result.ok) return { successful: false, reasons: result.problems.map((p) => p.message) };
    for (const [name, v] of normalized) this.#pending.set(name, v);
    return { successful: true };
  }

  /** Drops the accepted changes that were not committed yet. */
  discardPending(): void {
    this.#pending.clear();
  }

  /**
   * Applies every pending change at once as a new frozen snapshot and returns the names whose value
   * changed (empty when nothing did), so the caller can e.g. re-allocate buffers when
   * `planner.horizon` or `planner.samples` changed. Never throws.
   */
  commit(): ReadonlySet<string> {
    if (this.#pending.size === 0) return new Set();
    const result = validateParameters(new Map([...this.#values, ...this.#pending]));
    this.#pending.clear();
    // propose validated against every pending change and only commit moves the snapshot, so this holds
    if (!result.ok) return new Set();
    const next = deepFreeze(result.config);
    const nextValues = flattenConfig(next, parameterNames());
    const changed = new Set<string>();
    for (const [name, v] of nextValues) if (!valuesEqual(v, this.#values.get(name))) changed.add(name);
    if (changed.size === 0) return changed;
    this.#snapshot = next;
    this.#values = nextValues;
    this.#version++;
    for (const listener of [...this.#listeners]) {
      try {
        listener(next, changed);
      } catch (e) {
        this.#onListenerError(e);
      }
    }
    return changed;
  }

  /** Follow-up hook run after each commit that changed something; returns the unsubscribe function. */
  subscribe(listener: CommitListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }
}
