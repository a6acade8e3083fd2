// Who a bus request is: on a locked bus its subject ends in the sender's identity token, which the
// NATS server's permissions pin to that identity's credentials (bus/identity.ts). The API server maps
// it to a Kubernetes user, as kube-apiserver maps a client certificate; a user the body claims counts
// only from the API servers and the gateway (which pass on the HTTP caller they authenticated).
import { forbiddenError, SYSTEM_MASTERS } from '../../api/authorization.ts';
import type { ApiRequest, UserInfo } from '../../api/protocol.ts';
import { badRequest, StatusError } from '../../api/status.ts';
import { identityOfToken, type Identity, type IdentityKind } from '../../bus/identity.ts';
import { isSubjectToken, watchOwner } from '../../bus/subjects.ts';
import { controllerAccountUser } from './authz/controller-roles.ts';
import { asRequest } from './request.ts';

/** What each kind of identity is, as a user; `pass` = the request's own user (or the trusted caller when it has none). */
const USERS: Record<IdentityKind, (name: string | undefined) => UserInfo | 'pass'> = {
  apiserver: () => 'pass',
  gateway: () => 'pass',
  node: (name) => ({ username: `system:node:${name}`, groups: ['system:nodes'] }),
  scheduler: () => ({ username: 'system:kube-scheduler' }),
  // Its shared informers and leader election; each controller acts as its own service account (ACTS_AS).
  'controller-manager': () => ({ username: 'system:kube-controller-manager' }),
  // The cluster DNS as upstream's CoreDNS runs: the kube-system/coredns service account, bound to system:coredns.
  dns: () => ({ username: 'system:serviceaccount:kube-system:coredns', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] }),
  tracer: () => ({ username: 'system:kubus:trace-recorder' }),
  admin: () => ({ username: 'kubus-admin', groups: [SYSTEM_MASTERS] }),
};

/**
 * The users an identity may name on a request beside its own, as the user the API server builds (the
 * claimed groups never count): the controller manager its controllers' service accounts, as upstream's
 * kube-controller-manager --use-service-account-credentials holds a token for each (and nothing else).
 */
const ACTS_AS: Partial<Record<IdentityKind, (username: string) => UserInfo | undefined>> = {
  'controller-manager': controllerAccountUser,
};

/** The identities of the subject tokens seen so far (the few a cluster has; cleared past 1,024 all the same). */
const IDENTITIES = new Map<string, Readonly<Identity> | undefined>();

/** Returns the identity a subject token names, or undefined (identityOfToken, read once per token). */
export function identityOf(token: string): Readonly<Identity> | undefined {
  if (IDENTITIES.has(token)) return IDENTITIES.get(token);
  const id = identityOfToken(token);
  if (IDENTITIES.size >= 1024) IDENTITIES.clear();
  IDENTITIES.set(token, id && Object.freeze(id));
  return id;
}

/** Returns the user a bus identity acts as, or 'pass' when it passes on the request's. */
export const userOfIdentity = (id: Identity) => USERS[id.kind](id.name);

/**
 * Returns the user a request from `token` acts as: the identity's own, one it may act as (ACTS_AS), or,
 * for an identity that passes on its caller's, the `claimed` one (undefined: the trusted caller).
 * Throws upstream's 403 for an unknown identity, or a claimed user it may not name (impersonate).
 */
export function userFor(token: string, claimed: UserInfo | undefined): UserInfo | undefined {
  const id = identityOf(token);
  if (!id) throw new StatusError(403, 'Forbidden', `forbidden: unknown bus identity "${token}"`, {});
  const user = userOfIdentity(id);
  if (user === 'pass') return claimed;
  if (!claimed || claimed.username === user.username) return user;
  const other = ACTS_AS[id.kind]?.(claimed.username);
  if (!other) throw forbiddenError({ user, verb: 'impersonate', apiGroup: '', resource: 'users', name: claimed.username }, '');
  return other;
}

/**
 * Returns the request as its sender's identity makes it: the user set from the identity (a claimed one
 * is refused with upstream's impersonation 403), and a watch's inbox behind the identity's token, so
 * its events reach only the sender. No identity (an open bus, or an API server's own form): as it is.
 */
export function establish(req: ApiRequest, token: string | undefined): ApiRequest {
  // The client names one token; only the server puts an identity before it.
  if (req.watch && !isSubjectToken(req.watch.conn)) throw badRequest('a watch needs watch.conn and watch.id (the client inbox), each one subject token');
  if (token === undefined) return req;
  const user = userFor(token, req.user);
  const out: ApiRequest = Object.assign({}, req); // not a spread: several times slower in V8 (Node 20)
  if (user !== req.user) out.user = user;
  if (req.watch) out.watch = Object.assign({}, req.watch, { conn: watchOwner(req.watch.conn, token) });
  return out;
}

/** A request's identity, established once per request: the request as establish() makes it, or why it was refused. */
export type Established = { req: ApiRequest; refused?: undefined } | { req?: undefined; refused: unknown };

/** Returns the outcome of checking a message body's shape and establishing it for `token`; never throws. */
export function establishOnce(data: unknown, token: string | undefined): Established {
  try {
    return { req: establish(asRequest(data), token) };
  } catch (refused) {
    return { refused };
  }
}

/** Returns the established request, or throws why it was refused. */
export function establishedRequest(est: Established): ApiRequest {
  if (est.req === undefined) throw est.refused;
  return est.req;
}
