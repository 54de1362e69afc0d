/** Closes the loop: the agent commands velocities, a kinematic plant integrates them exactly. */
import { Agent } from '../../src/agent/agent.ts';
import type { AgentSettings } from '../../src/agent/settings.ts';
import type { KinematicChain } from '../../src/robot/chain.ts';
import { boxClearance } from './helpers.ts';

export interface EpisodeResult {
  reached: boolean;
  ticks: number;
  finalJointErr: number;
  finalEeErr: number;
  limitViolations: number;
  keepOutViolations: number;
  planMs: number[];
}

export async function runEpisode(
  chain: KinematicChain,
  settings: AgentSettings,
  start: Float64Array,
  goal: { joints?: Float64Array; eePosition?: Float64Array },
  opts: { maxTicks?: number; box?: Float64Array } = {},
): Promise<EpisodeResult> {
  const dof = chain.dof;
  const s: AgentSettings = opts.box ? { ...settings, keepOutBoxes: Array.from(opts.box) } : settings;
  const agent = new Agent({ chain, settings: s });
  agent.setGoal(goal.joints ? { joints: goal.joints } : { eePosition: goal.eePosition! });
  const q = start.slice();
  const qd = new Float64Array(dof);
  const fk = chain.createFkResult(1);
  const dt = s.controlDtS;
  const res: EpisodeResult = { reached: false, ticks: 0, finalJointErr: Infinity, finalEeErr: Infinity, limitViolations: 0, keepOutViolations: 0, planMs: [] };
  const maxTicks = opts.maxTicks ?? 200;
  for (let tick = 1; tick <= maxTicks; tick++) {
    const now = tick * dt;
    const out = await agent.step(now, { jointState: { stampS: now, names: chain.jointNames, position: q, velocity: qd } });
    if (out.telemetry.plan) res.planMs.push(out.telemetry.plan.ms);
    for (let j = 0; j < dof; j++) {
      qd[j] = out.command.values[j]!;
      q[j]! += dt * qd[j]!;
      const l = chain.limits[j]!;
      if ((l.lower !== undefined && q[j]! < l.lower - 1e-9) || (l.upper !== undefined && q[j]! > l.upper + 1e-9)) res.limitViolations++;
    }
    if (opts.box && boxClearance(chain, q, opts.box) < 0) res.keepOutViolations++;
    chain.fk(q, 1, fk);
    let jErr = 0;
    if (goal.joints) for (let j = 0; j < dof; j++) jErr = Math.max(jErr, Math.abs(q[j]! - goal.joints[j]!));
    const eErr = goal.eePosition ? Math.hypot(fk.eePos[0]! - goal.eePosition[0]!, fk.eePos[1]! - goal.eePosition[1]!, fk.eePos[2]! - goal.eePosition[2]!) : 0;
    res.ticks = tick;
    res.finalJointErr = jErr;
    res.finalEeErr = eErr;
    if (goal.joints ? jErr < 0.01 : eErr < 0.005) {
      res.reached = true;
      break;
    }
  }
  return res;
}
