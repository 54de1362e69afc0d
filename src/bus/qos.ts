/**
 * Quality of service, the part of DDS QoS odra relies on: reliability, durability and a keep-last
 * history depth. Matching follows DDS request/offered rules: a reader asking for more than the writer
 * offers gets nothing.
 */

export type Reliability = 'reliable' | 'best_effort';
export type Durability = 'volatile' | 'transient_local';

export interface QoS {
  reliability: Reliability;
  durability: Durability;
  /** keep-last history depth, ≥ 1 */
  depth: number;
}

/** Cameras and other high-rate sensors (rclcpp's SensorDataQoS). */
export const QOS_SENSOR_DATA: Readonly<QoS> = Object.freeze({ reliability: 'best_effort', durability: 'volatile', depth: 5 });
/** Everything else (rclcpp's default: reliable, volatile, depth 10). */
export const QOS_DEFAULT: Readonly<QoS> = Object.freeze({ reliability: 'reliable', durability: 'volatile', depth: 10 });
/** Latched state a late subscriber must still see (a description, a mode). */
export const QOS_LATCHED: Readonly<QoS> = Object.freeze({ reliability: 'reliable', durability: 'transient_local', depth: 1 });

/** A full profile from a partial one, defaults from QOS_DEFAULT. */
export function qosProfile(partial: Partial<QoS> = {}): QoS {
  return { ...QOS_DEFAULT, ...partial };
}

/** Problems with a profile, empty when it is valid. */
export function qosProblems(qos: QoS): string[] {
  const problems: string[] = [];
  if (qos.reliability !== 'reliable' && qos.reliability !== 'best_effort')
    problems.push(`reliability: expected 'reliable' or 'best_effort', got '${String(qos.reliability)}'`);
  if (qos.durability !== 'volatile' && qos.durability !== 'transient_local')
    problems.push(`durability: expected 'volatile' or 'transient_local', got '${String(qos.durability)}'`);
  if (!Number.isInteger(qos.depth) || qos.depth < 1) problems.push(`depth: expected an integer ≥ 1, got ${qos.depth}`);
  return problems;
}

/**
 * Why a writer and a reader cannot talk, or null when they can: a reliable reader needs a reliable
 * writer, a transient-local reader needs a transient-local writer.
 */
export function qosIncompatibility(writer: QoS, reader: QoS): string | null {
  if (reader.reliability === 'reliable' && writer.reliability === 'best_effort')
    return 'reliability: the subscription requests reliable, the publisher offers best_effort';
  if (reader.durability === 'transient_local' && writer.durability === 'volatile')
    return 'durability: the subscription requests transient_local, the publisher offers volatile';
  return null;
}
