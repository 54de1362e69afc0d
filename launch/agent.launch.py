"""odra agent on a robot: the odra_agent node (lifecycle by default), optionally with odra_perception.

    ros2 launch odra agent.launch.py
    ros2 launch odra agent.launch.py params_file:=/path/to/my_robot.yaml \\
        robot_description:=/path/to/my_robot.urdf namespace:=arm1 autostart:=false

Arguments:
    params_file        ROS 2 parameter file with an `odra_agent:` section (docs/parameters.md)
    robot_description  URDF file of the robot (sets robot.description_file)
    use_sim_time       follow /clock (Gazebo, rosbag) instead of the system clock
    namespace          namespace of the nodes (topics in the parameter file that start with / stay absolute)
    autostart          the lifecycle node configures and activates itself once its models are loaded
    lifecycle          false runs a plain node that starts at once
    split_perception   also start odra_perception and take latents from it (needs perception.encoder)
    log_level          debug, info, warn or error
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare


def generate_launch_description() -> LaunchDescription:
    share = FindPackageShare('odra')
    params_file = LaunchConfiguration('params_file')
    robot_description = LaunchConfiguration('robot_description')
    use_sim_time = LaunchConfiguration('use_sim_time')
    namespace = LaunchConfiguration('namespace')
    autostart = LaunchConfiguration('autostart')
    lifecycle = LaunchConfiguration('lifecycle')
    split_perception = LaunchConfiguration('split_perception')
    log_level = LaunchConfiguration('log_level')

    agent = Node(
        package='odra',
        executable='agent',
        name='odra_agent',
        namespace=namespace,
        output='screen',
        emulate_tty=True,
        parameters=[
            params_file,
            {
                'robot.description_file': ParameterValue(robot_description, value_type=str),
                'use_sim_time': ParameterValue(use_sim_time, value_type=bool),
            },
        ],
        arguments=[
            ['--autostart=', autostart],
            ['--lifecycle=', lifecycle],
            # relative: odra_perception's ~/latent in the same namespace
            ['--latent-topic=', PythonExpression(["'odra_perception/latent' if '", split_perception, "'.lower() in ('true', '1') else ''"])],
            '--ros-args', '--log-level', log_level,
        ],
    )

    perception = Node(
        package='odra',
        executable='perception',
        name='odra_perception',
        namespace=namespace,
        output='screen',
        emulate_tty=True,
        condition=IfCondition(split_perception),
        parameters=[{'use_sim_time': ParameterValue(use_sim_time, value_type=bool)}],
        arguments=['--params-file', params_file, '--ros-args', '--log-level', log_level],
    )

    return LaunchDescription([
        DeclareLaunchArgument('params_file', default_value=PathJoinSubstitution([share, 'config', 'odra_agent.yaml']),
                              description='ROS 2 parameter file with an odra_agent section'),
        DeclareLaunchArgument('robot_description', default_value=PathJoinSubstitution([share, 'config', 'robots', 'odra_arm.urdf']),
                              description='URDF file of the robot (robot.description_file)'),
        DeclareLaunchArgument('use_sim_time', default_value='false', description='follow /clock'),
        DeclareLaunchArgument('namespace', default_value='', description='namespace of the odra nodes'),
        DeclareLaunchArgument('autostart', default_value='true', description='configure and activate once ready'),
        DeclareLaunchArgument('lifecycle', default_value='true', description='false: a plain node that starts at once'),
        DeclareLaunchArgument('split_perception', default_value='false', description='run odra_perception as its own node'),
        DeclareLaunchArgument('log_level', default_value='info', description='debug, info, warn or error'),
        agent,
        perception,
    ])
