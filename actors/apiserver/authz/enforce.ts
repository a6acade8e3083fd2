// Authorization of the API server's bus requests: a request that carries a user is allowed only when
// the authorizer says so, else upstream's 403 Forbidden. One without a user is today's trusted caller.
import type { AuditRecord } from '../../../api/audit-event.ts';
import type { ApiRequest, UserInfo } from '../../../api/protocol.ts';
import type { ResourceDef } from '../../../api/resource.ts';
import { authenticated, forbiddenError, type Attributes } from '../../../api/authorization.ts';
import type { Authorizer } from './authorizer.ts';

/** Bus verbs that are another RBAC verb, or a subresource's (upstream's RequestInfo of the same HTTP request). */
const AS_RBAC: Record<string, { verb: string; subresource?: string }> = {
  'update-status': { verb: 'update', subresource: 'status' },
  'patch-status': { verb: 'patch', subresource: 'status' },
  bind: { verb: 'create', subresource: 'binding' },
  evict: { verb: 'create', subresource: 'eviction' },
  token: { verb: 'create', subresource: 'token' },
};

/** A list or watch of one object by `metadata.name=` is authorized as that name, as upstream's RequestInfo does. */
function nameOfSelector(fieldSelector: string | undefined): string | undefined {
  for (const term of fieldSelector?.split(',') ?? []) {
    const m = /^\s*metadata\.name\s*==?\s*([^\s]+)\s*$/.exec(term);
    if (m) return m[1];
  }
  return undefined;
}

/** Returns what the authorizer decides on for a bus request `verb` of `def` by `user`. */
export function attributesOf(user: UserInfo, verb: string, def: ResourceDef, req: ApiRequest): Attributes {
  // req.subresource (`scale`) only names the managedFields entry of a write of the whole object: it is
  // authorized as that write, never as the narrower subresource the client could name to pass.
  const mapped = AS_RBAC[verb] ?? { verb };
  const bodyMeta = (req.body as { metadata?: { namespace?: string; name?: string } } | undefined)?.metadata;
  const namespace = def.namespaced ? req.namespace || bodyMeta?.namespace || '' : '';
  const selector = verb === 'list' ? req.list?.fieldSelector : verb === 'watch' ? req.watch?.fieldSelector : undefined;
  const a: Attributes = {
    user: authenticated(user),
    verb: mapped.verb,
    apiGroup: def.group,
    apiVersion: def.version,
    resource: def.plural,
    subresource: mapped.subresource,
    namespace,
    name: req.name ?? nameOfSelector(selector) ?? '',
  };
  if (selector) a.fieldSelector = selector; // not a conditional spread: V8 (Node 20) makes those slow
  return a;
}

/** Throws upstream's 403 unless the authorizer allows the request; the decision goes into the request's audit. */
export function authorizeRequest(authz: Authorizer, user: UserInfo, verb: string, def: ResourceDef, req: ApiRequest, audit?: AuditRecord): void {
  const a = attributesOf(user, verb, def, req);
  const d = authz.authorize(a);
  audit?.decided(d.allowed, d.reason);
  if (!d.allowed) throw forbiddenError(a, d.reason);
}
