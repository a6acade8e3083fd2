// k8s.io/api authorization/v1 access reviews (what `kubectl auth can-i` sends), as field tables (see
// tables.ts); numbers from upstream's generated.proto. A SubjectAccessReview's `extra` (a map of
// ExtraValue) is not in the tables: a body carrying one is refused (415), never read without it.
import type { Tables } from './tables.ts';

export const AUTHORIZATION: Tables = {
  ResourceAttributes: { 1: 'namespace', 2: 'verb', 3: 'group', 4: 'version', 5: 'resource', 6: 'subresource', 7: 'name' },
  NonResourceAttributes: { 1: 'path', 2: 'verb' },
  SelfSubjectAccessReviewSpec: { 1: 'resourceAttributes ResourceAttributes', 2: 'nonResourceAttributes NonResourceAttributes' },
  SubjectAccessReviewSpec: { 1: 'resourceAttributes ResourceAttributes', 2: 'nonResourceAttributes NonResourceAttributes', 3: 'user', 4: 'groups []string', 6: 'uid' },
  SubjectAccessReviewStatus: { 1: 'allowed bool', 4: 'denied bool', 2: 'reason', 3: 'evaluationError' },
  SelfSubjectAccessReview: { 1: 'metadata ObjectMeta', 2: 'spec SelfSubjectAccessReviewSpec', 3: 'status SubjectAccessReviewStatus' },
  SubjectAccessReview: { 1: 'metadata ObjectMeta', 2: 'spec SubjectAccessReviewSpec', 3: 'status SubjectAccessReviewStatus' },
  LocalSubjectAccessReview: { 1: 'metadata ObjectMeta', 2: 'spec SubjectAccessReviewSpec', 3: 'status SubjectAccessReviewStatus' },
  SelfSubjectRulesReviewSpec: { 1: 'namespace' },
  ResourceRule: { 1: 'verbs []string', 2: 'apiGroups []string', 3: 'resources []string', 4: 'resourceNames []string' },
  NonResourceRule: { 1: 'verbs []string', 2: 'nonResourceURLs []string' },
  SubjectRulesReviewStatus: { 1: 'resourceRules []ResourceRule', 2: 'nonResourceRules []NonResourceRule', 3: 'incomplete bool', 4: 'evaluationError' },
  SelfSubjectRulesReview: { 1: 'metadata ObjectMeta', 2: 'spec SelfSubjectRulesReviewSpec', 3: 'status SubjectRulesReviewStatus' },
};
