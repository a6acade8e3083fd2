// Authorization checks the gateway asks the API server for (SelfSubjectAccessReview as the request's
// user): what never reaches the API server as a request of its own is checked here first, as
// upstream's authorization filter checks every request: impersonation, and the pods subresources that
// the gateway serves from the kubelet (log, exec, attach, portforward).
import type { IncomingMessage } from 'node:http';
import type { ApiClient } from '../../bus/client.ts';
import { forbiddenError, TRUSTED_CALLER } from '../../api/authorization.ts';
import type { ResourceTarget } from './routes.ts';

/** What a SelfSubjectAccessReview asks about (its spec.resourceAttributes). */
export interface ResourceAttributes {
  verb?: string;
  resource: string;
  group: string;
  namespace?: string;
  subresource?: string;
  name?: string;
}

/** Pods subresources the gateway serves from the node, never as a bus request the API server authorizes. */
const FROM_THE_NODE = new Set(['log', 'exec', 'attach', 'portforward']);

/** Throws upstream's 403 unless the client's user may do what `attrs` says. */
export async function requireAccess(client: ApiClient, attrs: ResourceAttributes & { verb: string }): Promise<void> {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes: attrs } };
  const review = await client.call<{ status: { allowed: boolean; reason?: string } }>('selfsubjectaccessreviews', 'create', { body: body as never });
  if (review.status.allowed) return;
  const user = client.user ?? TRUSTED_CALLER;
  const { verb, group, resource, subresource, namespace, name } = attrs;
  throw forbiddenError({ user, verb, apiGroup: group, resource, subresource, namespace: namespace ?? '', name: name ?? '' }, review.status.reason ?? '');
}

/**
 * For a caller with a user: checks a request of a non-resource path (discovery, /version, /healthz,
 * /openapi), as upstream's system:discovery and system:public-info-viewer grant them. The gateway's
 * own client asks (a SubjectAccessReview: a user may hold no right to review itself, as the anonymous
 * one); a gateway whose own client is a user's asks as that user.
 */
export async function requirePathAccess(gateway: ApiClient, caller: ApiClient, path: string, method: string): Promise<void> {
  const user = caller.user;
  if (!user) return;
  const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
  const nonResourceAttributes = { path, verb };
  type Review = { status: { allowed: boolean; reason?: string } };
  const review = gateway.user
    ? await caller.call<Review>('selfsubjectaccessreviews', 'create', { body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { nonResourceAttributes } } as never })
    : await gateway.call<Review>('subjectaccessreviews', 'create', {
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec: { user: user.username, groups: user.groups, uid: user.uid, extra: user.extra, nonResourceAttributes } } as never,
      });
  if (!review.status.allowed) throw forbiddenError({ user, verb, path }, review.status.reason ?? '');
}

/**
 * For a client with a user: checks a pods subresource served from the node. log: GET is `get`. exec,
 * attach and portforward are always `create`, also over a WebSocket upgrade, which is a GET: as
 * upstream since 1.35 (AuthorizePodWebsocketUpgradeCreatePermission), so `get` on pods/exec (which
 * view-like roles hand out) never opens a shell.
 */
export async function requireNodeAccess(client: ApiClient, target: ResourceTarget, req: IncomingMessage): Promise<void> {
  if (!client.user || target.def.plural !== 'pods' || !FROM_THE_NODE.has(target.subresource ?? '')) return;
  const read = target.subresource === 'log' && (req.method === 'GET' || req.method === 'HEAD');
  const verb = read ? 'get' : 'create';
  await requireAccess(client, { verb, resource: 'pods', group: '', subresource: target.subresource, namespace: target.namespace, name: target.name });
}
