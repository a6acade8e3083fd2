// The DaemonSet's core loop as upstream's manage/podsShouldBeOnNode and updateDaemonSetStatus:
// which nodes need a pod, which pods must go, and the status counts. Pure.
import type { DaemonSet, DaemonSetStatus } from '../../../api/kinds/daemonset.ts';
import type { Node } from '../../../api/kinds/node.ts';
import { isPodAvailable, isPodReady, isPodTerminal } from '../../../api/kinds/pod-helpers.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { scaledValue } from '../../../api/kinds/common.ts';
import { backoffDelay, type BackoffPolicy } from '../../../bus/backoff.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.ts';
import { nodeShouldRunDaemonPod, targetNodeName } from './daemonset.nodes.ts';

/** Backoff between deleting failed daemon pods on a node (upstream failedPodsBackoff: 1 s doubling to 15 min). */
export const FAILED_POD_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 15 * 60_000 };

/** Per-node backoff for failed daemon pods (flowcontrol.Backoff with explicit time). */
export class FailedPodBackoff {
  private readonly entries = new Map<string, { n: number; at: number }>();
  constructor(private readonly policy: BackoffPolicy = FAILED_POD_BACKOFF) {}

  /** Returns the remaining wait for `key` at `now` (0 when not backing off). */
  remaining(key: string, now: number): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, e.at + backoffDelay(e.n, this.policy) - now) : 0;
  }

  /** Records one more failure for `key` at `now`; the delay resets after twice the maximum without failures. */
  next(key: string, now: number): void {
    const e = this.entries.get(key);
    const stale = !e || now - e.at > 2 * this.policy.maxMs;
    this.entries.set(key, { n: stale ? 1 : e.n + 1, at: now });
  }
}

/** Returns pods ordered scheduled first, then oldest, then by name (podByCreationTimestampAndPhase). */
export function byCreation(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => {
    const sa = a.spec.nodeName ? 0 : 1;
    const sb = b.spec.nodeName ? 0 : 1;
    if (sa !== sb) return sa - sb;
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    return ta === tb ? (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '') : ta < tb ? -1 : 1;
  });
}

/** Returns the daemon's pods grouped by target node, dropping terminal pods already being deleted (getNodesToDaemonPods). */
export function podsByNode(pods: readonly Pod[], includeDeletedTerminal = false): Map<string, Pod[]> {
  const m = new Map<string, Pod[]>();
  for (const p of pods) {
    if (!includeDeletedTerminal && isPodTerminal(p) && p.metadata.deletionTimestamp) continue;
    const node = targetNodeName(p);
    if (!node) continue;
    m.set(node, [...(m.get(node) ?? []), p]);
  }
  return m;
}

/** Returns maxSurge as a count of `desired` (0 unless RollingUpdate; percentages round up; util.SurgeCount). */
export function surgeCount(ds: DaemonSet, desired: number): number {
  const st = ds.spec.updateStrategy;
  return st?.type === 'RollingUpdate' ? scaledValue(st.rollingUpdate?.maxSurge ?? 0, desired, true) : 0;
}

/** Returns maxUnavailable as a count of `desired` (percentages round up; util.UnavailableCount). */
export function unavailableCount(ds: DaemonSet, desired: number): number {
  const st = ds.spec.updateStrategy;
  return st?.type === 'RollingUpdate' ? scaledValue(st.rollingUpdate?.maxUnavailable ?? 1, desired, true) : 0;
}

/** An Event the controller records on the DaemonSet. */
export interface DaemonEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What one pass of the core loop wants done. */
export interface ManagePlan {
  /** Nodes that need a new daemon pod. */
  create: string[];
  delete: Pod[];
  events: DaemonEvent[];
  /** When a failed pod's backoff runs out (reconcile again then). */
  requeueAfterMs?: number;
}

/** Returns the pods to create and delete on one node (upstream podsShouldBeOnNode). */
function podsShouldBeOnNode(ds: DaemonSet, node: Node, pods: Pod[] | undefined, hash: string, now: number, backoff: FailedPodBackoff, plan: ManagePlan): void {
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
  const name = node.metadata.name!;
  if (shouldRun && !pods) {
    plan.create.push(name);
    return;
  }
  if (!pods) return;
  if (!shouldContinueRunning) {
    for (const p of pods) if (!p.metadata.deletionTimestamp) plan.delete.push(p);
    return;
  }
  const running: Pod[] = [];
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    const where = `${p.metadata.namespace}/${p.metadata.name} on node ${name}`;
    if (p.status?.phase === 'Failed') {
      const key = `${ds.metadata.uid}/${ds.status?.observedGeneration ?? 0}/${name}`;
      const wait = backoff.remaining(key, now);
      if (wait > 0) {
        plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, wait);
        continue;
      }
      backoff.next(key, now);
      plan.events.push({ type: 'Warning', reason: 'FailedDaemonPod', message: `Found failed daemon pod ${where}, will try to kill it` });
      plan.delete.push(p);
    } else if (p.status?.phase === 'Succeeded') {
      plan.events.push({ type: 'Normal', reason: 'SucceededDaemonPod', message: `Found succeeded daemon pod ${where}, will try to delete it` });
      plan.delete.push(p);
    } else running.push(p);
  }
  const sorted = byCreation(running);
  if (surgeCount(ds, 1) <= 0) {
    // Without surge, only the oldest pod stays.
    plan.delete.push(...sorted.slice(1));
    return;
  }
  if (sorted.length <= 1) {
    if (sorted.length === 0 && shouldRun) plan.create.push(name);
    return;
  }
  // With surge: keep the oldest new and the oldest old pod, and the old one only while the new one is not yet available.
  let oldestNew: Pod | undefined;
  let oldestOld: Pod | undefined;
  for (const p of sorted) {
    const isNew = p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
    if (isNew && !oldestNew) oldestNew = p;
    else if (!isNew && !oldestOld) oldestOld = p;
    else plan.delete.push(p);
  }
  if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec.minReadySeconds ?? 0, now))) plan.delete.push(oldestOld);
}

/** Returns the pods to create and delete so every eligible node runs exactly one daemon pod (upstream manage). */
export function manage(ds: DaemonSet, nodes: readonly Node[], byNode: Map<string, Pod[]>, hash: string, now: number, backoff: FailedPodBackoff): ManagePlan {
  const plan: ManagePlan = { create: [], delete: [], events: [] };
  for (const node of nodes) podsShouldBeOnNode(ds, node, byNode.get(node.metadata.name!), hash, now, backoff, plan);
  // Unscheduled pods aimed at nodes that no longer exist would never be scheduled nor collected.
  const names = new Set(nodes.map((n) => n.metadata.name));
  for (const [node, pods] of byNode) if (!names.has(node)) for (const p of pods) if (!p.spec.nodeName) plan.delete.push(p);
  return plan;
}

/** Returns the DaemonSet status counts from nodes and pods (upstream updateDaemonSetStatus). */
export function daemonStatus(ds: DaemonSet, nodes: readonly Node[], byNode: Map<string, Pod[]>, hash: string, now: number): Required<Pick<DaemonSetStatus, 'desiredNumberScheduled' | 'currentNumberScheduled' | 'numberMisscheduled' | 'numberReady' | 'updatedNumberScheduled' | 'numberAvailable' | 'numberUnavailable'>> {
  const s = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0 };
  for (const node of nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    const pods = byNode.get(node.metadata.name!) ?? [];
    if (!shouldRun) {
      if (pods.length) s.numberMisscheduled++;
      continue;
    }
    s.desiredNumberScheduled++;
    if (!pods.length) continue;
    s.currentNumberScheduled++;
    const pod = byCreation(pods)[0];
    if (isPodReady(pod)) {
      s.numberReady++;
      if (isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, now)) s.numberAvailable++;
    }
    if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) s.updatedNumberScheduled++;
  }
  s.numberUnavailable = s.desiredNumberScheduled - s.numberAvailable;
  return s;
}
