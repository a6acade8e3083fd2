// The DaemonSet controller (upstream pkg/controller/daemon syncDaemonSet): one pod per eligible
// node, created aimed at its node through required node affinity; rolling updates through
// ControllerRevisions; status counts. Node and orphan changes wake the DaemonSets they concern.
import type { ControllerRevision } from '../../../api/kinds/controllerrevision.ts';
import type { DaemonSet } from '../../../api/kinds/daemonset.ts';
import type { Node } from '../../../api/kinds/node.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { isEmptySelector, labelSelectorMatcher } from '../../../api/selectors.ts';
import { CONTROLLER_INDEX, controllerIndexers, namespaceIndexers, orphansIn } from '../../../bus/indexers.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { CacheFence } from '../shared/cache-fence.ts';
import { claimObjects } from '../shared/ownership.client.ts';
import { newControllerRef, podFromTemplate } from '../shared/ownership.ts';
import { createPod, deletePod } from '../shared/pod-control.ts';
import { slowStart, throwIfAny } from '../shared/slow-start.ts';
import { cleanupHistory, constructHistory, DS_API_VERSION, DS_KIND } from './daemonset.history.ts';
import { daemonSetKeysOf, daemonSetKeysOfNode } from './daemonset.keys.ts';
import { affinityForNode, daemonPodTemplate } from './daemonset.nodes.ts';
import { daemonStatus, FailedPodBackoff, manage, podsByNode } from './daemonset.reconcile.ts';
import { rollingUpdate } from './daemonset.rolling.ts';

/** Timing knobs and workers (upstream defaults when omitted: --concurrent-daemonset-syncs 2). */
export type DaemonSetControllerInput = { failedPodBackoff?: { initialMs: number; maxMs: number }; workers?: number } | void;

/** What the controller keeps between reconciles: write fences per DaemonSet and the failed-pod backoff per node. */
interface State {
  fence: CacheFence;
  backoff: FailedPodBackoff;
}
type Ctx = ControllerContext<State>;

/** Returns the pods the DaemonSet controls, adopting matching orphans of its namespace and releasing pods that stopped matching. */
async function claimPods(ctx: Ctx, ds: DaemonSet, wrote: (o: KubeObject) => void): Promise<Pod[]> {
  const match = labelSelectorMatcher(ds.spec.selector ?? {});
  const cache = ctx.cache<Pod>('pods');
  const pods = [...cache.byIndex(CONTROLLER_INDEX, ds.metadata.uid!), ...cache.byIndex(CONTROLLER_INDEX, orphansIn(ds.metadata.namespace))];
  return claimObjects(ctx, pods, {
    owner: ds,
    ownerResource: 'daemonsets',
    resource: 'pods',
    ref: newControllerRef(ds, DS_API_VERSION, DS_KIND),
    matches: (p) => match(p.metadata.labels ?? {}),
    wrote,
  });
}

/** Creates daemon pods on the nodes and deletes the pods (upstream syncNodes); throws the first failing batch's errors. */
async function syncNodes(ctx: Ctx, ds: DaemonSet, create: string[], del: Pod[], hash: string, wrote: (o: KubeObject) => void): Promise<void> {
  const template = daemonPodTemplate(ds.spec.template, hash);
  const ref = newControllerRef(ds, DS_API_VERSION, DS_KIND);
  const errors = await slowStart(create, async (node) => {
    const pod = podFromTemplate(template, ds, ref);
    pod.spec.affinity = affinityForNode(pod.spec.affinity, node);
    await createPod(ctx, ds, pod, wrote);
  });
  const results = await Promise.allSettled(del.map((p) => deletePod(ctx, ds, p, wrote)));
  throwIfAny([...errors, ...results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))], `syncing daemon set ${ds.metadata.name}`);
}

/** Writes the status when a count changed or the generation is new (upstream storeDaemonSetStatus). */
async function storeStatus(ctx: Ctx, ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, wrote: (o: KubeObject) => void): Promise<{ ready: number; available: number }> {
  const s = daemonStatus(ds, nodes, podsByNode(pods), hash, ctx.deps.clock.now());
  const cur = ds.status ?? {};
  const same = (Object.keys(s) as (keyof typeof s)[]).every((k) => (cur[k] ?? 0) === s[k]) && (cur.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0);
  if (!same) wrote(await ctx.deps.client.updateStatus('daemonsets', { ...ds, status: { ...cur, ...s, observedGeneration: ds.metadata.generation } }));
  return { ready: s.numberReady, available: s.numberAvailable };
}

/** The DaemonSet controller actor (kind `controller/daemonset`). */
export const daemonSetController = defineController<DaemonSetControllerInput, State>({
  name: 'daemonset',
  watches: [
    { resource: 'daemonsets', indexers: namespaceIndexers },
    { resource: 'nodes', keys: daemonSetKeysOfNode },
    { resource: 'controllerrevisions', indexers: controllerIndexers, keys: daemonSetKeysOf },
    { resource: 'pods', indexers: controllerIndexers, keys: daemonSetKeysOf },
  ],
  workers: (input) => input?.workers ?? 2,
  init: (_ctx, input) => ({ fence: new CacheFence(), backoff: new FailedPodBackoff(input?.failedPodBackoff) }),
  async reconcile(key, ctx) {
    const { fence, backoff } = ctx.state;
    const sets = ctx.cache<DaemonSet>('daemonsets');
    const ds = sets.get(key);
    if (!ds) return void fence.forget(key);
    if (isEmptySelector(ds.spec.selector)) {
      ctx.events.record(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const caches = { pods: ctx.cache<Pod>('pods'), controllerrevisions: ctx.cache<ControllerRevision>('controllerrevisions'), daemonsets: sets };
    if (!fence.caughtUp(key, caches)) return { requeueAfterMs: 1_000 }; // its write events will wake it sooner
    const wrote = (o: KubeObject) => fence.wrote(key, (o.kind === 'Pod' ? 'pods' : o.kind === 'ControllerRevision' ? 'controllerrevisions' : 'daemonsets'), o.metadata.resourceVersion);

    const nodes = ctx.cache<Node>('nodes').list().sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    const pods = await claimPods(ctx, ds, wrote);
    const { cur, old } = await constructHistory(ctx, ds, pods, wrote);
    const hash = cur.metadata.labels?.['controller-revision-hash'] ?? '';
    const now = ctx.deps.clock.now();
    const byNode = podsByNode(pods);

    let err: unknown;
    const plan = manage(ds, nodes, byNode, hash, now, backoff);
    for (const e of plan.events) ctx.events.record(ds, e.type, e.reason, e.message);
    try {
      if (plan.create.length || plan.delete.length) await syncNodes(ctx, ds, plan.create, plan.delete, hash, wrote);
      else if (ds.spec.updateStrategy?.type === 'RollingUpdate') {
        // Like upstream, the rolling update runs only once the core loop has nothing in flight.
        const step = rollingUpdate(ds, nodes, byNode, hash, now);
        if (step.create.length || step.delete.length) await syncNodes(ctx, ds, step.create, step.delete, hash, wrote);
      }
      await cleanupHistory(ctx, ds, old, pods, wrote);
    } catch (e) {
      err = e;
    }
    const { ready, available } = await storeStatus(ctx, ds, nodes, pods, hash, wrote).catch((e: Error) => {
      ctx.deps.log.warn({ daemonset: key, err: e.message }, 'could not update daemon set status');
      err ??= e;
      return { ready: 0, available: 0 };
    });
    if (err) throw err;
    // Of several delays the queue keeps the soonest: a failed pod's backoff, or minReadySeconds for availability.
    const min = ds.spec.minReadySeconds ?? 0;
    if (min > 0 && ready !== available) ctx.queue.addAfter(key, min * 1000);
    if (plan.requeueAfterMs !== undefined) ctx.queue.addAfter(key, plan.requeueAfterMs);
  },
});
