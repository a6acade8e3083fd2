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

/** For a client with a user: checks a pods subresource served from the node (GET is `get`, any other method `create`, as upstream's RequestInfo). */
export async function requireNodeAccess(client: ApiClient, target: ResourceTarget, req: IncomingMessage): Promise<void> {
  if (!client.user || target.def.plural !== 'pods' || !FROM_THE_NODE.has(target.subresource ?? '')) return;
  const verb = req.method === 'GET' || req.method === 'HEAD' ? 'get' : 'create';
  await requireAccess(client, { verb, resource: 'pods', group: '', subresource: target.subresource, namespace: target.namespace, name: target.name });
}
