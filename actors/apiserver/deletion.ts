// delete: preconditions, finalizers, propagation policy (kept for the garbage collector),
// graceful deletion of pods, and namespaces that go Terminating first.
import type { KubeObject } from '../../api/meta.ts';
import { rfc3339 } from '../../api/names.ts';
import type { ApiRequest, PropagationPolicy } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { MODIFIED_MESSAGE, badRequest, conflict, forbidden } from '../../api/status.ts';
import { admitValidating } from './admission.ts';
import { qualified, type ServerContext } from './context.ts';
import { fromKV, toStored } from './objects.ts';
import { getKV } from './reads.ts';
import { nameOf, namespaceOf } from './request.ts';
import type { KeyValue } from './store/store.ts';

export const ORPHAN = 'orphan';
export const FOREGROUND = 'foregroundDeletion';
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
const POLICIES = new Set<PropagationPolicy>(['Background', 'Foreground', 'Orphan']);

/** Returns the finalizers that still hold an object being deleted (a namespace's spec.finalizers count too). */
export function pendingFinalizers(obj: KubeObject): number {
  const spec = obj.kind === 'Namespace' ? ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []) : [];
  return (obj.metadata.finalizers?.length ?? 0) + spec.length;
}

interface PodLike {
  spec?: { nodeName?: string; terminationGracePeriodSeconds?: number };
  status?: { phase?: string };
}

/** Returns the grace period of a delete: pods as upstream (unbound or terminal → 0), other kinds 0. */
function gracePeriod(def: ResourceDef, obj: KubeObject, asked: number | undefined): number {
  if (def.plural !== 'pods') return 0;
  const pod = obj as unknown as PodLike;
  if (!pod.spec?.nodeName || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 0;
  return asked ?? pod.spec.terminationGracePeriodSeconds ?? 30;
}

export async function remove(ctx: ServerContext, def: ResourceDef, req: ApiRequest): Promise<KubeObject> {
  const name = nameOf(req);
  const kv = getKV(ctx, def, namespaceOf(def, req), name);
  const opts = req.delete ?? {};
  const res = qualified(def);
  const cur = fromKV(kv);
  const pre = opts.preconditions;
  if (pre?.uid && pre.uid !== cur.metadata.uid)
    throw conflict(res, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`);
  if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion)
    throw conflict(res, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`);
  if (def.plural === 'namespaces' && IMMORTAL_NAMESPACES.has(name)) throw forbidden(res, name, 'this namespace may not be deleted');
  await admitValidating(ctx, { def, operation: 'DELETE', subresource: '', name, namespace: cur.metadata.namespace ?? '', object: null, oldObject: cur, dryRun: req.dryRun === true });
  const policy = opts.propagationPolicy;
  if (policy !== undefined && !POLICIES.has(policy))
    throw badRequest(`propagationPolicy must be one of Background, Foreground, Orphan, got "${String(policy)}"`);
  const asked = opts.gracePeriodSeconds;
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 0))
    throw badRequest(`gracePeriodSeconds must be a non-negative integer, got ${String(asked)}`);

  const obj = structuredClone(cur);
  const meta = obj.metadata;
  // The garbage collector reads these finalizers to orphan or to delete dependents first.
  let finalizers = (meta.finalizers ?? []).filter((f) => !(policy && (f === ORPHAN || f === FOREGROUND)));
  if (policy === 'Orphan') finalizers.push(ORPHAN);
  if (policy === 'Foreground') finalizers.push(FOREGROUND);
  finalizers = [...new Set(finalizers)];
  if (finalizers.length) meta.finalizers = finalizers;
  else delete meta.finalizers;

  // A dry run answers what would be stored (or the last state, when it would be gone), writing nothing.
  const dry = req.dryRun === true;
  const write = (o: KubeObject) => (dry ? o : writeObject(ctx, def, kv, o));
  const finish = (o: KubeObject) => (dry ? o : finishDeletion(ctx, def, kv, o));
  const grace = gracePeriod(def, obj, asked);
  const now = ctx.clock.now();
  if (meta.deletionTimestamp) {
    // Already being deleted: a delete may only shorten the grace period.
    const due = Date.parse(meta.deletionTimestamp);
    if (grace === 0 && pendingFinalizers(obj) === 0) return finish(obj);
    if (now + grace * 1000 < due) {
      meta.deletionTimestamp = rfc3339(now + grace * 1000);
      meta.deletionGracePeriodSeconds = grace;
    } else if (sameFinalizers(cur, obj)) return cur;
    return write(obj);
  }
  if (grace === 0 && pendingFinalizers(obj) === 0) return finish(obj);
  meta.deletionTimestamp = rfc3339(now + grace * 1000);
  meta.deletionGracePeriodSeconds = grace;
  // A first deletion is a change of desired state: upstream bumps a generation the object has (none if 0).
  if (meta.generation) meta.generation += 1;
  if (def.plural === 'namespaces') obj.status = { ...(obj.status as object), phase: 'Terminating' };
  return write(obj);
}

const sameFinalizers = (a: KubeObject, b: KubeObject) =>
  (a.metadata.finalizers ?? []).join('\u0000') === (b.metadata.finalizers ?? []).join('\u0000');

async function writeObject(ctx: ServerContext, def: ResourceDef, kv: KeyValue, obj: KubeObject): Promise<KubeObject> {
  const r = await ctx.store.txn({ op: 'update', key: kv.key, value: toStored(obj), ifModRevision: kv.modRevision });
  if (!r.ok) throw conflict(qualified(def), obj.metadata.name ?? '', MODIFIED_MESSAGE);
  return fromKV(r.kv!);
}

/** Removes the object from the store; returns its last state. */
export async function finishDeletion(ctx: ServerContext, def: ResourceDef, kv: KeyValue, last: KubeObject): Promise<KubeObject> {
  const r = await ctx.store.txn({ op: 'delete', key: kv.key, ifModRevision: kv.modRevision });
  if (!r.ok) throw conflict(qualified(def), last.metadata.name ?? '', MODIFIED_MESSAGE);
  if (def.plural === 'services') await ctx.services.release(last as never);
  return { ...last, metadata: { ...last.metadata, resourceVersion: String(r.revision) } };
}
