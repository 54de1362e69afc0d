/**
 * Recording play data in the embedded simulator: smooth random joint velocities (Ornstein–Uhlenbeck)
 * with occasional pauses, always through the safety filter, kept inside the play region and turned away from keep-out zones,
 * the table and self-contact before they are reached. Each control tick records the camera image
 * (sensor_msgs/Image rgb8), the joint state (sensor_msgs/JointState) and the executed command
 * (std_msgs/Float64MultiArray), stamped with simulated time; episodes are separated by a time gap.
 */
import type { KinematicChain } from '../robot/chain.ts';
import type { RobotModel } from '../robot/types.ts';
import { SafetyFilter } from '../safety/filter.ts';
import { buildSafetyLimits } from '../safety/limits.ts';
import type { SafetyLimits } from '../safety/types.ts';
import { CameraRenderer } from '../sim/camera.ts';
import { Rng } from '../sim/random.ts';
import { Simulator } from '../sim/simulator.ts';
import type { KeepOutZone } from '../sim/keep-out.ts';
import { McapRecorder } from './mcap/writer.ts';
import { nsToRosTime, secondsToNs } from './mcap/time.ts';
import { OrnsteinUhlenbeck } from './ou-noise.ts';
import { DEFAULT_PLAY_TOPICS, type PlayTopics } from './topics.ts';
import { ClearanceChecker, DEFAULT_CLEARANCE, type ClearanceMargins, type JointRegion } from './workspace.ts';

export interface PlayRecordingOptions {
  out: string;
  episodes: number;
  stepsPerEpisode: number;
  seed: number;
  /** control period, s */
  dtS: number;
  robot: RobotModel;
  /** the URDF text (inertials, colours) */
  urdfXml: string;
  chain: KinematicChain;
  /** keep-out boxes [minX, minY, minZ, maxX, maxY, maxZ]* in the base frame, m */
  keepOutBoxes: Float64Array;
  region: JointRegion;
  cameraWidth?: number;
  cameraHeight?: number;
  topics?: PlayTopics;
  /** OU correlation time, s; default 0.6 */
  timeConstantS?: number;
  /** OU stationary speed per joint, rad/s; default 0.4 (capped at half the joint's limit) */
  speedRadS?: number;
  /**
   * share of the time the arm is commanded to stand still (pauses of 0.4–1.2 s), so the model also sees
   * what a zero command does, which is what a planner asks for at its goal; default 0.15
   */
  pauseShare?: number;
  /** how far ahead the clearance is checked at the current velocity, s; default 0.4 */
  lookaheadS?: number;
  margins?: ClearanceMargins;
  /** safety filter: margin inside the URDF limits, rad; default 0.05 */
  positionMarginRad?: number;
  /** safety filter acceleration limit, rad/s²; default 4 */
  maxAccelerationRadS2?: number;
  /** called after each episode */
  onEpisode?: (done: number, total: number) => void;
}

export interface PlayRecordingSummary {
  file: string;
  episodes: number;
  frames: number;
  simulatedS: number;
  wallS: number;
  /** ticks on which the OU velocity was replaced to turn away from a zone, the table or self-contact */
  redirects: number;
  /** safety-filter interventions by kind */
  interventions: Record<string, number>;
  /** ground truth from the simulator: ticks with a joint beyond its URDF limit */
  limitViolationTicks: number;
  /** ground truth from the simulator: ticks with any penetration of a keep-out zone */
  keepOutViolationTicks: number;
  maxPenetrationM: number;
  /** smallest sphere clearance to a keep-out zone seen, m */
  minZoneClearanceM: number;
  droppedMessages: number;
}

/** A configuration drawn uniformly from the region that keeps every margin (with extra slack). */
export function sampleClearConfiguration(rng: Rng, region: JointRegion, checker: ClearanceChecker, margins: ClearanceMargins, out: Float64Array, slackM = 0.03): boolean {
  const bigger: ClearanceMargins = { zoneM: margins.zoneM + slackM, tableM: margins.tableM + slackM, selfM: margins.selfM };
  for (let attempt = 0; attempt < 2000; attempt++) {
    for (let j = 0; j < out.length; j++) out[j] = rng.uniform(region.lower[j]!, region.upper[j]!);
    if (checker.clear(out, bigger)) return true;
  }
  return false;
}

export async function recordPlay(opts: PlayRecordingOptions): Promise<PlayRecordingSummary> {
  const problems: string[] = [];
  if (!(Number.isInteger(opts.episodes) && opts.episodes > 0)) problems.push(`episodes: must be a positive integer, got ${opts.episodes}`);
  if (!(Number.isInteger(opts.stepsPerEpisode) && opts.stepsPerEpisode >= 2)) problems.push(`stepsPerEpisode: must be an integer ≥ 2, got ${opts.stepsPerEpisode}`);
  if (!(opts.dtS > 0 && opts.dtS <= 1)) problems.push(`dtS: must be in (0, 1] s, got ${opts.dtS}`);
  if (!Number.isFinite(opts.seed)) problems.push(`seed: must be a finite number, got ${opts.seed}`);
  if (problems.length > 0) throw new RangeError(`record: invalid options:\n  ${problems.join('\n  ')}`);

  const t0 = performance.now();
  const chain = opts.chain;
  const names = [...chain.jointNames];
  const dof = chain.dof;
  const dt = opts.dtS;
  const topics = opts.topics ?? DEFAULT_PLAY_TOPICS;
  const margins = opts.margins ?? DEFAULT_CLEARANCE;
  const lookahead = opts.lookaheadS ?? 0.4;
  const sim = await Simulator.create({ robot: opts.robot, urdfXml: opts.urdfXml, commandInterface: 'velocity', jointNames: names });
  const camera = new CameraRenderer({ width: opts.cameraWidth ?? 64, height: opts.cameraHeight ?? 64 });
  const checker = new ClearanceChecker(chain, opts.keepOutBoxes, 0);
  const zones: KeepOutZone[] = [];
  for (let o = 0; o + 6 <= opts.keepOutBoxes.length; o += 6) {
    const b = opts.keepOutBoxes;
    zones.push({ box: { min: [b[o]!, b[o + 1]!, b[o + 2]!], max: [b[o + 3]!, b[o + 4]!, b[o + 5]!] } });
  }
  const limits: SafetyLimits = buildSafetyLimits(names, chain.limits, {
    positionMarginRad: opts.positionMarginRad ?? 0.05,
    velocityScale: 1,
    defaultMaxAccRadS2: opts.maxAccelerationRadS2 ?? 4,
  });
  const speed = opts.speedRadS ?? 0.4;
  const std = Float64Array.from(limits.maxVel, (v) => Math.min(speed, 0.5 * v));
  const ou = new OrnsteinUhlenbeck(dof, opts.timeConstantS ?? 0.6, std);
  const pauseShare = Math.min(0.9, Math.max(0, opts.pauseShare ?? 0.15));
  const meanPauseS = 0.8;
  // chance per tick of starting a pause, so that pauses fill pauseShare of the time on average
  const pauseChance = pauseShare > 0 ? Math.min(1, ((pauseShare / (1 - pauseShare)) * dt) / meanPauseS) : 0;
  const rng = new Rng(opts.seed);

  const rec = await McapRecorder.open(opts.out, {
    metadata: {
      kind: 'play',
      dt_s: String(dt),
      seed: String(opts.seed),
      episodes: String(opts.episodes),
      steps_per_episode: String(opts.stepsPerEpisode),
      joints: names.join(','),
      image_topic: topics.image,
      joint_state_topic: topics.jointStates,
      command_topic: topics.commands,
    },
  });
  rec.addTopic(topics.image, 'sensor_msgs/msg/Image');
  rec.addTopic(topics.jointStates, 'sensor_msgs/msg/JointState');
  rec.addTopic(topics.commands, 'std_msgs/msg/Float64MultiArray');

  const summary: PlayRecordingSummary = {
    file: opts.out,
    episodes: opts.episodes,
    frames: 0,
    simulatedS: 0,
    wallS: 0,
    redirects: 0,
    interventions: {},
    limitViolationTicks: 0,
    keepOutViolationTicks: 0,
    maxPenetrationM: 0,
    minZoneClearanceM: Infinity,
    droppedMessages: 0,
  };
  const q = new Float64Array(dof);
  const qd = new Float64Array(dof);
  const effort = new Float64Array(dof);
  const mu = new Float64Array(dof);
  const requested = new Float64Array(dof);
  const ahead = new Float64Array(dof);
  const candidate = new Float64Array(dof);
  const best = new Float64Array(dof);
  const camPos = new Float64Array(3);
  const camMat = new Float64Array(9);
  const gapS = 1;
  try {
    for (let e = 0; e < opts.episodes; e++) {
      const start = new Float64Array(dof);
      if (!sampleClearConfiguration(rng, opts.region, checker, margins, start)) throw new Error('record: found no clear start configuration in the play region');
      sim.reset(start);
      ou.reset(rng);
      // a fresh filter per episode: its rate limits start from rest, like the arm
      const filter = new SafetyFilter(names, limits, { commandInterface: 'velocity', positionMarginRad: 0, velocityScale: 1, jointStateMaxAgeS: 1, perceptionMaxAgeS: null });
      const episodeStartS = gapS + e * (opts.stepsPerEpisode * dt + gapS);
      let pauseTicks = 0;
      for (let k = 0; k < opts.stepsPerEpisode; k++) {
        const tS = episodeStartS + k * dt;
        const ns = secondsToNs(tS);
        const stamp = nsToRosTime(ns);
        sim.jointPositions(q);
        sim.jointVelocities(qd);
        sim.jointEfforts(effort);
        sim.cameraPose(camPos, camMat);
        const image = camera.render(sim.geomPoses(), camPos, camMat, tS);
        image.header.stamp = stamp;
        rec.write(topics.image, image, ns);
        rec.write(
          topics.jointStates,
          { header: { stamp, frame_id: '' }, name: names, position: Array.from(q), velocity: Array.from(qd), effort: Array.from(effort) },
          ns,
        );

        // drift back into the region; free wandering inside it
        for (let j = 0; j < dof; j++) {
          const lo = opts.region.lower[j]!;
          const hi = opts.region.upper[j]!;
          mu[j] = q[j]! < lo ? 2 * (lo - q[j]!) : q[j]! > hi ? 2 * (hi - q[j]!) : 0;
        }
        const v = ou.step(rng, dt, mu);
        for (let j = 0; j < dof; j++) ahead[j] = q[j]! + lookahead * v[j]!;
        if (!checker.clear(ahead, margins)) {
          summary.redirects++;
          // candidates: stop, reverse, and random directions; keep the one with the most slack ahead
          let bestSlack = -Infinity;
          for (let c = 0; c < 18; c++) {
            for (let j = 0; j < dof; j++) candidate[j] = c === 0 ? 0 : c === 1 ? -v[j]! : rng.normal(0, std[j]!);
            for (let j = 0; j < dof; j++) ahead[j] = q[j]! + lookahead * candidate[j]!;
            const s = checker.slack(ahead, margins);
            if (s > bestSlack) {
              bestSlack = s;
              best.set(candidate);
            }
          }
          v.set(best);
        }
        if (pauseTicks === 0 && rng.next() < pauseChance) pauseTicks = Math.round(rng.uniform(0.4, 1.2) / dt);
        if (pauseTicks > 0) {
          pauseTicks--;
          requested.fill(0);
        } else requested.set(v);
        const out = filter.filter({
          requested,
          measuredPosition: q,
          measuredVelocity: qd,
          dtS: dt,
          nowS: tS,
          jointStateStampS: tS,
          perceptionStampS: null,
        });
        const command = Float64Array.from(out.command);
        rec.write(topics.commands, { layout: { dim: [], data_offset: 0 }, data: Array.from(command) }, ns);
        sim.setCommand(command);
        sim.step(dt);
        summary.frames++;
        summary.minZoneClearanceM = Math.min(summary.minZoneClearanceM, checker.measure(sim.jointPositions(q)).zone);
        if (sim.limitViolations() > 0) summary.limitViolationTicks++;
        if (zones.length > 0) {
          const pen = sim.keepOutPenetration(zones);
          if (pen > 0) summary.keepOutViolationTicks++;
          summary.maxPenetrationM = Math.max(summary.maxPenetrationM, pen);
        }
        // let the recorder's drain write to disk between ticks
        if (k % 8 === 7) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      for (const [kind, n] of Object.entries(filter.counts())) if (n > 0) summary.interventions[kind] = (summary.interventions[kind] ?? 0) + n;
      summary.simulatedS += opts.stepsPerEpisode * dt;
      opts.onEpisode?.(e + 1, opts.episodes);
    }
  } finally {
    await rec.close();
    sim.dispose();
  }
  summary.droppedMessages = rec.problems().dropped;
  summary.wallS = (performance.now() - t0) / 1000;
  return summary;
}
