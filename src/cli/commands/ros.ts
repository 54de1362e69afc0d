/**
 * `odra ros agent|perception`: the ROS 2 nodes (the same programs `ros2 run odra agent` and
 * `ros2 run odra perception` start). Needs a sourced ROS 2 and rclnodejs; says so otherwise.
 */
import type { CliIo } from '../command.ts';
import { UsageError } from '../command.ts';

export const summary = 'run the agent (or the perception node) as a ROS 2 node on rclnodejs';

const USAGE = `Usage: odra ros agent [options] [--ros-args ...]
       odra ros perception --params-file FILE [--config-node NAME] [--ros-args ...]

agent: the odra_agent node (a lifecycle node unless --plain).
  --plain                 plain node: configure and activate at start
  --autostart             lifecycle node that configures and activates itself once ready
  --params-file FILE      shorthand for --ros-args --params-file FILE
  --latent-topic TOPIC    take stamped latents from odra_perception (split deployment)
  --latent-wait-s S       wait this long for the first latent (default 30)
  --goal-latent-topic T   goal latents of a split deployment (default: goal_latent beside the
                          latent topic, e.g. /odra_perception/goal_latent)
  With world_model.kind: learned (world_model.model_dir: a directory written by odra train) the
  agent encodes camera frames with the model's encoder and takes its goal as an image on
  ~/goal_image (sensor_msgs/Image or /compressed) or as a latent on ~/goal_latent.

perception: the odra_perception node of a split deployment; publishes ~/latent, and ~/goal_latent
  (latched) for each image on ~/goal_image.
  --params-file FILE      the agent's parameter file (perception.*, topics.*)
  --config-node NAME      its section to read (default odra_agent)

Arguments after --ros-args go to rcl (remaps, -p name:=value, --params-file, --log-level).
ROS 2 must be sourced (source /opt/ros/<distro>/setup.bash) and rclnodejs installed; see docs/ros.md.
`;

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [which, ...rest] = argv;
  if (which === undefined || which === '--help' || which === '-h') {
    io.stdout.write(USAGE);
    return which === undefined ? 2 : 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (which === 'agent') return (await import('../../ros/agent-main.ts')).main(rest);
  if (which === 'perception') return (await import('../../ros/perception-main.ts')).main(rest);
  throw new UsageError(`unknown node '${which}'; expected agent or perception (see 'odra ros --help')`);
}
