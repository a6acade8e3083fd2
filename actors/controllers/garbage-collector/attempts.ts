// The collector's two kinds of work (upstream attemptToDeleteItem and attemptToOrphanWorker):
// read the live object and its owners, plan (deletion-plan.ts), and act through the API.
import type { KubeObject, OwnerReference } from '../../../api/meta.ts';
import { isNotFound } from '../../../api/status.ts';
import type { Logger } from '../../../bus/types.ts';
import { forEachBounded } from '../shared/bounded-parallel.ts';
import type { AbsentOwnerCache } from './absent-owner-cache.ts';
import { resourceOf, type CollectorApi } from './collector-api.ts';
import { classify, planDeletion, unblocked, withoutOwners, type OwnerLookup } from './deletion-plan.ts';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type GraphBuilder } from './graph-builder.ts';
import { describe, identityOfRef, type GraphNode, type Identity } from './owner-graph.ts';

/** Thrown (and not retried) when a cluster-scoped object names a namespaced owner. */
export class NamespacedOwnerOfClusterScopedError extends Error {
  override name = 'NamespacedOwnerOfClusterScopedError';
}

/** Dependents patched at once when orphaning. */
const ORPHAN_PARALLELISM = 16;

/** What the attempts need: the graph (through its builder), the owner cache, the API and a way to queue more work. */
export interface Collector {
  builder: GraphBuilder;
  absent: AbsentOwnerCache;
  api: CollectorApi;
  log: Logger;
  enqueueDelete(node: GraphNode): void;
}

/** `virtual-delete`: the object turned out to be gone and the graph was told; nothing to retry. */
export type Outcome = 'done' | 'virtual-delete';

/** Tells the graph that an object is gone (it answered 404 or has another uid now). */
function virtualDelete(c: Collector, id: Identity): Outcome {
  const obj: KubeObject = { apiVersion: id.apiVersion, kind: id.kind, metadata: { name: id.name, namespace: id.namespace || undefined, uid: id.uid } };
  c.builder.process({ type: 'delete', obj, apiVersion: id.apiVersion, kind: id.kind, virtual: true });
  return 'virtual-delete';
}

/** Returns whether an owner reference dangles, and the owner when it does not (upstream isDangling). */
async function lookupOwner(c: Collector, ref: OwnerReference, item: GraphNode): Promise<OwnerLookup> {
  const clusterKey = identityOfRef(ref, '');
  const namespacedKey = identityOfRef(ref, item.identity.namespace);
  if (c.absent.has(clusterKey) || c.absent.has(namespacedKey)) return { ref, dangling: true };
  const def = resourceOf(ref.apiVersion, ref.kind);
  if (def.namespaced && !item.identity.namespace)
    throw new NamespacedOwnerOfClusterScopedError(`${describe(item.identity)} is cluster-scoped but refers to a namespaced owner ${ref.kind} ${ref.name}`);
  const key = def.namespaced ? namespacedKey : clusterKey;
  let owner: KubeObject;
  try {
    owner = await c.api.get(key);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    c.absent.add(key);
    return { ref, dangling: true };
  }
  if (owner.metadata.uid !== ref.uid) {
    c.absent.add(key);
    return { ref, dangling: true };
  }
  return { ref, dangling: false, owner };
}

/** An owner deleting its dependents in the foreground: done when nothing blocks it, else hurry the blockers. */
async function processDeletingDependents(c: Collector, item: GraphNode): Promise<void> {
  const blocking = item.blockingDependents();
  if (blocking.length === 0) {
    c.log.debug({ item: describe(item.identity) }, 'removing the foregroundDeletion finalizer');
    return c.api.removeFinalizer(item.identity, FOREGROUND_FINALIZER);
  }
  for (const dep of blocking) if (!dep.deletingDependents) c.enqueueDelete(dep);
}

/** Deletes an object that the graph says may have lost its owners, if the API server agrees. */
export async function attemptToDelete(c: Collector, item: GraphNode): Promise<Outcome> {
  // Being deleted is a one-way trip: wait for the final delete, then look at its dependents.
  if (item.beingDeleted && !item.deletingDependents) return 'done';
  let latest: KubeObject;
  try {
    latest = await c.api.get(item.identity);
  } catch (err) {
    if (isNotFound(err)) return virtualDelete(c, item.identity);
    throw err;
  }
  if (latest.metadata.uid !== item.identity.uid) return virtualDelete(c, item.identity);
  if (item.deletingDependents) {
    await processDeletingDependents(c, item);
    return 'done';
  }
  const refs = latest.metadata.ownerReferences ?? [];
  if (refs.length === 0) return 'done';
  const lookups: OwnerLookup[] = [];
  for (const ref of refs) lookups.push(await lookupOwner(c, ref, item));
  const deps = [...item.dependents];
  const plan = planDeletion({ dependents: deps.length, dependentDeletingDependents: deps.some((d) => d.deletingDependents) }, latest, classify(lookups));
  const at = describe(item.identity);
  switch (plan.type) {
    case 'keep':
      return 'done';
    case 'remove-refs':
      c.log.debug({ item: at, owners: plan.uids }, 'removing references to owners that are gone or waiting');
      await c.api.editOwnerRefs(item.identity, (r) => withoutOwners(r, plan.uids));
      return 'done';
    case 'delete':
      if (plan.unblock) await c.api.editOwnerRefs(item.identity, unblocked);
      c.log.debug({ item: at, propagationPolicy: plan.policy }, 'deleting item');
      try {
        await c.api.delete(item.identity, latest.metadata.resourceVersion, latest.metadata.ownerReferences, plan.policy);
      } catch (err) {
        if (isNotFound(err)) return virtualDelete(c, item.identity);
        throw err;
      }
      return 'done';
  }
}

/** Removes an owner from its dependents' ownerReferences, then its `orphan` finalizer (upstream attemptToOrphanWorker). */
export async function attemptToOrphan(c: Collector, owner: GraphNode): Promise<void> {
  const dependents = [...owner.dependents];
  const errors = await forEachBounded(dependents, ORPHAN_PARALLELISM, async (dep) => {
    try {
      await c.api.editOwnerRefs(dep.identity, (r) => withoutOwners(r, [owner.identity.uid]));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  });
  if (errors.length)
    throw new Error(`failed to orphan dependents of owner ${describe(owner.identity)}: ${errors.map((e) => (e as Error).message ?? String(e)).join('; ')}`);
  await c.api.removeFinalizer(owner.identity, ORPHAN_FINALIZER);
}
