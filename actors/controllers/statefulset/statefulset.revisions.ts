// A StatefulSet's ControllerRevisions (upstream getStatefulSetRevisions, newRevision,
// truncateHistory and realHistory): the update revision is the current template's, reused (and
// renumbered on rollback) when an equal one exists; the current revision is status.currentRevision.
import type { ControllerRevision } from '../../../api/kinds/controllerrevision.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { StatefulSet } from '../../../api/kinds/statefulset.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { isConflict, isNotFound } from '../../../api/status.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  equalRevision,
  findEqualRevisions,
  hashRevisionData,
  nextRevision,
  revisionName,
  templatePatch,
} from '../shared/controller-history.ts';
import { newControllerRef } from '../shared/ownership.ts';
import { podRevision, STS_API_VERSION, STS_KIND } from './statefulset.pods.ts';

/** Returns the revision of the set's current template (newRevision / history.NewControllerRevision). */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const data = templatePatch(set.spec.template);
  const hash = hashRevisionData(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(set.metadata.name!, hash),
      namespace: set.metadata.namespace,
      labels: { ...(set.spec.template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      annotations: { ...(set.metadata.annotations ?? {}) },
      ownerReferences: [newControllerRef(set, STS_API_VERSION, STS_KIND)],
    },
    data,
    revision,
  };
}

/** Creates a revision, probing further names while an unequal one holds the name (realHistory.CreateControllerRevision). */
async function createRevision(ctx: ControllerContext<unknown>, set: StatefulSet, rev: ControllerRevision, collision: { count: number }, wrote: (o: KubeObject) => void): Promise<ControllerRevision> {
  for (;;) {
    const name = revisionName(set.metadata.name!, hashRevisionData(rev.data, collision.count));
    try {
      const created = await ctx.deps.client.create<ControllerRevision>('controllerrevisions', { ...rev, metadata: { ...rev.metadata, name } });
      wrote(created);
      return created;
    } catch (err) {
      if (!isConflict(err)) throw err;
      const existing = await ctx.deps.client.get<ControllerRevision>('controllerrevisions', name, { namespace: set.metadata.namespace });
      if (equalRevision(existing, rev)) return existing;
      collision.count++;
    }
  }
}

/** The set's current and update revisions, and the collision count to record in status. */
export interface SetRevisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

/** Returns the current and update revisions, creating or renumbering the update revision as needed; `sorted` is sorted by revision. */
export async function statefulSetRevisions(ctx: ControllerContext<unknown>, set: StatefulSet, sorted: ControllerRevision[], wrote: (o: KubeObject) => void): Promise<SetRevisions> {
  const collision = { count: set.status?.collisionCount ?? 0 };
  const candidate = newRevision(set, nextRevision(sorted), collision.count);
  const equal = findEqualRevisions(sorted, candidate);
  let update: ControllerRevision;
  if (equal.length && equalRevision(sorted[sorted.length - 1], equal[equal.length - 1])) update = sorted[sorted.length - 1];
  else if (equal.length) {
    // A rollback to an earlier template: that revision becomes the newest.
    update = await ctx.deps.client.update<ControllerRevision>('controllerrevisions', { ...equal[equal.length - 1], revision: candidate.revision });
    wrote(update);
  } else update = await createRevision(ctx, set, candidate, collision, wrote);
  const current = sorted.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount: collision.count };
}

/** Deletes the oldest revisions that neither the status nor any pod uses, beyond revisionHistoryLimit (truncateHistory). */
export async function truncateHistory(ctx: ControllerContext<unknown>, set: StatefulSet, pods: readonly Pod[], sorted: ControllerRevision[], revs: SetRevisions | undefined, wrote: (o: KubeObject) => void): Promise<void> {
  const live = new Set<string>(pods.map(podRevision));
  if (revs) live.add(revs.current.metadata.name!).add(revs.update.metadata.name!);
  const history = sorted.filter((r) => !live.has(r.metadata.name!));
  const excess = history.length - (set.spec.revisionHistoryLimit ?? 10);
  for (const r of history.slice(0, Math.max(0, excess))) {
    try {
      wrote(await ctx.deps.client.delete('controllerrevisions', r.metadata.name!, { namespace: r.metadata.namespace }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
