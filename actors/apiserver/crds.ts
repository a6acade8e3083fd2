// Serving custom resources: the API server keeps this process's resource table in step with the
// CustomResourceDefinitions it stores (at start, and after every CRD write), so a CRD's resource
// is served as soon as the write that established it returns.
import { isDeepStrictEqual } from 'node:util';
import { crdStatusFor } from '../../api/apiextensions/crd-status.ts';
import { CRD_CLEANUP_FINALIZER } from '../../api/apiextensions/finalizer.ts';
import type { CustomResourceDefinition } from '../../api/apiextensions/types.ts';
import type { KubeObject } from '../../api/meta.ts';
import { rfc3339 } from '../../api/names.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { customResourceOwner, nameTaken, resourceFor, unregisterCustomResource } from '../../api/resources.ts';
import { StatusError } from '../../api/status.ts';
import { followCrd } from '../lib/custom-resources.ts';
import type { ServerContext } from './context.ts';
import { objectKey } from './keys.ts';
import { fromKV } from './objects.ts';
import { commitUpdate } from './writes.ts';

export const CRD_PLURAL = 'customresourcedefinitions';

const crdDef = () => resourceFor(CRD_PLURAL)!;

/**
 * Brings one CRD's status (NamesAccepted, Established, acceptedNames, storedVersions) and this
 * process's resource table in step with what the store holds: upstream's naming and establishing
 * controllers, run before the write's caller hears back.
 */
export async function syncCustomResource(ctx: ServerContext, name: string): Promise<void> {
  let kv = ctx.store.get(objectKey(crdDef(), undefined, name));
  if (kv && !fromKV(kv).metadata.deletionTimestamp) {
    const crd = fromKV(kv) as CustomResourceDefinition;
    const status = crdStatusFor(crd, (plural, kind) => nameTaken(name, crd.spec.group, plural, kind), rfc3339(ctx.clock.now()));
    if (!isDeepStrictEqual(status, crd.status)) {
      await commitUpdate(ctx, crdDef(), kv, { ...(crd as unknown as KubeObject), status }, 'status');
      kv = ctx.store.get(kv.key);
    }
  }
  if (kv) followCrd(fromKV(kv), ctx.log);
  else unregisterCustomResource(name);
}

/** Serves every stored CRD (at start, and when taking over a store). */
export async function loadCustomResources(ctx: ServerContext): Promise<number> {
  const { kvs } = ctx.store.range(`/registry/${CRD_PLURAL}/`);
  for (const kv of kvs) await syncCustomResource(ctx, fromKV(kv).metadata.name!);
  return kvs.length;
}

/** Refuses creating custom objects while their CRD is being deleted, as upstream (405). */
export function checkCustomCreate(ctx: ServerContext, def: ResourceDef): void {
  const crdName = def.custom?.crd ?? customResourceOwner(def.plural);
  if (!crdName) return;
  const kv = ctx.store.get(objectKey(crdDef(), undefined, crdName));
  if (kv && fromKV(kv).metadata.deletionTimestamp)
    throw new StatusError(405, 'MethodNotAllowed', `create not allowed while custom resource definition is terminating`);
}

/**
 * Before a CRD is deleted, gives it the cleanup finalizer (as upstream's CRD registry does on
 * delete), so deletion only marks it: the CRD cleanup controller deletes its objects, then the
 * finalizer. A CRD already being deleted is left as it is.
 */
export async function holdForCleanup(ctx: ServerContext, name: string | undefined): Promise<void> {
  const kv = name ? ctx.store.get(objectKey(crdDef(), undefined, name)) : undefined;
  if (!kv) return;
  const crd = fromKV(kv);
  const finalizers = crd.metadata.finalizers ?? [];
  if (crd.metadata.deletionTimestamp || finalizers.includes(CRD_CLEANUP_FINALIZER)) return;
  const next = structuredClone(crd);
  next.metadata.finalizers = [...finalizers, CRD_CLEANUP_FINALIZER];
  await commitUpdate(ctx, crdDef(), kv, next, 'main');
}
