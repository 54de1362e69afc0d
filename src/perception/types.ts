/** Perception data types: ROS image messages as rclnodejs gives them, decoded images, drop reasons. */

export interface TimeMsg {
  sec: number;
  nanosec: number;
}

export interface HeaderMsg {
  stamp: TimeMsg;
  frame_id: string;
}

/** sensor_msgs/msg/Image. */
export interface ImageMsg {
  header?: HeaderMsg;
  height: number;
  width: number;
  encoding: string;
  /** 0/1 in ROS messages; booleans accepted. */
  is_bigendian: number | boolean;
  /** Bytes per row, including any padding. */
  step: number;
  data: Uint8Array | readonly number[];
}

/** sensor_msgs/msg/CompressedImage. */
export interface CompressedImageMsg {
  header?: HeaderMsg;
  /** e.g. 'jpeg', 'bgr8; jpeg compressed bgr8', '16UC1; compressedDepth png'. */
  format: string;
  data: Uint8Array | readonly number[];
}

export type ImageKind = 'rgb' | 'mono' | 'depth';

/**
 * A decoded image: HWC float32. rgb: 3 channels in R, G, B order, values in [0, 1].
 * mono: 1 channel in [0, 1]. depth: 1 channel in metres, NaN where invalid.
 */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  kind: ImageKind;
  data: Float32Array;
  /** Depth only: 1 where the pixel holds a valid depth, 0 where it is NaN. */
  valid?: Uint8Array;
}

/** Why a frame was dropped. Counted per reason by the pipeline. */
export type DropReason =
  /** Not an object, or a field has the wrong type. */
  | 'bad_message'
  /** Width or height zero, negative or not an integer. */
  | 'bad_size'
  /** More pixels than `maxPixels`. */
  | 'too_large'
  | 'unknown_encoding'
  /** Row stride smaller than a row of pixels, or not an integer. */
  | 'bad_step'
  /** Fewer bytes than height × step. */
  | 'short_data'
  /** Compressed bytes the decoder rejects (truncated, garbage). */
  | 'corrupt_compressed'
  /** A compressed format odra does not read (e.g. compressedDepth rvl). */
  | 'unsupported_format'
  /** Camera frame arrived while the previous one was still being encoded. */
  | 'busy'
  /** The encoder failed at run time. */
  | 'encoder_failed'
  /** The encoder returned NaN or infinite values. */
  | 'non_finite_latent'
  /** An image file could not be read. */
  | 'file_unreadable';

export const DROP_REASONS: readonly DropReason[] = [
  'bad_message',
  'bad_size',
  'too_large',
  'unknown_encoding',
  'bad_step',
  'short_data',
  'corrupt_compressed',
  'unsupported_format',
  'busy',
  'encoder_failed',
  'non_finite_latent',
  'file_unreadable',
];

export interface Dropped {
  ok: false;
  reason: DropReason;
  /** Human-readable detail for logs. */
  detail: string;
}

export type DecodeResult = { ok: true; image: DecodedImage } | Dropped;

/** Default cap on decoded pixels: 4096 × 4096. */
export const DEFAULT_MAX_PIXELS = 4096 * 4096;

export interface DecodeOptions {
  /** Frames with more pixels than this are dropped as 'too_large' before anything is allocated. */
  maxPixels?: number;
}
