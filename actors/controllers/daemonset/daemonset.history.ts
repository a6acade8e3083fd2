// A DaemonSet's ControllerRevisions (upstream update.go constructHistory, snapshot, dedup and
// cleanupHistory): one revision per distinct template, named `<ds>-<hash>`, the current one found
// by comparing stored templates, old ones pruned beyond revisionHistoryLimit.
import type { ControllerRevision } from '../../../api/kinds/controllerrevision.ts';
import type { DaemonSet } from '../../../api/kinds/daemonset.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { labelSelectorMatcher } from '../../../api/selectors.ts';
import { isConflict, isNotFound } from '../../../api/status.ts';
import { CONTROLLER_INDEX, orphansIn } from '../../../bus/indexers.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import { CONTROLLER_REVISION_HASH_LABEL, computeHash, revisionName, stableStringify, templatePatch } from '../shared/controller-history.ts';
import { claimObjects } from '../shared/ownership.client.ts';
import { newControllerRef } from '../shared/ownership.ts';

/** The DaemonSet kind as owner references name it. */
export const DS_API_VERSION = 'apps/v1';
export const DS_KIND = 'DaemonSet';

/** Returns whether a revision stores the DaemonSet's current template (upstream Match). */
export const matchesTemplate = (ds: DaemonSet, rev: ControllerRevision): boolean => stableStringify(templatePatch(ds.spec.template)) === stableStringify(rev.data);

/** The current revision, the old ones, and a callback that notes writes for the cache fence. */
export interface History {
  cur: ControllerRevision;
  old: ControllerRevision[];
}

/** Returns the DaemonSet's revisions after adopting/releasing them; `wrote` notes each write. */
async function controlledHistories(ctx: ControllerContext<unknown>, ds: DaemonSet, wrote: (o: KubeObject) => void): Promise<ControllerRevision[]> {
  const match = labelSelectorMatcher(ds.spec.selector ?? {});
  const cache = ctx.cache<ControllerRevision>('controllerrevisions');
  const revs = [...cache.byIndex(CONTROLLER_INDEX, ds.metadata.uid!), ...cache.byIndex(CONTROLLER_INDEX, orphansIn(ds.metadata.namespace))];
  return claimObjects(ctx, revs, {
    owner: ds,
    ownerResource: 'daemonsets',
    resource: 'controllerrevisions',
    ref: newControllerRef(ds, DS_API_VERSION, DS_KIND),
    matches: (r) => match(r.metadata.labels ?? {}),
    wrote,
  });
}

/** Creates the revision of the current template; on a name clash with other data, bumps collisionCount and throws (upstream snapshot). */
async function snapshot(ctx: ControllerContext<unknown>, ds: DaemonSet, revision: number, wrote: (o: KubeObject) => void): Promise<ControllerRevision> {
  const hash = computeHash(ds.spec.template, ds.status?.collisionCount);
  const name = revisionName(ds.metadata.name!, hash);
  const rev: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: ds.metadata.namespace,
      labels: { ...(ds.spec.template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, DS_API_VERSION, DS_KIND)],
    },
    data: templatePatch(ds.spec.template),
    revision,
  };
  try {
    const created = await ctx.deps.client.create<ControllerRevision>('controllerrevisions', rev);
    wrote(created);
    return created;
  } catch (err) {
    if (!isConflict(err)) throw err;
    const existing = await ctx.deps.client.get<ControllerRevision>('controllerrevisions', name, { namespace: ds.metadata.namespace });
    if (matchesTemplate(ds, existing)) return existing;
    const fresh = await ctx.deps.client.get<DaemonSet>('daemonsets', ds.metadata.name!, { namespace: ds.metadata.namespace });
    if ((fresh.status?.collisionCount ?? 0) !== (ds.status?.collisionCount ?? 0))
      throw new Error(`found a stale collision count of DaemonSet ${ds.metadata.name}; will retry until it is updated`);
    const bumped = await ctx.deps.client.updateStatus<DaemonSet>('daemonsets', { ...fresh, status: { ...fresh.status, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 } });
    wrote(bumped);
    ctx.deps.log.info({ daemonset: ds.metadata.name, collisionCount: bumped.status?.collisionCount }, 'hash collision; bumped collisionCount');
    throw err;
  }
}

/** Returns the current and old revisions, creating, relabelling, deduplicating and renumbering as needed (upstream constructHistory). */
export async function constructHistory(ctx: ControllerContext<unknown>, ds: DaemonSet, pods: readonly Pod[], wrote: (o: KubeObject) => void): Promise<History> {
  const current: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (let rev of await controlledHistories(ctx, ds, wrote)) {
    if (!rev.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]) {
      rev = await ctx.deps.client.update<ControllerRevision>('controllerrevisions', { ...rev, metadata: { ...rev.metadata, labels: { ...(rev.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: rev.metadata.name! } } });
      wrote(rev);
    }
    (matchesTemplate(ds, rev) ? current : old).push(rev);
  }
  const next = Math.max(0, ...old.map((r) => r.revision)) + 1;
  if (current.length === 0) return { cur: await snapshot(ctx, ds, next, wrote), old };
  let cur = current.reduce((a, b) => (b.revision >= a.revision ? b : a));
  if (current.length > 1) {
    // Duplicates: relabel the pods to the kept revision's hash, then delete the others.
    const keep = cur.metadata.labels![CONTROLLER_REVISION_HASH_LABEL];
    for (const p of pods) {
      if (p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === keep) continue;
      wrote(await ctx.deps.client.patch('pods', p.metadata.name!, { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: keep } } }, { namespace: p.metadata.namespace }));
    }
    for (const r of current) if (r.metadata.name !== cur.metadata.name) wrote(await ctx.deps.client.delete('controllerrevisions', r.metadata.name!, { namespace: r.metadata.namespace }));
  }
  if (cur.revision < next) {
    cur = await ctx.deps.client.update<ControllerRevision>('controllerrevisions', { ...cur, revision: next });
    wrote(cur);
  }
  return { cur, old };
}

/** Deletes the oldest revisions no live pod uses, beyond revisionHistoryLimit (upstream cleanupHistory). */
export async function cleanupHistory(ctx: ControllerContext<unknown>, ds: DaemonSet, old: ControllerRevision[], pods: readonly Pod[], wrote: (o: KubeObject) => void): Promise<void> {
  let toKill = old.length - (ds.spec.revisionHistoryLimit ?? 10);
  if (toKill <= 0) return;
  const live = new Set(pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]).filter(Boolean));
  for (const rev of [...old].sort((a, b) => a.revision - b.revision)) {
    if (toKill <= 0) break;
    if (live.has(rev.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL])) continue;
    try {
      wrote(await ctx.deps.client.delete('controllerrevisions', rev.metadata.name!, { namespace: rev.metadata.namespace }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    toKill--;
  }
}
