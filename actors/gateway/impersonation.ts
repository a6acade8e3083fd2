// Impersonation as upstream's filter: `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and
// `Impersonate-Extra-<key>` headers (kubectl --as, --as-group) make the request act as that user, once
// the caller may `impersonate` each of them. Today's caller is the gateway's trusted one (issue 15's
// later parts authenticate HTTP callers); the checks are the API server's, by access review.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ANONYMOUS, AUTHENTICATED } from '../../api/authorization.ts';
import type { UserInfo } from '../../api/protocol.ts';
import { badRequest } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { requireAccess, requireNodeAccess, type ResourceAttributes } from './access.ts';
import type { ResourceTarget } from './routes.ts';

const SA_PREFIX = 'system:serviceaccount:';
const EXTRA = 'impersonate-extra-';


const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Returns the user the headers impersonate, checked for the caller (`client`); undefined when none is asked for. */
export async function impersonatedUser(client: ApiClient, headers: IncomingHttpHeaders): Promise<UserInfo | undefined> {
  const username = list(headers['impersonate-user'])[0];
  const groups = list(headers['impersonate-group']);
  const uid = list(headers['impersonate-uid'])[0];
  const extra: Record<string, string[]> = {};
  for (const [h, v] of Object.entries(headers)) if (h.startsWith(EXTRA)) extra[decodeURIComponent(h.slice(EXTRA.length))] = list(v);
  if (username === undefined) {
    if (groups.length || uid !== undefined || Object.keys(extra).length) throw badRequest('requested impersonation of groups, a uid or extra fields without impersonating a user');
    return undefined;
  }
  const asked: ResourceAttributes[] = [];
  const sa = username.startsWith(SA_PREFIX) ? username.slice(SA_PREFIX.length).split(':') : undefined;
  if (sa?.length === 2) asked.push({ resource: 'serviceaccounts', group: '', namespace: sa[0], name: sa[1] });
  else asked.push({ resource: 'users', group: '', name: username });
  for (const g of groups) asked.push({ resource: 'groups', group: '', name: g });
  if (uid !== undefined) asked.push({ resource: 'uids', group: 'authentication.k8s.io', name: uid });
  for (const [key, values] of Object.entries(extra)) for (const v of values) asked.push({ resource: 'userextras', group: 'authentication.k8s.io', subresource: key, name: v });
  for (const a of asked) await requireAccess(client, { verb: 'impersonate', ...a });
  // As upstream: a service account without groups asked is in its own; every user but anonymous is authenticated.
  const all = !groups.length && sa?.length === 2 ? ['system:serviceaccounts', `system:serviceaccounts:${sa[0]}`] : [...groups];
  if (username !== ANONYMOUS && !all.includes(AUTHENTICATED)) all.push(AUTHENTICATED);
  return { username, groups: all, ...(uid !== undefined ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}

/** Returns the client a resource request acts through: as the impersonated user, if any, checked for what it asks of the node. */
export async function actingClient(caller: ApiClient, target: ResourceTarget, req: IncomingMessage): Promise<ApiClient> {
  const user = await impersonatedUser(caller, req.headers);
  const client = user ? caller.as(user) : caller;
  await requireNodeAccess(client, target, req);
  return client;
}
