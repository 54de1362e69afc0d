/**
 * `/diagnostics` for the agent node: one DiagnosticStatus per subsystem (joint states, planner,
 * safety, inputs), judged over the window since the previous report (1 s) plus the current state.
 */
import { DIAGNOSTIC_LEVEL, makeHeader, type DiagnosticArray, type DiagnosticStatus, type KeyValue } from '../bus/messages.ts';

/** What happened since the last report; reset after each one. */
export class DiagnosticsWindow {
  ticks = 0;
  /** ticks skipped because the previous one was still running */
  overruns = 0;
  plans = 0;
  planMsSum = 0;
  planMsMax = 0;
  /** plans slower than the control period */
  slowPlans = 0;
  plannerErrors = 0;
  lastPlannerError = '';
  jointStates = 0;
  readonly interventions = new Map<string, number>();
  readonly drops = new Map<string, number>();

  addIntervention(kind: string): void {
    this.interventions.set(kind, (this.interventions.get(kind) ?? 0) + 1);
  }

  addDrop(input: string, reason: string): void {
    const key = `${input}.${reason}`;
    this.drops.set(key, (this.drops.get(key) ?? 0) + 1);
  }

  clear(): void {
    this.ticks = 0;
    this.overruns = 0;
    this.plans = 0;
    this.planMsSum = 0;
    this.planMsMax = 0;
    this.slowPlans = 0;
    this.plannerErrors = 0;
    this.lastPlannerError = '';
    this.jointStates = 0;
    this.interventions.clear();
    this.drops.clear();
  }
}

export interface DiagnosticsState {
  nodeName: string;
  stampS: number;
  /** seconds since the newest accepted joint state (Infinity when none yet) */
  jointStateAgeS: number;
  jointStateMaxAgeS: number;
  planner: string;
  controlPeriodMs: number;
  estopped: boolean;
  hasGoal: boolean;
}

function kv(key: string, value: number | string): KeyValue {
  return { key, value: typeof value === 'number' ? String(Number(value.toPrecision(6))) : value };
}

function status(name: string, level: number, message: string, hardwareId: string, values: KeyValue[]): DiagnosticStatus {
  return { level, name, message, hardware_id: hardwareId, values };
}

export function diagnosticsMessage(s: DiagnosticsState, w: DiagnosticsWindow): DiagnosticArray {
  const hw = s.nodeName;
  const prefix = `${s.nodeName.replace(/^\//, '')}: `;
  const statuses: DiagnosticStatus[] = [];

  const fresh = s.jointStateAgeS <= s.jointStateMaxAgeS;
  statuses.push(
    status(
      `${prefix}joint_states`,
      fresh ? DIAGNOSTIC_LEVEL.OK : DIAGNOSTIC_LEVEL.STALE,
      !Number.isFinite(s.jointStateAgeS) ? 'no joint state received' : fresh ? 'fresh' : `stale: ${s.jointStateAgeS.toFixed(3)} s old`,
      hw,
      [kv('age_s', Number.isFinite(s.jointStateAgeS) ? s.jointStateAgeS : -1), kv('max_age_s', s.jointStateMaxAgeS), kv('received', w.jointStates)],
    ),
  );

  const meanMs = w.plans > 0 ? w.planMsSum / w.plans : 0;
  let pLevel: number = DIAGNOSTIC_LEVEL.OK;
  let pMsg = w.plans > 0 ? `${w.plans} plans, max ${w.planMsMax.toFixed(1)} ms of ${s.controlPeriodMs.toFixed(1)} ms` : s.hasGoal ? 'not planning' : 'idle (no goal)';
  if (w.overruns > 0 || w.slowPlans > 0) {
    pLevel = DIAGNOSTIC_LEVEL.WARN;
    pMsg = `overrun: ${w.slowPlans} plans slower than the ${s.controlPeriodMs.toFixed(1)} ms period, ${w.overruns} ticks skipped`;
  }
  if (w.plannerErrors > 0) {
    pLevel = DIAGNOSTIC_LEVEL.ERROR;
    pMsg = `${w.plannerErrors} planner errors: ${w.lastPlannerError}`;
  }
  statuses.push(
    status(`${prefix}planner`, pLevel, pMsg, hw, [
      kv('planner', s.planner),
      kv('ticks', w.ticks),
      kv('plans', w.plans),
      kv('plan_ms_mean', meanMs),
      kv('plan_ms_max', w.planMsMax),
      kv('period_ms', s.controlPeriodMs),
      kv('slow_plans', w.slowPlans),
      kv('skipped_ticks', w.overruns),
      kv('errors', w.plannerErrors),
    ]),
  );

  let interventions = 0;
  for (const n of w.interventions.values()) interventions += n;
  const sLevel = s.estopped ? DIAGNOSTIC_LEVEL.ERROR : interventions > 0 ? DIAGNOSTIC_LEVEL.WARN : DIAGNOSTIC_LEVEL.OK;
  const sMsg = s.estopped ? 'e-stop latched (call ~/reset)' : interventions > 0 ? `${interventions} interventions` : 'no interventions';
  statuses.push(
    status(`${prefix}safety`, sLevel, sMsg, hw, [kv('estop', s.estopped ? 'true' : 'false'), ...[...w.interventions].map(([k, n]) => kv(k, n))]),
  );

  let drops = 0;
  for (const n of w.drops.values()) drops += n;
  statuses.push(
    status(
      `${prefix}inputs`,
      drops > 0 ? DIAGNOSTIC_LEVEL.WARN : DIAGNOSTIC_LEVEL.OK,
      drops > 0 ? `${drops} messages dropped` : 'all inputs accepted',
      hw,
      [...w.drops].map(([k, n]) => kv(k, n)),
    ),
  );
  return { header: makeHeader(s.stampS), status: statuses };
}
