// Writes pod statuses to the API server as upstream's status manager: only when changed, one
// request per pod at a time (later changes coalesce), condition transition times kept, other
// components' conditions merged in, retries with backoff; then deletes pods whose containers
// have stopped (grace period 0, uid precondition).
import type { Condition } from '../../api/kinds/common.ts';
import type { Pod, PodStatus } from '../../api/kinds/pod.ts';
import { conditionOf } from '../../api/kinds/pod-helpers.ts';
import { rfc3339 } from '../../api/names.ts';
import { isGoneOrChanged, statusCodeOf } from '../../api/status.ts';
import { backoffDelay, type BackoffPolicy } from '../../bus/backoff.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Logger } from '../../bus/types.ts';
import { plainEqual } from '../lib/plain-equal.ts';
import { KUBELET_CONDITIONS } from './pod-status.ts';

interface Entry {
  uid: string;
  name: string;
  namespace: string;
  /** The status last written (with times), or the pod's status as first seen. */
  last?: PodStatus;
  pending?: PodStatus;
  delete: boolean;
  deleted: boolean;
  inflight: boolean;
  /** The server's copy changed while a write was pending or in flight: compare again after it. */
  recheck?: boolean;
  /** resourceVersion of the kubelet's last write: copies up to it are not news. */
  writtenRV?: number;
  failures: number;
  timer?: unknown;
}

/** Counters for tests and benchmarks. */
export interface StatusStats {
  writes: number;
  skipped: number;
  deletes: number;
  failures: number;
  /** Echoes of its own writes whose cached copy replaced the manager's (one status object per pod, not two). */
  shared: number;
}

const NO_CONDITIONS: readonly Condition[] = [];

/** Returns `c` with its lastTransitionTime: its own, else `prev`'s same condition's when its status did not change, else `now`. */
function withTransitionTime(c: Condition, prev: PodStatus | undefined, now: number): Condition {
  if (c.lastTransitionTime) return c;
  // conditionOf's loop, not find: ~5 conditions a write, two writes a pod start (a closure each was garbage).
  const old = conditionOf(prev?.conditions, c.type);
  return { ...c, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now) };
}

/** Returns `next` with lastTransitionTime kept from `prev` where a condition's status did not change. */
export function withTransitionTimes(next: PodStatus, prev: PodStatus | undefined, now: number): PodStatus {
  return { ...next, conditions: (next.conditions ?? []).map((c) => withTransitionTime(c, prev, now)) };
}

/** Whether the kubelet's own conditions and the phase are the same in both. */
function sameOwnStatus(a: PodStatus | undefined, b: PodStatus): boolean {
  const own = (s: PodStatus | undefined) => (s?.conditions ?? []).filter((c) => KUBELET_CONDITIONS.has(c.type)).map((c) => `${c.type}=${c.status}`).sort().join(',');
  return own(a) === own(b) && a?.phase === b.phase;
}

/** The kubelet's writer of pod statuses. */
export class StatusManager {
  private readonly pods = new Map<string, Entry>();
  readonly stats: StatusStats = { writes: 0, skipped: 0, deletes: 0, failures: 0, shared: 0 };
  private closed = false;

  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** The latest copy of a pod (the kubelet's informer cache), for conditions others own. */
    private readonly latest: (namespace: string, name: string) => Pod | undefined,
    private readonly retry: BackoffPolicy,
    /**
     * Hands a request body over to the bus (MemoryBus: frozen where it is, so the send does not copy
     * it; a status write per pod start, 30,000 at 1,000 nodes). The manager never changes a body or
     * status after writing it. Default: the body as it is (the bus copies it).
     */
    private readonly handOver: <T>(body: T) => T = (body) => body,
  ) {}

  private entry(pod: Pod): Entry {
    const uid = pod.metadata.uid!;
    let e = this.pods.get(uid);
    if (!e) {
      e = { uid, name: pod.metadata.name!, namespace: pod.metadata.namespace ?? 'default', last: pod.status, delete: false, deleted: false, inflight: false, failures: 0 };
      this.pods.set(uid, e);
    }
    return e;
  }

  /** Asks for `status` to be written; with `deleteAfter`, the pod is deleted once it is. */
  set(pod: Pod, status: PodStatus, deleteAfter: boolean): void {
    const e = this.entry(pod);
    e.pending = status;
    e.delete ||= deleteAfter;
    this.kick(e);
  }

  /** Asks for the pod to be deleted (its containers have stopped). */
  delete(pod: Pod): void {
    const e = this.entry(pod);
    e.delete = true;
    this.kick(e);
  }

  /**
   * Sees the pod as the API server has it now: if the kubelet's own conditions there differ from
   * what it last wrote (e.g. the node controller marked the pod not ready while the node was
   * unreachable), writes its status again, as upstream's status manager reconciles.
   */
  observed(pod: Pod): void {
    const e = this.pods.get(pod.metadata.uid!);
    if (!e || e.deleted) return;
    // The echo of its own last write: keep the informer's copy of that status, not a second one (memory per pod at scale).
    if (e.last && e.last !== pod.status && Number(pod.metadata.resourceVersion) === e.writtenRV && plainEqual(pod.status, e.last)) {
      e.last = pod.status;
      this.stats.shared++;
    }
    if (e.pending || e.inflight || e.timer !== undefined) {
      e.recheck = true; // compared with the latest copy once the write is done (flush)
      return;
    }
    if (!e.last || Number(pod.metadata.resourceVersion) <= (e.writtenRV ?? 0) || sameOwnStatus(pod.status, e.last)) return;
    this.log.debug({ pod: `${e.namespace}/${e.name}` }, 'pod status changed on the server; writing it again');
    e.pending = e.last;
    e.last = undefined;
    this.kick(e);
  }

  /** Forgets a pod whose worker is gone. */
  forget(uid: string): void {
    const e = this.pods.get(uid);
    if (e) this.clock.clearTimeout(e.timer);
    this.pods.delete(uid);
  }

  close(): void {
    this.closed = true;
    for (const e of this.pods.values()) this.clock.clearTimeout(e.timer);
    this.pods.clear();
  }

  private kick(e: Entry): void {
    if (e.inflight || e.timer !== undefined || this.closed) return;
    void this.flush(e);
  }

  private async flush(e: Entry): Promise<void> {
    e.inflight = true;
    const pending = e.pending;
    e.pending = undefined;
    try {
      if (pending) await this.write(e, pending);
      if (e.delete && !e.deleted && !e.pending) {
        await this.client.delete('pods', e.name, { namespace: e.namespace, gracePeriodSeconds: 0, preconditions: { uid: e.uid } });
        e.deleted = true;
        this.stats.deletes++;
      }
      e.failures = 0;
    } catch (err) {
      if (isGoneOrChanged(err)) {
        // The pod is gone or was replaced (another uid): nothing left to write for this one.
        this.log.debug({ pod: `${e.namespace}/${e.name}`, code: statusCodeOf(err) }, 'pod status not written: pod gone');
        e.deleted = true;
        e.pending = undefined;
      } else {
        e.pending ??= pending;
        e.failures++;
        this.stats.failures++;
        const delay = backoffDelay(e.failures, this.retry);
        this.log.warn({ pod: `${e.namespace}/${e.name}`, err: (err as Error).message, retryInMs: delay }, 'pod status write failed; will retry');
        e.timer = this.clock.setTimeout(() => {
          e.timer = undefined;
          this.kick(e);
        }, delay);
      }
    } finally {
      e.inflight = false;
    }
    if (this.pods.get(e.uid) !== e) return;
    if (e.pending || (e.delete && !e.deleted)) return this.kick(e);
    if (e.recheck && e.timer === undefined) {
      e.recheck = false;
      const cur = this.latest(e.namespace, e.name);
      if (cur?.metadata.uid === e.uid) this.observed(cur);
    }
  }

  private async write(e: Entry, status: PodStatus): Promise<void> {
    const cur = this.latest(e.namespace, e.name);
    // Others' conditions as the server has them, then the kubelet's own with their transition times
    // (withTransitionTimes over both, in one pass: a write per pod start, 30,000 pods).
    const conditions: Condition[] = [];
    const now = this.clock.now();
    if (cur?.metadata.uid === e.uid) {
      const others = cur.status?.conditions ?? NO_CONDITIONS;
      for (let i = 0; i < others.length; i++) if (!KUBELET_CONDITIONS.has(others[i].type)) conditions.push(withTransitionTime(others[i], e.last, now));
    }
    const own = status.conditions ?? NO_CONDITIONS;
    for (let i = 0; i < own.length; i++) if (KUBELET_CONDITIONS.has(own[i].type)) conditions.push(withTransitionTime(own[i], e.last, now));
    const next = { ...status, conditions };
    if (e.last && plainEqual(next, e.last)) {
      this.stats.skipped++;
      return;
    }
    const written = await this.client.updateStatus('pods', this.handOver({ apiVersion: 'v1', kind: 'Pod', metadata: { name: e.name, namespace: e.namespace, uid: e.uid }, status: next }));
    e.last = next;
    e.writtenRV = Number(written.metadata.resourceVersion);
    this.stats.writes++;
  }
}
