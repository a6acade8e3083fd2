// k8s.io/api authentication/v1 (what `kubectl create token` sends: a TokenRequest), as field tables
// (see tables.ts); numbers from upstream's generated.proto. TokenRequestSpec's field 2 is unused there.
import type { Tables } from './tables.ts';

export const AUTHENTICATION: Tables = {
  BoundObjectReference: { 1: 'kind', 2: 'apiVersion', 3: 'name', 4: 'uid' },
  TokenRequestSpec: { 1: 'audiences []string', 4: 'expirationSeconds *int64', 3: 'boundObjectRef BoundObjectReference' },
  TokenRequestStatus: { 1: 'token', 2: 'expirationTimestamp Time' },
  TokenRequest: { 1: 'metadata ObjectMeta', 2: 'spec TokenRequestSpec', 3: 'status TokenRequestStatus' },
  TokenReviewSpec: { 1: 'token', 2: 'audiences []string' },
  TokenReview: { 1: 'metadata ObjectMeta', 2: 'spec TokenReviewSpec' },
};
