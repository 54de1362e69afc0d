/**
 * The perception node: camera frames in, latents out, written only against the `BusNode` port.
 *
 * Inputs:
 *   topics.image             sensor_msgs/Image            SensorData QoS (best effort, depth 5)
 *   topics.compressed_image  sensor_msgs/CompressedImage  SensorData QoS
 *   ~/goal_image             sensor_msgs/Image            reliable, depth 1: the newest goal wins
 *   ~/goal_image/compressed  sensor_msgs/CompressedImage  reliable, depth 1
 * Camera frames are encoded at most `maxRateHz` times a second. A frame is never queued: one over
 * the rate, or one that arrives while the previous frame is still encoding, is dropped and counted
 * (`rate_limited`, `busy`); unusable frames are dropped with the pipeline's reason.
 * Outputs, either or both:
 *   in process: `onLatent(stampS, z)` and `takeLatent()` for an agent node in the same process;
 *   split deployment (`publishLatent`): `~/latent` (SensorData QoS) and `~/goal_latent` (latched),
 *   std_msgs/Float32MultiArray with the frame stamp in `layout.dim[0].label` (see `stampedLatentMessage`).
 * Goal images become goal latents through the same pipeline and reach `onGoalLatent(z)`.
 */
import type { CompressedImage, DiagnosticArray, DiagnosticStatus, Float32MultiArray, Image, KeyValue, Time } from '../bus/messages.ts';
import { DIAGNOSTIC_LEVEL, makeHeader, timeFromSeconds } from '../bus/messages.ts';
import type { BusNode, Publisher, Subscription, Timer } from '../bus/port.ts';
import { QOS_LATCHED, QOS_SENSOR_DATA } from '../bus/qos.ts';
import type { OdraConfig } from '../config/schema.ts';
import type { OnnxProviderName } from '../compute/onnx-providers.ts';
import type { EncodeResult, PerceptionConfig, PerceptionPipeline } from '../perception/pipeline.ts';
import type { DropReason } from '../perception/types.ts';
import { DROP_REASONS } from '../perception/types.ts';

/** Why the node dropped a camera frame: the pipeline's reasons plus the rate limit. */
export type FrameDropReason = DropReason | 'rate_limited';
export const FRAME_DROP_REASONS: readonly FrameDropReason[] = ['rate_limited', ...DROP_REASONS];

/** Why a goal image gave no goal latent: the pipeline's reasons, no encoder, or a newer goal image. */
export type GoalDropReason = DropReason | 'no_encoder' | 'superseded';
export const GOAL_DROP_REASONS: readonly GoalDropReason[] = [...DROP_REASONS, 'no_encoder', 'superseded'];

/** The part of `PerceptionPipeline` the node uses (tests may stand in for it). */
export type PerceptionEncoder = Pick<PerceptionPipeline, 'latentDim' | 'encodeMessage' | 'encodeGoalImage'>;

export interface PerceptionNodeOptions {
  /** sensor_msgs/Image topic (topics.image) */
  imageTopic: string;
  /** sensor_msgs/CompressedImage topic (topics.compressed_image) */
  compressedImageTopic: string;
  /** frames encoded per second at most (perception.max_rate_hz); a function is read at each frame (live parameter); 0 = every frame the encoder keeps up with */
  maxRateHz: number | (() => number);
  /**
   * Each new latent, in process. `stampS` is the steady time (`node.steadyNowS()`) at which its frame
   * arrived, so a latent's age includes decoding and encoding. `z` is fresh per frame; do not mutate it.
   */
  onLatent?: (stampS: number, z: Float32Array) => void;
  /** Each new goal latent from `~/goal_image`. */
  onGoalLatent?: (z: Float32Array) => void;
  /** Split deployment: also publish `~/latent` and `~/goal_latent`. Default false. */
  publishLatent?: boolean;
  /** Publish a one-status DiagnosticArray here once a second (e.g. topics.diagnostics); default: none. */
  diagnosticsTopic?: string;
  /** Goal image topic; default `~/goal_image` (`<topic>/compressed` for CompressedImage). */
  goalImageTopic?: string;
  /** period of the throttled warnings about bad frames, s; default 5 */
  warnPeriodS?: number;
}

export interface PerceptionNodeCounters {
  /** camera frames that reached the subscriber */
  received: number;
  /** latents handed out */
  encoded: number;
  /** camera frames dropped, by reason */
  dropped: Record<FrameDropReason, number>;
  /** median frame-to-latent wall time (decode + preprocess + encode) over the last encodes, ms; null before the first */
  encodeMsP50: number | null;
  /** the most recent drop */
  lastDrop: { reason: FrameDropReason; detail: string } | null;
  goal: { received: number; encoded: number; dropped: Record<GoalDropReason, number> };
}

/** Encode times kept for the median. */
const TIMING_WINDOW = 128;
/** Slack on the rate limit's due time, s: absorbs float error in clocks that add up periods. */
const RATE_EPS_S = 1e-6;

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = 0;
  return out;
}

/** `latent@<sec>.<nanosec, 9 digits>`: the stamp carried by a stamped latent. */
export function stampedLatentLabel(stamp: Time): string {
  return `latent@${stamp.sec}.${String(stamp.nanosec).padStart(9, '0')}`;
}

/**
 * The split-deployment message: a 1-D Float32MultiArray whose one dimension is labelled with the
 * frame stamp (`size` = `stride` = D, `data_offset` 0), so stamp and latent travel in one message and
 * generic tools still read a plain array. The agent side reads it with `ros/latent-message.ts`.
 */
export function stampedLatentMessage(stamp: Time, z: Float32Array): Float32MultiArray {
  return { layout: { dim: [{ label: stampedLatentLabel(stamp), size: z.length, stride: z.length }], data_offset: 0 }, data: z };
}

/**
 * The pipeline configuration the `perception.*` parameters describe, with notices for anything
 * adjusted (execution providers this ONNX Runtime build does not offer are skipped).
 */
export function pipelineConfigFromParams(p: OdraConfig['perception']): { config: PerceptionConfig; notices: string[] } {
  const notices: string[] = [];
  const providers = p.execution_providers.filter((x): x is OnnxProviderName => x === 'cuda' || x === 'cpu');
  if (p.encoder === 'onnx' && providers.length < p.execution_providers.length) {
    notices.push(`perception.execution_providers: only cuda and cpu are available here; using [${providers.join(', ') || 'cpu'}]`);
  }
  const config: PerceptionConfig = {
    encoder: { kind: p.encoder, modelPath: p.model_path, executionProviders: providers.length > 0 ? providers : ['cpu'], threads: p.threads },
    preprocess: { width: p.width, height: p.height, mean: p.mean, std: p.std, layout: p.layout, channelOrder: p.channel_order },
    maxPixels: p.max_pixels,
  };
  return { config, notices };
}

function kv(key: string, value: number | string): KeyValue {
  return { key, value: typeof value === 'number' ? String(Number(value.toPrecision(6))) : value };
}

export class PerceptionNode {
  readonly node: BusNode;
  private readonly pipeline: PerceptionEncoder;
  private readonly opts: PerceptionNodeOptions;
  private readonly warnPeriodS: number;
  private readonly subs: Subscription[] = [];
  private readonly latentPub: Publisher<Float32MultiArray> | null;
  private readonly goalLatentPub: Publisher<Float32MultiArray> | null;
  private readonly diagPub: Publisher<DiagnosticArray> | null;
  private readonly diagTimer: Timer | null;

  private received = 0;
  private encoded = 0;
  private readonly dropped: Record<FrameDropReason, number> = zeros(FRAME_DROP_REASONS);
  private lastDrop: { reason: FrameDropReason; detail: string } | null = null;
  private readonly goalCounts = { received: 0, encoded: 0, dropped: zeros(GOAL_DROP_REASONS) };
  private readonly encodeMs = new Float64Array(TIMING_WINDOW);
  private timings = 0;

  /** steady time before which a frame is over the rate limit */
  private nextDueS = Number.NEGATIVE_INFINITY;
  private busy = false;
  private readonly pending = new Set<Promise<void>>();
  private latest: { stampS: number; z: Float32Array } | null = null;
  private fresh = false;
  private goalSeq = 0;
  private goal: Float32Array | null = null;
  private reported = { received: 0, encoded: 0, dropped: zeros(FRAME_DROP_REASONS) };
  private destroyed = false;

  /** Creates the subscriptions (and publishers) on `node`. */
  constructor(node: BusNode, pipeline: PerceptionEncoder, opts: PerceptionNodeOptions) {
    this.node = node;
    this.pipeline = pipeline;
    this.opts = opts;
    this.warnPeriodS = opts.warnPeriodS ?? 5;
    const split = opts.publishLatent === true;
    this.latentPub = split ? node.createPublisher('std_msgs/msg/Float32MultiArray', '~/latent', QOS_SENSOR_DATA) : null;
    this.goalLatentPub = split ? node.createPublisher('std_msgs/msg/Float32MultiArray', '~/goal_latent', QOS_LATCHED) : null;
    const goalTopic = opts.goalImageTopic ?? '~/goal_image';
    this.subs.push(
      node.createSubscription('sensor_msgs/msg/Image', opts.imageTopic, (m) => this.onFrame(m), QOS_SENSOR_DATA),
      node.createSubscription('sensor_msgs/msg/CompressedImage', opts.compressedImageTopic, (m) => this.onFrame(m), QOS_SENSOR_DATA),
      node.createSubscription('sensor_msgs/msg/Image', goalTopic, (m) => this.onGoalImage(m), { depth: 1 }),
      node.createSubscription('sensor_msgs/msg/CompressedImage', `${goalTopic}/compressed`, (m) => this.onGoalImage(m), { depth: 1 }),
    );
    if (opts.diagnosticsTopic !== undefined) {
      this.diagPub = node.createPublisher('diagnostic_msgs/msg/DiagnosticArray', opts.diagnosticsTopic);
      this.diagTimer = node.createTimer(1, () => this.publishDiagnostics());
    } else {
      this.diagPub = null;
      this.diagTimer = null;
    }
  }

  get latentDim(): number {
    return this.pipeline.latentDim;
  }

  /** The fully qualified `~/latent` topic, or null when latents are not published. */
  get latentTopic(): string | null {
    return this.latentPub?.topic ?? null;
  }

  /** The newest latent not taken yet, else null (an agent node's `latentSource`). */
  readonly takeLatent = (): { stampS: number; z: Float32Array } | null => {
    if (!this.fresh) return null;
    this.fresh = false;
    return this.latest;
  };

  /** The newest goal latent, or null. */
  get goalLatent(): Float32Array | null {
    return this.goal;
  }

  /** A copy of the counters. */
  counters(): PerceptionNodeCounters {
    return {
      received: this.received,
      encoded: this.encoded,
      dropped: { ...this.dropped },
      encodeMsP50: this.medianEncodeMs(),
      lastDrop: this.lastDrop === null ? null : { ...this.lastDrop },
      goal: { received: this.goalCounts.received, encoded: this.goalCounts.encoded, dropped: { ...this.goalCounts.dropped } },
    };
  }

  /** Resolves when no frame or goal image is being encoded. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stops receiving; results of encodes still running are discarded. The host disposes the pipeline. */
  destroy(): void {
    this.destroyed = true;
    for (const s of this.subs) s.destroy();
    this.latentPub?.destroy();
    this.goalLatentPub?.destroy();
    this.diagTimer?.destroy();
    this.diagPub?.destroy();
  }

  // ---------------------------------------------------------------- camera frames

  private maxRateHz(): number {
    const r = typeof this.opts.maxRateHz === 'function' ? this.opts.maxRateHz() : this.opts.maxRateHz;
    return Number.isFinite(r) && r > 0 ? r : 0;
  }

  private dropFrame(reason: FrameDropReason, detail: string): void {
    this.dropped[reason] += 1;
    this.lastDrop = { reason, detail };
    // the rate limit and a busy encoder are flow control, not faults: counted, not warned about
    if (reason === 'rate_limited' || reason === 'busy') return;
    this.node.logger.throttle('warn', this.warnPeriodS, `camera frame dropped (${reason}): ${detail}`, `perception.${reason}`);
  }

  private onFrame(msg: Image | CompressedImage): void {
    if (this.destroyed) return;
    this.received += 1;
    const arrivedS = this.node.steadyNowS();
    const rate = this.maxRateHz();
    if (rate > 0 && arrivedS < this.nextDueS - RATE_EPS_S) return this.dropFrame('rate_limited', `over ${rate} Hz`);
    if (this.busy) return this.dropFrame('busy', 'previous frame still encoding');
    if (rate > 0) {
      const periodS = 1 / rate;
      // keep the schedule's grid while on time, so camera jitter does not lower the rate; restart it after a gap
      this.nextDueS = arrivedS - this.nextDueS < periodS ? this.nextDueS + periodS : arrivedS + periodS;
    }
    const rosNowS = this.node.nowS();
    this.busy = true;
    const t0 = performance.now();
    this.track(
      this.pipeline
        .encodeMessage(msg)
        .then((r) => this.onEncoded(r, arrivedS, rosNowS, performance.now() - t0))
        .finally(() => {
          this.busy = false;
        }),
    );
  }

  private onEncoded(r: EncodeResult, arrivedS: number, rosNowS: number, ms: number): void {
    if (this.destroyed) return;
    if (!r.ok) return this.dropFrame(r.reason, r.detail);
    this.encodeMs[this.timings % TIMING_WINDOW] = ms;
    this.timings += 1;
    this.encoded += 1;
    this.latest = { stampS: arrivedS, z: r.latent };
    this.fresh = true;
    this.deliver('onLatent', () => this.opts.onLatent?.(arrivedS, r.latent));
    if (this.latentPub !== null) {
      const stamp = r.stamp !== undefined && (r.stamp.sec !== 0 || r.stamp.nanosec !== 0) ? r.stamp : timeFromSeconds(rosNowS);
      this.latentPub.publish(stampedLatentMessage(stamp, r.latent));
    }
  }

  // ---------------------------------------------------------------- goal images

  private dropGoal(reason: GoalDropReason, detail: string): void {
    this.goalCounts.dropped[reason] += 1;
    if (reason === 'superseded') return;
    this.node.logger.throttle('warn', this.warnPeriodS, `goal image dropped (${reason}): ${detail}`, `perception.goal.${reason}`);
  }

  private onGoalImage(msg: Image | CompressedImage): void {
    if (this.destroyed) return;
    this.goalCounts.received += 1;
    const seq = ++this.goalSeq;
    if (this.pipeline.latentDim === 0) return this.dropGoal('no_encoder', 'perception.encoder is none: a goal image has no latent');
    const rosNowS = this.node.nowS();
    this.track(
      this.pipeline.encodeGoalImage(msg).then((r) => {
        if (this.destroyed) return;
        // a goal image that finishes after a newer one was received is stale
        if (seq !== this.goalSeq) return this.dropGoal('superseded', 'a newer goal image arrived');
        if (!r.ok) return this.dropGoal(r.reason, r.detail);
        this.goalCounts.encoded += 1;
        this.goal = r.latent;
        this.deliver('onGoalLatent', () => this.opts.onGoalLatent?.(r.latent));
        if (this.goalLatentPub !== null) {
          const stamp = r.stamp !== undefined && (r.stamp.sec !== 0 || r.stamp.nanosec !== 0) ? r.stamp : timeFromSeconds(rosNowS);
          this.goalLatentPub.publish(stampedLatentMessage(stamp, r.latent));
        }
      }),
    );
  }

  // ---------------------------------------------------------------- plumbing

  /** Runs a host callback; a throwing host is logged, never allowed to reject the encode chain. */
  private deliver(name: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      this.node.logger.throttle('error', this.warnPeriodS, `${name} callback failed: ${err instanceof Error ? err.message : String(err)}`, `perception.${name}`);
    }
  }

  private track(p: Promise<void>): void {
    const settled: Promise<void> = p.then(
      () => {
        this.pending.delete(settled);
      },
      (err: unknown) => {
        this.pending.delete(settled);
        this.node.logger.throttle('error', this.warnPeriodS, `perception failed: ${err instanceof Error ? err.message : String(err)}`, 'perception.internal');
      },
    );
    this.pending.add(settled);
  }

  private medianEncodeMs(): number | null {
    const n = Math.min(this.timings, TIMING_WINDOW);
    if (n === 0) return null;
    const sorted = this.encodeMs.slice(0, n).sort();
    return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  }

  // ---------------------------------------------------------------- diagnostics

  /**
   * One DiagnosticStatus judged over the frames since the previous call: STALE when no frame
   * arrived, WARN when frames were unusable or the encoder could not keep up with the rate limit.
   */
  diagnosticStatus(): DiagnosticStatus {
    const c = this.counters();
    const prev = this.reported;
    const newFrames = c.received - prev.received;
    const newLatents = c.encoded - prev.encoded;
    let bad = 0;
    const badReasons: string[] = [];
    for (const r of FRAME_DROP_REASONS) {
      const n = c.dropped[r] - prev.dropped[r];
      if (r === 'rate_limited' || r === 'busy' || n === 0) continue;
      bad += n;
      badReasons.push(`${r} ${n}`);
    }
    const busy = c.dropped.busy - prev.dropped.busy;
    this.reported = { received: c.received, encoded: c.encoded, dropped: { ...c.dropped } };

    const rate = this.maxRateHz();
    let level: number = DIAGNOSTIC_LEVEL.OK;
    let message = `${newLatents} latents from ${newFrames} frames${c.encodeMsP50 !== null ? `, ${c.encodeMsP50.toFixed(1)} ms per frame` : ''}`;
    if (newFrames === 0) {
      level = DIAGNOSTIC_LEVEL.STALE;
      message = 'no camera frame received';
    } else if (bad > 0) {
      level = DIAGNOSTIC_LEVEL.WARN;
      message = `${bad} frames dropped (${badReasons.join(', ')})`;
    } else if (busy > 0 && rate > 0) {
      level = DIAGNOSTIC_LEVEL.WARN;
      message = `encoder slower than perception.max_rate_hz ${rate}: ${busy} frames dropped while busy`;
    }
    const values: KeyValue[] = [
      kv('latent_dim', this.pipeline.latentDim),
      kv('max_rate_hz', rate),
      kv('received', c.received),
      kv('encoded', c.encoded),
      kv('encode_ms_p50', c.encodeMsP50 ?? -1),
      kv('goal_latents', c.goal.encoded),
    ];
    for (const r of FRAME_DROP_REASONS) if (c.dropped[r] > 0) values.push(kv(`dropped.${r}`, c.dropped[r]));
    if (c.lastDrop !== null) values.push(kv('last_drop', `${c.lastDrop.reason}: ${c.lastDrop.detail}`));
    return { level, name: `${this.node.fullyQualifiedName.replace(/^\//, '')}: perception`, message, hardware_id: this.node.fullyQualifiedName, values };
  }

  private publishDiagnostics(): void {
    if (this.destroyed || this.diagPub === null) return;
    this.diagPub.publish({ header: makeHeader(this.node.nowS()), status: [this.diagnosticStatus()] });
  }
}
