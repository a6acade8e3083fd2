// The DaemonSet controller (upstream pkg/controller/daemon syncDaemonSet): one pod per eligible
// node, created aimed at its node through required node affinity; rolling updates through
// ControllerRevisions; status counts. Node and orphan-pod changes wake every DaemonSet concerned.
import type { ControllerRevision } from '../../../api/kinds/controllerrevision.ts';
import type { DaemonSet } from '../../../api/kinds/daemonset.ts';
import type { Node } from '../../../api/kinds/node.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { labelSelectorMatcher } from '../../../api/selectors.ts';
import { keyOf } from '../../../bus/informer.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { CacheFence } from '../shared/cache-fence.ts';
import { claimObjects } from '../shared/ownership.client.ts';
import { controllerRefOf, newControllerRef, podFromTemplate } from '../shared/ownership.ts';
import { createPod, deletePod } from '../shared/pod-control.ts';
import { slowStart, throwIfAny } from '../shared/slow-start.ts';
import { Wakeups } from '../shared/wakeups.ts';
import { cleanupHistory, constructHistory, daemonSetKeyOf, DS_API_VERSION, DS_KIND } from './daemonset.history.ts';
import { affinityForNode, daemonPodTemplate } from './daemonset.nodes.ts';
import { daemonStatus, FailedPodBackoff, manage, podsByNode } from './daemonset.reconcile.ts';
import { rollingUpdate } from './daemonset.rolling.ts';

/** Timing knobs (upstream defaults when omitted). */
export type DaemonSetControllerInput = { failedPodBackoff?: { initialMs: number; maxMs: number } } | void;

/** Work-queue keys that stand for "every DaemonSet" (a node changed) or "every DaemonSet of a namespace" (an orphan pod changed). */
const ALL = '~all';
const inNamespace = (ns: string) => `~ns/${ns}`;

interface Memory {
  fence: CacheFence;
  backoff: FailedPodBackoff;
  wakeups: Wakeups;
}
const memories = new WeakMap<ControllerContext, Memory>();
function memoryOf(ctx: ControllerContext, input: DaemonSetControllerInput): Memory {
  let m = memories.get(ctx);
  if (!m) {
    const wakeups = new Wakeups(ctx.deps.clock, (k) => ctx.queue.add(k));
    ctx.deps.onStop(() => wakeups.clear());
    memories.set(ctx, (m = { fence: new CacheFence(), backoff: new FailedPodBackoff(input?.failedPodBackoff), wakeups }));
  }
  return m;
}

/** Returns the pods of the DaemonSet's namespace it controls, adopting and releasing as needed. */
async function claimPods(ctx: ControllerContext, ds: DaemonSet, wrote: (o: KubeObject) => void): Promise<Pod[]> {
  const match = labelSelectorMatcher(ds.spec.selector ?? {});
  const pods = ctx.cache<Pod>('pods').list().filter((p) => p.metadata.namespace === ds.metadata.namespace);
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
async function syncNodes(ctx: ControllerContext, ds: DaemonSet, create: string[], del: Pod[], hash: string, wrote: (o: KubeObject) => void): Promise<void> {
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
async function storeStatus(ctx: ControllerContext, ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, wrote: (o: KubeObject) => void): Promise<{ ready: number; available: number }> {
  const s = daemonStatus(ds, nodes, podsByNode(pods), hash, ctx.deps.clock.now());
  const cur = ds.status ?? {};
  const same = (Object.keys(s) as (keyof typeof s)[]).every((k) => (cur[k] ?? 0) === s[k]) && (cur.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0);
  if (!same) wrote(await ctx.deps.client.updateStatus('daemonsets', { ...ds, status: { ...cur, ...s, observedGeneration: ds.metadata.generation } }));
  return { ready: s.numberReady, available: s.numberAvailable };
}

/** The DaemonSet controller actor (kind `controller/daemonset`). */
export const daemonSetController = defineController<DaemonSetControllerInput>({
  name: 'daemonset',
  watches: [
    { resource: 'daemonsets' },
    { resource: 'nodes', keys: () => [ALL] },
    { resource: 'controllerrevisions', keys: daemonSetKeyOf },
    { resource: 'pods', keys: (p) => (controllerRefOf(p) ? daemonSetKeyOf(p) : [inNamespace(p.metadata.namespace ?? '')]) },
  ],
  async reconcile(key, ctx, input) {
    const sets = ctx.cache<DaemonSet>('daemonsets');
    if (key === ALL || key.startsWith('~ns/')) {
      const ns = key === ALL ? undefined : key.slice(4);
      for (const ds of sets.list()) if (ns === undefined || ds.metadata.namespace === ns) ctx.queue.add(keyOf(ds));
      return;
    }
    const mem = memoryOf(ctx, input);
    const ds = sets.get(key);
    if (!ds) return void mem.fence.forget(key);
    const sel = ds.spec.selector ?? {};
    if (Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) === 0) {
      ctx.events.record(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const caches = { pods: ctx.cache<Pod>('pods'), controllerrevisions: ctx.cache<ControllerRevision>('controllerrevisions'), daemonsets: sets };
    if (!mem.fence.caughtUp(key, caches)) return void mem.wakeups.after(key, 1_000); // its write events will wake it sooner
    const wrote = (o: KubeObject) => mem.fence.wrote(key, (o.kind === 'Pod' ? 'pods' : o.kind === 'ControllerRevision' ? 'controllerrevisions' : 'daemonsets'), o.metadata.resourceVersion);

    const nodes = ctx.cache<Node>('nodes').list().sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    const pods = await claimPods(ctx, ds, wrote);
    const { cur, old } = await constructHistory(ctx, ds, pods, wrote);
    const hash = cur.metadata.labels?.['controller-revision-hash'] ?? '';
    const now = ctx.deps.clock.now();
    const byNode = podsByNode(pods);

    let err: unknown;
    const plan = manage(ds, nodes, byNode, hash, now, mem.backoff);
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
    const min = ds.spec.minReadySeconds ?? 0;
    if (min > 0 && ready !== available) mem.wakeups.after(key, min * 1000);
    if (plan.requeueAfterMs !== undefined) mem.wakeups.after(key, plan.requeueAfterMs);
  },
});
