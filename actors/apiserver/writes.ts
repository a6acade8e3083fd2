// create, update, patch, the status subresource and pods/binding.
import fastJsonPatch from 'fast-json-patch';
import mergePatch from 'json-merge-patch';
import type { KubeObject, ObjectMeta } from '../../api/meta.ts';
import { generateName, rfc3339 } from '../../api/names.ts';
import { strategicMergePatch } from '../../api/patch/index.ts';
import type { ApiRequest } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { servedVersionsOf } from '../../api/resources.ts';
import { checkByteFields } from '../../api/validation/base64.ts';
import { thaw } from '../../bus/freeze.ts';
import {
  MODIFIED_MESSAGE,
  StatusError,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  type FieldError,
} from '../../api/status.ts';
import { admitCreate, admitUpdate, admitValidating, createAttributes, updateAttributes } from './admission.ts';
import { applyPatch as serverSideApply, recordManaged, recordingOf, type Recording } from './apply.ts';
import { qualified, type ServerContext } from './context.ts';
import { finishDeletion, pendingFinalizers } from './deletion.ts';
import { objectKey } from './keys.ts';
import { bumpsGeneration, cloneStored, fromKV, sameStored, shallowCopy, toStored } from './objects.ts';
import { getKV } from './reads.ts';
import { bodyOf, checkKind, nameOf, namespaceOf } from './request.ts';
import type { KeyValue } from './store/store.ts';

const GENERATE_ATTEMPTS = 8;

/** Returns an object's field errors; update rules run only on an object that is valid by itself. */
function validationErrors(def: ResourceDef, obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = def.validate(obj);
  if (!old && def.validateCreate) errs.push(...def.validateCreate(obj));
  if (errs.length === 0 && old && def.validateUpdate) errs.push(...def.validateUpdate(obj, old));
  return errs;
}

export async function create(ctx: ServerContext, def: ResourceDef, req: ApiRequest): Promise<KubeObject> {
  const rec = recordingOf(req, 'CreateOptions');
  const obj = bodyOf(req);
  checkKind(def, obj);
  checkByteFields(def, obj);
  const meta = obj.metadata;
  const namespace = namespaceOf(def, req, obj);
  if (def.namespaced) {
    if (meta.namespace && meta.namespace !== namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    meta.namespace = namespace;
  } else delete meta.namespace;
  if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
  const generated = !meta.name && typeof meta.generateName === 'string' && meta.generateName !== '';
  if (generated) meta.name = generateName(meta.generateName!, (n) => ctx.rng.int(n));

  // System fields are the server's: uid, creation time; deletion fields are cleared. A kind that tracks
  // generation starts at 1; any other keeps what the client sent, as upstream's create clears nothing.
  meta.uid = ctx.rng.uuid();
  meta.creationTimestamp = rfc3339(ctx.clock.now());
  if (def.generation) meta.generation = 1;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  def.defaults?.(obj);
  def.prepareForCreate?.(obj);
  await admitCreate(ctx, def, obj, !!req.dryRun);
  recordManaged(ctx, def, undefined, obj, 'main', rec);
  const errs = validationErrors(def, obj);
  try {
    if (errs.length) throw invalid(def.kind, meta.name ?? '', errs, def.group);
    // Validating admission in upstream's plugin order (admission.ts), ResourceQuota last.
    await admitValidating(ctx, createAttributes(def, obj, !!req.dryRun));
  } catch (err) {
    if (def.plural === 'services') await ctx.services.release(obj as never);
    throw err;
  }
  if (req.dryRun) {
    // The addresses it was given stay free: a dry run holds nothing.
    if (def.plural === 'services') await ctx.services.release(obj as never);
    return obj;
  }
  // Another API server may have taken the same address meanwhile: the store decides (service-alloc.ts).
  if (def.plural === 'services') await ctx.services.reserve(obj as never);

  for (let attempt = 1; ; attempt++) {
    const key = objectKey(def, namespace, meta.name!);
    const r = await ctx.store.txn({ op: 'create', key, value: toStored(obj) });
    if (r.ok) return ctx.hub.objectOf(r.kv!);
    if (!generated || attempt >= GENERATE_ATTEMPTS) {
      if (def.plural === 'services') await ctx.services.release(obj as never);
      throw alreadyExists(qualified(def), meta.name!);
    }
    meta.name = generateName(meta.generateName!, (n) => ctx.rng.int(n));
  }
}

/** What a write may change: the whole object, or only its status. */
type Part = 'main' | 'status';

/**
 * Writes `next` over the stored `kv` with upstream's update rules: system metadata kept,
 * status or spec ignored depending on `part`, generation bumped by the kind's rule, validation,
 * a precondition on resourceVersion, no write when nothing changed, and deletion when the
 * last finalizer of an object being deleted goes. A dry run stops before the store: it answers what
 * would be stored, with the current resourceVersion, as upstream.
 */
export async function commitUpdate(ctx: ServerContext, def: ResourceDef, kv: KeyValue, next: KubeObject, part: Part, dryRun = false, rec?: Recording): Promise<KubeObject> {
  const old = fromKV(kv);
  const name = old.metadata.name!;
  checkKind(def, next);
  checkByteFields(def, next);
  const m = next.metadata;
  if (m.name !== undefined && m.name !== name)
    throw badRequest(`the name of the object (${m.name}) does not match the name on the request (${name})`);
  if (def.namespaced && m.namespace !== undefined && m.namespace !== old.metadata.namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (m.uid && m.uid !== old.metadata.uid)
    throw conflict(qualified(def), name, `Precondition failed: UID in precondition: ${m.uid}, UID in object meta: ${old.metadata.uid}`);
  if (m.resourceVersion && m.resourceVersion !== old.metadata.resourceVersion)
    throw conflict(qualified(def), name, MODIFIED_MESSAGE);

  let obj: KubeObject;
  if (part === 'status') {
    obj = shallowCopy(old);
    obj.metadata = shallowCopy(old.metadata);
    obj.status = next.status;
  } else {
    obj = shallowCopy(next);
    obj.metadata = shallowCopy(m);
    // The stored status stays; none stays none (a key set to undefined would count as a change of the body).
    if (def.hasStatus) {
      if (old.status === undefined) delete obj.status;
      else obj.status = old.status;
    }
    keepSystemMeta(obj.metadata, old.metadata);
    def.prepareForUpdate?.(obj, old);
    def.defaults?.(obj);
    // Most writes meet no admission step that waits: no tick (and no promise) for those.
    const admitted = admitUpdate(ctx, def, obj, old, dryRun);
    if (admitted) await admitted;
    if (def.generation && bumpsGeneration(def.generation, obj, old)) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
  }
  recordManaged(ctx, def, old, obj, part, rec);
  const errs = validationErrors(def, obj, old);
  if (errs.length) throw invalid(def.kind, name, errs, def.group);
  const subresource = part === 'status' ? 'status' : rec && 'fieldManager' in rec ? (rec.subresource ?? '') : '';
  const validated = admitValidating(ctx, updateAttributes(def, obj, old, subresource, dryRun));
  if (validated) await validated;
  if (sameStored(obj, old)) return old;
  if (dryRun) return { ...obj, metadata: { ...obj.metadata, resourceVersion: old.metadata.resourceVersion } };
  if (obj.metadata.deletionTimestamp && pendingFinalizers(obj) === 0 && (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0)
    return finishDeletion(ctx, def, kv, obj);
  const r = await ctx.store.txn({ op: 'update', key: kv.key, value: toStored(obj), ifModRevision: kv.modRevision });
  if (!r.ok) throw conflict(qualified(def), name, MODIFIED_MESSAGE);
  return ctx.hub.objectOf(r.kv!);
}

/**
 * Gives `m` (an update's new metadata) the stored object's system fields, in this order: each set as
 * `old` has it, or deleted when `old` has none. Written out field by field: a loop over their names
 * made each a keyed store or a delete of an absent key (a runtime call), ~3x as slow on a Lease renewal.
 */
function keepSystemMeta(m: ObjectMeta, old: ObjectMeta): void {
  if (old.name === undefined) dropOwn(m, 'name');
  else m.name = old.name;
  if (old.namespace === undefined) dropOwn(m, 'namespace');
  else m.namespace = old.namespace;
  if (old.uid === undefined) dropOwn(m, 'uid');
  else m.uid = old.uid;
  if (old.creationTimestamp === undefined) dropOwn(m, 'creationTimestamp');
  else m.creationTimestamp = old.creationTimestamp;
  if (old.deletionTimestamp === undefined) dropOwn(m, 'deletionTimestamp');
  else m.deletionTimestamp = old.deletionTimestamp;
  if (old.deletionGracePeriodSeconds === undefined) dropOwn(m, 'deletionGracePeriodSeconds');
  else m.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  if (old.generation === undefined) dropOwn(m, 'generation');
  else m.generation = old.generation;
}

/** Deletes `m[k]` when `m` has it as its own (a delete of a key it lacks changes nothing, and costs a call). */
function dropOwn(m: ObjectMeta, k: keyof ObjectMeta): void {
  if (Object.hasOwn(m, k)) delete m[k];
}

/**
 * Whether an update of this kind changes nothing of the body below its top level and metadata (no
 * defaults, no update preparation, no mutating admission step): those two are copied, and the rest
 * stays the request's frozen values, which the store keeps as they are. A Lease renewal (most of a
 * steady cluster's writes) then copies no spec. Pods (the Priority plugin) and custom resources
 * (schema defaults) are always copied whole.
 */
const fillsTopOnly = (def: ResourceDef) => !def.defaults && !def.prepareForUpdate && !def.custom && !(def.plural === 'pods' && !def.group);

/**
 * An update (or update-status): its checks, then commitUpdate's promise itself (not an async function
 * awaiting it: a promise and a tick fewer per Lease renewal). A check that fails throws at once: its
 * callers await it inside a try (guaranteed, an async function).
 */
export function update(ctx: ServerContext, def: ResourceDef, req: ApiRequest, part: Part = 'main'): Promise<KubeObject> {
  if (part === 'status' && !def.hasStatus) throw notAllowed(def, 'status');
  const next = bodyOf(req, part === 'status' || fillsTopOnly(def) ? 'top' : 'whole');
  const name = req.name || next.metadata.name;
  if (!name) throw badRequest('a resource name is required for this request');
  // Checked before the lookup, as upstream's handler does: a mismatch is a 400 even when nothing is there.
  if (def.namespaced && req.namespace && next.metadata.namespace && next.metadata.namespace !== req.namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  const kv = getKV(ctx, def, namespaceOf(def, req, next), name);
  return commitUpdate(ctx, def, kv, next, part, req.dryRun === true, recordingOf(req, 'UpdateOptions'));
}

export async function patch(ctx: ServerContext, def: ResourceDef, req: ApiRequest, part: Part = 'main'): Promise<KubeObject> {
  if (part === 'status' && !def.hasStatus) throw notAllowed(def, 'status');
  const dryRun = req.dryRun === true;
  if (req.patchType === 'apply')
    return serverSideApply(ctx, def, req, part, { create: (r) => create(ctx, def, r), update: (kv, next, rec) => commitUpdate(ctx, def, kv, next, part, dryRun, rec) });
  const rec = recordingOf(req, 'PatchOptions');
  const kv = getKV(ctx, def, namespaceOf(def, req), nameOf(req));
  // A patch written against another served version applies to the object in that version, then converts back.
  const served = req.patchVersion ? servedVersionsOf(def).find((d) => d.apiVersion === req.patchVersion && d.conversion) : undefined;
  const stored = cloneStored(fromKV(kv));
  const current = served ? served.conversion!.fromStorage(stored) : stored;
  const currentRV = current.metadata.resourceVersion;
  // The patch's values end up in the object, which is defaulted and stored: a copy, not the frozen message.
  const patched = applyPatch(def, current, { ...req, patch: thaw(req.patch) }); // may change `current` in place
  if (typeof patched !== 'object' || patched === null || Array.isArray(patched))
    throw badRequest('the patch must leave an object');
  const next = served ? served.conversion!.toStorage(patched as KubeObject) : patched;
  const obj = next as KubeObject;
  if (typeof obj.metadata !== 'object' || obj.metadata === null) throw badRequest('the patch must leave metadata an object');
  // The resourceVersion is a precondition only when the patch itself changed it.
  if (obj.metadata.resourceVersion === currentRV) delete obj.metadata.resourceVersion;
  return await commitUpdate(ctx, def, kv, obj, part, dryRun, rec);
}

function applyPatch(def: ResourceDef, current: KubeObject, req: ApiRequest): unknown {
  const type = req.patchType ?? 'merge';
  if (type === 'json') {
    if (!Array.isArray(req.patch)) throw badRequest('a JSON patch must be an array of operations');
    try {
      return fastJsonPatch.applyPatch(current, req.patch as fastJsonPatch.Operation[], true, true).newDocument;
    } catch (err) {
      const e = err as Error & { name?: string };
      if (e.name === 'TEST_OPERATION_FAILED') throw new StatusError(422, 'Invalid', `the test operation of the JSON patch failed: ${e.message.split('\n')[0]}`);
      throw badRequest(`invalid JSON patch: ${e.message.split('\n')[0]}`);
    }
  }
  if (type !== 'merge' && type !== 'strategic') throw badRequest(`unsupported patch type "${String(type)}": use merge, strategic or json`);
  if (typeof req.patch !== 'object' || req.patch === null || Array.isArray(req.patch))
    throw badRequest('a merge patch must be an object');
  if (type === 'strategic') {
    // Custom resources carry no patch strategies: upstream answers 415 for them.
    if (def.custom) throw new StatusError(415, 'UnsupportedMediaType', 'strategic merge patch is not supported for custom resources: use a merge or JSON patch');
    return strategicMergePatch(current, req.patch, def.kind); // throws upstream's Status
  }
  return mergePatch.apply(current, req.patch);
}

const notAllowed = (def: ResourceDef, sub: string) =>
  new StatusError(405, 'MethodNotAllowed', `${qualified(def)} has no ${sub} subresource`);

interface Binding {
  target?: { kind?: string; name?: string };
}

/** pods/binding: assigns a node, sets PodScheduled=True; 409 if the pod is already bound; a dry run checks and writes nothing. */
export async function bind(ctx: ServerContext, def: ResourceDef, req: ApiRequest): Promise<unknown> {
  if (def.plural !== 'pods') throw notAllowed(def, 'binding');
  const binding = bodyOf(req) as unknown as Binding & KubeObject;
  const name = req.name || binding.metadata.name;
  if (!name) throw badRequest('a resource name is required for this request');
  const target = binding.target?.name;
  if (!target || typeof target !== 'string')
    throw invalid('Binding', name, [{ field: 'target.name', type: 'FieldValueRequired', message: 'Required value' }]);
  const kv = getKV(ctx, def, namespaceOf(def, req, binding), name);
  type Bound = KubeObject & {
    spec: { nodeName?: string };
    status?: { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string; lastProbeTime?: null }> };
  };
  // Only spec and status change: copy those two levels, and share the rest (frozen in the store) with the stored pod.
  const cur = fromKV(kv) as Bound;
  const pod: Bound = { ...cur, spec: { ...cur.spec }, status: { ...cur.status } };
  const res = `${qualified(def)}/binding`;
  if (pod.metadata.deletionTimestamp) throw conflict(res, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  if (pod.spec.nodeName) throw conflict(res, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
  pod.spec.nodeName = target;
  const status = (pod.status ??= {});
  const conds = (status.conditions ??= []).filter((c) => c.type !== 'PodScheduled');
  conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(ctx.clock.now()) });
  status.conditions = conds;
  const done = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  if (req.dryRun) return done;
  const r = await ctx.store.txn({ op: 'update', key: kv.key, value: toStored(pod), ifModRevision: kv.modRevision });
  if (!r.ok) throw conflict(res, name, MODIFIED_MESSAGE);
  return done;
}
