/**
 * `odra_agent` on ROS 2: the agent node (`nodes/agent-node.ts`) on rclnodejs, as a lifecycle node
 * (default) or a plain one (`--plain`, which configures and activates at once).
 *
 *   node dist/ros/agent-main.js [options] [--ros-args ...]      (what `ros2 run odra agent` runs)
 *   odra ros agent [options] [--ros-args ...]
 *
 * Options (before any --ros-args; boolean ones also take =true|false, as launch files pass them):
 *   --plain                 a plain node: configure and activate at start, hold and exit on SIGINT
 *   --lifecycle=<bool>      the opposite of --plain (default true)
 *   --autostart             lifecycle node that configures and activates itself once ready
 *   --params-file <file>    shorthand for `--ros-args --params-file <file>`
 *   --latent-topic <topic>  take stamped latents from a perception node instead of encoding
 *                           camera frames here (split deployment; see docs/ros.md)
 *   --latent-wait-s <s>     how long to wait for the first latent at start (default 30)
 *   --goal-latent-topic <topic>
 *                           goal latents from a perception node (split deployment); default: the
 *                           `goal_latent` beside --latent-topic's `latent`, else ~/goal_latent
 * Everything after `--ros-args` goes to rcl: remaps (`-r __ns:=/arm`), `-p name:=value`,
 * `--params-file`, `--log-level`.
 *
 * Models are loaded once, before the first configure (a lifecycle callback cannot wait): until then
 * configure fails with "still loading"; perception and world_model parameters are read-only, so a
 * later configure reuses them.
 *
 * world_model.kind learned (world_model.model_dir, see learned-model.ts): the predictor is the agent's
 * world model; camera frames are encoded by the model's encoder.onnx, and so are goal images on
 * ~/goal_image (and ~/goal_image/compressed), which become the goal latent. In a split deployment
 * odra_perception encodes both and the agent takes its ~/latent and ~/goal_latent.
 */

import type { OdraConfig } from '../config/schema.ts';
import { fusedKernelNotice } from '../cost/fused.ts';
import type { AgentNodeOptions } from '../nodes/agent-node.ts';
import { PerceptionNode, pipelineConfigFromParams } from '../nodes/perception-node.ts';
import type { PerceptionPipeline } from '../perception/pipeline.ts';
import { loadAgentChain, resolveAgentConfig } from './agent-config.ts';
import { AgentLifecycle, type AgentAssembly, type TransitionResult } from './agent-lifecycle.ts';
import { CameraLatents, firstLatentDim, RemoteLatents } from './latent-input.ts';
import { DT_TOLERANCE, learnedEncoderPipeline, learnedModelProblems, learnedModelWarnings, loadLearnedAgentModel, type LearnedAgentModel } from './learned-model.ts';
import type { LifecycleScope } from './lifecycle-scope.ts';
import { loadRclnodejs, RosUnavailableError } from './load-rclnodejs.ts';
import { isMainModule } from './main-module.ts';
import { createRclNode, type RclNode } from './rcl-bus.ts';
import type { LoadedRclnodejs, RclLifecycleNode } from './rclnodejs-types.ts';

export const AGENT_NODE_NAME = 'odra_agent';

export interface AgentMainOptions {
  plain: boolean;
  autostart: boolean;
  latentTopic: string | null;
  latentWaitS: number;
  /** goal latents in a split deployment; null = derived from latentTopic */
  goalLatentTopic: string | null;
  /** arguments for rcl: `--ros-args` sections, the `--params-file` shorthand turned into one */
  rosArgs: string[];
}

function flag(text: string, name: string): boolean {
  const v = text.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new Error(`${name}=${text}: expected true or false`);
}

/**
 * Splits odra's options from rcl's; throws an Error naming a bad option. Boolean options also take
 * `=true|false` (what launch files pass); empty arguments (unset launch substitutions) are ignored.
 */
export function parseAgentArgs(argv: readonly string[]): AgentMainOptions {
  const out: AgentMainOptions = { plain: false, autostart: false, latentTopic: null, latentWaitS: 30, goalLatentTopic: null, rosArgs: [] };
  const ros = argv.indexOf('--ros-args');
  const own = ros < 0 ? argv : argv.slice(0, ros);
  // parameter files first: rcl applies rules in order, so -p after --ros-args still wins
  const files: string[] = [];
  const value = (i: number, name: string): string => {
    const v = own[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]!;
    if (arg === '') continue;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (name === '--plain') out.plain = inline === undefined ? true : flag(inline, name);
    else if (name === '--lifecycle') out.plain = inline === undefined ? false : !flag(inline, name);
    else if (name === '--autostart') out.autostart = inline === undefined ? true : flag(inline, name);
    else if (name === '--params-file') files.push('--ros-args', '--params-file', inline ?? value(i++, name), '--');
    else if (name === '--latent-topic') {
      const t = inline ?? value(i++, name);
      out.latentTopic = t === '' ? null : t;
    } else if (name === '--latent-wait-s') {
      const text = inline ?? value(i++, name);
      const s = Number(text);
      if (!(s > 0)) throw new Error(`--latent-wait-s must be a number > 0, got ${text}`);
      out.latentWaitS = s;
    } else if (name === '--goal-latent-topic') {
      const t = inline ?? value(i++, name);
      out.goalLatentTopic = t === '' ? null : t;
    } else {
      throw new Error(
        `unknown option '${arg}' (options: --plain, --lifecycle=<bool>, --autostart[=<bool>], --params-file <file>, ` +
          '--latent-topic <topic>, --latent-wait-s <s>, --goal-latent-topic <topic>; rcl arguments go after --ros-args)',
      );
    }
  }
  out.rosArgs.push(...files, ...(ros < 0 ? [] : argv.slice(ros)));
  return out;
}

/**
 * Where goal latents come from in a split deployment: `--goal-latent-topic`, else the `goal_latent`
 * beside a latent topic that ends in `latent` (odra_perception publishes both), else `~/goal_latent`.
 */
export function goalLatentTopicFor(opts: Pick<AgentMainOptions, 'latentTopic' | 'goalLatentTopic'>): string {
  if (opts.goalLatentTopic !== null) return opts.goalLatentTopic;
  const t = opts.latentTopic;
  if (t !== null && (t === 'latent' || t.endsWith('/latent'))) return `${t.slice(0, t.length - 'latent'.length)}goal_latent`;
  return '~/goal_latent';
}

/** Perception resources, loaded once before the first configure. */
type Latents =
  | { kind: 'none' }
  | { kind: 'camera'; pipeline: PerceptionPipeline }
  | { kind: 'remote'; topic: string; latentDim: number };

/** What is loaded before the first configure: the latents' source and, with world_model.kind learned, the model. */
interface Prepared {
  latents: Latents;
  learned: LearnedAgentModel | null;
}

async function prepare(node: RclNode, config: OdraConfig | null, opts: AgentMainOptions): Promise<Prepared> {
  let learned: LearnedAgentModel | null = null;
  if (config !== null && config.world_model.kind === 'learned') {
    learned = await loadLearnedAgentModel(config);
    node.logger.info(`learned world model ${learned.dir}: latent size ${learned.latentDim}, step ${learned.dtS} s, joints [${learned.jointNames.join(', ')}]`);
  }
  try {
    return { latents: await prepareLatents(node, config, opts, learned), learned };
  } catch (e) {
    await learned?.model.dispose();
    throw e;
  }
}

async function prepareLatents(node: RclNode, config: OdraConfig | null, opts: AgentMainOptions, learned: LearnedAgentModel | null): Promise<Latents> {
  if (opts.latentTopic !== null) {
    node.logger.info(`waiting for stamped latents on ${node.resolveName(opts.latentTopic)}`);
    const latentDim = await firstLatentDim(node, opts.latentTopic, opts.latentWaitS);
    return { kind: 'remote', topic: opts.latentTopic, latentDim };
  }
  if (config !== null && learned !== null) {
    const pipeline = await learnedEncoderPipeline(config, { path: learned.encoderPath, latentDim: learned.latentDim }, (m) => node.logger.info(m));
    return { kind: 'camera', pipeline };
  }
  if (config === null || config.perception.encoder === 'none') return { kind: 'none' };
  const { PerceptionPipeline } = await import('../perception/pipeline.ts');
  const p = config.perception;
  const { config: pc, notices } = pipelineConfigFromParams(p);
  for (const n of notices) node.logger.warn(n);
  const pipeline = await PerceptionPipeline.create(pc, { log: (m) => node.logger.info(m) });
  node.logger.info(`perception: ${p.encoder} encoder, latent size ${pipeline.latentDim}, ${p.threads === 0 ? 'one ONNX Runtime thread per core' : `${p.threads} ONNX Runtime thread(s)`}`);
  if (p.threads !== 1 && p.encoder === 'onnx') {
    node.logger.warn(`perception.threads ${p.threads}: the encoder's thread pool shares the cores with the planner inside this process and can delay its ticks; 1 keeps the latency steady (or run the encoder in odra_perception)`);
  }
  return { kind: 'camera', pipeline };
}

function assembleWith(lc: () => AgentLifecycle, resources: () => Prepared | string, goalLatentTopic: string) {
  return (config: OdraConfig, scope: LifecycleScope): AgentAssembly | string => {
    const r = resources();
    if (typeof r === 'string') return r;
    const kind = config.world_model.kind;
    if (kind === 'onnx') {
      return "world_model.kind 'onnx' (a forward-only ONNX world model) is not available in odra's ROS agent yet; use 'learned' (a directory written by odra train) or 'kinematic'";
    }
    const learned = kind === 'learned' ? r.learned : null;
    if (kind === 'learned' && learned === null) return 'world_model.kind learned: no model was loaded at start (world_model.* are read-only: restart the node)';
    const chain = loadAgentChain(config);
    scope.logger.info(fusedKernelNotice(chain));
    const l = r.latents;
    const maxRateHz = (): number => lc().agent?.config.perception.max_rate_hz ?? config.perception.max_rate_hz;
    if (learned === null) {
      if (l.kind === 'none') return { chain };
      if (l.kind === 'remote') {
        const remote = new RemoteLatents(scope, l.topic, l.latentDim);
        return { chain, options: { latentDim: l.latentDim, latentSource: remote.source } };
      }
      const camera = new CameraLatents(scope, l.pipeline, {
        imageTopic: config.topics.image,
        compressedImageTopic: config.topics.compressed_image,
        maxRateHz,
      });
      return { chain, options: { latentDim: camera.latentDim, latentSource: camera.source } };
    }

    // the learned world model: check it against this configuration before creating anything
    const latentDim = l.kind === 'remote' ? l.latentDim : l.kind === 'camera' ? l.pipeline.latentDim : 0;
    const problems = learnedModelProblems(config, learned, chain.jointNames, latentDim);
    if (problems.length > 0) return problems.join('; ');
    for (const w of learnedModelWarnings(config, learned)) scope.logger.warn(w);
    const model = learned.model;
    const options: Omit<AgentNodeOptions, 'chain'> = {
      latentDim,
      createModel: () => model,
      // the model's step is fixed by its training data: a planner step of another length cannot be predicted
      vetoParameters: (candidates) =>
        candidates
          .filter((p) => p.name === 'planner.dt_s' && typeof p.value === 'number' && p.value > 0 && Math.abs(p.value - learned.dtS) > DT_TOLERANCE * learned.dtS)
          .map((p) => `planner.dt_s: the learned world model steps ${learned.dtS} s; only 0 (the control period) or ${learned.dtS} are possible, got ${String(p.value)}`),
    };
    if (l.kind === 'remote') {
      const remote = new RemoteLatents(scope, l.topic, l.latentDim);
      options.latentSource = remote.source;
      options.goalLatentTopic = goalLatentTopic;
    } else if (l.kind === 'camera') {
      // camera frames and goal images through the model's encoder; a goal latent goes to this configure's agent only
      const perception = new PerceptionNode(scope, l.pipeline, {
        imageTopic: config.topics.image,
        compressedImageTopic: config.topics.compressed_image,
        maxRateHz,
        onGoalLatent: (z) => {
          const a = lc().agent;
          if (a !== null && a.node === scope) a.setGoalLatent(z);
        },
      });
      options.latentSource = perception.takeLatent;
    }
    return { chain, options };
  };
}

function returnCode(loaded: LoadedRclnodejs, node: RclNode, what: string, r: TransitionResult): number {
  const codes = loaded.rcl.lifecycle.CallbackReturnCode;
  if (r.ok) return codes.SUCCESS;
  node.logger.error(`${what} failed: ${r.reason}`);
  return codes.FAILURE;
}

/** Binds the lifecycle to an rclnodejs LifecycleNode's transition callbacks. */
function bindLifecycle(loaded: LoadedRclnodejs, node: RclNode, ln: RclLifecycleNode, lc: AgentLifecycle): void {
  ln.registerOnConfigure(() => returnCode(loaded, node, 'configure', lc.configure()));
  ln.registerOnActivate(() => returnCode(loaded, node, 'activate', lc.activate()));
  ln.registerOnDeactivate(() => returnCode(loaded, node, 'deactivate', lc.deactivate()));
  ln.registerOnCleanup(() => returnCode(loaded, node, 'cleanup', lc.cleanup()));
  ln.registerOnShutdown(() => returnCode(loaded, node, 'shutdown', lc.shutdown()));
  ln.registerOnError(() => returnCode(loaded, node, 'error handling', lc.error()));
}

/** Runs the agent until SIGINT/SIGTERM; resolves with the process exit code. */
export async function runAgent(argv: readonly string[], loadedIn?: LoadedRclnodejs): Promise<number> {
  const opts = parseAgentArgs(argv);
  const loaded = loadedIn ?? loadRclnodejs();
  const { rcl } = loaded;
  await rcl.init(undefined, [process.argv0, 'odra_agent', ...opts.rosArgs]);
  rcl.removeSignalHandlers?.();
  const node = createRclNode(loaded, AGENT_NODE_NAME, { lifecycle: !opts.plain });

  // the first configuration decides which models to load; errors surface at configure
  let firstConfig: OdraConfig | null = null;
  try {
    const resolved = resolveAgentConfig(node, node.parameterOverrides());
    firstConfig = resolved.config;
    for (const msg of resolved.ignored) node.logger.warn(`ignored parameter override ${msg}`);
  } catch (e) {
    node.logger.error(e instanceof Error ? e.message : String(e));
  }

  const prepared: { resources: Prepared | string } = { resources: 'models are still loading; configure again in a moment' };
  let lc: AgentLifecycle | null = null;
  const lifecycle = new AgentLifecycle(node, {
    resolveConfig: () => resolveAgentConfig(node, node.parameterOverrides()).config,
    assemble: assembleWith(
      () => lc!,
      () => prepared.resources,
      goalLatentTopicFor(opts),
    ),
  });
  lc = lifecycle;
  const ln = node.lifecycleNode;
  if (ln !== undefined) bindLifecycle(loaded, node, ln, lifecycle);
  node.spin();

  const ready = prepare(node, firstConfig, opts).then(
    (r) => {
      prepared.resources = r;
      return true;
    },
    (e: unknown) => {
      const what = firstConfig?.world_model.kind === 'learned' ? 'the learned world model or perception' : 'perception';
      prepared.resources = `${what} could not be prepared: ${e instanceof Error ? e.message : String(e)}`;
      node.logger.error(prepared.resources);
      return false;
    },
  );

  let exitCode = 0;
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

  if (!(await ready) && opts.plain) {
    // a plain node has no later configure to wait for
    node.logger.error(`cannot start: ${String(prepared.resources)}`);
    exitCode = 1;
  } else if (await ready) {
    if (opts.plain) {
      const r = lifecycle.configure();
      const a = r.ok ? lifecycle.activate() : r;
      if (!a.ok) {
        node.logger.error(`cannot start: ${a.reason}`);
        exitCode = 1;
      }
    } else if (opts.autostart && ln !== undefined) {
      try {
        ln.configure();
        if (lifecycle.state === 'inactive') ln.activate();
      } catch (e) {
        node.logger.error(`autostart: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (lifecycle.state !== 'active') node.logger.error('autostart did not reach the active state (see above)');
    }
  }

  if (exitCode === 0) {
    node.logger.info(ln !== undefined && !opts.autostart ? `lifecycle node ${node.fullyQualifiedName} waiting for configure` : `${node.fullyQualifiedName} running`);
    await stopped;
  }
  // stop moving first: the hold goes out before the node goes away
  if (ln !== undefined && lifecycle.state !== 'finalized') {
    try {
      ln.shutdown();
    } catch {
      lifecycle.shutdown();
    }
  } else if (lifecycle.state !== 'finalized') lifecycle.shutdown();
  await new Promise((r) => setTimeout(r, 200)); // let DDS send the hold
  node.stop();
  node.destroy();
  const r = prepared.resources;
  if (typeof r !== 'string') {
    if (r.latents.kind === 'camera') await r.latents.pipeline.dispose();
    await r.learned?.model.dispose();
  }
  if (!rcl.isShutdown()) rcl.shutdown();
  return exitCode;
}

/** Entry point: prints why it cannot run instead of a stack trace. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await runAgent(argv);
  } catch (e) {
    if (e instanceof RosUnavailableError) process.stderr.write(`${e.message}\n`);
    else process.stderr.write(`odra_agent: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (isMainModule(import.meta.url)) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
