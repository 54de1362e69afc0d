/**
 * McapRecorder: records ROS 2 messages (the plain objects rclnodejs uses) into an MCAP file that
 * `ros2 bag` (storage plugin mcap) and Foxglove read: profile `ros2`, schemas `ros2msg`, messages
 * `cdr`, chunked and indexed.
 *
 * `write()` is called from control loops: it serializes the message at once (so the caller may reuse
 * its arrays), queues the bytes and returns; it never throws and never waits for the disk. A drain
 * running in microtasks feeds the queue to McapWriter, whose chunks reach the file in large blocks.
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { McapWriter } from '@mcap/core';
import { parse } from '@foxglove/rosmsg';
import { MessageWriter } from '@foxglove/rosmsg2-serialization';
import { BufferedFileWritable } from './file-io.ts';
import { parseRosType, ros2msgSchema } from './schemas.ts';
import type { RosMsgDefinitions } from './schemas.ts';

export interface McapRecorderOptions {
  /** header profile; only `ros2` is written */
  profile?: 'ros2';
  /**
   * uncompressed chunk size that closes a chunk, bytes (default 256 KiB). Closing a chunk copies and
   * CRCs it in one go, so this bounds the longest pause recording adds to the event loop.
   */
  chunkSizeBytes?: number;
  /** size of the block gathered before a file write, bytes (default 4 MiB) */
  writeBlockBytes?: number;
  /** queued-but-unwritten bytes beyond which new messages are dropped (default 256 MiB) */
  maxQueuedBytes?: number;
  /**
   * how often gathered bytes are pushed to the file even when the block is not full, ms (default
   * 1000): bounds what a crash loses to this plus the chunk being filled. 0 disables it.
   */
  flushIntervalMs?: number;
  /** replace an existing file (default true); false fails when the file exists */
  overwrite?: boolean;
  /** key/values written once as an MCAP Metadata record named `odra` */
  metadata?: Readonly<Record<string, string>>;
  /** message definitions to draw schemas from (default ROS 2 Jazzy's common messages) */
  definitions?: RosMsgDefinitions;
}

export interface TopicOptions {
  /** full ros2msg schema text, for a type outside the common message set */
  schema?: string;
  /** channel metadata, e.g. rosbag2's `offered_qos_profiles` (YAML) */
  metadata?: Readonly<Record<string, string>>;
}

export type DropReason = 'unknown-topic' | 'bad-time' | 'serialize' | 'backlog' | 'closed' | 'io';

export interface RecorderProblems {
  /** messages not recorded, all reasons */
  dropped: number;
  byReason: Partial<Record<DropReason, number>>;
  /** the last serialization failure, as text */
  lastSerializeError?: string;
  /** the file error that stopped recording */
  ioError?: string;
}

/** A configuration problem (bad topic name, unknown type, topic re-added with another type). */
export class McapRecorderError extends Error {
  readonly problems: readonly string[];
  constructor(path: string, problems: readonly string[]) {
    super(`${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'McapRecorderError';
    this.problems = problems;
  }
}

interface TopicState {
  readonly channelId: number;
  readonly type: string;
  readonly serializer: MessageWriter;
  sequence: number;
  count: number;
}

type Op =
  | { kind: 'schema'; id: number; name: string; data: Uint8Array }
  | { kind: 'channel'; id: number; topic: string; schemaId: number; metadata: Map<string, string> }
  | { kind: 'message'; channelId: number; sequence: number; logTime: bigint; publishTime: bigint; data: Uint8Array }
  | { kind: 'flush' };

/** Fully qualified ROS 2 topic name: `/token(/token)*`, tokens of [A-Za-z0-9_] not starting with a digit. */
const TOPIC_RE = /^(\/[A-Za-z_][A-Za-z0-9_]*)+$/;

const FIRST_CHANNEL_ID = 1;
/** longest stretch the drain keeps the event loop, ms */
const DRAIN_SLICE_MS = 2;
const FIRST_SCHEMA_ID = 1;

export class McapRecorder {
  readonly path: string;
  readonly #mcap: McapWriter;
  readonly #file: BufferedFileWritable;
  readonly #definitions: RosMsgDefinitions | undefined;
  readonly #maxQueuedBytes: number;
  readonly #topics = new Map<string, TopicState>();
  /** schema id per full type name, shared by every topic of that type */
  readonly #schemaIds = new Map<string, { id: number; text: string }>();
  #nextSchemaId = FIRST_SCHEMA_ID;
  #nextChannelId = FIRST_CHANNEL_ID;
  #queue: Op[] = [];
  #queuedBytes = 0;
  #draining: Promise<void> | undefined;
  #ioError: unknown;
  #closed = false;
  #closing: Promise<void> | undefined;
  #dropped = 0;
  readonly #byReason: Partial<Record<DropReason, number>> = {};
  #lastSerializeError: string | undefined;
  readonly #flushTimer: NodeJS.Timeout | undefined;

  private constructor(path: string, mcap: McapWriter, file: BufferedFileWritable, opts: McapRecorderOptions) {
    this.path = path;
    this.#mcap = mcap;
    this.#file = file;
    this.#definitions = opts.definitions;
    this.#maxQueuedBytes = opts.maxQueuedBytes ?? 256 * 1024 * 1024;
    const every = opts.flushIntervalMs ?? 1000;
    if (every > 0) {
      // the flush goes through the queue so it never interleaves with McapWriter's own writes
      this.#flushTimer = setInterval(() => {
        if (this.#file.pendingBytes() > 0 && this.#ioError === undefined) this.#enqueue({ kind: 'flush' });
      }, every);
      this.#flushTimer.unref();
    }
  }

  /** Creates (or replaces) the file and writes the MCAP header. */
  static async open(path: string, opts: McapRecorderOptions = {}): Promise<McapRecorder> {
    const problems: string[] = [];
    if (opts.profile !== undefined && opts.profile !== 'ros2') problems.push(`profile: only 'ros2' is supported, got '${String(opts.profile)}'`);
    const chunkSize = opts.chunkSizeBytes ?? 256 * 1024;
    if (!(Number.isFinite(chunkSize) && chunkSize >= 1024)) problems.push(`chunkSizeBytes: must be ≥ 1024, got ${chunkSize}`);
    const block = opts.writeBlockBytes ?? 4 * 1024 * 1024;
    if (!(Number.isFinite(block) && block >= 4096)) problems.push(`writeBlockBytes: must be ≥ 4096, got ${block}`);
    const maxQueued = opts.maxQueuedBytes ?? 256 * 1024 * 1024;
    if (!(Number.isFinite(maxQueued) && maxQueued > 0)) problems.push(`maxQueuedBytes: must be > 0, got ${maxQueued}`);
    const flushMs = opts.flushIntervalMs ?? 1000;
    if (!(Number.isFinite(flushMs) && flushMs >= 0)) problems.push(`flushIntervalMs: must be ≥ 0, got ${flushMs}`);
    if (problems.length > 0) throw new McapRecorderError(path, problems);

    await mkdir(dirname(path), { recursive: true });
    const fh = await open(path, opts.overwrite === false ? 'wx' : 'w');
    const file = new BufferedFileWritable(fh, block);
    const mcap = new McapWriter({ writable: file, chunkSize, startChannelId: FIRST_CHANNEL_ID });
    try {
      await mcap.start({ profile: 'ros2', library: 'odra' });
      if (opts.metadata !== undefined) {
        await mcap.addMetadata({ name: 'odra', metadata: new Map(Object.entries(opts.metadata)) });
      }
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
    return new McapRecorder(path, mcap, file, opts);
  }

  /**
   * Declares a topic and its type (`pkg/msg/Name`); returns its MCAP channel id. Adding the same
   * topic again with the same type returns the same id. Throws McapRecorderError on any problem.
   */
  addTopic(topic: string, type: string, opts: TopicOptions = {}): number {
    const problems: string[] = [];
    if (this.#closed) problems.push('recorder is closed');
    if (!TOPIC_RE.test(topic)) problems.push(`topic '${topic}': not a fully qualified ROS 2 topic name (e.g. /joint_states)`);
    const parsed = parseRosType(type);
    if (parsed === undefined) problems.push(`topic '${topic}': type '${type}' is not pkg/msg/Name`);
    const existing = this.#topics.get(topic);
    if (existing !== undefined && parsed !== undefined && existing.type !== parsed.full) {
      problems.push(`topic '${topic}': already recorded as ${existing.type}, cannot add it as ${parsed.full}`);
    }
    let known = parsed === undefined ? undefined : this.#schemaIds.get(parsed.full);
    let text = known?.text;
    let serializer: MessageWriter | undefined;
    if (parsed !== undefined && existing === undefined) {
      text ??= this.#schemaText(parsed.full, opts, problems, topic);
      if (text !== undefined) {
        try {
          serializer = new MessageWriter(parse(text, { ros2: true }));
        } catch (e) {
          problems.push(`topic '${topic}': schema of ${parsed.full} does not parse: ${(e as Error).message}`);
        }
      }
    }
    if (problems.length > 0) throw new McapRecorderError(this.path, problems);
    if (existing !== undefined) return existing.channelId;
    if (parsed === undefined || text === undefined || serializer === undefined) {
      throw new McapRecorderError(this.path, [`topic '${topic}': internal error, no schema`]);
    }
    if (known === undefined) {
      known = { id: this.#nextSchemaId++, text };
      this.#schemaIds.set(parsed.full, known);
      this.#enqueue({ kind: 'schema', id: known.id, name: parsed.full, data: new TextEncoder().encode(text) });
    }
    const channelId = this.#nextChannelId++;
    this.#topics.set(topic, { channelId, type: parsed.full, serializer, sequence: 0, count: 0 });
    this.#enqueue({ kind: 'channel', id: channelId, topic, schemaId: known.id, metadata: new Map(Object.entries(opts.metadata ?? {})) });
    return channelId;
  }

  #schemaText(fullType: string, opts: TopicOptions, problems: string[], topic: string): string | undefined {
    if (opts.schema !== undefined) return opts.schema;
    try {
      return ros2msgSchema(fullType, this.#definitions);
    } catch (e) {
      problems.push(`topic '${topic}': ${(e as Error).message}; pass its schema text in addTopic's options`);
      return undefined;
    }
  }

  /**
   * Records one message. Never throws: a message on an undeclared topic, with a bad time, that does
   * not serialize, or that arrives while the disk lags too far behind is dropped and counted.
   */
  write(topic: string, msg: object, logTimeNs: bigint, publishTimeNs: bigint = logTimeNs): void {
    if (this.#closed) return this.#drop('closed');
    if (this.#ioError !== undefined) return this.#drop('io');
    const state = this.#topics.get(topic);
    if (state === undefined) return this.#drop('unknown-topic');
    if (typeof logTimeNs !== 'bigint' || typeof publishTimeNs !== 'bigint' || logTimeNs < 0n || publishTimeNs < 0n) {
      return this.#drop('bad-time');
    }
    let data: Uint8Array;
    try {
      data = state.serializer.writeMessage(msg);
    } catch (e) {
      this.#lastSerializeError = `${topic}: ${(e as Error).message}`;
      return this.#drop('serialize');
    }
    if (this.#queuedBytes + data.byteLength > this.#maxQueuedBytes) return this.#drop('backlog');
    state.count++;
    const sequence = state.sequence;
    state.sequence = (sequence + 1) >>> 0; // MCAP sequence numbers are uint32
    this.#enqueue({ kind: 'message', channelId: state.channelId, sequence, logTime: logTimeNs, publishTime: publishTimeNs, data });
  }

  /** Messages recorded per topic. */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [topic, s] of this.#topics) out[topic] = s.count;
    return out;
  }

  problems(): RecorderProblems {
    const out: RecorderProblems = { dropped: this.#dropped, byReason: { ...this.#byReason } };
    if (this.#lastSerializeError !== undefined) out.lastSerializeError = this.#lastSerializeError;
    if (this.#ioError !== undefined) out.ioError = errorText(this.#ioError);
    return out;
  }

  /** Writes what is queued, the summary and the footer, and closes the file. Rejects if the file could not be written. */
  close(): Promise<void> {
    this.#closing ??= this.#finish();
    return this.#closing;
  }

  async #finish(): Promise<void> {
    this.#closed = true;
    if (this.#flushTimer !== undefined) clearInterval(this.#flushTimer);
    while (this.#draining !== undefined) await this.#draining;
    let failure = this.#ioError;
    if (failure === undefined) {
      try {
        await this.#mcap.end();
      } catch (e) {
        failure = e;
      }
    }
    try {
      await this.#file.close();
    } catch (e) {
      failure ??= e;
    }
    if (failure !== undefined) {
      this.#ioError = failure;
      throw new Error(`${this.path}: recording failed: ${errorText(failure)}`, { cause: failure });
    }
  }

  #drop(reason: DropReason): void {
    this.#dropped++;
    this.#byReason[reason] = (this.#byReason[reason] ?? 0) + 1;
  }

  #enqueue(op: Op): void {
    this.#queue.push(op);
    if (op.kind === 'message') this.#queuedBytes += op.data.byteLength;
    // the drain starts after the caller's synchronous work, so write() itself only serializes and queues
    this.#draining ??= Promise.resolve().then(() => this.#drain());
  }

  async #drain(): Promise<void> {
    try {
      let sliceStart = performance.now();
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        for (const op of batch) {
          await this.#apply(op);
          if (op.kind === 'message') this.#queuedBytes -= op.data.byteLength;
          // give timers and I/O a turn so a backlog never holds the event loop for long
          if (performance.now() - sliceStart > DRAIN_SLICE_MS) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            sliceStart = performance.now();
          }
        }
      }
    } catch (e) {
      this.#ioError = e;
      this.#queue = [];
      this.#queuedBytes = 0;
    } finally {
      this.#draining = undefined;
    }
  }

  async #apply(op: Op): Promise<void> {
    switch (op.kind) {
      case 'schema': {
        const id = await this.#mcap.registerSchema({ name: op.name, encoding: 'ros2msg', data: op.data });
        if (id !== op.id) throw new Error(`schema id ${id} differs from the id ${op.id} handed out`);
        return;
      }
      case 'channel': {
        const id = await this.#mcap.registerChannel({ topic: op.topic, schemaId: op.schemaId, messageEncoding: 'cdr', metadata: op.metadata });
        if (id !== op.id) throw new Error(`channel id ${id} differs from the id ${op.id} handed out`);
        return;
      }
      case 'flush':
        await this.#file.flush();
        return;
      case 'message':
        await this.#mcap.addMessage({
          channelId: op.channelId,
          sequence: op.sequence,
          logTime: op.logTime,
          publishTime: op.publishTime,
          data: op.data,
        });
        return;
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
