// The access reviews (authorization.k8s.io/v1): SubjectAccessReview, SelfSubjectAccessReview,
// LocalSubjectAccessReview and SelfSubjectRulesReview. Create-only and never stored, as upstream:
// the API server answers each with its status filled (actors/apiserver/authz/reviews.ts).
import { Type } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { invalidValue, type FieldError } from '../validation/field.ts';
import { obj, opt, type Kube } from './common.ts';

export const AUTHORIZATION_GROUP = 'authorization.k8s.io';

/** The access reviews' resources: create-only, never stored. */
export const ACCESS_REVIEWS: ReadonlySet<string> = new Set(['subjectaccessreviews', 'selfsubjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectrulesreviews']);
const str = () => opt(Type.String());
const strings = () => opt(Type.Array(Type.String()));

export const ResourceAttributes = obj({ namespace: str(), verb: str(), group: str(), version: str(), resource: str(), subresource: str(), name: str() });
export const NonResourceAttributes = obj({ path: str(), verb: str() });
const attributes = { resourceAttributes: opt(ResourceAttributes), nonResourceAttributes: opt(NonResourceAttributes) };
export const SubjectAccessReviewSpec = obj({ ...attributes, user: str(), groups: strings(), uid: str(), extra: opt(Type.Record(Type.String(), Type.Array(Type.String()))) });
export const SelfSubjectAccessReviewSpec = obj(attributes);
export const SubjectAccessReviewStatus = obj({ allowed: opt(Type.Boolean()), denied: opt(Type.Boolean()), reason: str(), evaluationError: str() });
export const SelfSubjectRulesReviewSpec = obj({ namespace: str() });
export const ResourceRule = obj({ verbs: strings(), apiGroups: strings(), resources: strings(), resourceNames: strings() });
export const NonResourceRule = obj({ verbs: strings(), nonResourceURLs: strings() });
export const SubjectRulesReviewStatus = obj({
  resourceRules: opt(Type.Array(ResourceRule)), nonResourceRules: opt(Type.Array(NonResourceRule)), incomplete: opt(Type.Boolean()), evaluationError: str(),
});

export const SubjectAccessReviewSchema = objectSchema({ spec: SubjectAccessReviewSpec, status: opt(SubjectAccessReviewStatus) });
export const SelfSubjectAccessReviewSchema = objectSchema({ spec: SelfSubjectAccessReviewSpec, status: opt(SubjectAccessReviewStatus) });
export const LocalSubjectAccessReviewSchema = objectSchema({ spec: SubjectAccessReviewSpec, status: opt(SubjectAccessReviewStatus) });
export const SelfSubjectRulesReviewSchema = objectSchema({ spec: SelfSubjectRulesReviewSpec, status: opt(SubjectRulesReviewStatus) });

export interface AccessReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}
export type AccessReview = Kube<{ spec: AccessReviewSpec; status?: { allowed: boolean; denied?: boolean; reason?: string; evaluationError?: string } }>;
export type RulesReview = Kube<{ spec: { namespace?: string }; status?: unknown }>;

/** Upstream's ValidateSelfSubjectAccessReviewSpec: exactly one of the two attribute kinds. */
export function validateSelfSubjectAccessReview(r: AccessReview): FieldError[] {
  const errs: FieldError[] = [];
  const s = r.spec ?? {};
  if (s.resourceAttributes && s.nonResourceAttributes)
    errs.push(invalidValue('spec.nonResourceAttributes', s.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  if (!s.resourceAttributes && !s.nonResourceAttributes)
    errs.push(invalidValue('spec.resourceAttributes', s.nonResourceAttributes ?? null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  return errs;
}

/** Upstream's ValidateSubjectAccessReviewSpec: a SubjectAccessReview names a user or a group too. */
export function validateSubjectAccessReview(r: AccessReview): FieldError[] {
  const errs = validateSelfSubjectAccessReview(r);
  if (!r.spec?.user && !r.spec?.groups?.length) errs.push(invalidValue('spec.user', r.spec?.user ?? '', 'at least one of user or group must be specified'));
  return errs;
}

/** Upstream's ValidateLocalSubjectAccessReview: resource attributes only. */
export function validateLocalSubjectAccessReview(r: AccessReview): FieldError[] {
  const errs = validateSubjectAccessReview(r);
  if (r.spec?.nonResourceAttributes) errs.push(invalidValue('spec.nonResourceAttributes', r.spec.nonResourceAttributes, 'disallowed on this kind of request'));
  return errs;
}

/** The nested types by upstream's names, for strict field validation and the OpenAPI documents. */
export const AUTHORIZATION_TYPES = { ResourceAttributes, NonResourceAttributes, SubjectAccessReviewSpec, SelfSubjectAccessReviewSpec, SubjectAccessReviewStatus, SelfSubjectRulesReviewSpec, ResourceRule, NonResourceRule, SubjectRulesReviewStatus };
