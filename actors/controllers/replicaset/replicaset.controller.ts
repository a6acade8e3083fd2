// The ReplicaSet controller: keeps `replicas` active pods per ReplicaSet. It claims pods (adopts
// matching orphans, releases owned pods that stopped matching), creates or deletes the difference
// once its caches have seen its own earlier writes (upstream's expectations), and writes status.
// The same logic, given REPLICATION_CONTROLLER, is the ReplicationController controller.
import type { Pod } from '../../../api/kinds/pod.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import { controllerRefOf, type KubeObject } from '../../../api/meta.ts';
import { isEmptySelector, labelSelectorMatcher, type LabelMatcher } from '../../../api/selectors.ts';
import { CONTROLLER_INDEX, controllerIndexers, namespaceIndexers, orphansIn } from '../../../bus/indexers.ts';
import { keyOf } from '../../../bus/informer.ts';
import type { Logger } from '../../../bus/types.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { CacheFence } from '../shared/cache-fence.ts';
import { ownerOrAdopters, ownerUpdateKeys, selectingOwners } from '../shared/owner-keys.ts';
import { claimObjects } from '../shared/ownership.client.ts';
import { newControllerRef } from '../shared/ownership.ts';
import { createPods, deletePods, writeStatus } from './pod-control.ts';
import { REPLICA_SET, REPLICATION_CONTROLLER, type ReplicaKind } from './replica-kinds.ts';
import { BURST_REPLICAS, calculateStatus, nextAvailableAt, planReplicas, podFacts, replicasOf } from './replicaset.reconcile.ts';

export interface ReplicaSetControllerOptions {
  /** At most this many pods created or deleted per sync (upstream --replicaset burst, 500). */
  burstReplicas?: number;
  /** ReplicaSets synced at once (upstream --concurrent-replicaset-syncs, 5). */
  workers?: number;
}

/** Upstream's default --concurrent-replicaset-syncs. */
export const REPLICASET_WORKERS = 5;

/** What the controller keeps between reconciles (rebuilt after a restart). */
interface State {
  /** Per ReplicaSet key: the revisions of its own pod writes the cache must show before it counts pods again. */
  fence: CacheFence;
}

type Ctx = ControllerContext<State>;

/** Returns a matcher for a ReplicaSet's selector; an empty or broken selector matches nothing (as upstream). */
function selectorOf(k: ReplicaKind, rs: ReplicaSet, log: Logger): LabelMatcher | undefined {
  const sel = k.selector(rs);
  if (!sel || isEmptySelector(sel)) return undefined;
  try {
    return labelSelectorMatcher(sel);
  } catch (err) {
    log.warn({ [k.resource]: keyOf(rs), err: (err as Error).message }, 'invalid selector; it selects nothing');
    return undefined;
  }
}

/** Returns the owners of this kind that may adopt an orphan pod (upstream getPodReplicaSets / getPodControllers). */
const adopters = (k: ReplicaKind, ctx: Ctx) => (pod: KubeObject) =>
  selectingOwners(ctx.cache<ReplicaSet>(k.resource).lister(), pod, ctx.deps.log, undefined, (o) => k.selector(o));

/** Returns the pods of the owners that share this one's controller (getIndirectlyRelatedPods). */
function relatedPods(k: ReplicaKind, ctx: Ctx, rs: ReplicaSet): Pod[] {
  const owner = controllerRefOf(rs);
  if (!owner) return [];
  const pods = ctx.cache<Pod>('pods');
  return ctx.cache<ReplicaSet>(k.resource).byIndex(CONTROLLER_INDEX, owner.uid).flatMap((sibling) => pods.byIndex(CONTROLLER_INDEX, sibling.metadata.uid!));
}

/** Returns the replica manager of one kind (ReplicaSets, or ReplicationControllers). */
export function replicaManager(k: ReplicaKind) {
  return defineController<ReplicaSetControllerOptions | void, State>({
    name: k.name,
    watches: [
      { resource: k.resource, indexers: { ...namespaceIndexers, ...controllerIndexers } },
      { resource: 'pods', indexers: controllerIndexers, keys: (pod, ctx) => ownerOrAdopters(pod, k.kind, adopters(k, ctx)), updateKeys: (old, pod, ctx) => ownerUpdateKeys(old, pod, k.kind, adopters(k, ctx)) },
    ],
    workers: (input) => (input && input.workers) || REPLICASET_WORKERS,
    init: () => ({ fence: new CacheFence() }),
    async reconcile(key, ctx, input) {
      const { fence } = ctx.state;
      const rs = ctx.cache<ReplicaSet>(k.resource).get(key);
      if (!rs) return fence.forget(key);
      const now = ctx.deps.clock.now();
      const wrote = (rv: string | undefined) => fence.wrote(key, 'pods', rv);
      // Act on the pod count only once the cache shows every pod this controller created or deleted.
      const pods = ctx.cache<Pod>('pods');
      const needsSync = fence.caughtUp(key, { pods });
      const matches = selectorOf(k, rs, ctx.deps.log);
      // Active pods it controls that still match are its own (claimOf's 'own': their references were read by the index); only the others are claimed.
      const kept: Pod[] = [];
      const others: Pod[] = [];
      for (const p of pods.byIndex(CONTROLLER_INDEX, rs.metadata.uid!)) if (podFacts(p).active) (matches?.(p.metadata.labels) ? kept : others).push(p);
      for (const p of pods.byIndex(CONTROLLER_INDEX, orphansIn(rs.metadata.namespace))) if (podFacts(p).active) others.push(p);
      const claimed = await claimObjects(ctx, others, {
        owner: rs,
        ownerResource: k.resource,
        resource: 'pods',
        ref: newControllerRef(rs, k.apiVersion, k.kind),
        matches: (p) => !!matches?.(p.metadata.labels),
        wrote: (o) => wrote(o.metadata.resourceVersion),
      });
      const owned = claimed.length ? [...kept, ...claimed] : kept;
      let manageError: Error | undefined;
      if (needsSync && !rs.metadata.deletionTimestamp && matches) {
        const related = owned.length > replicasOf(rs) ? relatedPods(k, ctx, rs) : []; // only a scale-down ranks by siblings
        const plan = planReplicas(rs, owned, related, now, (input && input.burstReplicas) || BURST_REPLICAS);
        try {
          if (plan.create > 0) await createPods(ctx, k, rs, plan.create, wrote);
          if (plan.delete.length > 0) await deletePods(ctx, rs, plan.delete, wrote);
        } catch (err) {
          manageError = err as Error;
        }
      }
      await writeStatus(ctx, k, rs, calculateStatus(rs, owned, manageError, now));
      // A ready pod turns available minReadySeconds later, with no event to say so (upstream AddAfter).
      const availableAt = nextAvailableAt(rs, owned, now);
      if (availableAt !== undefined) ctx.queue.addAfter(key, Math.max(1, availableAt - now));
      if (manageError) throw manageError;
    },
  });
}

export const replicaSetController = replicaManager(REPLICA_SET);

/** The ReplicationController controller: the replica manager on RCs (upstream pkg/controller/replication). */
export const replicationControllerController = replicaManager(REPLICATION_CONTROLLER);
