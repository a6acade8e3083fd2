// What authorization decides on (upstream's authorizer.Attributes), who the trusted caller is, and
// upstream's Forbidden texts: shared by the API server's authorizer and the gateway's own checks.
import type { UserInfo } from './protocol.ts';
import { forbidden, StatusError } from './status.ts';

export const SYSTEM_MASTERS = 'system:masters';
export const AUTHENTICATED = 'system:authenticated';
export const UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS = 'system:anonymous';

/**
 * The user a request without one is (today's open bus: any caller is trusted, as a member of
 * system:masters); a Self* review by it says so. Issue 15's later parts give every caller its identity.
 */
export const TRUSTED_CALLER: UserInfo = { username: 'system:kubus:trusted-caller', groups: [SYSTEM_MASTERS, AUTHENTICATED] };

/**
 * Returns the user as the authorizer sees it: every user a request carries was authenticated, so it is
 * in system:authenticated; but the anonymous user, as upstream, is in system:unauthenticated instead.
 */
export function authenticated(user: UserInfo): UserInfo {
  const groups = user.groups ?? [];
  const group = user.username === ANONYMOUS ? UNAUTHENTICATED : AUTHENTICATED;
  if (groups.includes(group) || groups.includes(UNAUTHENTICATED)) return user;
  return { ...user, groups: [...groups, group] };
}

/** One request as the authorizer sees it: a resource request, or a non-resource one (`path` set). */
export interface Attributes {
  user: UserInfo;
  verb: string;
  /** Resource requests: the API group ('' for core), resource, subresource, namespace ('' or unset: cluster scope) and name. */
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource requests (`/healthz`, `/api`): the path. */
  path?: string;
  /** A list's or watch's field selector, as sent (the node authorizer allows a kubelet its own pods by `spec.nodeName`). */
  fieldSelector?: string;
}

export const isResourceRequest = (a: Attributes) => a.path === undefined;

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
