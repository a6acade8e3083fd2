// The StatefulSet controller (upstream pkg/controller/statefulset): claims the set's pods and
// revisions, works out the current and update revisions, runs one pass of the core loop
// (statefulset.reconcile.ts) and writes the status. volumeClaimTemplates are not provisioned.
import type { ControllerRevision } from '../../../api/kinds/controllerrevision.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { StatefulSet } from '../../../api/kinds/statefulset.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { labelSelectorMatcher } from '../../../api/selectors.ts';
import { StatusError } from '../../../api/status.ts';
import { keyOf } from '../../../bus/informer.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { CacheFence } from '../shared/cache-fence.ts';
import { sortRevisions, templateOfRevision } from '../shared/controller-history.ts';
import { claimObjects } from '../shared/ownership.client.ts';
import { controllerKeyOf, controllerRefOf, newControllerRef } from '../shared/ownership.ts';
import { namespaceTerminating } from '../shared/pod-control.ts';
import { slowStart, throwIfAny } from '../shared/slow-start.ts';
import { Wakeups } from '../shared/wakeups.ts';
import { identityLabels, isMemberOf, ordinalOf, STS_API_VERSION, STS_KIND } from './statefulset.pods.ts';
import { completeRollingUpdate, planStatefulSet, statusChanged, type SetAction } from './statefulset.reconcile.ts';
import { statefulSetRevisions, truncateHistory } from './statefulset.revisions.ts';

interface Memory {
  fence: CacheFence;
  wakeups: Wakeups;
}
const memories = new WeakMap<ControllerContext, Memory>();
function memoryOf(ctx: ControllerContext): Memory {
  let m = memories.get(ctx);
  if (!m) {
    const wakeups = new Wakeups(ctx.deps.clock, (k) => ctx.queue.add(k));
    ctx.deps.onStop(() => wakeups.clear());
    memories.set(ctx, (m = { fence: new CacheFence(), wakeups }));
  }
  return m;
}

const keysOf = (o: KubeObject): string[] => {
  const key = controllerKeyOf(o, STS_KIND);
  if (key) return [key];
  return controllerRefOf(o) ? [] : [`~ns/${o.metadata.namespace}`];
};

const resourceOf = (o: KubeObject) => (o.kind === 'Pod' ? 'pods' : o.kind === 'ControllerRevision' ? 'controllerrevisions' : 'statefulsets');

/** Runs one write of the plan with upstream's StatefulPodControl events ("create Pod web-0 in StatefulSet web successful"). */
async function apply(ctx: ControllerContext, set: StatefulSet, a: SetAction, wrote: (o: KubeObject) => void): Promise<void> {
  const verb = a.op === 'create' ? 'Create' : a.op === 'delete' ? 'Delete' : 'Update';
  const { name, namespace } = a.pod.metadata;
  try {
    if (a.op === 'create') wrote(await ctx.deps.client.create('pods', a.pod));
    else if (a.op === 'delete') wrote(await ctx.deps.client.delete('pods', name!, { namespace }));
    else wrote(await ctx.deps.client.patch('pods', name!, { metadata: { labels: identityLabels(set, ordinalOf(a.pod)), resourceVersion: a.pod.metadata.resourceVersion } }, { namespace }));
  } catch (err) {
    if (a.op === 'create' && namespaceTerminating(err)) return;
    if (a.op === 'delete' && err instanceof StatusError && err.code === 404) return;
    ctx.events.record(set, 'Warning', `Failed${verb}`, `${verb.toLowerCase()} Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
    throw err;
  }
  if (a.op !== 'update') ctx.events.record(set, 'Normal', `Successful${verb}`, `${verb.toLowerCase()} Pod ${name} in StatefulSet ${set.metadata.name} successful`);
}

/** Runs the plan's groups in order: one write at a time for OrderedReady, slow-start batches for Parallel. */
async function run(ctx: ControllerContext, set: StatefulSet, groups: SetAction[][], monotonic: boolean, wrote: (o: KubeObject) => void): Promise<void> {
  for (const g of groups) {
    if (monotonic) for (const a of g) await apply(ctx, set, a, wrote);
    else throwIfAny(await slowStart(g, (a) => apply(ctx, set, a, wrote)), `syncing stateful set ${set.metadata.name}`);
  }
}

/** The StatefulSet controller actor (kind `controller/statefulset`). */
export const statefulSetController = defineController({
  name: 'statefulset',
  watches: [
    { resource: 'statefulsets' },
    { resource: 'pods', keys: keysOf },
    { resource: 'controllerrevisions', keys: keysOf },
  ],
  async reconcile(key, ctx) {
    const sets = ctx.cache<StatefulSet>('statefulsets');
    if (key.startsWith('~ns/')) {
      for (const s of sets.list()) if (s.metadata.namespace === key.slice(4)) ctx.queue.add(keyOf(s));
      return;
    }
    const mem = memoryOf(ctx);
    const set = sets.get(key);
    if (!set) return void mem.fence.forget(key);
    const pods$ = ctx.cache<Pod>('pods');
    const revs$ = ctx.cache<ControllerRevision>('controllerrevisions');
    if (!mem.fence.caughtUp(key, { pods: pods$, controllerrevisions: revs$, statefulsets: sets })) return void mem.wakeups.after(key, 1_000);
    const wrote = (o: KubeObject) => mem.fence.wrote(key, resourceOf(o), o.metadata.resourceVersion);

    const match = labelSelectorMatcher(set.spec.selector ?? {});
    const ns = set.metadata.namespace;
    const claim = { owner: set, ownerResource: 'statefulsets', ref: newControllerRef(set, STS_API_VERSION, STS_KIND), wrote };
    const revisions = sortRevisions(
      await claimObjects(ctx, revs$.list().filter((r) => r.metadata.namespace === ns), { ...claim, resource: 'controllerrevisions', matches: (r) => match(r.metadata.labels ?? {}) }),
    );
    const pods = await claimObjects(ctx, pods$.list().filter((p) => p.metadata.namespace === ns), {
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
    if (min > 0 && status.availableReplicas !== (set.spec.replicas ?? 1)) mem.wakeups.after(key, min * 1000);
  },
});
