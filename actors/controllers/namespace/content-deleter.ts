// Deletes everything in a namespace, one resource at a time, and reports what is left
// (upstream NamespacedResourcesDeleter.deleteAllContent). Our API has no deletecollection, so
// each object is listed and deleted (Background; pods gracefully, their kubelets finish them).
import type { Pod } from '../../../api/kinds/pod.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { parseRfc3339 } from '../../../api/names.ts';
import type { ResourceDef } from '../../../api/resource.ts';
import { allResources } from '../../../api/resources.ts';
import { isNotFound, statusCodeOf } from '../../../api/status.ts';
import type { ApiClient } from '../../../bus/client.ts';
import { forEachBounded } from '../shared/bounded-parallel.ts';
import type { ContentTotals } from './namespace-conditions.ts';
import { podGraceEstimate, remainingAfterDelete, resourceLabel, type ResourceRemaining } from './namespace-content.ts';

/** Deletes sent at once per resource. */
const DELETE_PARALLELISM = 16;

/** Returns the namespaced resources that can hold content (bindings are not stored). */
export const namespacedResources = () => allResources().filter((d) => d.namespaced && !d.createOnly);

/** Gone already, or a resource that cannot be deleted (405 MethodNotAllowed). */
const ignorable = (err: unknown) => isNotFound(err) || statusCodeOf(err) === 405;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The outcome of one pass: the longest wait estimated, and what remains for the conditions. */
export interface ContentPass {
  estimateSeconds: number;
  totals: ContentTotals;
}

async function listAll(client: ApiClient, def: ResourceDef, namespace: string): Promise<KubeObject[]> {
  return (await client.list(def.plural, { namespace })).items;
}

/** Deletes one resource's objects in the namespace and returns what is left of it. */
async function deleteResource(client: ApiClient, def: ResourceDef, namespace: string, deletedAt: number, now: () => number): Promise<ResourceRemaining> {
  let estimate = 0;
  try {
    const items = await listAll(client, def, namespace);
    if (def.plural === 'pods') estimate = podGraceEstimate(items as Pod[], deletedAt, now());
    const errors = await forEachBounded(items, DELETE_PARALLELISM, async (item) => {
      try {
        await client.delete(def.plural, item.metadata.name!, { namespace, propagationPolicy: 'Background' });
      } catch (err) {
        if (!ignorable(err)) throw err;
      }
    });
    if (errors.length) throw errors[0];
    return remainingAfterDelete(def, namespace, await listAll(client, def, namespace), estimate);
  } catch (err) {
    return { estimateSeconds: estimate, remaining: 0, finalizers: new Map(), error: messageOf(err) };
  }
}

/** Deletes all content of a namespace being deleted since `deletionTimestamp`; never throws (errors are in the totals). */
export async function deleteAllContent(client: ApiClient, namespace: string, deletionTimestamp: string, now: () => number): Promise<ContentPass> {
  const deletedAt = parseRfc3339(deletionTimestamp);
  const totals: ContentTotals = { remainingByResource: new Map(), remainingByFinalizer: new Map(), deleteErrors: [] };
  let estimateSeconds = 0;
  for (const def of namespacedResources()) {
    const r = await deleteResource(client, def, namespace, Number.isNaN(deletedAt) ? now() : deletedAt, now);
    if (r.error) totals.deleteErrors.push(r.error);
    estimateSeconds = Math.max(estimateSeconds, r.estimateSeconds);
    if (r.remaining > 0) {
      totals.remainingByResource.set(resourceLabel(def), r.remaining);
      for (const [f, n] of r.finalizers) if (n > 0) totals.remainingByFinalizer.set(f, (totals.remainingByFinalizer.get(f) ?? 0) + n);
    }
  }
  return { estimateSeconds, totals };
}
