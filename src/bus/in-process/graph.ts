/**
 * The in-process graph: topics, services, timers, the delivery queues and the scheduler. Internal
 * to the in-process bus; nodes and entities reach it, users go through `InProcessBus`.
 */

import { cloneMessage } from '../clone.ts';
import { BusError } from '../errors.ts';
import { faultProblems, makeFaultState, type FaultState, type TopicFaults } from '../faults.ts';
import { stderrSink, type LogLevel, type LogSink } from '../logger.ts';
import type { ServiceTypeName } from '../messages.ts';
import { expandName } from '../names.ts';
import { qosIncompatibility } from '../qos.ts';
import {
  InProcessTimer,
  type InProcessPublisher,
  type InProcessService,
  type InProcessSubscription,
  type QueuedMessage,
} from './entities.ts';
import type { InProcessNode } from './node.ts';

export type BusClockMode = 'manual' | 'realtime';

export interface InProcessBusOptions {
  /** default 'manual' */
  clock?: BusClockMode;
  /** manual clock's initial time, seconds (default 0) */
  startTimeS?: number;
  /** seed of the fault-injection draws (default 1) */
  seed?: number;
  /** where node loggers write (default: stderr) */
  logSink?: LogSink;
  /** default 'info' */
  logLevel?: LogLevel;
  /** callbacks one spin may run before the bus calls it a livelock (default 1e6) */
  maxCallbacksPerSpin?: number;
}

/** A publisher/subscription pair on one topic that cannot talk, and why. */
export interface Incompatibility {
  topic: string;
  publisherNode: string;
  subscriptionNode: string;
  reason: string;
}

/** Events that fall within this much after a target time still belong to it (float round-off). */
const TIME_EPS_S = 1e-9;

interface InFlight {
  dueS: number;
  seq: number;
  sub: InProcessSubscription<unknown>;
  msg: unknown;
}

/** @internal a service request waiting for a spin */
export interface CallItem {
  kind: 'call';
  name: string;
  type: string;
  request: unknown;
  resolve: (res: unknown) => void;
  reject: (err: unknown) => void;
}

type WorkItem = { kind: 'msg'; sub: InProcessSubscription<unknown>; seq: number } | CallItem;

interface TopicState {
  publishers: InProcessPublisher<unknown>[];
  subscriptions: InProcessSubscription<unknown>[];
  faults: FaultState | null;
}

/** @internal */
export class Graph {
  readonly mode: BusClockMode;
  readonly seed: number;
  readonly logSink: LogSink;
  readonly logLevel: LogLevel;
  readonly maxCallbacksPerSpin: number;
  readonly nodes = new Map<string, InProcessNode>();
  readonly topics = new Map<string, TopicState>();
  readonly services = new Map<string, InProcessService<ServiceTypeName>>();
  readonly incompatibilities: Incompatibility[] = [];
  private readonly timers: InProcessTimer[] = [];
  private timerOrder = 0;
  /** sorted by (dueS, seq) */
  private readonly inFlight: InFlight[] = [];
  private ready: WorkItem[] = [];
  private readyHead = 0;
  private seq = 0;
  private busy = false;
  private timeS: number;
  private readonly steadyOriginMs = performance.now();
  private immediate: NodeJS.Immediate | null = null;
  private timeout: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(opts: InProcessBusOptions) {
    this.mode = opts.clock ?? 'manual';
    this.timeS = opts.startTimeS ?? 0;
    this.seed = opts.seed ?? 1;
    this.logSink = opts.logSink ?? stderrSink;
    this.logLevel = opts.logLevel ?? 'info';
    this.maxCallbacksPerSpin = opts.maxCallbacksPerSpin ?? 1_000_000;
  }

  nowS(): number {
    return this.mode === 'manual' ? this.timeS : (performance.timeOrigin + performance.now()) / 1000;
  }

  steadyS(): number {
    return this.mode === 'manual' ? this.timeS : (performance.now() - this.steadyOriginMs) / 1000;
  }

  private topic(name: string): TopicState {
    let t = this.topics.get(name);
    if (t === undefined) {
      t = { publishers: [], subscriptions: [], faults: null };
      this.topics.set(name, t);
    }
    return t;
  }

  // ----- graph changes

  addNode(node: InProcessNode): void {
    if (this.nodes.has(node.fullyQualifiedName)) {
      throw new BusError('NAME_TAKEN', node.fullyQualifiedName, 'a node with this name exists');
    }
    this.nodes.set(node.fullyQualifiedName, node);
  }

  removeNode(node: InProcessNode): void {
    this.nodes.delete(node.fullyQualifiedName);
  }

  addPublisher(pub: InProcessPublisher<unknown>): void {
    const t = this.topic(pub.topic);
    t.publishers.push(pub);
    for (const sub of t.subscriptions) this.checkPair(pub, sub);
  }

  removePublisher(pub: InProcessPublisher<unknown>): void {
    const t = this.topics.get(pub.topic);
    if (t !== undefined) removeFrom(t.publishers, pub);
  }

  addSubscription(sub: InProcessSubscription<unknown>): void {
    const t = this.topic(sub.topic);
    t.subscriptions.push(sub);
    const late: QueuedMessage[] = [];
    for (const pub of t.publishers) {
      if (this.checkPair(pub, sub) && sub.qos.durability === 'transient_local') late.push(...pub.history);
    }
    // Late joiners get the kept samples in the order they were published.
    late.sort((a, b) => a.seq - b.seq);
    for (const h of late) this.enqueue(sub, cloneMessage(h.msg));
    if (late.length > 0) this.kick();
  }

  removeSubscription(sub: InProcessSubscription<unknown>): void {
    const t = this.topics.get(sub.topic);
    if (t !== undefined) removeFrom(t.subscriptions, sub);
  }

  addService(srv: InProcessService<ServiceTypeName>): void {
    if (this.services.has(srv.name)) throw new BusError('NAME_TAKEN', srv.name, 'a service with this name exists');
    this.services.set(srv.name, srv);
  }

  removeService(srv: InProcessService<ServiceTypeName>): void {
    if (this.services.get(srv.name) === srv) this.services.delete(srv.name);
  }

  addTimer(node: InProcessNode, periodS: number, callback: () => void): InProcessTimer {
    const timer = new InProcessTimer(this, node, periodS, callback, this.timerOrder++);
    this.timers.push(timer);
    this.kick();
    return timer;
  }

  removeTimer(timer: InProcessTimer): void {
    removeFrom(this.timers, timer);
  }

  setFaults(topic: string, faults: TopicFaults | null): void {
    if (faults === null) {
      const t = this.topics.get(topic);
      if (t !== undefined) t.faults = null;
      return;
    }
    const name = expandName(topic, '/', 'bus');
    if (!name.ok || name.name !== topic) throw new BusError('INVALID_NAME', topic, 'faults need a fully qualified topic name');
    const problems = faultProblems(faults);
    if (problems.length > 0) throw new BusError('INVALID_ARGUMENT', topic, `invalid faults: ${problems.join('; ')}`);
    this.topic(topic).faults = makeFaultState(faults, this.seed, topic);
  }

  /** Whether the pair can talk; records and logs why not. */
  private checkPair(pub: InProcessPublisher<unknown>, sub: InProcessSubscription<unknown>): boolean {
    let reason: string | null = null;
    if (pub.type !== sub.type) reason = `type: the subscription takes ${sub.type}, the publisher sends ${pub.type}`;
    else reason = qosIncompatibility(pub.qos, sub.qos);
    if (reason === null) return true;
    this.incompatibilities.push({
      topic: sub.topic,
      publisherNode: pub.node.fullyQualifiedName,
      subscriptionNode: sub.node.fullyQualifiedName,
      reason,
    });
    sub.node.logger.warn(
      `subscription on '${sub.topic}' will receive nothing from the publisher of '${pub.node.fullyQualifiedName}': ${reason}`,
    );
    return false;
  }

  private matches(pub: InProcessPublisher<unknown>, sub: InProcessSubscription<unknown>): boolean {
    return pub.type === sub.type && qosIncompatibility(pub.qos, sub.qos) === null;
  }

  matchedSubscriptions(pub: InProcessPublisher<unknown>): InProcessSubscription<unknown>[] {
    const t = this.topics.get(pub.topic);
    return t === undefined ? [] : t.subscriptions.filter((s) => this.matches(pub, s));
  }

  // ----- delivery

  publish(pub: InProcessPublisher<unknown>, msg: unknown): void {
    const t = this.topics.get(pub.topic);
    if (t === undefined) return;
    if (pub.qos.durability === 'transient_local') {
      pub.history.push({ seq: ++this.seq, msg: cloneMessage(msg) });
      if (pub.history.length > pub.qos.depth) pub.history.shift();
    }
    const faults = t.faults;
    const nowS = this.steadyS();
    for (const sub of t.subscriptions) {
      if (!this.matches(pub, sub)) continue;
      if (faults !== null && faults.dropProbability > 0 && faults.random() < faults.dropProbability) {
        sub.injectedDrops++;
        continue;
      }
      // Each subscription owns its copy, so no two nodes share a buffer.
      const copy = cloneMessage(msg);
      let dueS = nowS;
      if (faults !== null) dueS += faults.latencyS + (faults.jitterS > 0 ? faults.random() * faults.jitterS : 0);
      const lastDueS = pub.lastDueS.get(sub);
      if (lastDueS !== undefined && dueS < lastDueS) dueS = lastDueS;
      pub.lastDueS.set(sub, dueS);
      if (dueS <= nowS) this.enqueue(sub, copy);
      else this.insertInFlight({ dueS, seq: ++this.seq, sub, msg: copy });
    }
    this.kick();
  }

  private enqueue(sub: InProcessSubscription<unknown>, msg: unknown): void {
    const seq = ++this.seq;
    sub.queue.push({ seq, msg });
    if (sub.queue.length > sub.qos.depth) {
      sub.queue.shift();
      sub.queueDrops++;
    }
    this.ready.push({ kind: 'msg', sub, seq });
  }

  enqueueCall(item: CallItem): void {
    this.ready.push(item);
    this.kick();
  }

  private insertInFlight(item: InFlight): void {
    const a = this.inFlight;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = a[mid] as InFlight;
      if (m.dueS < item.dueS || (m.dueS === item.dueS && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, item);
  }

  /** Moves deliveries due at or before `tS` into their queues. */
  private release(tS: number): void {
    let n = 0;
    while (n < this.inFlight.length && (this.inFlight[n] as InFlight).dueS <= tS) n++;
    if (n === 0) return;
    for (const item of this.inFlight.splice(0, n)) {
      if (!item.sub.destroyed) this.enqueue(item.sub, item.msg);
    }
  }

  /** Runs every ready callback, including those readied meanwhile; returns how many ran. */
  private drain(): number {
    let ran = 0;
    try {
      while (this.readyHead < this.ready.length) {
        if (ran >= this.maxCallbacksPerSpin) {
          throw new BusError('LIVELOCK', 'bus', `more than ${this.maxCallbacksPerSpin} callbacks without time moving`);
        }
        const item = this.ready[this.readyHead++] as WorkItem;
        if (item.kind === 'msg') {
          const sub = item.sub;
          const head = sub.queue[0];
          // A token whose message was dropped from a full queue (or whose subscription is gone) is skipped.
          if (sub.destroyed || head === undefined || head.seq !== item.seq) continue;
          sub.queue.shift();
          sub.received++;
          ran++;
          sub.callback(head.msg);
        } else {
          ran++;
          this.serve(item);
        }
      }
    } finally {
      if (this.readyHead >= this.ready.length) {
        this.ready = [];
        this.readyHead = 0;
      }
    }
    return ran;
  }

  private serve(item: CallItem): void {
    const srv = this.services.get(item.name);
    if (srv === undefined || srv.type !== item.type) {
      item.reject(new BusError('SERVICE_UNAVAILABLE', item.name, `no ${item.type} server`));
      return;
    }
    srv.handled++;
    const failed = (e: unknown): void =>
      item.reject(new BusError('SERVICE_FAILED', item.name, e instanceof Error ? e.message : String(e), { cause: e }));
    let out: unknown;
    try {
      out = (srv.handler as (req: unknown) => unknown)(item.request);
    } catch (e) {
      failed(e);
      return;
    }
    Promise.resolve(out).then((res) => item.resolve(cloneMessage(res)), failed);
  }

  private nextTimer(): InProcessTimer | null {
    let best: InProcessTimer | null = null;
    for (const t of this.timers) {
      if (t.canceled) continue;
      if (best === null || t.nextDueS < best.nextDueS || (t.nextDueS === best.nextDueS && t.order < best.order)) best = t;
    }
    return best;
  }

  private fire(timer: InProcessTimer, nowS: number): void {
    timer.periods++;
    // A late realtime timer skips the expiries it missed instead of firing a burst.
    if (timer.nextDueS <= nowS) timer.periods = Math.floor((nowS - timer.originS) / timer.periodS) + 1;
    timer.fired++;
    timer.callback();
  }

  private guard<R>(what: string, body: () => R): R {
    if (this.busy) throw new BusError('REENTRANT', 'bus', `${what} called from inside a callback`);
    this.busy = true;
    try {
      return body();
    } finally {
      this.busy = false;
      // Work a callback created (timers, delayed deliveries) must be scheduled in realtime mode.
      if (this.mode === 'realtime') this.arm();
    }
  }

  spinOnce(): number {
    return this.guard('spinOnce', () => {
      this.release(this.steadyS());
      return this.drain();
    });
  }

  /** Processes every event due up to `targetS` in time order (see the file comment). */
  runUntil(targetS: number): number {
    return this.guard('advance', () => {
      let ran = this.drain();
      for (;;) {
        const timer = this.nextTimer();
        const timerDueS = timer === null ? Number.POSITIVE_INFINITY : timer.nextDueS;
        const msgDueS = this.inFlight.length > 0 ? (this.inFlight[0] as InFlight).dueS : Number.POSITIVE_INFINITY;
        const nextS = Math.min(timerDueS, msgDueS);
        if (!(nextS <= targetS + TIME_EPS_S)) break;
        if (this.mode === 'manual') this.timeS = Math.max(this.timeS, Math.min(nextS, targetS));
        if (msgDueS <= timerDueS) this.release(msgDueS);
        else if (timer !== null) {
          this.fire(timer, this.steadyS());
          ran++;
        }
        ran += this.drain();
      }
      if (this.mode === 'manual') this.timeS = Math.max(this.timeS, targetS);
      return ran;
    });
  }

  advance(dtS: number): number {
    if (this.mode !== 'manual') throw new BusError('INVALID_ARGUMENT', 'bus', 'advance needs the manual clock');
    if (!(Number.isFinite(dtS) && dtS >= 0)) throw new BusError('INVALID_ARGUMENT', 'bus', `advance by ${dtS} s`);
    return this.runUntil(this.timeS + dtS);
  }

  advanceTo(tS: number): number {
    if (this.mode !== 'manual') throw new BusError('INVALID_ARGUMENT', 'bus', 'advanceTo needs the manual clock');
    if (!Number.isFinite(tS)) throw new BusError('INVALID_ARGUMENT', 'bus', `advance to ${tS} s`);
    return this.runUntil(Math.max(tS, this.timeS));
  }

  /** Realtime: make sure pending work runs soon. Manual: nothing (the caller spins). */
  kick(): void {
    if (this.mode !== 'realtime' || this.closed || this.immediate !== null || this.busy) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.wake();
    });
  }

  private wake(): void {
    if (!this.closed) this.runUntil(this.steadyS());
  }

  /** Sets the one realtime timeout to the next timer expiry or delayed delivery. */
  private arm(): void {
    if (this.timeout !== null) clearTimeout(this.timeout);
    this.timeout = null;
    if (this.closed) return;
    if (this.readyHead < this.ready.length) {
      this.kick();
      return;
    }
    const timer = this.nextTimer();
    const nextS = Math.min(
      timer === null ? Number.POSITIVE_INFINITY : timer.nextDueS,
      this.inFlight.length > 0 ? (this.inFlight[0] as InFlight).dueS : Number.POSITIVE_INFINITY,
    );
    if (nextS === Number.POSITIVE_INFINITY) return;
    const delayMs = Math.max(0, (nextS - this.steadyS()) * 1000);
    this.timeout = setTimeout(() => {
      this.timeout = null;
      this.wake();
    }, delayMs);
  }

  pendingDeliveries(): number {
    let n = this.inFlight.length;
    for (const t of this.topics.values()) for (const s of t.subscriptions) n += s.queue.length;
    return n;
  }

  close(): void {
    this.closed = true;
    if (this.immediate !== null) clearImmediate(this.immediate);
    if (this.timeout !== null) clearTimeout(this.timeout);
    this.immediate = null;
    this.timeout = null;
  }
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

