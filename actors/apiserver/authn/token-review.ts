// TokenReview (authentication.k8s.io/v1) as upstream's: create-only and never stored, answered with
// whether the token is one of this API server's service account tokens that still holds, and whose.
// The gateway authenticates bearer tokens with it over the bus (upstream's webhook token authenticator).
// A bad token is never an error reply: the review says authenticated false and why.
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { ReviewedUser, TokenReview } from '../../../api/kinds/authentication.ts';
import type { ApiRequest } from '../../../api/protocol.ts';
import type { ResourceDef } from '../../../api/resource.ts';
import { badRequest, StatusError } from '../../../api/status.ts';
import type { ServerContext } from '../context.ts';
import { bodyOf, checkKind } from '../request.ts';
import {
  API_AUDIENCES, EXTRA_CREDENTIAL_ID, EXTRA_POD_NAME, EXTRA_POD_UID, ISSUER, KUBERNETES_CLAIM, serviceAccountGroups, serviceAccountUsername,
  type KubernetesClaim, type ObjectRefClaim,
} from './claims.ts';
import { SIGNING_ALGORITHM, type SigningKey, type SigningKeyRing } from './signing-key.ts';
import { stored } from './token-request.ts';

/** go-jose's default leeway on exp, nbf and iat, which upstream's validator uses. */
const LEEWAY_SECONDS = 60;
/** Why a token is refused when what it is bound to is gone. */
const INVALIDATED = 'service account token has been invalidated';

class Refused extends Error {}

/** Go's %q of a string list, as upstream's messages print them: ["a" "b"]. */
const quoted = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

const isRef = (v: unknown): v is ObjectRefClaim => typeof v === 'object' && v !== null && typeof (v as ObjectRefClaim).name === 'string' && typeof (v as ObjectRefClaim).uid === 'string';

/** The private claim, checked for shape: a forged or foreign token may carry anything. */
function kubernetesClaim(payload: JWTPayload): KubernetesClaim {
  const c = payload[KUBERNETES_CLAIM] as Partial<KubernetesClaim> | undefined;
  if (!c || typeof c !== 'object' || typeof c.namespace !== 'string' || !isRef(c.serviceaccount)) throw new Refused('invalid bearer token, service account claims are missing');
  if ((c.pod !== undefined && !isRef(c.pod)) || (c.secret !== undefined && !isRef(c.secret))) throw new Refused('invalid bearer token, bound object claims are malformed');
  if (payload.sub !== serviceAccountUsername(c.namespace, c.serviceaccount.name)) throw new Refused('invalid bearer token, the subject does not match the service account claims');
  return c as KubernetesClaim;
}

/** Upstream's claims validator: the service account and the bound object still exist, with the uids the token names. */
async function stillBound(ctx: ServerContext, c: KubernetesClaim): Promise<void> {
  const check = (resource: string, kind: string, ref: ObjectRefClaim) => {
    const obj = stored(ctx, resource, c.namespace, ref.name);
    if (!obj) return INVALIDATED;
    if (obj.metadata.uid !== ref.uid) return `${kind} UID (${obj.metadata.uid ?? ''}) does not match claim (${ref.uid})`;
    return undefined;
  };
  const why = () => check('serviceaccounts', 'service account', c.serviceaccount) ?? (c.pod && check('pods', 'pod', c.pod)) ?? (c.secret && check('secrets', 'secret', c.secret));
  // A replica of a shared store may not have seen a recent write yet: look once more after catching up.
  let refused = why();
  if (refused && ctx.store.sync) {
    await ctx.store.sync();
    refused = why();
  }
  if (refused) throw new Refused(refused);
}

/** The message a verification failure reads as in status.error. */
function refusal(err: unknown): string {
  if (err instanceof Refused) return err.message;
  if (err instanceof joseErrors.JWTExpired) return 'service account token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') return 'service account token is not valid yet';
  if (err instanceof joseErrors.JOSEError) return `invalid bearer token, ${err.message}`;
  return `invalid bearer token, ${(err as Error)?.message ?? String(err)}`;
}

/** Verifies `token` for the requested audiences: the user it authenticates and the audiences it holds for. */
export async function verifyToken(ctx: ServerContext, key: SigningKey, token: string, requested: readonly string[]): Promise<{ user: ReviewedUser; audiences: string[] }> {
  // Only this server's algorithm and key: a token signed with `none`, an HMAC or another key is refused here.
  const { payload } = await jwtVerify(token, key.publicKey, {
    algorithms: [SIGNING_ALGORITHM], issuer: ISSUER, currentDate: new Date(ctx.clock.now()), clockTolerance: LEEWAY_SECONDS, requiredClaims: ['exp', 'sub'],
  });
  const tokenAudiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  const audiences = requested.filter((a) => tokenAudiences.includes(a));
  if (!audiences.length) throw new Refused(`token audiences ${quoted(tokenAudiences)} is invalid for the target audiences ${quoted(requested)}`);
  const c = kubernetesClaim(payload);
  await stillBound(ctx, c);
  const extra: Record<string, string[]> = {};
  if (c.pod) Object.assign(extra, { [EXTRA_POD_NAME]: [c.pod.name], [EXTRA_POD_UID]: [c.pod.uid] });
  if (typeof payload.jti === 'string') extra[EXTRA_CREDENTIAL_ID] = [`JTI=${payload.jti}`];
  const user = { username: serviceAccountUsername(c.namespace, c.serviceaccount.name), uid: c.serviceaccount.uid, groups: serviceAccountGroups(c.namespace), extra };
  return { user, audiences };
}

/** Answers a create of a TokenReview: the review with its status filled, authenticated or not. */
export async function answerTokenReview(ctx: ServerContext, keys: SigningKeyRing, def: ResourceDef, verb: string, req: ApiRequest): Promise<TokenReview> {
  if (verb !== 'create') throw new StatusError(405, 'MethodNotAllowed', `${def.plural} can only be created`);
  const review = bodyOf(req) as TokenReview;
  checkKind(def, review);
  if (typeof review.spec !== 'object' || review.spec === null) review.spec = {};
  if (!review.spec.token) throw badRequest('token is required for TokenReview in authentication');
  const requested = review.spec.audiences?.length ? review.spec.audiences : API_AUDIENCES;
  // The key first: a store that cannot give it is the server's failure (an error reply), not the token's.
  const key = await keys.key();
  try {
    const { user, audiences } = await verifyToken(ctx, key, String(review.spec.token), requested);
    return { ...review, status: { authenticated: true, user, audiences } };
  } catch (err) {
    // Whatever a token makes verification throw, it is refused: never a crash, never a 500.
    return { ...review, status: { authenticated: false, user: {}, error: refusal(err) } };
  }
}
