// The StatefulSet controller (upstream pkg/controller/statefulset): claims the set's pods and
// revisions, works out the current and update revisions, runs one pass of the core loop
// (statefulset.reconcile.ts) and writes the status. Each pod's volumeClaimTemplates claims are
// created before it (statefulset.claims.ts).
import type { ControllerRevision } from '../../../api/kinds/controllerrevision.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { StatefulSet } from '../../../api/kinds/statefulset.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { labelSelectorMatcher } from '../../../api/selectors.ts';
import { isNamespaceTerminating, isNotFound } from '../../../api/status.ts';
import { CONTROLLER_INDEX, controllerIndexers, namespaceIndexers, orphansIn } from '../../../bus/indexers.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { CacheFence } from '../shared/cache-fence.ts';
import { sortRevisions, templateOfRevision } from '../shared/controller-history.ts';
import { ownerOrAdopters, selectingOwners } from '../shared/owner-keys.ts';
import { claimObjects } from '../shared/ownership.client.ts';
import { newControllerRef } from '../shared/ownership.ts';
import { slowStart, throwIfAny } from '../shared/slow-start.ts';
import { createMissingClaims, giveClaimsToCondemnedPod } from './statefulset.claims.ts';
import { identityLabels, inOrdinalRange, isMemberOf, ordinalOf, STS_API_VERSION, STS_KIND } from './statefulset.pods.ts';
import { completeRollingUpdate, planStatefulSet, statusChanged, type SetAction } from './statefulset.reconcile.ts';
import { statefulSetRevisions, truncateHistory } from './statefulset.revisions.ts';

/** Workers (upstream default: --concurrent-statefulset-syncs 5). */
export type StatefulSetControllerInput = { workers?: number } | void;

/** What the controller keeps between reconciles: write fences per StatefulSet. */
interface State {
  fence: CacheFence;
}
type Ctx = ControllerContext<State>;

/** Returns the StatefulSet a pod or revision belongs to, or for an orphan every set of its namespace that selects it (upstream GetPodStatefulSets). */
function statefulSetKeysOf(o: KubeObject, ctx: ControllerContext<unknown>): string[] {
  return ownerOrAdopters(o, STS_KIND, (orphan) => selectingOwners(ctx.cache<StatefulSet>('statefulsets').lister(), orphan, ctx.deps.log));
}

/** Returns the objects of a cache the set controls, then the orphans of its namespace (what a claim looks at). */
function candidates<T extends KubeObject>(ctx: Ctx, resource: string, set: StatefulSet): T[] {
  const cache = ctx.cache<T>(resource);
  return [...cache.byIndex(CONTROLLER_INDEX, set.metadata.uid!), ...cache.byIndex(CONTROLLER_INDEX, orphansIn(set.metadata.namespace))];
}

const resourceOf = (o: KubeObject) => (o.kind === 'Pod' ? 'pods' : o.kind === 'ControllerRevision' ? 'controllerrevisions' : 'statefulsets');

/** Runs one write of the plan with upstream's StatefulPodControl events ("create Pod web-0 in StatefulSet web successful"). */
async function apply(ctx: Ctx, set: StatefulSet, a: SetAction, wrote: (o: KubeObject) => void): Promise<void> {
  const verb = a.op === 'create' ? 'Create' : a.op === 'delete' ? 'Delete' : 'Update';
  const { name, namespace } = a.pod.metadata;
  try {
    if (a.op === 'create') {
      await createMissingClaims(ctx, set, a.pod);
      wrote(await ctx.deps.client.create('pods', a.pod));
    } else if (a.op === 'delete') {
      if (!inOrdinalRange(set, a.pod)) await giveClaimsToCondemnedPod(ctx, set, a.pod);
      wrote(await ctx.deps.client.delete('pods', name!, { namespace }));
    }
    else wrote(await ctx.deps.client.patch('pods', name!, { metadata: { labels: identityLabels(set, ordinalOf(a.pod)), resourceVersion: a.pod.metadata.resourceVersion } }, { namespace }));
  } catch (err) {
    if (a.op === 'create' && isNamespaceTerminating(err)) return;
    if (a.op === 'delete' && isNotFound(err)) return;
    ctx.events.record(set, 'Warning', `Failed${verb}`, `${verb.toLowerCase()} Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
    throw err;
  }
  if (a.op !== 'update') ctx.events.record(set, 'Normal', `Successful${verb}`, `${verb.toLowerCase()} Pod ${name} in StatefulSet ${set.metadata.name} successful`);
}

/** Runs the plan's groups in order: one write at a time for OrderedReady, slow-start batches for Parallel. */
async function run(ctx: Ctx, set: StatefulSet, groups: SetAction[][], monotonic: boolean, wrote: (o: KubeObject) => void): Promise<void> {
  for (const g of groups) {
    if (monotonic) for (const a of g) await apply(ctx, set, a, wrote);
    else throwIfAny(await slowStart(g, (a) => apply(ctx, set, a, wrote)), `syncing stateful set ${set.metadata.name}`);
  }
}

/** The StatefulSet controller actor (kind `controller/statefulset`). */
export const statefulSetController = defineController<StatefulSetControllerInput, State>({
  name: 'statefulset',
  watches: [
    { resource: 'statefulsets', indexers: namespaceIndexers },
    { resource: 'pods', indexers: controllerIndexers, keys: statefulSetKeysOf },
    { resource: 'controllerrevisions', indexers: controllerIndexers, keys: statefulSetKeysOf },
  ],
  workers: (input) => input?.workers ?? 5,
  init: () => ({ fence: new CacheFence() }),
  async reconcile(key, ctx) {
    const { fence } = ctx.state;
    const sets = ctx.cache<StatefulSet>('statefulsets');
    const set = sets.get(key);
    if (!set) return void fence.forget(key);
    const caches = { pods: ctx.cache<Pod>('pods'), controllerrevisions: ctx.cache<ControllerRevision>('controllerrevisions'), statefulsets: sets };
    if (!fence.caughtUp(key, caches)) return { requeueAfterMs: 1_000 }; // its write events will wake it sooner
    const wrote = (o: KubeObject) => fence.wrote(key, resourceOf(o), o.metadata.resourceVersion);

    const match = labelSelectorMatcher(set.spec.selector ?? {});
    const claim = { owner: set, ownerResource: 'statefulsets', ref: newControllerRef(set, STS_API_VERSION, STS_KIND), wrote };
    const revisions = sortRevisions(
      await claimObjects(ctx, candidates<ControllerRevision>(ctx, 'controllerrevisions', set), { ...claim, resource: 'controllerrevisions', matches: (r) => match(r.metadata.labels ?? {}) }),
    );
    const pods = await claimObjects(ctx, candidates<Pod>(ctx, 'pods', set), {
      ...claim,
      resource: 'pods',
      matches: (p) => match(p.metadata.labels ?? {}) && isMemberOf(set, p),
    });

    const revs = await statefulSetRevisions(ctx, set, revisions, wrote);
    const template = (r: ControllerRevision) => ({ name: r.metadata.name!, template: templateOfRevision(r) ?? set.spec.template });
    const plan = planStatefulSet(set, pods, { current: template(revs.current), update: template(revs.update) }, revs.collisionCount, ctx.deps.clock.now());
    let err: unknown;
    try {
      await run(ctx, set, plan.groups, plan.monotonic, wrote);
      // A pod left Pending may be waiting for a claim deleted meanwhile: upstream makes missing claims again.
      if (set.spec.volumeClaimTemplates?.length)
        for (const p of pods) if (p.status?.phase === 'Pending' && !p.metadata.deletionTimestamp) await createMissingClaims(ctx, set, p);
    } catch (e) {
      err = e;
    }
    const status = completeRollingUpdate(set, plan.status);
    if (statusChanged(set, status)) {
      try {
        wrote(await ctx.deps.client.updateStatus('statefulsets', { ...set, status: set.status?.conditions ? { ...status, conditions: set.status.conditions } : status }));
      } catch (e) {
        ctx.deps.log.warn({ statefulset: key, err: (e as Error).message }, 'could not update stateful set status');
        err ??= e;
      }
    }
    await truncateHistory(ctx, set, pods, revisions, revs, wrote).catch((e: Error) => {
      ctx.deps.log.warn({ statefulset: key, err: e.message }, 'could not truncate revision history');
      err ??= e;
    });
    if (err) throw err;
    const min = set.spec.minReadySeconds ?? 0;
    if (min > 0 && status.availableReplicas !== (set.spec.replicas ?? 1)) return { requeueAfterMs: min * 1000 };
  },
});
