/**
 * `tick`: camera frame → joint command through the node logic on the in-process bus. The embedded
 * simulator node renders a camera frame and publishes joint states; a perception subscriber encodes
 * the frame (PerceptionPipeline, small CNN on ONNX Runtime); the agent node's next tick takes the
 * latent and the joint state, plans, filters and publishes the command, which the simulator receives.
 *
 * The manual clock runs in lockstep: the agent's timer is phased 1 ms of bus time after the camera's,
 * so every command is planned from the frame just before it, and bus time between them costs no
 * wall time. Latency = wall time from the frame's delivery to the command's delivery.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '../../src/bus/in-process.ts';
import type { Image, JointState } from '../../src/bus/messages.ts';
import { QOS_SENSOR_DATA } from '../../src/bus/qos.ts';
import { packageRoot } from '../../src/cli/package-root.ts';
import { loadArm, loadSimConfig } from '../../src/cli/sim-world.ts';
import { AgentNode } from '../../src/nodes/agent-node.ts';
import { PerceptionPipeline } from '../../src/perception/pipeline.ts';
import { SimNode } from '../../src/sim/sim-node.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { smallCnn } from '../models/onnx-nets.ts';
import { GOAL_Q, START_Q } from '../problems.ts';
import { checkTarget, type SuiteContext, type TickReport } from '../report.ts';
import { summarize } from '../stats.ts';
import { DEFAULT_ENCODER_THREADS } from '../../src/perception/onnx-encoder.ts';

/** bus time between a camera frame and the agent tick that uses it, s */
const PHASE_S = 0.001;
/** ticks between goal switches, so the arm keeps moving */
const GOAL_PERIOD = 40;

export async function runTick(ctx: SuiteContext): Promise<TickReport> {
  const warmup = ctx.quick ? 10 : 40;
  const measured = ctx.quick ? 60 : 600;
  const root = packageRoot();
  const { config } = loadSimConfig({ cwd: root });
  const arm = loadArm(config, root);
  const dtS = 1 / config.control.rate_hz;
  const dir = await mkdtemp(join(tmpdir(), 'odra-bench-'));
  const modelFile = join(dir, 'small-cnn.onnx');
  await writeFile(modelFile, smallCnn(64).bytes);
  const pipeline = await PerceptionPipeline.create({ encoder: { kind: 'onnx', modelPath: modelFile, executionProviders: ctx.backends.onnx.providers } });
  const sim = await Simulator.create({ robot: arm.robot, urdfPath: arm.robotFile, commandInterface: config.control.command_interface, jointNames: [...arm.chain.jointNames] });
  const bus = new InProcessBus({ clock: 'manual', logLevel: 'error' });
  try {
    sim.reset(START_Q);
    const simNode = new SimNode(bus.createNode('odra_sim'), sim, {
      camera: { rateHz: config.control.rate_hz, width: 64, height: 64 },
      topics: { jointStates: config.topics.joint_states, velocityCommands: config.topics.velocity_commands, positionCommands: config.topics.position_commands, image: config.topics.image },
    });
    bus.advanceTo(PHASE_S);
    // written by bus callbacks, read by the loop
    const seen: { latent: { stampS: number; z: Float32Array } | null; frameAtMs: number; commandAtMs: number; encodeMs: number; encoding: Promise<void> | null } = {
      latent: null,
      frameAtMs: Number.NaN,
      commandAtMs: Number.NaN,
      encodeMs: Number.NaN,
      encoding: null,
    };
    const probe = bus.createNode('bench_probe');
    probe.createSubscription(
      'sensor_msgs/msg/Image',
      config.topics.image,
      (msg: Image) => {
        const at = performance.now();
        seen.frameAtMs = at;
        const stampS = probe.steadyNowS();
        seen.encoding = pipeline.encodeMessage(msg).then((r) => {
          seen.encodeMs = performance.now() - at;
          if (r.ok) seen.latent = { stampS, z: r.latent };
        });
      },
      QOS_SENSOR_DATA,
    );
    const commandTopic = config.control.command_interface === 'velocity' ? config.topics.velocity_commands : config.topics.position_commands;
    probe.createSubscription('std_msgs/msg/Float64MultiArray', commandTopic, () => {
      seen.commandAtMs = performance.now();
    });
    const goalPub = probe.createPublisher('sensor_msgs/msg/JointState', '/odra_agent/goal_joints');
    const sendGoal = (q: readonly number[]): void => {
      const goal: JointState = { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, name: [...arm.chain.jointNames], position: Float64Array.from(q), velocity: new Float64Array(0), effort: new Float64Array(0) };
      goalPub.publish(goal);
    };
    const agentNode = new AgentNode(bus.createNode('odra_agent'), config, {
      chain: arm.chain,
      latentDim: pipeline.latentDim,
      latentSource: () => {
        const l = seen.latent;
        seen.latent = null;
        return l;
      },
    });
    const latency: number[] = [];
    const encodes: number[] = [];
    const ticks: number[] = [];
    const plans: number[] = [];
    const around: number[] = [];
    let missed = 0;
    for (let k = 1; k <= warmup + measured; k++) {
      if (k % GOAL_PERIOD === 1) {
        sendGoal(Math.floor(k / GOAL_PERIOD) % 2 === 0 ? GOAL_Q : START_Q);
        bus.spinOnce();
      }
      seen.frameAtMs = Number.NaN;
      seen.commandAtMs = Number.NaN;
      seen.encoding = null;
      // the camera frame (and joint states) of this period; its encoding finishes before the tick
      bus.advanceTo(k * dtS + PHASE_S / 2);
      if (seen.encoding !== null) await seen.encoding;
      bus.advanceTo(k * dtS + (3 * PHASE_S) / 2);
      await agentNode.idle();
      bus.spinOnce();
      const tel = agentNode.lastTelemetry;
      if (k <= warmup) continue;
      if (!Number.isFinite(seen.frameAtMs) || !Number.isFinite(seen.commandAtMs) || tel === null) {
        missed++;
        continue;
      }
      const ms = seen.commandAtMs - seen.frameAtMs;
      latency.push(ms);
      encodes.push(seen.encodeMs);
      ticks.push(tel.tickMs);
      if (tel.plan !== null) plans.push(tel.plan.ms);
      around.push(ms - (tel.plan?.ms ?? 0));
    }
    if (latency.length === 0) throw new Error(`tick bench: no frame led to a command (${simNode.stats.images} frames, ${agentNode.stats.published} commands)`);
    const notes = [
      `${simNode.stats.images} frames rendered, ${agentNode.stats.published} commands sent, ${agentNode.stats.overruns} overruns`,
      'the simulator and camera rendering run before the frame is delivered and are not part of the latency',
      `the encoder runs on ${DEFAULT_ENCODER_THREADS} ONNX Runtime thread(s) (perception.threads default)`,
    ];
    const aroundPlan = summarize(around);
    if (missed > 0) notes.push(`${missed} ticks had no frame or no command and were not counted`);
    return {
      path: 'SimNode camera → bus → PerceptionPipeline (small CNN, ONNX Runtime) → AgentNode tick (agent.step: memory, planner, safety) → command on the bus → SimNode',
      ticks: latency.length,
      latency: summarize(latency),
      encode: summarize(encodes),
      agentTick: summarize(ticks),
      plan: summarize(plans),
      aroundPlan,
      target: checkTarget({
        id: 'tick-around-plan',
        description: 'everything around the planner in a tick (decode, encode 64×64, memory, safety, bus), p99',
        case: 'tick',
        measured: aroundPlan.p99Ms,
        unit: 'ms',
        op: '<=',
        target: 5,
      }),
      latentDim: pipeline.latentDim,
      planner: `${config.planner.name} ${config.planner.samples} samples × horizon ${config.planner.horizon} × ${config.planner.iterations} iterations`,
      notes,
    };
  } finally {
    bus.destroy();
    sim.dispose();
    await pipeline.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}
