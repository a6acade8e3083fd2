// The verb table: (HTTP method, what the path names) → one bus call, with upstream's query and
// body options mapped onto the ApiRequest fields.
import type { KubeList, KubeObject } from '../../api/meta.ts';
import type { DeleteOptions, ListOptions, PatchType, PropagationPolicy } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { StatusError } from '../../api/status.ts';
import { requireAccess } from './access.ts';
import { unaudited } from './audit.ts';
import { addWarnings, type Call, type Reply, type VerbRoute } from './call.ts';
import { asObject, boolParam, decodeObject, intParam, methodNotAllowed, unsupportedMedia } from './http.ts';
import { writerOf } from './field-manager.ts';
import { validateFields } from './field-validation.ts';
import { asRequested } from './output.ts';
import { evict } from './eviction.ts';
import { execWithoutUpgrade } from './exec.ts';
import { portForwardWithoutUpgrade } from './port-forward.ts';
import { podLogs } from './logs.ts';
import { decodeDeleteOptions } from './protobuf-options.ts';
import { getScale, patchScale, putScale } from './scale.ts';
import { streamWatch } from './watch.ts';

/** Patch media types → the bus's patch types. */
const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** Verbs whose bus request honours dryRun (the others refuse it rather than write). */
const DRY_RUN_VERBS = new Set(['create', 'update', 'update-status', 'patch', 'patch-status', 'delete', 'bind']);

/** Returns true for `dryRun=All`; 400 for other values, or a verb the bus cannot dry-run. */
function dryRun(call: Call, verb: string): boolean | undefined {
  const v = call.query.getAll('dryRun');
  if (!v.length) return undefined;
  if (v.some((x) => x !== 'All')) throw new StatusError(400, 'BadRequest', `Invalid dry run value: ${JSON.stringify(v)}: supported values: "All"`);
  if (!DRY_RUN_VERBS.has(verb)) throw new StatusError(400, 'BadRequest', `dryRun is not supported by kubus for ${verb} yet`);
  return true;
}

/** Returns the request body as an object, its namespace and name checked against the path. */
async function objectBody(call: Call): Promise<KubeObject> {
  const { type, bytes } = await call.body();
  const obj = asObject(decodeObject(type, bytes)) as unknown as KubeObject;
  obj.metadata ??= {} as KubeObject['metadata'];
  if (typeof obj.metadata !== 'object' || obj.metadata === null || Array.isArray(obj.metadata))
    throw new StatusError(400, 'BadRequest', `json: cannot unmarshal ${Array.isArray(obj.metadata) ? 'array' : typeof obj.metadata} into Go struct field ObjectMeta.metadata of type v1.ObjectMeta`);
  const { namespace, name } = call.target;
  if (namespace !== undefined) {
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace)
      throw new StatusError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    obj.metadata.namespace = namespace;
  }
  if (name !== undefined) {
    if (obj.metadata.name && obj.metadata.name !== name)
      throw new StatusError(400, 'BadRequest', `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    obj.metadata.name = name;
  }
  return obj;
}

/** Returns a written object as its stored version when its def is a version served beside the storage one. */
function toStorage(def: ResourceDef, obj: KubeObject): KubeObject {
  if (!def.conversion) return obj;
  obj.kind ||= def.kind;
  obj.apiVersion ||= def.apiVersion;
  return def.conversion.toStorage(obj);
}

/** Returns the patch body and its type. */
async function patchBody(call: Call): Promise<{ patch: unknown; type: PatchType }> {
  const { type, bytes } = await call.body();
  const patchType = PATCH_TYPES[type];
  // Custom resources have no patch strategies: upstream refuses strategic merge for them.
  const accepted = call.target.def.custom ? Object.keys(PATCH_TYPES).filter((t) => PATCH_TYPES[t] !== 'strategic') : Object.keys(PATCH_TYPES);
  if (!patchType || !accepted.includes(type)) throw unsupportedMedia(type, accepted);
  // An applied configuration may be YAML (or JSON, which is YAML); every other patch is JSON.
  return { patch: decodeObject(patchType === 'apply' ? type : 'application/json', bytes), type: patchType };
}

/** Returns the list options of the query. */
function listOptions(q: URLSearchParams): ListOptions {
  const o: ListOptions = {};
  for (const k of ['labelSelector', 'fieldSelector', 'continue', 'resourceVersion'] as const) {
    const v = q.get(k);
    if (v) o[k] = v;
  }
  // Passed as given: the API server answers upstream's 422 for a value it does not know.
  const match = q.get('resourceVersionMatch');
  if (match) o.resourceVersionMatch = match as ListOptions['resourceVersionMatch'];
  const limit = intParam(q, 'limit');
  if (limit !== undefined && limit > 0) o.limit = limit;
  return o;
}

/** Returns DeleteOptions from the body (if any) and the query, as upstream merges them. */
async function deleteOptions(call: Call): Promise<DeleteOptions> {
  const { type, bytes } = await call.body();
  // kubectl drain deletes pods with a protobuf DeleteOptions: the one protobuf body read.
  const decode = () => (type === 'application/vnd.kubernetes.protobuf' ? decodeDeleteOptions(bytes) : decodeObject(type, bytes));
  const body = bytes.length ? (asObject(decode()) as DeleteOptions & { orphanDependents?: boolean; dryRun?: string[] }) : {};
  const q = call.query;
  const o: DeleteOptions = {};
  const grace = intParam(q, 'gracePeriodSeconds') ?? body.gracePeriodSeconds;
  if (grace !== undefined) o.gracePeriodSeconds = grace;
  const orphan = q.get('orphanDependents') ?? body.orphanDependents;
  const policy = (q.get('propagationPolicy') ?? body.propagationPolicy ?? (orphan === undefined ? undefined : String(orphan) === 'true' ? 'Orphan' : 'Background')) as PropagationPolicy | undefined;
  if (policy !== undefined) o.propagationPolicy = policy;
  if (body.preconditions) o.preconditions = body.preconditions;
  if (body.dryRun?.length) call.query.set('dryRun', body.dryRun[0]);
  dryRun(call, 'delete');
  return o;
}

const list = async (call: Call): Promise<Reply> => {
  if (boolParam(call.query, 'watch')) return streamWatch(call);
  const { def, namespace } = call.target;
  const opts = listOptions(call.query);
  // Without a limit the client fetches pages and joins them, so no single bus message grows unbounded.
  const out = opts.limit ? await call.client.call<KubeList>(def.plural, 'list', { namespace, list: opts }) : await call.client.list(def.plural, { ...opts, namespace });
  return { code: 200, body: asRequested(call, out) };
};

const get = async (call: Call): Promise<Reply> => {
  if (boolParam(call.query, 'watch')) return streamWatch(call);
  const { def, namespace, name } = call.target;
  return { code: 200, body: asRequested(call, await call.client.call(def.plural, 'get', { namespace, name })) };
};

const create = async (call: Call): Promise<Reply> => {
  const { def, namespace } = call.target;
  const body = await objectBody(call);
  await validateFields(call, { object: body });
  const warnings: string[] = [];
  const out = await call.client.call(def.plural, 'create', { namespace, body: toStorage(def, body), dryRun: dryRun(call, 'create'), ...writerOf(call) }, warnings);
  addWarnings(call, warnings);
  return { code: 201, body: out };
};

/** PUT of the object or of its status. */
const update = (verb: 'update' | 'update-status') => async (call: Call): Promise<Reply> => {
  const { def, namespace, name } = call.target;
  const body = await objectBody(call);
  await validateFields(call, { object: body });
  const warnings: string[] = [];
  const out = await call.client.call(def.plural, verb, { namespace, name, body: toStorage(def, body), dryRun: dryRun(call, verb), ...writerOf(call) }, warnings);
  addWarnings(call, warnings);
  return { code: 200, body: out };
};

/** PATCH of the object or of its status. */
const patch = (verb: 'patch' | 'patch-status') => async (call: Call): Promise<Reply> => {
  const { def, namespace, name } = call.target;
  const { patch: p, type } = await patchBody(call);
  await validateFields(call, { patch: p, type });
  const options = { dryRun: dryRun(call, verb), ...writerOf(call, type === 'apply') };
  const warnings: string[] = [];
  // A patch against another served version applies in that version (the API server converts around it); an
  // applied configuration is an object of that version, converted here.
  const patchVersion = def.conversion && type !== 'apply' ? { patchVersion: def.apiVersion } : {};
  const body = def.conversion && type === 'apply' && p && typeof p === 'object' ? toStorage(def, p as KubeObject) : p;
  const out = await call.client.call(def.plural, verb, { namespace, name, patch: body, patchType: type, ...patchVersion, ...options }, warnings);
  addWarnings(call, warnings);
  return { code: 200, body: out };
};

/** Resources whose storage answers a finished delete with the object (upstream's ReturnDeletedObject). */
const RETURNS_DELETED_OBJECT = new Set(['pods', 'services']);

const remove = async (call: Call): Promise<Reply> => {
  const { def, namespace, name } = call.target;
  const del = await deleteOptions(call);
  const warnings: string[] = [];
  const out = await call.client.call<KubeObject>(def.plural, 'delete', { namespace, name, delete: del, dryRun: dryRun(call, 'delete') }, warnings);
  addWarnings(call, warnings);
  // Still there (grace period, finalizers): the object; gone: a Success Status naming it, as upstream.
  if (out.metadata.deletionTimestamp || RETURNS_DELETED_OBJECT.has(def.plural)) return { code: 200, body: out };
  const details = { name: out.metadata.name, group: def.group, kind: def.plural, uid: out.metadata.uid };
  return { code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details } };
};

/**
 * DELETE on a collection: every object the selectors match, one delete each; the answer lists them.
 * One request in the audit, as upstream: its list and deletes go as the user (each authorized, and
 * admission sees the user, as upstream's per-item admission does) but carry the context marked inner, so
 * the API server writes no events for them and the gateway writes the one deletecollection pair.
 */
const deleteCollection = async (call: Call): Promise<Reply> => {
  const { def, namespace } = call.target;
  if (call.client.user) await requireAccess(unaudited(call.client, call.trusted), { verb: 'deletecollection', resource: def.plural, group: def.group, namespace });
  const del = await deleteOptions(call);
  const { labelSelector, fieldSelector } = listOptions(call.query);
  // Same user (admission sees it, as upstream's per-item admission does), no events of their own.
  const own = call.client.innerSteps();
  const found = await own.list(def.plural, { namespace, labelSelector, fieldSelector });
  const items: KubeObject[] = [];
  for (const o of found.items) {
    try {
      items.push(await own.call(def.plural, 'delete', { namespace: o.metadata.namespace, name: o.metadata.name, delete: del, dryRun: dryRun(call, 'delete') }));
    } catch (err) {
      // Gone meanwhile: deleted by someone else, which is what was asked.
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
  return { code: 200, body: { ...found, items } };
};

const bind = async (call: Call): Promise<Reply> => {
  const { def, namespace, name } = call.target;
  const body = await objectBody(call);
  await call.client.call(def.plural, 'bind', { namespace, name, body, dryRun: dryRun(call, 'bind') });
  return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
};

/** POST serviceaccounts/<name>/token: the TokenRequest the API server signs a token into (201, never stored). */
const token = async (call: Call): Promise<Reply> => {
  const { def, namespace, name } = call.target;
  return { code: 201, body: await call.client.call(def.plural, 'token', { namespace, name, body: await objectBody(call) }) };
};

const scaleBody = async (call: Call) => {
  const { type, bytes } = await call.body();
  dryRun(call, 'update');
  return asObject(decodeObject(type, bytes));
};

const scalePatch = async (call: Call): Promise<Reply> => {
  const { patch: p, type } = await patchBody(call);
  dryRun(call, 'patch');
  if (type === 'apply') throw unsupportedMedia('application/apply-patch+yaml', Object.keys(PATCH_TYPES).filter((t) => PATCH_TYPES[t] !== 'apply'));
  return patchScale(call, p, type);
};

/** Behaviour as a table: method and path shape → handler. */
export const VERBS: readonly VerbRoute[] = [
  { method: 'GET', on: 'collection', run: list },
  { method: 'POST', on: 'collection', run: create },
  { method: 'DELETE', on: 'collection', run: deleteCollection },
  { method: 'GET', on: 'object', run: get },
  { method: 'PUT', on: 'object', run: update('update') },
  { method: 'PATCH', on: 'object', run: patch('patch') },
  { method: 'DELETE', on: 'object', run: remove },
  { method: 'GET', on: 'status', run: get },
  { method: 'PUT', on: 'status', run: update('update-status') },
  { method: 'PATCH', on: 'status', run: patch('patch-status') },
  { method: 'GET', on: 'scale', run: getScale },
  { method: 'PUT', on: 'scale', run: async (call) => putScale(call, await scaleBody(call)) },
  { method: 'PATCH', on: 'scale', run: scalePatch },
  { method: 'POST', on: 'binding', run: bind },
  { method: 'GET', on: 'log', run: podLogs },
  { method: 'GET', on: 'exec', run: execWithoutUpgrade },
  { method: 'POST', on: 'exec', run: execWithoutUpgrade },
  { method: 'GET', on: 'attach', run: execWithoutUpgrade },
  { method: 'POST', on: 'attach', run: execWithoutUpgrade },
  { method: 'GET', on: 'portforward', run: portForwardWithoutUpgrade },
  { method: 'POST', on: 'portforward', run: portForwardWithoutUpgrade },
  { method: 'POST', on: 'eviction', run: evict },
  { method: 'POST', on: 'token', run: token },
];

/** Returns the handler of a method on a path shape; 405 when the path takes no such method. */
export function verbFor(method: string, on: string): VerbRoute['run'] {
  const v = VERBS.find((r) => r.method === method && r.on === on);
  if (!v) throw methodNotAllowed(method);
  return v.run;
}
