// The annotations a Deployment keeps on its ReplicaSets (upstream SetNewReplicaSetAnnotations,
// SetReplicasAnnotations, SetDeploymentAnnotationsTo): revision, revision history, desired and
// max replicas, and the Deployment's own annotations (change-cause...). Pure; they edit copies in place.
import type { Deployment } from '../../../api/kinds/deployment.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import { ANNOTATIONS_TO_SKIP, DESIRED_REPLICAS, MAX_REPLICAS, MAX_REV_HISTORY_CHARS, REVISION, REVISION_HISTORY } from './constants.ts';
import { maxSurge, replicas } from './deployment.util.ts';

const annotationsOf = (o: { metadata: { annotations?: Record<string, string> } }) => (o.metadata.annotations ??= {});

/** Copies the Deployment's annotations (but the skipped ones) to the ReplicaSet; returns whether any changed. */
function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const to = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || to[k] === v) continue;
    to[k] = v;
    changed = true;
  }
  return changed;
}

/** Sets desired-replicas and max-replicas; returns whether either changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of [[DESIRED_REPLICAS, String(desired)], [MAX_REPLICAS, String(max)]]) {
    if (a[k] !== v) {
      a[k] = v;
      changed = true;
    }
  }
  return changed;
}

/** Returns whether desired-replicas or max-replicas differ from these values. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations;
  return !a || a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

/** Sets the replicas annotations for the Deployment's current size (spec.replicas, spec.replicas + maxSurge). */
export const setReplicasAnnotationsFor = (rs: ReplicaSet, d: Deployment) => setReplicasAnnotations(rs, replicas(d), replicas(d) + maxSurge(d));

/**
 * Brings the new ReplicaSet's annotations up to date: the Deployment's annotations, the revision
 * (only ever raised), the revision history when an old revision becomes new again (a rollback),
 * and for a ReplicaSet about to be created the replicas annotations. Returns whether any changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = annotationsOf(rs);
  const had = a[REVISION];
  let oldRevision = 0;
  if (had !== undefined && had !== '') {
    if (!/^[+-]?\d+$/.test(had)) return false; // upstream logs and leaves the ReplicaSet alone
    oldRevision = Number(had);
  }
  if (oldRevision < newRevision) {
    a[REVISION] = String(newRevision);
    changed = true;
    if (had !== undefined) {
      const history = a[REVISION_HISTORY] ?? '';
      if (history === '') a[REVISION_HISTORY] = had;
      else {
        const parts = history.split(',');
        let total = history.length + had.length + 1;
        let start = 0;
        while (total > MAX_REV_HISTORY_CHARS && start < parts.length) total -= parts[start++].length + 1;
        if (total <= MAX_REV_HISTORY_CHARS) a[REVISION_HISTORY] = [...parts.slice(start), had].join(',');
      }
    }
  }
  if (!exists && setReplicasAnnotationsFor(rs, d)) changed = true;
  return changed;
}

/** Returns the Deployment annotations a rollback to `rs` leaves: the skipped ones kept, the rest taken from the ReplicaSet. */
export function annotationsForRollback(d: Deployment, rs: ReplicaSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (ANNOTATIONS_TO_SKIP.has(k)) out[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) out[k] = v;
  return out;
}
