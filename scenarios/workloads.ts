// Workload steps over the API: apply (create, or merge-patch what exists), patch, scale, delete.
import type { KubeObject } from '../api/meta.ts';
import type { ResourceDef } from '../api/resource.ts';
import { resourceByKind, resourceFor } from '../api/resources.ts';
import { isAlreadyExists } from '../api/status.ts';
import type { ApiClient } from '../bus/client.ts';

/** Thrown for a kind the API does not serve. */
export class UnknownKindError extends Error {
  override name = 'UnknownKindError';
}

/** Returns the resource of a kind as kubectl takes it (pod, po, Pod, deployments, deploy …). */
export function resourceOf(kind: string): ResourceDef {
  const def = resourceFor(kind) ?? resourceByKind(kind);
  if (!def) throw new UnknownKindError(`the server doesn't have a resource type "${kind}"`);
  return def;
}

const nsOf = (def: ResourceDef, ns: string | undefined) => (def.namespaced ? (ns ?? 'default') : undefined);

/** Creates the object (its kind served under its apiVersion, when it names one), or merge-patches the existing one with it (status and resourceVersion left out). */
export async function applyObject(client: ApiClient, obj: KubeObject): Promise<KubeObject> {
  const def = obj.apiVersion ? resourceByKind(obj.kind, obj.apiVersion) : resourceOf(obj.kind);
  if (!def) throw new UnknownKindError(`no matches for kind ${JSON.stringify(obj.kind)} in version ${JSON.stringify(obj.apiVersion)}`);
  const namespace = nsOf(def, obj.metadata.namespace);
  const body: KubeObject = { ...obj, metadata: { ...obj.metadata, ...(namespace ? { namespace } : {}) } };
  try {
    return await client.create(def.plural, body, { namespace });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const { status: _status, ...rest } = body as KubeObject & { status?: unknown };
  const { resourceVersion: _rv, ...metadata } = rest.metadata;
  return client.patch(def.plural, obj.metadata.name!, { ...rest, metadata }, { namespace });
}

/** Merge-patches one object. */
export function patchObject(client: ApiClient, kind: string, name: string, patch: Record<string, unknown>, namespace?: string): Promise<KubeObject> {
  const def = resourceOf(kind);
  return client.patch(def.plural, name, patch, { namespace: nsOf(def, namespace) });
}

/** Sets spec.replicas of a Deployment, ReplicaSet, StatefulSet (or any kind with replicas). */
export async function scaleObject(client: ApiClient, kind: string, name: string, replicas: number, namespace?: string): Promise<void> {
  if (!Number.isInteger(replicas) || replicas < 0) throw new RangeError(`replicas must be a whole number ≥ 0, got ${replicas}`);
  await patchObject(client, kind, name, { spec: { replicas } }, namespace);
}

/** Deletes one object. */
export async function deleteObject(
  client: ApiClient,
  kind: string,
  name: string,
  opts: { namespace?: string; gracePeriodSeconds?: number; propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {},
): Promise<void> {
  const def = resourceOf(kind);
  const { namespace, ...del } = opts;
  await client.delete(def.plural, name, { namespace: nsOf(def, namespace), ...del });
}
