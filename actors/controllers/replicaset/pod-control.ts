// The ReplicaSet controller's writes (upstream manageReplicas and updateReplicaSetStatus): pods
// created in slow-start batches and deleted (each with its Event, shared/pod-control), and the status.
import type { Pod } from '../../../api/kinds/pod.ts';
import type { ReplicaSet, ReplicaSetStatus } from '../../../api/kinds/replicaset.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import { forEachBounded } from '../shared/bounded-parallel.ts';
import { newControllerRef, podFromTemplate } from '../shared/ownership.ts';
import { createPod, deletePod } from '../shared/pod-control.ts';
import { slowStart } from '../shared/slow-start.ts';
import type { ReplicaKind } from './replica-kinds.ts';
import { statusUnchanged } from './replicaset.reconcile.ts';

/** Returns the context the shared helpers take: they read deps and events, never a controller's state. */

/** Called with the resourceVersion of every pod write, so the next sync waits for the cache to see it. */
export type WroteFn = (resourceVersion: string | undefined) => void;

/** Creates `count` pods from the ReplicaSet's template in batches of 1, 2, 4, ...; throws the first failure. */
export async function createPods(ctx: ControllerContext<unknown>, k: ReplicaKind, rs: ReplicaSet, count: number, wrote: WroteFn): Promise<void> {
  const ref = newControllerRef(rs, k.apiVersion, k.kind);
  const create = async () => void (await createPod(ctx, rs, podFromTemplate(rs.spec.template, rs, ref, true), (o) => wrote(o.metadata.resourceVersion)));
  // Upstream reports the first failure of the failing batch (they are likely all the same).
  const errors = await slowStart(Array.from({ length: count }, (_, i) => i), create);
  if (errors.length) throw errors[0];
}

/** Deletes the chosen pods (a pod already gone is not an error); throws the first failure. */
export async function deletePods(ctx: ControllerContext<unknown>, rs: ReplicaSet, pods: readonly Pod[], wrote: WroteFn): Promise<void> {
  const errors = await forEachBounded(pods, 64, (pod) => deletePod(ctx, rs, pod, (o) => wrote(o.metadata.resourceVersion)));
  if (errors.length) throw errors[0];
}

/** Writes the status when it changed (with observedGeneration), retrying once on a fresh copy; returns the ReplicaSet. */
export async function writeStatus(ctx: ControllerContext<unknown>, k: ReplicaKind, rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
  if (statusUnchanged(rs, status)) return rs;
  const next = { ...status, observedGeneration: rs.metadata.generation };
  try {
    return await ctx.deps.client.updateStatus<ReplicaSet>(k.resource, { ...rs, status: next });
  } catch (err) {
    ctx.deps.log.debug({ rs: rs.metadata.name, err: (err as Error).message }, 'status update failed; retrying on a fresh copy');
    const fresh = await ctx.deps.client.get<ReplicaSet>(k.resource, rs.metadata.name!, { namespace: rs.metadata.namespace });
    return ctx.deps.client.updateStatus<ReplicaSet>(k.resource, { ...fresh, status: next });
  }
}
