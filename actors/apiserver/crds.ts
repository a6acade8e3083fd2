// Serving custom resources: the API server keeps this process's resource table in step with the
// CustomResourceDefinitions it stores (at start, and after every CRD write), so a CRD's resource
// is served as soon as the write that established it returns; and it follows the CRDs in its store
// cache, so a CRD written through another API server replica is served here within the feed's lag.
import { isDeepStrictEqual } from 'node:util';
import { isEstablished } from '../../api/apiextensions/crd-validation.ts';
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
 * controllers, run before the write's caller hears back. A status write that loses a race with
 * another replica's (409) leaves the status to that one: the table follows what is stored.
 */
export async function syncCustomResource(ctx: ServerContext, name: string): Promise<void> {
  let kv = ctx.store.get(objectKey(crdDef(), undefined, name));
  if (kv && !fromKV(kv).metadata.deletionTimestamp) {
    const crd = fromKV(kv) as CustomResourceDefinition;
    const status = crdStatusFor(crd, (plural, kind) => nameTaken(name, crd.spec.group, plural, kind), rfc3339(ctx.clock.now()));
    if (!isDeepStrictEqual(status, crd.status)) {
      try {
        await commitUpdate(ctx, crdDef(), kv, { ...(crd as unknown as KubeObject), status }, 'status');
      } catch (err) {
        if (!(err instanceof StatusError) || err.code !== 409) throw err;
        ctx.log.info({ crd: name }, 'CRD status written by another API server meanwhile');
      }
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

/**
 * How long a CRD may stay as written, not established, before any replica establishes it: its
 * handler does at once, unless it died in between (upstream's establishing controller waits 5 s too
 * when several API servers run).
 */
export const ESTABLISH_AFTER_MS = 5_000;

/**
 * Follows the CRDs in this replica's store cache from `fromRevision` (on a shared store): a CRD
 * established through any replica is served here, one deleted or no longer established is not.
 * Level-based: on a change it syncs the cache, then serves the CRD as it is now, so a lagging
 * replica never puts back an older state over a newer one in a table its process shares with other
 * replicas (simulations); and it takes back only what it served itself. Status is the handling
 * replica's; only a CRD left unestablished for ESTABLISH_AFTER_MS (its handler died) gets its status
 * written here, compare-and-set, so N replicas cause no write storm. Returns a cancel function.
 */
export function followStoredCrds(ctx: ServerContext, fromRevision: number): () => void {
  /** CRDs this follower serves, with the modRevision it served: at first, those established in the cache (loadCustomResources serves them). */
  const served = new Map<string, number>();
  for (const kv of ctx.store.range(`/registry/${CRD_PLURAL}/`).kvs)
    if (isEstablished(fromKV(kv) as unknown as CustomResourceDefinition)) served.set(fromKV(kv).metadata.name!, kv.modRevision);
  let stopped = false;
  const timers = new Map<string, unknown>();
  /** Establishes a CRD still as it was `revision`, unestablished, once ESTABLISH_AFTER_MS have passed. */
  const establishLater = (name: string, revision: number) => {
    ctx.clock.clearTimeout(timers.get(name));
    const timer = ctx.clock.setTimeout(() => {
      timers.delete(name);
      void (async () => {
        await ctx.store.sync?.();
        if (stopped || ctx.store.get(objectKey(crdDef(), undefined, name))?.modRevision !== revision) return;
        ctx.log.info({ crd: name }, 'establishing a CRD its API server left unestablished');
        await syncCustomResource(ctx, name);
      })().catch((err) => ctx.log.warn({ crd: name, err: (err as Error).message }, 'could not establish a CRD'));
    }, ESTABLISH_AFTER_MS);
    timers.set(name, timer);
  };
  const reconcile = async (name: string) => {
    await ctx.store.sync?.();
    if (stopped) return;
    const kv = ctx.store.get(objectKey(crdDef(), undefined, name));
    const crd = kv && fromKV(kv);
    if (kv && crd && isEstablished(crd as unknown as CustomResourceDefinition)) {
      if (served.get(name) === kv.modRevision) return;
      served.set(name, kv.modRevision);
      followCrd(crd, ctx.log);
    } else {
      if (kv && crd && !crd.metadata.deletionTimestamp) establishLater(name, kv.modRevision);
      if (served.delete(name)) {
        if (crd) followCrd(crd, ctx.log);
        else unregisterCustomResource(name);
      }
    }
  };
  const cancel = ctx.store.watch(`/registry/${CRD_PLURAL}/`, fromRevision, (ev) => {
    const name = (ev.kv.value as KubeObject).metadata.name!;
    reconcile(name).catch((err) => ctx.log.warn({ crd: name, err: (err as Error).message }, 'could not follow a CRD change'));
  });
  return () => {
    stopped = true;
    cancel();
    for (const timer of timers.values()) ctx.clock.clearTimeout(timer);
    timers.clear();
  };
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
