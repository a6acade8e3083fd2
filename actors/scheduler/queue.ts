// The scheduling queue (upstream internal/queue/scheduling_queue.go): an active queue ordered by
// priority then time queued, a backoff queue for pods that just failed, and unschedulable pods
// held until a cluster event may help them (or 5 minutes pass). Pure: time is passed in.
import btree from 'sorted-btree';
import { backoffDelay, type BackoffPolicy } from '../../bus/backoff.ts';
import type { PodInfo } from './types.ts';

// sorted-btree is CommonJS: its class is the `default` export of the module object.
const BTree = btree.default;

/** Where a queued pod is: active (ready), backoff, unschedulable (waiting for an event), gated, or in flight. */
export type QueuedWhere = 'active' | 'backoff' | 'unschedulable' | 'gated' | 'inflight';

/** A pod waiting to be scheduled, with its attempt history (upstream QueuedPodInfo). */
export interface QueuedPod {
  key: string;
  info: PodInfo;
  /** When it was (re)queued (first time: when created, if earlier): orders pods of equal priority, and starts backoff. */
  timestamp: number;
  seq: number;
  attempts: number;
  /** Plugins that rejected it last time; empty when it failed for another reason. */
  rejectedBy: Set<string>;
  where: QueuedWhere;
}

/** Queue timings (upstream defaults: 1 s initial backoff, 10 s max, 5 min in unschedulable). */
export interface QueueOptions {
  /** podInitialBackoffSeconds / podMaxBackoffSeconds (1 s / 10 s upstream). */
  backoff: BackoffPolicy;
  /** podMaxInUnschedulablePodsDuration (5 min upstream). */
  maxInUnschedulableMs: number;
}

/** Decides whether a cluster event may make a pod schedulable (the queueing hints). */
export type Hint<E> = (qp: QueuedPod, event: E) => boolean;

const byPriority = (a: QueuedPod, b: QueuedPod) => b.info.priority - a.info.priority || a.timestamp - b.timestamp || a.seq - b.seq;

/** Pending pods in three places as upstream's PriorityQueue; `onEvent` and the flushes move them. */
export class SchedulingQueue<E = unknown> {
  private readonly active = new BTree<QueuedPod, true>(undefined, byPriority);
  private readonly backoff = new BTree<QueuedPod, true>(undefined, (a, b) => this.backoffExpiry(a) - this.backoffExpiry(b) || a.seq - b.seq);
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly pods = new Map<string, QueuedPod>();
  private seq = 0;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly opts: QueueOptions,
    private readonly hint: Hint<E>,
  ) {}

  /** Returns when a pod's backoff ends: last attempt + initial × 2^(attempts−1), capped. */
  backoffExpiry(qp: QueuedPod): number {
    return qp.timestamp + backoffDelay(qp.attempts, this.opts.backoff);
  }

  private put(qp: QueuedPod, where: QueuedWhere): void {
    qp.where = where;
    if (where === 'active') {
      this.active.set(qp, true);
      const w = this.waiter;
      this.waiter = undefined;
      w?.();
    } else if (where === 'backoff') this.backoff.set(qp, true);
    else if (where === 'unschedulable') this.unschedulable.set(qp.key, qp);
  }

  private take(qp: QueuedPod): void {
    if (qp.where === 'active') this.active.delete(qp);
    else if (qp.where === 'backoff') this.backoff.delete(qp);
    else if (qp.where === 'unschedulable') this.unschedulable.delete(qp.key);
  }

  private gated = (info: PodInfo) => (info.pod.spec.schedulingGates?.length ?? 0) > 0;

  /** Queues a new pending pod (an existing one is updated instead); a backlog is ordered by age (creationTimestamp). */
  add(info: PodInfo, now: number): void {
    const cur = this.pods.get(info.key);
    if (cur) return this.update(info, now);
    const created = Date.parse(info.pod.metadata.creationTimestamp ?? '');
    const timestamp = created < now ? created : now;
    const qp: QueuedPod = { key: info.key, info, timestamp, seq: this.seq++, attempts: 0, rejectedBy: new Set(), where: 'active' };
    this.pods.set(qp.key, qp);
    this.put(qp, this.gated(info) ? 'gated' : 'active');
  }

  /** Takes a changed pod (spec or labels, not status): an unschedulable or gated one gets another chance. */
  update(info: PodInfo, now: number): void {
    const qp = this.pods.get(info.key);
    if (!qp) return this.add(info, now);
    const where = qp.where;
    if (where === 'inflight') {
      qp.info = info;
      return;
    }
    this.take(qp);
    qp.info = info;
    if (this.gated(info)) return this.put(qp, 'gated');
    if (where === 'unschedulable' || where === 'gated') return this.put(qp, this.isBackingOff(qp, now) ? 'backoff' : 'active');
    this.put(qp, where);
  }

  /** Forgets a pod (deleted, bound by someone else, or no longer ours). */
  delete(key: string): void {
    const qp = this.pods.get(key);
    if (!qp) return;
    this.take(qp);
    this.pods.delete(key);
  }

  /** Returns the next pod to schedule (marked in flight), or undefined when the active queue is empty. */
  pop(): QueuedPod | undefined {
    const qp = this.active.minKey();
    if (!qp) return undefined;
    this.active.delete(qp);
    qp.where = 'inflight';
    qp.attempts++;
    return qp;
  }

  /** Marks an in-flight pod done for good (it was assumed and bound, or the attempt no longer matters). */
  done(key: string): void {
    const qp = this.pods.get(key);
    if (qp?.where === 'inflight') this.pods.delete(key);
  }

  /** Puts back a pod whose attempt failed: unschedulable pods wait for an event, errors back off. */
  requeue(key: string, failure: { rejectedBy?: Set<string> }, now: number): void {
    const qp = this.pods.get(key);
    if (!qp || qp.where !== 'inflight') return;
    qp.timestamp = now;
    qp.rejectedBy = failure.rejectedBy ?? new Set();
    this.put(qp, failure.rejectedBy ? 'unschedulable' : 'backoff');
  }

  /** Re-admits a pod whose expired assumption left it unbound: it backs off as after a failed attempt. */
  readmit(info: PodInfo, now: number): void {
    if (this.pods.has(info.key)) return;
    const qp: QueuedPod = { key: info.key, info, timestamp: now, seq: this.seq++, attempts: 1, rejectedBy: new Set(), where: 'backoff' };
    this.pods.set(qp.key, qp);
    this.put(qp, 'backoff');
  }

  private isBackingOff(qp: QueuedPod, now: number): boolean {
    return qp.attempts > 0 && this.backoffExpiry(qp) > now;
  }

  /** Moves unschedulable pods the event may help to the active queue (or backoff while it lasts); returns how many moved. */
  onEvent(event: E, now: number): number {
    // Most events (every bound pod's update at scale) find no unschedulable pod: nothing to copy or walk.
    if (this.unschedulable.size === 0) return 0;
    const moving: QueuedPod[] = [];
    for (const qp of this.unschedulable.values()) if (this.hint(qp, event)) moving.push(qp);
    for (const qp of moving) {
      this.take(qp);
      this.put(qp, this.isBackingOff(qp, now) ? 'backoff' : 'active');
    }
    return moving.length;
  }

  /** Moves pods whose backoff ended to the active queue (upstream runs this every second). */
  flushBackoffCompleted(now: number): void {
    for (let qp = this.backoff.minKey(); qp && this.backoffExpiry(qp) <= now; qp = this.backoff.minKey()) {
      this.backoff.delete(qp);
      this.put(qp, 'active');
    }
  }

  /** Moves pods unschedulable for longer than maxInUnschedulableMs (upstream checks every 30 s). */
  flushUnschedulableLeftover(now: number): void {
    for (const qp of [...this.unschedulable.values()])
      if (now - qp.timestamp > this.opts.maxInUnschedulableMs) {
        this.take(qp);
        this.put(qp, this.isBackingOff(qp, now) ? 'backoff' : 'active');
      }
  }

  /** Calls back once when the active queue has a pod (at once if it has one now). */
  whenReady(cb: () => void): void {
    if (this.active.size > 0) return cb();
    this.waiter = cb;
  }

  /** Returns where a pod is, if queued or in flight. */
  where(key: string): QueuedWhere | undefined {
    return this.pods.get(key)?.where;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Pending pods by place (status and tests). */
  counts(): Record<QueuedWhere, number> {
    const c: Record<QueuedWhere, number> = { active: 0, backoff: 0, unschedulable: 0, gated: 0, inflight: 0 };
    for (const qp of this.pods.values()) c[qp.where]++;
    return c;
  }
}
