"""The odra demo in Gazebo Harmonic (gz sim) on ROS 2 Jazzy.

    ros2 launch odra gazebo.launch.py
    ros2 launch odra gazebo.launch.py controller:=joint_trajectory_controller gui:=false

Starts gz sim with launch/worlds/odra_table.sdf, spawns the demo arm from
config/robots/odra_arm.gazebo.urdf.xacro (the URDF plus ros2_control on gz_ros2_control and a
camera), robot_state_publisher, ros_gz_bridge for /clock and the camera, the controller spawners
(joint_state_broadcaster, then the command controller from config/controllers.yaml) and the agent
with use_sim_time, its command interface and output matching the controller.

Arguments:
    controller   forward_velocity_controller (default), forward_position_controller or
                 joint_trajectory_controller
    params_file  the agent's parameter file (default config/odra_agent.yaml)
    world        SDF world (default launch/worlds/odra_table.sdf)
    gui          false runs the server only (headless rendering, the camera still works)
    autostart    the agent configures and activates itself (default true)
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchContext, LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, OpaqueFunction, RegisterEventHandler
from launch.event_handlers import OnProcessExit
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import Command, FindExecutable, LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue

# what the agent must command for each controller (parameters control.command_interface / control.output)
CONTROLLERS = {
    'forward_velocity_controller': {'control.command_interface': 'velocity', 'control.output': 'forward'},
    'forward_position_controller': {'control.command_interface': 'position', 'control.output': 'forward'},
    'joint_trajectory_controller': {'control.command_interface': 'position', 'control.output': 'trajectory'},
}

BRIDGED_TOPICS = [
    '/clock@rosgraph_msgs/msg/Clock[gz.msgs.Clock',
    '/camera/image_raw@sensor_msgs/msg/Image[gz.msgs.Image',
    '/camera/camera_info@sensor_msgs/msg/CameraInfo[gz.msgs.CameraInfo',
]


def truthy(text: str) -> bool:
    return text.strip().lower() in ('true', '1', 'yes', 'on')


def launch_setup(context: LaunchContext, *args, **kwargs):
    controller = LaunchConfiguration('controller').perform(context)
    if controller not in CONTROLLERS:
        raise RuntimeError(f"controller:={controller}: expected one of {', '.join(CONTROLLERS)}")
    share = get_package_share_directory('odra')
    params_file = LaunchConfiguration('params_file').perform(context) or os.path.join(share, 'config', 'odra_agent.yaml')
    world = LaunchConfiguration('world').perform(context) or os.path.join(share, 'launch', 'worlds', 'odra_table.sdf')
    gui = truthy(LaunchConfiguration('gui').perform(context))
    autostart = LaunchConfiguration('autostart').perform(context)

    urdf = os.path.join(share, 'config', 'robots', 'odra_arm.urdf')
    robot_description = ParameterValue(
        Command([
            FindExecutable(name='xacro'), ' ', os.path.join(share, 'config', 'robots', 'odra_arm.gazebo.urdf.xacro'),
            ' urdf_file:=', urdf,
            ' controllers_file:=', os.path.join(share, 'config', 'controllers.yaml'),
        ]),
        value_type=str,
    )

    gz_args = f'-r -v 2 {world}' if gui else f'-r -s --headless-rendering -v 2 {world}'
    gazebo = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(os.path.join(get_package_share_directory('ros_gz_sim'), 'launch', 'gz_sim.launch.py')),
        launch_arguments={'gz_args': gz_args, 'on_exit_shutdown': 'true'}.items(),
    )
    robot_state_publisher = Node(
        package='robot_state_publisher',
        executable='robot_state_publisher',
        output='screen',
        parameters=[{'robot_description': robot_description, 'use_sim_time': True}],
    )
    spawn = Node(
        package='ros_gz_sim',
        executable='create',
        output='screen',
        arguments=['-topic', 'robot_description', '-name', 'odra_arm', '-allow_renaming', 'true'],
    )
    bridge = Node(
        package='ros_gz_bridge',
        executable='parameter_bridge',
        output='screen',
        arguments=BRIDGED_TOPICS,
        parameters=[{'use_sim_time': True}],
    )
    joint_state_broadcaster = Node(
        package='controller_manager',
        executable='spawner',
        arguments=['joint_state_broadcaster', '--controller-manager', '/controller_manager'],
    )
    command_controller = Node(
        package='controller_manager',
        executable='spawner',
        arguments=[controller, '--controller-manager', '/controller_manager'],
    )
    agent = Node(
        package='odra',
        executable='agent',
        name='odra_agent',
        output='screen',
        emulate_tty=True,
        parameters=[params_file, {'robot.description_file': urdf, 'use_sim_time': True, **CONTROLLERS[controller]}],
        arguments=[f'--autostart={autostart}'],
    )
    return [
        gazebo,
        robot_state_publisher,
        spawn,
        bridge,
        # controllers once the robot (and with it the controller manager) exists, broadcaster first
        RegisterEventHandler(OnProcessExit(target_action=spawn, on_exit=[joint_state_broadcaster])),
        RegisterEventHandler(OnProcessExit(target_action=joint_state_broadcaster, on_exit=[command_controller])),
        agent,
    ]


def generate_launch_description() -> LaunchDescription:
    return LaunchDescription([
        DeclareLaunchArgument('controller', default_value='forward_velocity_controller',
                              description='command controller: ' + ', '.join(CONTROLLERS)),
        DeclareLaunchArgument('params_file', default_value='', description="the agent's parameter file (default: the package's)"),
        DeclareLaunchArgument('world', default_value='', description='SDF world (default: launch/worlds/odra_table.sdf)'),
        DeclareLaunchArgument('gui', default_value='true', description='false: server only, headless rendering'),
        DeclareLaunchArgument('autostart', default_value='true', description='the agent configures and activates itself'),
        OpaqueFunction(function=launch_setup),
    ])
