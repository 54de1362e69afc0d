/**
 * Reading MCAP files: decoded messages of every ros2msg+cdr channel (odra's recordings and rosbag2's
 * alike; json channels too), and a summary taken from the index when the file has one.
 *
 * An indexed file is read through its chunk index, in log-time order. A file without a usable index
 * (a recording that was cut off, or written unchunked) is streamed from the start, in file order.
 * A file that ends early raises McapReadError `TRUNCATED` after the messages before the cut, unless
 * `allowTruncated` is set, in which case reading stops quietly there.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { McapIndexedReader, McapStreamReader } from '@mcap/core';
import type { DecompressHandlers, McapTypes } from '@mcap/core';
import { parse } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { builtinDecompressHandlers } from './decompress.ts';
import { FileReadable } from './file-io.ts';

export type McapReadErrorCode = 'NOT_FOUND' | 'NOT_MCAP' | 'TRUNCATED' | 'CORRUPT' | 'UNSUPPORTED' | 'DECODE';

export class McapReadError extends Error {
  readonly code: McapReadErrorCode;
  readonly path: string;
  constructor(code: McapReadErrorCode, path: string, message: string, cause?: unknown) {
    super(`${path}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'McapReadError';
    this.code = code;
    this.path = path;
  }
}

/** A decoded ROS message: field names as in the .msg (rclnodejs shape), arrays as typed arrays where CDR allows. */
export type DecodedMessage = Record<string, unknown>;

export interface McapMessage {
  topic: string;
  /** schema name, e.g. `sensor_msgs/msg/JointState` */
  type: string;
  logTimeNs: bigint;
  publishTimeNs: bigint;
  sequence: number;
  message: DecodedMessage;
}

export interface ReadMcapOptions {
  /** only these topics (default all decodable ones); naming a topic that cannot be decoded is an error */
  topics?: readonly string[];
  /** inclusive log-time window, ns */
  startNs?: bigint;
  endNs?: bigint;
  /** stop quietly where a cut-off file ends instead of raising TRUNCATED */
  allowTruncated?: boolean;
  /** chunk decompressors in addition to (or replacing) the built-in ones, by MCAP compression name */
  decompressHandlers?: DecompressHandlers;
}

export interface McapTopicSummary {
  topic: string;
  type: string;
  schemaEncoding: string;
  messageEncoding: string;
  count: number;
}

export interface McapSummary {
  profile: string;
  library: string;
  topics: McapTopicSummary[];
  messageCount: number;
  /** first and last log time, ns (0 when the file holds no message) */
  startNs: bigint;
  endNs: bigint;
  /** true when read from the summary section rather than by scanning the data */
  indexed: boolean;
  /** true when the file was cut off (only with allowTruncated) */
  truncated: boolean;
  /** Metadata records by name */
  metadata: Record<string, Record<string, string>>;
}

type Decoder = (data: Uint8Array) => DecodedMessage;

/** A decoder for a channel, or the reason there is none. */
function makeDecoder(schema: McapTypes.Schema | undefined, channel: McapTypes.Channel): Decoder | string {
  if (channel.messageEncoding === 'cdr' && schema?.encoding === 'ros2msg') {
    let reader: MessageReader;
    try {
      const defs = parse(new TextDecoder().decode(schema.data), { ros2: true });
      if (defs.length === 0) return `schema ${schema.name} is empty`;
      reader = new MessageReader(defs);
    } catch (e) {
      return `schema ${schema.name} does not parse: ${(e as Error).message}`;
    }
    return (data) => reader.readMessage<DecodedMessage>(data);
  }
  if (channel.messageEncoding === 'json') {
    const text = new TextDecoder();
    return (data) => JSON.parse(text.decode(data)) as DecodedMessage;
  }
  return `message encoding '${channel.messageEncoding}' with schema encoding '${schema?.encoding ?? '(none)'}' is not supported`;
}

interface ChannelInfo {
  topic: string;
  type: string;
  decode: Decoder | string;
}

/** Channel bookkeeping shared by the indexed and the streamed paths. */
class Channels {
  readonly #path: string;
  readonly #wanted: ReadonlySet<string> | undefined;
  readonly #schemas = new Map<number, McapTypes.Schema>();
  readonly #channels = new Map<number, ChannelInfo | null>();

  constructor(path: string, topics: readonly string[] | undefined) {
    this.#path = path;
    this.#wanted = topics === undefined ? undefined : new Set(topics);
  }

  addSchema(s: McapTypes.Schema): void {
    this.#schemas.set(s.id, s);
  }

  /** Registers a channel; throws UNSUPPORTED when a requested topic cannot be decoded. */
  addChannel(c: McapTypes.Channel): void {
    if (this.#channels.has(c.id)) return;
    if (this.#wanted !== undefined && !this.#wanted.has(c.topic)) {
      this.#channels.set(c.id, null);
      return;
    }
    const schema = c.schemaId === 0 ? undefined : this.#schemas.get(c.schemaId);
    const decode = makeDecoder(schema, c);
    if (typeof decode === 'string' && this.#wanted !== undefined) {
      throw new McapReadError('UNSUPPORTED', this.#path, `topic ${c.topic}: ${decode}`);
    }
    this.#channels.set(c.id, { topic: c.topic, type: schema?.name ?? '', decode });
  }

  /** The decoded message, or undefined for a channel that is filtered out or cannot be decoded. */
  decode(rec: McapTypes.Message): McapMessage | undefined {
    const info = this.#channels.get(rec.channelId);
    if (info === undefined) {
      throw new McapReadError('CORRUPT', this.#path, `message at log time ${rec.logTime} refers to unknown channel ${rec.channelId}`);
    }
    if (info === null || typeof info.decode === 'string') return undefined;
    let message: DecodedMessage;
    try {
      message = info.decode(rec.data);
    } catch (e) {
      throw new McapReadError(
        'DECODE',
        this.#path,
        `cannot decode ${info.type} on ${info.topic} at log time ${rec.logTime}: ${(e as Error).message}`,
        e,
      );
    }
    return {
      topic: info.topic,
      type: info.type,
      logTimeNs: rec.logTime,
      publishTimeNs: rec.publishTime,
      sequence: rec.sequence,
      message,
    };
  }
}

const MAGIC = [0x89, 0x4d, 0x43, 0x41, 0x50]; // "\x89MCAP"; the version byte and "\r\n" follow

async function openMcap(path: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new McapReadError('NOT_FOUND', path, `cannot open: ${code ?? (e as Error).message}`, e);
  }
  try {
    const { size } = await fh.stat();
    const head = new Uint8Array(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    if (bytesRead < 8 || MAGIC.some((b, i) => head[i] !== b)) {
      throw new McapReadError('NOT_MCAP', path, bytesRead === 0 ? 'file is empty' : 'not an MCAP file (no MCAP magic at the start)');
    }
    return { fh, size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

function handlers(extra: DecompressHandlers | undefined): DecompressHandlers {
  return { ...builtinDecompressHandlers, ...extra };
}

/** The indexed reader when the file has a usable summary with a chunk index, else undefined. */
async function tryIndexed(fh: FileHandle, size: number, decompress: DecompressHandlers): Promise<McapIndexedReader | undefined> {
  let reader: McapIndexedReader;
  try {
    reader = await McapIndexedReader.Initialize({ readable: new FileReadable(fh, size), decompressHandlers: decompress });
  } catch {
    return undefined; // no footer (cut off) or a damaged summary: the data section is streamed instead
  }
  // an unchunked file, or one written without a summary, has no chunk index to read messages through
  const messages = reader.statistics?.messageCount;
  if (reader.chunkIndexes.length === 0 && (messages === undefined || messages > 0n)) return undefined;
  return reader;
}

function inWindow(t: bigint, opts: ReadMcapOptions): boolean {
  return (opts.startNs === undefined || t >= opts.startNs) && (opts.endNs === undefined || t <= opts.endNs);
}

function libraryError(path: string, e: unknown): McapReadError {
  if (e instanceof McapReadError) return e;
  const msg = (e as Error).message ?? String(e);
  if (/Unsupported compression/i.test(msg)) return new McapReadError('UNSUPPORTED', path, msg, e);
  return new McapReadError('CORRUPT', path, `damaged MCAP data: ${msg}`, e);
}

const STREAM_BLOCK_BYTES = 4 * 1024 * 1024;

/** Every record of the data section, in file order; throws TRUNCATED (or stops, with allowTruncated) at a cut. */
async function* streamRecords(
  fh: FileHandle,
  size: number,
  path: string,
  decompress: DecompressHandlers,
  allowTruncated: boolean,
): AsyncGenerator<McapTypes.TypedMcapRecord, { truncated: boolean }> {
  const stream = new McapStreamReader({ decompressHandlers: decompress, validateCrcs: true });
  const block = new Uint8Array(STREAM_BLOCK_BYTES);
  let offset = 0;
  while (offset < size && !stream.done()) {
    const { bytesRead } = await fh.read(block, 0, Math.min(block.byteLength, size - offset), offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
    let rec: McapTypes.TypedMcapRecord | undefined;
    try {
      stream.append(block.subarray(0, bytesRead));
      rec = stream.nextRecord();
    } catch (e) {
      throw libraryError(path, e);
    }
    while (rec !== undefined) {
      yield rec;
      try {
        rec = stream.nextRecord();
      } catch (e) {
        throw libraryError(path, e);
      }
    }
  }
  if (stream.done()) return { truncated: false };
  if (allowTruncated) return { truncated: true };
  throw new McapReadError(
    'TRUNCATED',
    path,
    `file ends before the MCAP footer (${size} bytes, ${stream.bytesRemaining()} of them in an incomplete record): the recording was cut off`,
  );
}

/**
 * Decoded messages of `path`. Channels that cannot be decoded are skipped unless named in `topics`,
 * which raises UNSUPPORTED. Errors are McapReadError with a stable `code`.
 */
export async function* readMcap(path: string, opts: ReadMcapOptions = {}): AsyncGenerator<McapMessage, void, undefined> {
  const { fh, size } = await openMcap(path);
  try {
    const decompress = handlers(opts.decompressHandlers);
    const channels = new Channels(path, opts.topics);
    const indexed = await tryIndexed(fh, size, decompress);
    if (indexed !== undefined) {
      for (const s of indexed.schemasById.values()) channels.addSchema(s);
      for (const c of indexed.channelsById.values()) channels.addChannel(c);
      const args: Parameters<McapIndexedReader['readMessages']>[0] = { validateCrcs: true };
      if (opts.topics !== undefined) args.topics = opts.topics;
      if (opts.startNs !== undefined) args.startTime = opts.startNs;
      if (opts.endNs !== undefined) args.endTime = opts.endNs;
      const it = indexed.readMessages(args);
      for (;;) {
        let next: IteratorResult<McapTypes.TypedMcapRecords['Message'], void>;
        try {
          next = await it.next();
        } catch (e) {
          throw libraryError(path, e);
        }
        if (next.done === true) return;
        const msg = channels.decode(next.value);
        if (msg !== undefined) yield msg;
      }
    }
    for await (const rec of streamRecords(fh, size, path, decompress, opts.allowTruncated === true)) {
      if (rec.type === 'Schema') channels.addSchema(rec);
      else if (rec.type === 'Channel') channels.addChannel(rec);
      else if (rec.type === 'Message' && inWindow(rec.logTime, opts)) {
        const msg = channels.decode(rec);
        if (msg !== undefined) yield msg;
      }
    }
  } finally {
    await fh.close();
  }
}

function sortTopics(topics: McapTopicSummary[]): McapTopicSummary[] {
  return topics.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}

/** Profile, topics with types, encodings and message counts, and the time span of `path`; from the index when present. */
export async function summarizeMcap(
  path: string,
  opts: { allowTruncated?: boolean; decompressHandlers?: DecompressHandlers } = {},
): Promise<McapSummary> {
  const { fh, size } = await openMcap(path);
  try {
    const decompress = handlers(opts.decompressHandlers);
    const indexed = await tryIndexed(fh, size, decompress);
    if (indexed?.statistics !== undefined) {
      const stats = indexed.statistics;
      const topics: McapTopicSummary[] = [];
      for (const c of indexed.channelsById.values()) {
        const schema = indexed.schemasById.get(c.schemaId);
        topics.push({
          topic: c.topic,
          type: schema?.name ?? '',
          schemaEncoding: schema?.encoding ?? '',
          messageEncoding: c.messageEncoding,
          count: Number(stats.channelMessageCounts.get(c.id) ?? 0n),
        });
      }
      const metadata: Record<string, Record<string, string>> = {};
      try {
        for await (const m of indexed.readMetadata()) metadata[m.name] = Object.fromEntries(m.metadata);
      } catch (e) {
        throw libraryError(path, e);
      }
      return {
        profile: indexed.header.profile,
        library: indexed.header.library,
        topics: sortTopics(topics),
        messageCount: Number(stats.messageCount),
        startNs: stats.messageCount > 0n ? stats.messageStartTime : 0n,
        endNs: stats.messageCount > 0n ? stats.messageEndTime : 0n,
        indexed: true,
        truncated: false,
        metadata,
      };
    }
    // no statistics: count by scanning the data section
    let profile = '';
    let library = '';
    const schemas = new Map<number, McapTypes.Schema>();
    const byChannel = new Map<number, McapTopicSummary>();
    const metadata: Record<string, Record<string, string>> = {};
    let count = 0;
    let startNs = 0n;
    let endNs = 0n;
    const records = streamRecords(fh, size, path, decompress, opts.allowTruncated === true);
    let next = await records.next();
    for (; next.done !== true; next = await records.next()) {
      const rec = next.value;
      switch (rec.type) {
        case 'Header':
          profile = rec.profile;
          library = rec.library;
          break;
        case 'Schema':
          schemas.set(rec.id, rec);
          break;
        case 'Channel': {
          if (byChannel.has(rec.id)) break;
          const schema = schemas.get(rec.schemaId);
          byChannel.set(rec.id, {
            topic: rec.topic,
            type: schema?.name ?? '',
            schemaEncoding: schema?.encoding ?? '',
            messageEncoding: rec.messageEncoding,
            count: 0,
          });
          break;
        }
        case 'Message': {
          const t = byChannel.get(rec.channelId);
          if (t === undefined) throw new McapReadError('CORRUPT', path, `message refers to unknown channel ${rec.channelId}`);
          t.count++;
          if (count === 0 || rec.logTime < startNs) startNs = rec.logTime;
          if (count === 0 || rec.logTime > endNs) endNs = rec.logTime;
          count++;
          break;
        }
        case 'Metadata':
          metadata[rec.name] = Object.fromEntries(rec.metadata);
          break;
        default:
          break;
      }
    }
    return {
      profile,
      library,
      topics: sortTopics([...byChannel.values()]),
      messageCount: count,
      startNs,
      endNs,
      indexed: false,
      truncated: next.value.truncated,
      metadata,
    };
  } finally {
    await fh.close();
  }
}
