// get and list: reads from the store, with selectors and limit/continue paging at a stable revision.
import type { KubeList, KubeObject } from '../../api/meta.ts';
import type { ApiRequest } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { badRequest, expired, notFound } from '../../api/status.ts';
import { qualified, type ServerContext } from './context.ts';
import { buildFilter } from './filters.ts';
import { atLeast, consistent } from './freshness.ts';
import { listFreshness, listRead } from './list-revision.ts';
import { objectKey, resourcePrefix } from './keys.ts';
import { fromKV, parseRV } from './objects.ts';
import { nameOf, namespaceOf, scopeOf } from './request.ts';
import { CompactedError, type KeyValue } from './store/store.ts';

/** Returns the stored object a request addresses, or throws 404. */
export function getKV(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, name: string): KeyValue {
  const kv = ctx.store.get(objectKey(def, namespace, name));
  if (!kv) throw notFound(qualified(def), name);
  return kv;
}

/** get: a consistent read (on a shared store, once the cache holds every acknowledged write). */
export function get(ctx: ServerContext, def: ResourceDef, req: ApiRequest): KubeObject | Promise<KubeObject> {
  const read = () => fromKV(getKV(ctx, def, namespaceOf(def, req), nameOf(req)));
  const fresh = consistent(ctx);
  return fresh ? fresh.then(read) : read();
}

interface Continue {
  rv: number;
  start: string;
}

const encodeContinue = (c: Continue) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeContinue(token: string, prefix: string): Continue {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString()) as Continue;
    if (typeof c.rv === 'number' && typeof c.start === 'string' && c.start.startsWith(prefix)) return c;
  } catch {
    // fall through to the error below
  }
  throw badRequest('invalid continue token: use the token from the previous list response of the same request');
}

/** Upstream's 410 for an exact list at a compacted revision (etcd3's "expired"). */
const TOO_OLD_RV = 'The resourceVersion for the provided list is too old.';

const TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

/**
 * list: on a shared store it first waits for the cache to be fresh enough, as upstream's cacher: an
 * unset resourceVersion is a consistent read, "N" waits for revision N (504 after 3 s), "0" reads the
 * cache as it is; a continue token waits for its own revision (another replica may have cut it).
 */
export function list(ctx: ServerContext, def: ResourceDef, req: ApiRequest): KubeList | Promise<KubeList> {
  if (ctx.store.sync) {
    const opts = req.list ?? {};
    const need = listFreshness(opts);
    const fresh = need === 'consistent' ? consistent(ctx) : atLeast(ctx, need || continueRevision(opts.continue));
    if (fresh) return fresh.then(() => listNow(ctx, def, req));
  }
  return listNow(ctx, def, req);
}

/** Returns the revision a continue token lists at (0 for none or a bad one: listNow refuses it). */
function continueRevision(token: string | undefined): number {
  if (!token) return 0;
  try {
    const rv = (JSON.parse(Buffer.from(token, 'base64url').toString()) as Partial<Continue>).rv;
    return typeof rv === 'number' && Number.isInteger(rv) ? rv : 0;
  } catch {
    return 0;
  }
}

function listNow(ctx: ServerContext, def: ResourceDef, req: ApiRequest): KubeList {
  const opts = req.list ?? {};
  const namespace = scopeOf(def, req);
  const filter = buildFilter(def, opts.labelSelector, opts.fieldSelector);
  // One object by name (cluster-scoped, or in one namespace): only its key is read.
  const exact = filter.name !== undefined && (!def.namespaced || namespace !== undefined);
  const prefix = resourcePrefix(def, namespace) + (exact ? filter.name : '');
  const limit = opts.limit ?? 0;
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit must be a non-negative integer, got ${String(limit)}`);
  const read = listRead(opts, ctx.store.revision);

  // A node's pods come from the index, not from a scan of every pod in the cluster. The index is
  // the watch hub's: it shows the store at hub.position, and writes after that (applied, but still
  // waiting for fsync) are not in it. So the list is a snapshot at hub.position and says so: a
  // kubelet's watch from store.revision would skip a pod bound in that window, and never run it.
  const position = ctx.hub.position;
  const byNode =
    def.plural === 'pods' && filter.nodeName !== undefined && !opts.continue && read.kind === 'latest' && (parseRV(opts.resourceVersion) ?? 0) <= position;
  if (byNode) {
    const items: KubeObject[] = [];
    try {
      for (const key of ctx.hub.podsByNode.get(filter.nodeName!) ?? []) {
        if (!key.startsWith(prefix)) continue;
        const kv = ctx.store.range(key, { revision: position, limit: 1 }).kvs[0];
        if (kv?.key !== key) continue;
        const obj = fromKV(kv);
        if (filter.matches(obj)) items.push(obj);
      }
    } catch (err) {
      if (err instanceof CompactedError) throw expired(TOO_OLD);
      throw err;
    }
    items.sort((a, b) => (keyOf(def, a) < keyOf(def, b) ? -1 : 1));
    return page(def, items, String(position), undefined);
  }

  let at = read.kind === 'exact' ? read.rv : ctx.store.revision;
  if (at < ctx.store.compactedRevision) throw expired(TOO_OLD_RV);
  let startAfter: string | undefined;
  if (opts.continue) {
    const c = decodeContinue(opts.continue, prefix);
    if (c.rv < ctx.store.compactedRevision) throw expired(TOO_OLD);
    at = c.rv;
    startAfter = c.start;
  }
  const items: KubeObject[] = [];
  let last: string | undefined;
  let more = false;
  try {
    for (;;) {
      const chunk = limit ? Math.max(limit * 2, 256) : undefined;
      const r = ctx.store.range(prefix, { revision: at, startAfter, limit: chunk });
      for (const kv of r.kvs) {
        if (limit && items.length === limit) {
          more = true;
          break;
        }
        const obj = fromKV(kv);
        last = kv.key;
        if (filter.matches(obj)) items.push(obj);
      }
      if (more || !r.more) break;
      startAfter = r.kvs[r.kvs.length - 1].key;
    }
  } catch (err) {
    if (err instanceof CompactedError) throw expired(opts.continue ? TOO_OLD : TOO_OLD_RV);
    throw err;
  }
  return page(def, items, String(at), more && last ? encodeContinue({ rv: at, start: last }) : undefined);
}

const keyOf = (def: ResourceDef, o: KubeObject) => objectKey(def, o.metadata.namespace, o.metadata.name ?? '');

function page(def: ResourceDef, items: KubeObject[], resourceVersion: string, cont: string | undefined): KubeList {
  const metadata: KubeList['metadata'] = { resourceVersion };
  if (cont) metadata.continue = cont;
  return { kind: def.listKind, apiVersion: def.apiVersion, metadata, items };
}
