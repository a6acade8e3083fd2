// Checks of a request's shape before any handler trusts it (bad input → 400, never a crash).
import type { KubeObject } from '../../api/meta.ts';
import type { ApiRequest } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { servedVersionsOf } from '../../api/resources.ts';
import { badRequest } from '../../api/status.ts';
import { thaw } from '../../bus/freeze.ts';
import { shallowCopy } from './objects.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns the request body as an ApiRequest; throws 400 when it is not an object. */
export function asRequest(data: unknown): ApiRequest {
  if (data === undefined || data === null) return {};
  if (!isObj(data)) throw badRequest(`the request body must be an object, got ${Array.isArray(data) ? 'an array' : typeof data}`);
  for (const f of ['namespace', 'name'] as const)
    if (data[f] !== undefined && typeof data[f] !== 'string') throw badRequest(`${f} must be a string`);
  for (const f of ['list', 'delete', 'watch'] as const)
    if (data[f] !== undefined && !isObj(data[f])) throw badRequest(`${f} options must be an object`);
  if (data.user !== undefined) checkUser(data.user);
  return data as ApiRequest;
}

/** A request's user must be whole: a malformed one is refused, never read as no user (the trusted caller). */
function checkUser(u: unknown): void {
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (!isObj(u) || typeof u.username !== 'string' || (u.groups !== undefined && !strings(u.groups)) || (u.uid !== undefined && typeof u.uid !== 'string'))
    throw badRequest('user must be an object with a string username and, if any, a list of string groups and a string uid');
  if (u.extra !== undefined && !(isObj(u.extra) && Object.values(u.extra).every(strings))) throw badRequest('user.extra must map strings to lists of strings');
}

/** Returns the namespace the request addresses: required for namespaced kinds, ignored otherwise. */
export function namespaceOf(def: ResourceDef, req: ApiRequest, fromBody?: KubeObject): string | undefined {
  if (!def.namespaced) return undefined;
  const ns = req.namespace || fromBody?.metadata?.namespace;
  if (!ns) throw badRequest(`a namespace is required for ${def.plural}`);
  return ns;
}

/** Returns the namespace of a list or watch: undefined means all namespaces. */
export const scopeOf = (def: ResourceDef, req: ApiRequest) => (def.namespaced && req.namespace ? req.namespace : undefined);

/** Returns the name the request addresses; throws 400 when missing. */
export function nameOf(req: ApiRequest): string {
  if (!req.name) throw badRequest('a resource name is required for this request');
  return req.name;
}

/**
 * Returns an editable copy of the request's object (what the bus delivers is frozen): the whole of it,
 * or for a status write the top levels of the object, its metadata and its status only (the server
 * fills in metadata; the status is stored as sent, and what is under it never changed, so copying
 * that would be wasted; a kind's defaults may fill a top-level status field later, as a namespace's
 * phase). Throws 400 unless it is an object with object metadata.
 */
export function bodyOf(req: ApiRequest, part: 'whole' | 'top' = 'whole'): KubeObject {
  const body = req.body as unknown;
  const b = part === 'whole' ? thaw(body) : isObj(body) ? topLevels(body) : body;
  if (isObj(b) && b.status === undefined) delete b.status;
  if (!isObj(b)) throw badRequest('the request must carry an object (body)');
  if (b.metadata === undefined) b.metadata = {};
  if (!isObj(b.metadata)) throw badRequest('metadata must be an object');
  return b as unknown as KubeObject;
}

/** A shallow copy of an object; anything else as it is. */
const top = (v: unknown) => (isObj(v) ? shallowCopy(v) : v);

/** The body's top level, metadata and status copied (key by key: see shallowCopy). */
function topLevels(body: Record<string, unknown>): Record<string, unknown> {
  const b = shallowCopy(body);
  b.metadata = top(body.metadata);
  b.status = top(body.status);
  return b;
}

/** Checks kind/apiVersion of a body against the resource (filling them when absent). */
export function checkKind(def: ResourceDef, obj: KubeObject): void {
  if (obj.kind === undefined || obj.kind === '') obj.kind = def.kind;
  if (obj.apiVersion === undefined || obj.apiVersion === '') obj.apiVersion = def.apiVersion;
  if (obj.kind !== def.kind)
    throw badRequest(`the kind of the object (${String(obj.kind)}) does not match the resource ${def.plural} (${def.kind})`);
  // A custom object may come in any served version: with no conversion webhook (strategy None) only its apiVersion changes.
  if (def.custom && obj.apiVersion !== def.apiVersion && servedVersionsOf(def).some((d) => d.apiVersion === obj.apiVersion)) obj.apiVersion = def.apiVersion;
  if (obj.apiVersion !== def.apiVersion)
    throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${def.apiVersion})`);
}
