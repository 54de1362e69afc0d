/** Planners by name. New planners register here; the agent and the CLI look them up by name. */
import { CemGradientPlanner } from './cem-gradient.ts';
import { CemPlanner } from './cem.ts';
import { GradientPlanner } from './gradient.ts';
import { MppiPlanner } from './mppi.ts';
import type { Planner, PlannerSettings } from './planner.ts';

export type PlannerFactory = (settings: PlannerSettings) => Planner;

const registry = new Map<string, PlannerFactory>([
  ['gradient', (s) => new GradientPlanner(s)],
  ['cem', (s) => new CemPlanner(s)],
  ['mppi', (s) => new MppiPlanner(s)],
  ['cem+gradient', (s) => new CemGradientPlanner(s)],
]);

export function registerPlanner(name: string, factory: PlannerFactory): void {
  registry.set(name, factory);
}

export function plannerNames(): string[] {
  return [...registry.keys()];
}

export function createPlanner(name: string, settings: PlannerSettings): Planner {
  const f = registry.get(name);
  if (!f) throw new Error(`unknown planner "${name}"; registered: ${plannerNames().join(', ')}`);
  return f(settings);
}
