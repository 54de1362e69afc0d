/**
 * Where the agent's latents come from on a robot: camera frames encoded in this process
 * (`CameraLatents`), or stamped latents from a separate perception node (`RemoteLatents`, the split
 * deployment). Both hand the agent node the newest latent once, stamped on its steady clock.
 */

import type { CompressedImage, Float32MultiArray, Image } from '../bus/messages.ts';
import { secondsFromTime } from '../bus/messages.ts';
import type { BusNode } from '../bus/port.ts';
import { QOS_SENSOR_DATA } from '../bus/qos.ts';
import type { PerceptionPipeline } from '../perception/pipeline.ts';
import { decodeLatent } from './latent-message.ts';

/** What `AgentNode` polls each tick: the newest latent not handed out yet, or null. */
export type LatentSource = () => { stampS: number; z: Float32Array } | null;

/** Latest-value mailbox: a latent is handed out once. */
class Mailbox {
  private latest: { stampS: number; z: Float32Array } | null = null;
  private fresh = false;

  put(stampS: number, z: Float32Array): void {
    this.latest = { stampS, z };
    this.fresh = true;
  }

  readonly take: LatentSource = () => {
    if (!this.fresh) return null;
    this.fresh = false;
    return this.latest;
  };
}

export interface CameraLatentsOptions {
  imageTopic: string;
  compressedImageTopic: string;
  /** frames encoded per second at most, read at each frame (a live parameter); 0 = every frame */
  maxRateHz: () => number;
  /** also told of each encoded latent with the frame's ROS stamp (the perception node publishes it) */
  onLatent?: (stampS: number, latent: Float32Array) => void;
}

/**
 * Subscribes to the camera (raw and compressed, SensorData QoS) and encodes frames through the
 * pipeline. A latent is stamped with the steady time its frame arrived, so the agent's perception
 * watchdog counts the encoding time too. Frames over the rate limit are dropped and counted.
 */
export class CameraLatents {
  readonly source: LatentSource;
  /** frames skipped by the rate limit */
  rateDropped = 0;
  private readonly box = new Mailbox();
  private lastAcceptedS = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly node: BusNode,
    private readonly pipeline: PerceptionPipeline,
    private readonly opts: CameraLatentsOptions,
  ) {
    this.source = this.box.take;
    node.createSubscription('sensor_msgs/msg/Image', opts.imageTopic, (m) => this.onFrame(m), QOS_SENSOR_DATA);
    node.createSubscription('sensor_msgs/msg/CompressedImage', opts.compressedImageTopic, (m) => this.onFrame(m), QOS_SENSOR_DATA);
  }

  get latentDim(): number {
    return this.pipeline.latentDim;
  }

  private onFrame(msg: Image | CompressedImage): void {
    const arrivedS = this.node.steadyNowS();
    const rate = this.opts.maxRateHz();
    if (rate > 0 && arrivedS - this.lastAcceptedS < 1 / rate) {
      this.rateDropped++;
      return;
    }
    this.lastAcceptedS = arrivedS;
    const rosStampS = this.node.nowS();
    void this.pipeline.encodeMessage(msg).then((r) => {
      if (!r.ok) {
        this.node.logger.throttle('warn', 5, `camera frame dropped (${r.reason}): ${r.detail}`, `perception.${r.reason}`);
        return;
      }
      this.box.put(arrivedS, r.latent);
      const stampS = r.stamp !== undefined && (r.stamp.sec !== 0 || r.stamp.nanosec !== 0) ? secondsFromTime(r.stamp) : rosStampS;
      this.opts.onLatent?.(stampS, r.latent);
    });
  }
}

/**
 * Subscribes to stamped latents from a perception node. A latent's age on arrival (agent ROS time
 * minus its stamp; clocks of both machines must agree, e.g. through chrony) moves its steady stamp
 * back, so the perception watchdog sees the camera-to-agent delay. Latents of another size than
 * the first one are dropped.
 */
export class RemoteLatents {
  readonly source: LatentSource;
  dropped = 0;
  private readonly box = new Mailbox();

  constructor(
    private readonly node: BusNode,
    topic: string,
    readonly latentDim: number,
  ) {
    this.source = this.box.take;
    node.createSubscription('std_msgs/msg/Float32MultiArray', topic, (m) => this.onLatent(m), QOS_SENSOR_DATA);
  }

  private onLatent(msg: Float32MultiArray): void {
    const r = decodeLatent(msg);
    if (!r.ok || r.value.latent.length !== this.latentDim) {
      this.dropped++;
      const why = r.ok ? `${r.value.latent.length} values, expected ${this.latentDim}` : r.reason;
      this.node.logger.throttle('warn', 5, `latent dropped: ${why}`, 'latent.invalid');
      return;
    }
    const ageS = Math.max(0, this.node.nowS() - secondsFromTime(r.value.stamp));
    this.box.put(this.node.steadyNowS() - ageS, r.value.latent);
  }
}

/** Waits for the first stamped latent on `topic` to learn the latent size (split deployment). */
export function firstLatentDim(node: BusNode, topic: string, timeoutS: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const sub = node.createSubscription(
      'std_msgs/msg/Float32MultiArray',
      topic,
      (m) => {
        const r = decodeLatent(m);
        if (settled || !r.ok) return;
        settled = true;
        clearTimeout(timer);
        sub.destroy();
        resolve(r.value.latent.length);
      },
      QOS_SENSOR_DATA,
    );
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      sub.destroy();
      reject(new Error(`no stamped latent on ${node.resolveName(topic)} within ${timeoutS} s (is odra_perception running?)`));
    }, timeoutS * 1000);
  });
}

