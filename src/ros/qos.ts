/**
 * odra QoS → rclnodejs QoS. Always an explicit keep-last profile (never a named one), so what the
 * bus says is what DDS gets: cameras use QOS_SENSOR_DATA (best effort, volatile, depth 5), the
 * rest reliable depth 10, latched state transient-local depth 1.
 */

import type { QoS } from '../bus/qos.ts';
import type { RclQoSClass, RclQoSInstance } from './rclnodejs-types.ts';

export function toRclQos(QoSClass: RclQoSClass, qos: Readonly<QoS>): RclQoSInstance {
  const reliability =
    qos.reliability === 'best_effort'
      ? QoSClass.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT
      : QoSClass.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_RELIABLE;
  const durability =
    qos.durability === 'transient_local'
      ? QoSClass.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL
      : QoSClass.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_VOLATILE;
  return new QoSClass(QoSClass.HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST, qos.depth, reliability, durability);
}
