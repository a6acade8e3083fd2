// What the Deployment controller computes about a Deployment and its ReplicaSets (upstream
// pkg/controller/deployment/util/deployment_util.go and the ReplicaSet sorts of controller_utils.go). Pure.
import { scaledValue, type IntOrString } from '../../../api/kinds/common.ts';
import type { Deployment, DeploymentStatus } from '../../../api/kinds/deployment.ts';
import type { PodTemplateSpec } from '../../../api/kinds/pod.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import { parseRfc3339 } from '../../../api/names.ts';
import { stableStringify } from '../shared/controller-history.ts';
import { DESIRED_REPLICAS, HASH_LABEL, MAX_REPLICAS, REVISION, TIMED_OUT, NEW_RS_AVAILABLE } from './constants.ts';
import { getCondition } from './conditions.ts';

const MAX_INT32 = 2147483647;

/** Returns spec.replicas (defaulted to 1 by the API server). */
export const replicas = (o: { spec: { replicas?: number } }): number => o.spec.replicas ?? 1;

/** Returns whether the Deployment rolls with RollingUpdate. */
export const isRollingUpdate = (d: Deployment): boolean => (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** Returns [maxSurge, maxUnavailable] resolved against `desired`: surge rounds up, unavailable down; both 0 → unavailable 1. */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): [number, number] {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** Returns how many pods above spec.replicas a rolling Deployment may run (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas(d))[0];
}

/** Returns how many pods below spec.replicas a rolling Deployment may be unavailable (0 for Recreate or 0 replicas). */
export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || replicas(d) === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return Math.min(resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas(d))[1], replicas(d));
}

/** Returns the revision number of an object (0 when unset, NaN when not a number). */
export function revisionOf(o: { metadata: { annotations?: Record<string, string> } }): number {
  const v = o.metadata.annotations?.[REVISION];
  if (v === undefined) return 0;
  return /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
}

/** Returns the highest revision among the ReplicaSets (unparsable ones are skipped). */
export const maxRevision = (rss: readonly ReplicaSet[]): number => rss.reduce((m, rs) => (revisionOf(rs) > m ? revisionOf(rs) : m), 0);

/** Returns the ms time of an RFC 3339 timestamp, 0 when absent. */
const created = (o: { metadata: { creationTimestamp?: string } }): number => (o.metadata.creationTimestamp ? parseRfc3339(o.metadata.creationTimestamp) : 0);

/** Orders ReplicaSets oldest first, then by name (ReplicaSetsByCreationTimestamp). */
export const byCreation = (a: ReplicaSet, b: ReplicaSet): number => created(a) - created(b) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1);

/** Orders ReplicaSets by revision, then by creation (ReplicaSetsByRevision). */
export const byRevision = (a: ReplicaSet, b: ReplicaSet): number => (revisionOf(a) || 0) - (revisionOf(b) || 0) || byCreation(a, b);

/** Orders ReplicaSets larger first, older first among equals (ReplicaSetsBySizeOlder: scale-down order). */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet): number => replicas(b) - replicas(a) || byCreation(a, b);

/** Orders ReplicaSets larger first, newer first among equals (ReplicaSetsBySizeNewer: scale-up order). */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet): number => replicas(b) - replicas(a) || byCreation(b, a);

/** Returns the ReplicaSets with replicas > 0 (FilterActiveReplicaSets); undefined entries dropped. */
export const activeReplicaSets = (rss: ReadonlyArray<ReplicaSet | undefined>): ReplicaSet[] => rss.filter((rs): rs is ReplicaSet => !!rs && replicas(rs) > 0);

const sum = (rss: ReadonlyArray<ReplicaSet | undefined>, f: (rs: ReplicaSet) => number) => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
/** Returns the sum of spec.replicas. */
export const specReplicas = (rss: ReadonlyArray<ReplicaSet | undefined>) => sum(rss, replicas);
/** Returns the sum of status.replicas (pods that exist). */
export const actualReplicas = (rss: ReadonlyArray<ReplicaSet | undefined>) => sum(rss, (rs) => rs.status?.replicas ?? 0);
/** Returns the sum of status.readyReplicas. */
export const readyReplicas = (rss: ReadonlyArray<ReplicaSet | undefined>) => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
/** Returns the sum of status.availableReplicas. */
export const availableReplicas = (rss: ReadonlyArray<ReplicaSet | undefined>) => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

/** Returns a JSON text of a value with empty maps, lists and nulls dropped (apimachinery's Semantic.DeepEqual treats nil and empty alike). */
function semantic(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(semantic) : undefined;
  if (v === null || typeof v !== 'object') return v === null ? undefined : v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const s = semantic(x);
    if (s !== undefined) out[k] = s;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Returns whether two pod templates are equal apart from the pod-template-hash label (EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  const strip = (t: PodTemplateSpec) => {
    const labels = { ...(t.metadata?.labels ?? {}) };
    delete labels[HASH_LABEL];
    return { ...t, metadata: { ...t.metadata, labels } };
  };
  return stableStringify(semantic(strip(a))) === stableStringify(semantic(strip(b)));
}

/** Returns the oldest ReplicaSet whose template is the Deployment's (FindNewReplicaSet). */
export const findNewReplicaSet = (d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined =>
  [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));

/** Returns every ReplicaSet but the new one (FindOldReplicaSets' second result). */
export function findOldReplicaSets(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rss);
  return rss.filter((rs) => !newRS || rs.metadata.uid !== newRS.metadata.uid);
}

/** Returns the only active ReplicaSet, or the newest when none is active; undefined when several are (FindActiveOrLatest). */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** Returns an integer annotation of a ReplicaSet, if present and valid. */
function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

/** Returns the desired-replicas annotation of a ReplicaSet (the Deployment size it was last scaled for). */
export const desiredReplicasAnnotation = (rs: ReplicaSet) => intAnnotation(rs, DESIRED_REPLICAS);

/** Rounds half away from zero, as Go's math.Round. */
const goRound = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/** Returns how many replicas `rs` gets or loses of `toAdd` when a Deployment is scaled mid-rollout (GetProportion). */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicas(d) === 0) fraction = -replicas(rs);
  else {
    const annotated = intAnnotation(rs, MAX_REPLICAS) ?? d.status?.replicas ?? 0;
    // Never zero upstream (no proportional scaling up from zero); guard against a hand-edited annotation.
    fraction = annotated > 0 ? goRound((replicas(rs) * (replicas(d) + maxSurge(d))) / annotated) - replicas(rs) : 0;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * Returns the size of the new ReplicaSet for this step of the rollout (NewRSNewReplicas). Unlike
 * upstream, which counts spec.replicas only, a ReplicaSet still reporting more pods than its spec
 * (its scale-down not yet carried out) counts with those pods: so the surge holds for pods that
 * actually exist, not only for desired counts, whatever order the ReplicaSet controller works in.
 */
export function newRSNewReplicas(d: Deployment, allRSs: ReadonlyArray<ReplicaSet | undefined>, newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return replicas(d);
  const maxTotal = replicas(d) + scaledValue(d.spec.strategy?.rollingUpdate?.maxSurge ?? 0, replicas(d), true);
  const current = sum(allRSs, (rs) => Math.max(replicas(rs), rs.status?.replicas ?? 0));
  if (current >= maxTotal) return replicas(newRS);
  return replicas(newRS) + Math.min(maxTotal - current, replicas(d) - replicas(newRS));
}

/** Returns whether the new ReplicaSet holds and has available all desired replicas (IsSaturated). */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  return desired !== undefined && replicas(rs) === replicas(d) && desired === replicas(d) && (rs.status?.availableReplicas ?? 0) === replicas(d);
}

/** Returns whether the rollout is done: all replicas updated and available, no old ones, spec observed (DeploymentComplete). */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = replicas(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Returns whether the new status shows progress over the Deployment's current one (DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** Returns whether a progress deadline applies (set and not MaxInt32). */
export const hasProgressDeadline = (d: Deployment): boolean => d.spec.progressDeadlineSeconds != null && d.spec.progressDeadlineSeconds !== MAX_INT32;

/** Returns whether old ReplicaSets are cleaned up (revisionHistoryLimit set and not MaxInt32). */
export const hasRevisionHistoryLimit = (d: Deployment): boolean => d.spec.revisionHistoryLimit != null && d.spec.revisionHistoryLimit !== MAX_INT32;

/** Returns whether the Progressing condition went more than progressDeadlineSeconds without an update (DeploymentTimedOut). */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === NEW_RS_AVAILABLE) return false;
  if (c.reason === TIMED_OUT) return true;
  const from = c.lastUpdateTime ? parseRfc3339(c.lastUpdateTime) : NaN;
  return !Number.isNaN(from) && from + d.spec.progressDeadlineSeconds! * 1000 < now;
}
