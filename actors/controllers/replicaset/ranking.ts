// Which pods a ReplicaSet deletes first when it scales down: upstream's ActivePodsWithRanks
// (pkg/controller/controller_utils.go) with its default feature gates (PodDeletionCost and
// LogarithmicScaleDown on). Pure.
import type { Pod } from '../../../api/kinds/pod.ts';
import { isPodActive, isPodReady, podCondition } from '../../../api/kinds/pod-helpers.ts';
import { parseRfc3339 } from '../../../api/names.ts';

/** The annotation that lets users order scale-down (lower cost goes first). */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** A pod with its rank: how many active related pods share its node. */
export interface RankedPod {
  pod: Pod;
  rank: number;
}

/** Returns the deletion cost of a pod (0 when absent or not an int32, as upstream). */
export function deletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST];
  if (v === undefined || !/^[+-]?\d+$/.test(v.trim())) return 0;
  const n = Number(v.trim());
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

const time = (s: string | undefined): number | undefined => {
  if (!s) return undefined;
  const t = parseRfc3339(s);
  return Number.isNaN(t) ? undefined : t;
};

const readySince = (pod: Pod): number | undefined => (isPodReady(pod) ? time(podCondition(pod, 'Ready')?.lastTransitionTime) : undefined);

/** afterOrZero: a zero (unknown) time counts as after any other. */
const afterOrZero = (a: number | undefined, b: number | undefined): boolean => (a === undefined || b === undefined ? a === undefined : a > b);

/** Returns the difference of the base-2 logarithms of the ages (in ns, as Go's Duration) of two times. */
function logRankDiff(a: number, b: number, now: number): number {
  const bucket = (t: number) => {
    const ns = (now - t) * 1e6;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return bucket(a) - bucket(b);
}

/** Compares two times the way upstream orders them: newer (and zero) first, in logarithmic buckets, uid as tie-break. */
function newerFirst(a: Pod, ta: number | undefined, b: Pod, tb: number | undefined, now: number): boolean {
  if (ta === undefined || tb === undefined) return afterOrZero(ta, tb);
  const diff = logRankDiff(ta, tb, now);
  if (diff === 0) return (a.metadata.uid ?? '') < (b.metadata.uid ?? '');
  return diff < 0;
}

/** Returns [regular, sidecar] restart maxima of a pod (upstream maxContainerRestarts). */
function maxRestarts(pod: Pod): [number, number] {
  let regular = 0;
  for (const c of pod.status?.containerStatuses ?? []) regular = Math.max(regular, c.restartCount ?? 0);
  const sidecars = new Set((pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  let sidecar = 0;
  for (const c of pod.status?.initContainerStatuses ?? []) if (sidecars.has(c.name)) sidecar = Math.max(sidecar, c.restartCount ?? 0);
  return [regular, sidecar];
}

/** Returns whether `a` should be deleted before `b` (upstream ActivePodsWithRanks.Less). */
export function deleteBefore(a: RankedPod, b: RankedPod, now: number): boolean {
  const [pa, pb] = [a.pod, b.pod];
  const [na, nb] = [pa.spec.nodeName ?? '', pb.spec.nodeName ?? ''];
  // 1. Unassigned < assigned.
  if (na !== nb && (na === '' || nb === '')) return na === '';
  // 2. Pending < Unknown < Running.
  const [oa, ob] = [PHASE_ORDINAL[pa.status?.phase ?? ''] ?? 0, PHASE_ORDINAL[pb.status?.phase ?? ''] ?? 0];
  if (oa !== ob) return oa < ob;
  // 3. Not ready < ready.
  const [ra, rb] = [isPodReady(pa), isPodReady(pb)];
  if (ra !== rb) return !ra;
  // 4. Lower pod-deletion-cost < higher.
  const [ca, cb] = [deletionCost(pa), deletionCost(pb)];
  if (ca !== cb) return ca < cb;
  // 5. More active siblings on the same node first.
  if (a.rank !== b.rank) return a.rank > b.rank;
  // 6. Ready for less time first (both ready).
  if (ra && rb) {
    const [ta, tb] = [readySince(pa), readySince(pb)];
    if (ta !== tb) return newerFirst(pa, ta, pb, tb, now);
  }
  // 7. Higher restart counts first (regular containers, then sidecars).
  const [[ga, sa], [gb, sb]] = [maxRestarts(pa), maxRestarts(pb)];
  if (ga !== gb) return ga > gb;
  if (sa !== sb) return sa > sb;
  // 8. Newer first (empty creation time first).
  const [ka, kb] = [time(pa.metadata.creationTimestamp), time(pb.metadata.creationTimestamp)];
  if (ka !== kb) return newerFirst(pa, ka, pb, kb, now);
  return false;
}

/** Returns each pod ranked by the number of active `related` pods on its node (getPodsRankedByRelatedPodsOnSameNode). */
export function rankBySiblings(pods: readonly Pod[], related: readonly Pod[]): RankedPod[] {
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(p.spec.nodeName ?? '', (onNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
  return pods.map((pod) => ({ pod, rank: onNode.get(pod.spec.nodeName ?? '') ?? 0 }));
}

/** Returns the `diff` pods to delete first among `pods` (getPodsToDelete); `related` are all pods of the sibling ReplicaSets. */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], diff: number, now: number): Pod[] {
  if (diff >= pods.length) return pods.slice(0, diff);
  const ranked = rankBySiblings(pods, related);
  ranked.sort((a, b) => (deleteBefore(a, b, now) ? -1 : deleteBefore(b, a, now) ? 1 : 0));
  return ranked.slice(0, diff).map((r) => r.pod);
}
