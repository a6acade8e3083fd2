// The access reviews (authorization.k8s.io/v1) as upstream's registry serves them: create-only, never
// stored, answered with the authorizer's decision (SubjectAccessReview, SelfSubjectAccessReview,
// LocalSubjectAccessReview) or with the rules that apply in a namespace (SelfSubjectRulesReview).
import { authenticated, TRUSTED_CALLER } from '../../../api/authorization.ts';
import { ACCESS_REVIEWS, type AccessReview, type AccessReviewSpec, type RulesReview } from '../../../api/kinds/authorization.ts';
import type { ApiRequest, UserInfo } from '../../../api/protocol.ts';
import type { ResourceDef } from '../../../api/resource.ts';
import { badRequest, invalid, StatusError } from '../../../api/status.ts';
import { bodyOf, checkKind } from '../request.ts';
import type { Attributes } from './attributes.ts';
import type { Authorizer } from './authorizer.ts';

export const REVIEWS = ACCESS_REVIEWS;

/** Returns the attributes a review's spec asks about, for `user`. */
function attributesOf(spec: AccessReviewSpec, user: UserInfo): Attributes {
  const n = spec.nonResourceAttributes;
  if (n) return { user, verb: n.verb ?? '', path: n.path ?? '' };
  const r = spec.resourceAttributes ?? {};
  return { user, verb: r.verb ?? '', apiGroup: r.group ?? '', apiVersion: r.version ?? '', resource: r.resource ?? '', subresource: r.subresource ?? '', namespace: r.namespace ?? '', name: r.name ?? '' };
}

/** Returns the review checked as upstream validates it (422), its kind and version filled. */
function reviewOf<T extends AccessReview | RulesReview>(def: ResourceDef, req: ApiRequest): T {
  const body = bodyOf(req);
  checkKind(def, body);
  if (typeof (body as { spec?: unknown }).spec !== 'object' || (body as { spec?: unknown }).spec === null) (body as { spec?: unknown }).spec = {};
  const errs = def.validate(body);
  if (errs.length) throw invalid(def.kind, '', errs, def.group);
  return body as unknown as T;
}

/** Answers a create of one of the REVIEWS by `user` (undefined: the trusted caller). */
export function answerReview(authz: Authorizer, def: ResourceDef, verb: string, req: ApiRequest, user: UserInfo | undefined): unknown {
  if (verb !== 'create') throw new StatusError(405, 'MethodNotAllowed', `${def.plural} can only be created`);
  const self = user ? authenticated(user) : TRUSTED_CALLER;
  if (def.plural === 'selfsubjectrulesreviews') return rulesReview(authz, reviewOf<RulesReview>(def, req), self);
  const review = reviewOf<AccessReview>(def, req);
  const spec = review.spec;
  if (def.plural === 'localsubjectaccessreviews') {
    const ns = req.namespace || review.metadata.namespace;
    if (!ns) throw badRequest(`namespace is required on this type: ${def.kind}`);
    if (spec.resourceAttributes && spec.resourceAttributes.namespace !== ns) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${ns}`);
  }
  // A SubjectAccessReview asks about the user its spec names, exactly as given; a self review about the caller.
  const who = def.plural === 'selfsubjectaccessreviews' ? self : { username: spec.user ?? '', groups: spec.groups, uid: spec.uid, extra: spec.extra };
  const d = authz.authorize(attributesOf(spec, who));
  return { ...review, status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) } };
}

/** SelfSubjectRulesReview: the caller's rules in the namespace, resource and non-resource ones apart. */
function rulesReview(authz: Authorizer, review: RulesReview, user: UserInfo): unknown {
  const ns = review.spec.namespace;
  if (!ns) throw badRequest('no namespace on request');
  const { rules, errors } = authz.rulesFor(user, ns);
  const resourceRules = rules.filter((r) => !r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs ?? [], apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames }));
  const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs }));
  const status = { resourceRules, nonResourceRules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: errors.join(', ') } : {}) };
  return { ...review, status };
}
