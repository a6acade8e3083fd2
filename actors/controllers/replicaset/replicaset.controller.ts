// The ReplicaSet controller: keeps `replicas` active pods per ReplicaSet. It claims pods (adopts
// matching orphans, releases owned pods that stopped matching), creates or deletes the difference
// once its caches have seen its own earlier writes (upstream's expectations), and writes status.
import type { Pod } from '../../../api/kinds/pod.ts';
import { isPodActive } from '../../../api/kinds/pod-helpers.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { labelSelectorMatcher, type LabelMatcher } from '../../../api/selectors.ts';
import { keyOf } from '../../../bus/informer.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { CacheFence } from '../shared/cache-fence.ts';
import { OwnerIndex } from '../shared/owner-index.ts';
import { claimObjects } from '../shared/ownership.client.ts';
import { controllerRefOf, newControllerRef } from '../shared/ownership.ts';
import { Wakeups } from '../shared/wakeups.ts';
import { createPods, deletePods, writeStatus } from './pod-control.ts';
import { BURST_REPLICAS, calculateStatus, nextAvailableAt, planReplicas, replicasOf } from './replicaset.reconcile.ts';

export interface ReplicaSetControllerOptions {
  /** At most this many pods created or deleted per sync (upstream --replicaset burst, 500). */
  burstReplicas?: number;
}

/** Keys of orphan pods: reconciling one wakes every ReplicaSet whose selector matches it. */
const ORPHAN = '~orphan/';

/** What the controller keeps between reconciles (rebuilt after a restart). */
interface Memory {
  fence: CacheFence;
  wakeups: Wakeups;
  pods: OwnerIndex<Pod>;
  sets: OwnerIndex<ReplicaSet>;
}

const memories = new WeakMap<ControllerContext, Memory>();

function memoryOf(ctx: ControllerContext): Memory {
  let m = memories.get(ctx);
  if (!m) {
    m = {
      fence: new CacheFence(),
      wakeups: new Wakeups(ctx.deps.clock, (key) => ctx.queue.add(key)),
      pods: new OwnerIndex(ctx.cache<Pod>('pods')),
      sets: new OwnerIndex(ctx.cache<ReplicaSet>('replicasets')),
    };
    const mem = m;
    ctx.deps.onStop(() => (mem.wakeups.clear(), mem.pods.close(), mem.sets.close()));
    memories.set(ctx, m);
  }
  return m;
}

/** Returns the keys a pod change wakes: its ReplicaSet, or (for an orphan) the orphan fan-out key. */
function podKeys(pod: KubeObject): string[] {
  const ref = controllerRefOf(pod);
  if (!ref) return [`${ORPHAN}${keyOf(pod)}`];
  return ref.kind === 'ReplicaSet' ? [`${pod.metadata.namespace}/${ref.name}`] : [];
}

/** Returns a matcher for a ReplicaSet's selector; an empty or broken selector matches nothing (as upstream). */
function selectorOf(rs: ReplicaSet, ctx: ControllerContext): LabelMatcher | undefined {
  const sel = rs.spec.selector;
  if (!sel || Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) === 0) return undefined;
  try {
    return labelSelectorMatcher(sel);
  } catch (err) {
    ctx.deps.log.warn({ rs: keyOf(rs), err: (err as Error).message }, 'invalid selector; the ReplicaSet selects nothing');
    return undefined;
  }
}

/** Wakes the ReplicaSets that select an orphan pod, so one of them adopts it. */
function wakeSelectors(ctx: ControllerContext, podKey: string): void {
  const pod = ctx.cache<Pod>('pods').get(podKey);
  if (!pod || controllerRefOf(pod)) return;
  for (const rs of ctx.cache<ReplicaSet>('replicasets').list())
    if (rs.metadata.namespace === pod.metadata.namespace && selectorOf(rs, ctx)?.(pod.metadata.labels)) ctx.queue.add(keyOf(rs));
}

/** Returns the pods of the ReplicaSets that share this one's controller (getIndirectlyRelatedPods). */
function relatedPods(mem: Memory, rs: ReplicaSet): Pod[] {
  const owner = controllerRefOf(rs);
  if (!owner) return [];
  return mem.sets.owned(owner.uid).flatMap((sibling) => mem.pods.owned(sibling.metadata.uid));
}

export const replicaSetController = defineController<ReplicaSetControllerOptions | void>({
  name: 'replicaset',
  watches: [{ resource: 'replicasets' }, { resource: 'pods', keys: podKeys }],
  started: (ctx) => void memoryOf(ctx),
  async reconcile(key, ctx, input) {
    if (key.startsWith(ORPHAN)) return wakeSelectors(ctx, key.slice(ORPHAN.length));
    const mem = memoryOf(ctx);
    const rs = ctx.cache<ReplicaSet>('replicasets').get(key);
    if (!rs) return mem.fence.forget(key);
    const now = ctx.deps.clock.now();
    const wrote = (rv: string | undefined) => mem.fence.wrote(key, 'pods', rv);
    // Act on the pod count only once the cache shows every pod this controller created or deleted.
    const needsSync = mem.fence.caughtUp(key, { pods: ctx.cache<Pod>('pods') });
    const matches = selectorOf(rs, ctx);
    const candidates = [...mem.pods.owned(rs.metadata.uid), ...mem.pods.orphansIn(rs.metadata.namespace)].filter(isPodActive);
    const owned = await claimObjects(ctx, candidates, {
      owner: rs,
      ownerResource: 'replicasets',
      resource: 'pods',
      ref: newControllerRef(rs, 'apps/v1', 'ReplicaSet'),
      matches: (p) => !!matches?.(p.metadata.labels),
      wrote: (o) => wrote(o.metadata.resourceVersion),
    });
    let manageError: Error | undefined;
    if (needsSync && !rs.metadata.deletionTimestamp && matches) {
      const related = owned.length > replicasOf(rs) ? relatedPods(mem, rs) : []; // only a scale-down ranks by siblings
      const plan = planReplicas(rs, owned, related, now, (input && input.burstReplicas) || BURST_REPLICAS);
      try {
        if (plan.create > 0) await createPods(ctx, rs, plan.create, wrote);
        if (plan.delete.length > 0) await deletePods(ctx, rs, plan.delete, wrote);
      } catch (err) {
        manageError = err as Error;
      }
    }
    await writeStatus(ctx, rs, calculateStatus(rs, owned, manageError, now));
    const availableAt = nextAvailableAt(rs, owned, now);
    if (availableAt !== undefined) mem.wakeups.after(key, Math.max(1, availableAt - now));
    if (manageError) throw manageError;
  },
});
