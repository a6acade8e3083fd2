// TokenRequest (POST serviceaccounts/<name>/token, authentication.k8s.io/v1) as upstream's token
// REST storage: a signed JWT for a service account that exists, optionally bound to a Pod or Secret
// of its namespace, returned in status and never stored.
import { SignJWT } from 'jose';
import {
  AUTHENTICATION_GROUP, DEFAULT_EXPIRATION_SECONDS, validateTokenRequest, type BoundObjectRef, type TokenRequest,
} from '../../../api/kinds/authentication.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { rfc3339 } from '../../../api/names.ts';
import type { ApiRequest } from '../../../api/protocol.ts';
import { resourceFor } from '../../../api/resources.ts';
import { badRequest, conflict, invalid, notFound } from '../../../api/status.ts';
import type { ServerContext } from '../context.ts';
import { objectKey } from '../keys.ts';
import { isObj } from '../../../api/kinds/common.ts';
import { API_AUDIENCES, ISSUER, KUBERNETES_CLAIM, serviceAccountUsername, type KubernetesClaim } from './claims.ts';
import { SIGNING_ALGORITHM, type SigningKeyRing } from './signing-key.ts';

const API_VERSION = `${AUTHENTICATION_GROUP}/v1`;
/** The kinds a token may be bound to, and their resources. */
const BINDABLE: Record<string, string> = { Pod: 'pods', Secret: 'secrets' };

/** Returns the object at `resource`/`namespace`/`name` in the store, or undefined. */
export function stored(ctx: ServerContext, resource: string, namespace: string, name: string): KubeObject | undefined {
  return ctx.store.get(objectKey(resourceFor(resource)!, namespace, name))?.value as KubeObject | undefined;
}

/** The request's TokenRequest (an absent body is an empty spec, as `kubectl create token` may send), checked as upstream validates it (422). */
function tokenRequestOf(req: ApiRequest, namespace: string, name: string): TokenRequest {
  const body = (isObj(req.body) ? structuredClone(req.body) : {}) as Partial<TokenRequest>;
  if (body.kind !== undefined && body.kind !== 'TokenRequest') throw badRequest(`the body must be a TokenRequest, not ${String(body.kind)}`);
  const spec = isObj(body.spec) ? (body.spec as TokenRequest['spec']) : {};
  const r: TokenRequest = { kind: 'TokenRequest', apiVersion: API_VERSION, metadata: { name, namespace }, spec };
  if (spec.audiences !== undefined && !Array.isArray(spec.audiences)) throw badRequest('spec.audiences must be a list of strings');
  if (spec.expirationSeconds !== undefined && !Number.isInteger(spec.expirationSeconds)) throw badRequest('spec.expirationSeconds must be an integer');
  const errs = validateTokenRequest(r);
  if (errs.length) throw invalid('TokenRequest', name, errs, AUTHENTICATION_GROUP);
  return r;
}

/** The object a token is bound to: it must exist in the namespace, with the uid the reference names if any (upstream's checks). */
function boundObject(ctx: ServerContext, ref: BoundObjectRef, namespace: string, sa: string): { kind: string; name: string; uid: string } {
  const resource = ref.kind ? BINDABLE[ref.kind] : undefined;
  if (!resource || (ref.apiVersion ?? 'v1') !== 'v1') throw badRequest(`cannot bind token to object of type ${ref.apiVersion ?? ''}, Kind=${ref.kind ?? ''}`);
  const name = ref.name ?? '';
  const obj = name ? stored(ctx, resource, namespace, name) : undefined;
  if (!obj) throw notFound(resource, name);
  const uid = obj.metadata.uid ?? '';
  if (ref.uid && ref.uid !== uid)
    throw conflict(resource, name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  if (resource === 'pods' && ((obj as { spec?: { serviceAccountName?: string } }).spec?.serviceAccountName || 'default') !== sa)
    throw badRequest(`cannot bind token for serviceaccount "${sa}" to pod running with different serviceaccount name.`);
  return { kind: ref.kind!, name, uid };
}

/** Answers POST serviceaccounts/<name>/token with the TokenRequest, its status filled. */
export async function requestToken(ctx: ServerContext, keys: SigningKeyRing, req: ApiRequest): Promise<TokenRequest> {
  const namespace = req.namespace ?? '';
  const name = req.name ?? '';
  if (!namespace || !name) throw badRequest('a token is requested for a named service account in a namespace');
  const r = tokenRequestOf(req, namespace, name);
  const sa = stored(ctx, 'serviceaccounts', namespace, name);
  if (!sa) throw notFound('serviceaccounts', name);
  const bound = r.spec.boundObjectRef ? boundObject(ctx, r.spec.boundObjectRef, namespace, name) : undefined;
  const audiences = r.spec.audiences?.length ? r.spec.audiences : [...API_AUDIENCES];
  const seconds = r.spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  const iat = Math.floor(ctx.clock.now() / 1000);
  const claim: KubernetesClaim = { namespace, serviceaccount: { name, uid: sa.metadata.uid ?? '' } };
  if (bound) claim[bound.kind === 'Pod' ? 'pod' : 'secret'] = { name: bound.name, uid: bound.uid };
  const key = await keys.key();
  const token = await new SignJWT({ [KUBERNETES_CLAIM]: claim })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid })
    .setIssuer(ISSUER)
    .setSubject(serviceAccountUsername(namespace, name))
    .setAudience(audiences)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + seconds)
    .setJti(ctx.rng.uuid())
    .sign(key.privateKey);
  const spec = { ...r.spec, audiences, expirationSeconds: seconds };
  return { ...r, spec, status: { token, expirationTimestamp: rfc3339((iat + seconds) * 1000) } };
}
