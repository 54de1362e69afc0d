/**
 * The agent's lifecycle (ROS 2 managed node), independent of rclnodejs so it is tested on the
 * in-process bus; `agent-main.ts` binds it to a LifecycleNode's callbacks.
 *
 *   configure   resolve the configuration (rcl overrides, then current values), load the robot,
 *               create the agent node (`nodes/agent-node.ts`) with its entities, timers paused
 *   activate    start the control and diagnostics timers
 *   deactivate  stop the timers, drop any command a running tick still produces, publish a hold
 *   cleanup     release every entity; parameters stay declared with their current values
 *   shutdown    hold if active, then release
 *   error       hold, then release (the node goes back to unconfigured)
 *
 * The hold: zero velocities (velocity interface), the measured positions (position interface), or
 * a one-point trajectory at the measured positions (trajectory output). Forward command
 * controllers keep the last command forever, so a node that stops must say "stop".
 */

import type { Float64MultiArray, JointTrajectory } from '../bus/messages.ts';
import type { BusNode } from '../bus/port.ts';
import type { OdraConfig } from '../config/schema.ts';
import { AgentNode, type AgentNodeOptions } from '../nodes/agent-node.ts';
import { commandMessage, trajectoryMessage } from '../nodes/outputs.ts';
import type { KinematicChain } from '../robot/chain.ts';
import { buildSafetyLimits } from '../safety/limits.ts';
import { LifecycleScope } from './lifecycle-scope.ts';

export type LifecycleStateName = 'unconfigured' | 'inactive' | 'active' | 'finalized';

export type TransitionResult = { ok: true } | { ok: false; reason: string };

/** What configure needs besides the node: made fresh at each configure, from the resolved configuration. */
export interface AgentAssembly {
  chain: KinematicChain;
  /** the rest of `AgentNodeOptions` (latent size and source, world model, seed) */
  options?: Omit<AgentNodeOptions, 'chain'>;
}

export interface AgentLifecycleOptions {
  /** the configuration for this configure; throws ConfigError (or any Error) to refuse it */
  resolveConfig: () => OdraConfig;
  /**
   * Builds the robot chain and whatever else the agent needs on `scope` (e.g. camera
   * subscriptions); a string refuses the configure with that reason (models still loading).
   */
  assemble: (config: OdraConfig, scope: LifecycleScope) => AgentAssembly | string;
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class AgentLifecycle {
  private current: LifecycleStateName = 'unconfigured';
  private scope: LifecycleScope | null = null;
  private agentNode: AgentNode | null = null;
  private chain: KinematicChain | null = null;
  /** holds published by deactivate / shutdown / error */
  holds = 0;

  constructor(
    readonly node: BusNode,
    private readonly opts: AgentLifecycleOptions,
  ) {}

  get state(): LifecycleStateName {
    return this.current;
  }

  /** The agent node while configured, else null. */
  get agent(): AgentNode | null {
    return this.agentNode;
  }

  configure(): TransitionResult {
    if (this.current !== 'unconfigured') return { ok: false, reason: `cannot configure from ${this.current}` };
    const scope = new LifecycleScope(this.node);
    try {
      const config = this.opts.resolveConfig();
      const assembled = this.opts.assemble(config, scope);
      if (typeof assembled === 'string') {
        scope.release();
        return { ok: false, reason: assembled };
      }
      this.agentNode = new AgentNode(scope, config, { ...assembled.options, chain: assembled.chain });
      this.chain = assembled.chain;
    } catch (e) {
      scope.release();
      return { ok: false, reason: reasonOf(e) };
    }
    this.scope = scope;
    this.current = 'inactive';
    this.node.logger.info(`configured: ${this.agentNode.jointNames.length} joints, planner ${this.agentNode.config.planner.name}`);
    return { ok: true };
  }

  activate(): TransitionResult {
    if (this.current !== 'inactive' || this.scope === null) return { ok: false, reason: `cannot activate from ${this.current}` };
    this.scope.activate();
    this.current = 'active';
    this.node.logger.info('active: control loop running');
    return { ok: true };
  }

  deactivate(): TransitionResult {
    if (this.current !== 'active' || this.scope === null) return { ok: false, reason: `cannot deactivate from ${this.current}` };
    this.scope.deactivate();
    this.publishHold();
    this.current = 'inactive';
    this.node.logger.info('inactive: control loop stopped, hold sent');
    return { ok: true };
  }

  cleanup(): TransitionResult {
    if (this.current !== 'inactive') return { ok: false, reason: `cannot clean up from ${this.current}` };
    this.release();
    this.current = 'unconfigured';
    return { ok: true };
  }

  /** From any state but finalized: hold if active, release everything. */
  shutdown(): TransitionResult {
    if (this.current === 'finalized') return { ok: false, reason: 'already finalized' };
    if (this.current === 'active') {
      this.scope?.deactivate();
      this.publishHold();
    }
    this.release();
    this.current = 'finalized';
    return { ok: true };
  }

  /** A transition failed with an error: hold, release, back to unconfigured. */
  error(): TransitionResult {
    this.scope?.deactivate();
    if (this.agentNode !== null) this.publishHold();
    this.release();
    this.current = 'unconfigured';
    return { ok: true };
  }

  /**
   * The hold message for the configured output and the topic it goes to, or null when nothing
   * safe can be said (a position hold before any joint state was received).
   */
  holdMessage(): { topic: string; msg: Float64MultiArray | JointTrajectory } | null {
    const a = this.agentNode;
    const chain = this.chain;
    if (a === null || chain === null) return null;
    const cfg = a.config;
    const dof = a.jointNames.length;
    const measured = a.measuredPosition;
    const measuredOk = measured !== null && measured.length === dof && measured.every(Number.isFinite);
    if (cfg.control.output === 'forward') {
      if (cfg.control.command_interface === 'velocity') {
        return { topic: cfg.topics.velocity_commands, msg: commandMessage(new Float64Array(dof)) };
      }
      return measuredOk ? { topic: cfg.topics.position_commands, msg: commandMessage(Float64Array.from(measured)) } : null;
    }
    if (!measuredOk) return null;
    const limits = buildSafetyLimits(a.jointNames, chain.limits, {
      positionMarginRad: cfg.safety.position_margin_rad,
      velocityScale: cfg.safety.velocity_scale,
      defaultMaxAccRadS2: cfg.safety.max_acceleration_rad_s2,
    });
    const held = Float64Array.from(measured);
    const msg = trajectoryMessage({
      stampS: this.node.nowS(),
      jointNames: a.jointNames,
      command: { interface: 'position', values: held, hold: true, publish: true },
      measured: held,
      plan: null,
      qOffset: 0,
      qdOffset: 0,
      stateDim: 0,
      maxPoints: 1,
      limits,
      controlDtS: 1 / cfg.control.rate_hz,
    });
    return { topic: cfg.topics.joint_trajectory, msg };
  }

  private publishHold(): void {
    const hold = this.holdMessage();
    const pub = hold === null ? undefined : this.scope?.publisherOn(hold.topic);
    if (hold === null || pub === undefined) {
      this.node.logger.warn('no hold sent: no joint state received yet, nothing safe to command');
      return;
    }
    pub.publish(hold.msg);
    this.holds++;
  }

  private release(): void {
    this.agentNode?.destroy();
    this.scope?.release();
    this.agentNode = null;
    this.scope = null;
    this.chain = null;
  }
}
