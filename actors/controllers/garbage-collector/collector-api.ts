// The collector's API calls (upstream operations.go): live reads, deletes with uid and
// resourceVersion preconditions, ownerReference and finalizer edits with conflict retries.
import type { KubeObject, OwnerReference } from '../../../api/meta.ts';
import type { PropagationPolicy } from '../../../api/protocol.ts';
import type { ResourceDef } from '../../../api/resource.ts';
import { resourceByKind } from '../../../api/resources.ts';
import { StatusError, isConflict, isNotFound } from '../../../api/status.ts';
import type { ApiClient } from '../../../bus/client.ts';
import type { Identity } from './owner-graph.ts';

/** Thrown when an apiVersion/kind names no resource this API server serves (retried: it may appear). */
export class RestMappingError extends Error {
  override name = 'RestMappingError';
  constructor(apiVersion: string, kind: string) {
    super(`unable to get REST mapping for ${kind}/${apiVersion}`);
  }
}

/** How often a read-modify-write is retried on 409 Conflict (client-go retry.DefaultRetry steps). */
const CONFLICT_RETRIES = 5;

/** Returns the resource of an apiVersion/kind, or throws RestMappingError. */
export function resourceOf(apiVersion: string, kind: string): ResourceDef {
  const def = resourceByKind(kind, apiVersion);
  if (!def) throw new RestMappingError(apiVersion, kind);
  return def;
}

/** Returns the request scope of an object of `def` in `namespace`. */
const scope = (def: ResourceDef, namespace: string) => ({ namespace: def.namespaced ? namespace : undefined });

/** Runs `fn` again while it fails with 409 Conflict, up to CONFLICT_RETRIES times. */
async function retryOnConflict(fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
    }
  }
}

/** The API operations of the garbage collector over one client. */
export class CollectorApi {
  constructor(private readonly client: ApiClient) {}

  /** Returns the live object of an identity (StatusError 404 when it is gone). */
  get(id: Identity): Promise<KubeObject> {
    const def = resourceOf(id.apiVersion, id.kind);
    return this.client.get(def.plural, id.name, scope(def, id.namespace));
  }

  /**
   * Deletes an object if it still has this uid and resourceVersion; when only its resourceVersion
   * moved and its owners are the same, deletes it anyway (upstream deleteObject).
   */
  async delete(id: Identity, resourceVersion: string | undefined, owners: OwnerReference[] | undefined, policy: PropagationPolicy): Promise<void> {
    const def = resourceOf(id.apiVersion, id.kind);
    const opts = { ...scope(def, id.namespace), propagationPolicy: policy };
    try {
      await this.client.delete(def.plural, id.name, { ...opts, preconditions: { uid: id.uid, resourceVersion } });
      return;
    } catch (err) {
      if (!isConflict(err) || !resourceVersion) throw err;
    }
    let live: KubeObject;
    try {
      live = await this.client.get(def.plural, id.name, scope(def, id.namespace));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const sameOwners = JSON.stringify(live.metadata.ownerReferences ?? []) === JSON.stringify(owners ?? []);
    if (live.metadata.uid !== id.uid || !sameOwners) throw new StatusError(409, 'Conflict', `${id.kind} ${id.name} changed its owners before it could be collected`);
    await this.client.delete(def.plural, id.name, { ...opts, preconditions: { uid: id.uid } });
  }

  /** Rewrites an object's ownerReferences with `edit`, guarded by uid and resourceVersion (a JSON merge patch). */
  async editOwnerRefs(id: Identity, edit: (refs: OwnerReference[] | undefined) => OwnerReference[] | undefined): Promise<void> {
    const def = resourceOf(id.apiVersion, id.kind);
    await retryOnConflict(async () => {
      const live = await this.client.get(def.plural, id.name, scope(def, id.namespace));
      if (live.metadata.uid !== id.uid) throw new StatusError(404, 'NotFound', `${id.kind} ${id.name} with uid ${id.uid} not found`);
      const refs = edit(live.metadata.ownerReferences);
      const patch = { metadata: { uid: id.uid, resourceVersion: live.metadata.resourceVersion, ownerReferences: refs ?? null } };
      await this.client.patch(def.plural, id.name, patch, { ...scope(def, id.namespace), type: 'merge' });
    });
  }

  /** Removes one finalizer from an object (nothing to do when it is gone or the finalizer is not there). */
  async removeFinalizer(id: Identity, finalizer: string): Promise<void> {
    const def = resourceOf(id.apiVersion, id.kind);
    await retryOnConflict(async () => {
      let live: KubeObject;
      try {
        live = await this.client.get(def.plural, id.name, scope(def, id.namespace));
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      const finalizers = live.metadata.finalizers ?? [];
      if (live.metadata.uid !== id.uid || !finalizers.includes(finalizer)) return;
      const rest = finalizers.filter((f) => f !== finalizer);
      const patch = { metadata: { resourceVersion: live.metadata.resourceVersion, finalizers: rest.length ? rest : null } };
      await this.client.patch(def.plural, id.name, patch, { ...scope(def, id.namespace), type: 'merge' });
    });
  }
}
