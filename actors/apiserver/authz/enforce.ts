// Authorization of the API server's bus requests: a request that carries a user is allowed only when
// the authorizer says so, else upstream's 403 Forbidden. One without a user is today's trusted caller.
import type { ApiRequest, UserInfo } from '../../../api/protocol.ts';
import type { ResourceDef } from '../../../api/resource.ts';
import { forbidden, StatusError } from '../../../api/status.ts';
import { isResourceRequest, type Attributes } from './attributes.ts';
import { authenticated, type RbacAuthorizer } from './authorizer.ts';

/** Bus verbs that are another RBAC verb, or a subresource's (upstream's RequestInfo of the same HTTP request). */
const AS_RBAC: Record<string, { verb: string; subresource?: string }> = {
  'update-status': { verb: 'update', subresource: 'status' },
  'patch-status': { verb: 'patch', subresource: 'status' },
  bind: { verb: 'create', subresource: 'binding' },
  evict: { verb: 'create', subresource: 'eviction' },
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
  const mapped = AS_RBAC[verb] ?? { verb, subresource: verb === 'update' || verb === 'patch' ? req.subresource : undefined };
  const bodyMeta = (req.body as { metadata?: { namespace?: string; name?: string } } | undefined)?.metadata;
  const namespace = def.namespaced ? req.namespace || bodyMeta?.namespace || '' : '';
  const selector = verb === 'list' ? req.list?.fieldSelector : verb === 'watch' ? req.watch?.fieldSelector : undefined;
  return {
    user: authenticated(user),
    verb: mapped.verb,
    apiGroup: def.group,
    apiVersion: def.version,
    resource: def.plural,
    subresource: mapped.subresource,
    namespace,
    name: req.name ?? nameOfSelector(selector) ?? '',
  };
}

/** Upstream's forbidden message (responsewriters' forbiddenMessage). */
export function forbiddenMessage(a: Attributes): string {
  const who = `User ${JSON.stringify(a.user.username)}`;
  if (!isResourceRequest(a)) return `${who} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = JSON.stringify(a.subresource ? `${a.resource}/${a.subresource}` : a.resource);
  const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `${who} cannot ${a.verb} resource ${resource} in API group ${JSON.stringify(a.apiGroup ?? '')} ${where}`;
}

/** Upstream's 403 for a denied request: `pods "x" is forbidden: User "jane" cannot get resource "pods" ...`, the authorizer's reason after it. */
export function forbiddenError(a: Attributes, reason: string): StatusError {
  const why = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!isResourceRequest(a)) return new StatusError(403, 'Forbidden', `forbidden: ${why}`, {});
  return forbidden(a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource!, a.name ?? '', why);
}

/** Throws upstream's 403 unless the authorizer allows the request. */
export function authorizeRequest(authz: RbacAuthorizer, user: UserInfo, verb: string, def: ResourceDef, req: ApiRequest): void {
  const a = attributesOf(user, verb, def, req);
  const d = authz.authorize(a);
  if (!d.allowed) throw forbiddenError(a, d.reason);
}
