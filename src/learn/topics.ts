/** The topics a play recording holds and the trainer reads (defaults: odra's own names; a real robot's bag may differ). */

export interface PlayTopics {
  /** sensor_msgs/msg/Image or sensor_msgs/msg/CompressedImage */
  image: string;
  /** sensor_msgs/msg/JointState */
  jointStates: string;
  /** std_msgs/msg/Float64MultiArray velocity commands in joint order */
  commands: string;
}

export const DEFAULT_PLAY_TOPICS: PlayTopics = {
  image: '/camera/image_raw',
  jointStates: '/joint_states',
  commands: '/forward_velocity_controller/commands',
};
