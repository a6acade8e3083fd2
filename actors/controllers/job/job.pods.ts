// A Job's pods as upstream's job controller sees them: the tracking finalizer, when a pod counts
// as failed, when it finished, which pods go first when there are too many. Pure.
import type { Job } from '../../../api/kinds/job.ts';
import { isPodReady, podCondition } from '../../../api/kinds/pod-helpers.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { parseRfc3339 } from '../../../api/names.ts';

/** The finalizer that keeps a pod until the Job has counted it (batch.JobTrackingFinalizer). */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

/** The Job kind as owner references name it. */
export const JOB_API_VERSION = 'batch/v1';
export const JOB_KIND = 'Job';

/** Returns whether the pod still carries the tracking finalizer. */
export const hasTrackingFinalizer = (pod: Pod): boolean => !!pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER);

/** Returns whether only Failed pods are replaced (podReplacementPolicy Failed; upstream onlyReplaceFailedPods). */
export const onlyReplaceFailedPods = (job: Job): boolean => job.spec.podReplacementPolicy === 'Failed';

/** Returns whether a pod counts as failed: phase Failed, or (unless only failed pods are replaced) deleted before succeeding. */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** Returns whether a pod is being deleted but still running (controller.CountTerminatingPods). */
export const isTerminatingPod = (pod: Pod): boolean =>
  !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded';

const ms = (s: string | undefined): number | undefined => {
  if (!s) return undefined;
  const t = parseRfc3339(s);
  return Number.isNaN(t) ? undefined : t;
};

/** Returns when a pod finished: its last container's end, its Ready=False transition, its deletion, or its creation (getFinishedTime). */
export function finishedTime(pod: Pod): number {
  const statuses = pod.status?.containerStatuses ?? [];
  if (statuses.length) {
    let latest: number | undefined = -Infinity;
    for (const c of statuses) {
      const t = ms(c.state?.terminated?.finishedAt);
      if (t === undefined) {
        latest = undefined;
        break;
      }
      latest = Math.max(latest, t);
    }
    if (latest !== undefined) return latest;
  }
  const ready = podCondition(pod, 'Ready');
  const readyFalse = ready?.status === 'False' ? ms(ready.lastTransitionTime) : undefined;
  if (readyFalse !== undefined) return readyFalse;
  const deleted = ms(pod.metadata.deletionTimestamp);
  if (deleted !== undefined) return deleted - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return ms(pod.metadata.creationTimestamp) ?? 0;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const restarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));

/** Returns active pods ordered for removal, earliest-stage first (controller.ActivePods): unassigned, pending, not ready, most recently ready, most restarts, newest. */
export function byRemovalOrder(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => {
    if (!!a.spec.nodeName !== !!b.spec.nodeName) return a.spec.nodeName ? 1 : -1;
    const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
    const pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
    if (pa !== pb) return pa - pb;
    if (isPodReady(a) !== isPodReady(b)) return isPodReady(a) ? 1 : -1;
    if (isPodReady(a)) {
      const ra = ms(podCondition(a, 'Ready')?.lastTransitionTime) ?? 0;
      const rb = ms(podCondition(b, 'Ready')?.lastTransitionTime) ?? 0;
      if (ra !== rb) return rb - ra;
    }
    if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
    const ca = a.metadata.creationTimestamp ?? '';
    const cb = b.metadata.creationTimestamp ?? '';
    return ca === cb ? 0 : ca > cb ? -1 : 1;
  });
}

/** Returns the sum of container restarts of running or pending pods exceeding backoffLimit, for restartPolicy OnFailure (pastBackoffLimitOnFailure). */
export function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  let sum = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) sum += c.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? sum > 0 : sum >= limit;
}
