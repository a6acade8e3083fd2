// authentication.k8s.io/v1: TokenRequest (the serviceaccounts/token subresource) and TokenReview.
// Both are answered by the API server and never stored, as upstream (actors/apiserver/authn/).
import { Type } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { invalidValue, type FieldError } from '../validation/field.ts';
import { obj, opt, type Kube } from './common.ts';

export const AUTHENTICATION_GROUP = 'authentication.k8s.io';
/** Upstream's bounds on spec.expirationSeconds: at least 10 minutes, at most 2^32 seconds; one hour by default. */
export const MIN_EXPIRATION_SECONDS = 600;
export const MAX_EXPIRATION_SECONDS = 2 ** 32;
export const DEFAULT_EXPIRATION_SECONDS = 3600;

const str = () => opt(Type.String());
const strings = () => opt(Type.Array(Type.String()));

export const BoundObjectReference = obj({ kind: str(), apiVersion: str(), name: str(), uid: str() });
export const TokenRequestSpec = obj({ audiences: strings(), expirationSeconds: opt(Type.Integer()), boundObjectRef: opt(BoundObjectReference) });
export const TokenRequestStatus = obj({ token: str(), expirationTimestamp: str() });
export const TokenReviewSpec = obj({ token: str(), audiences: strings() });
export const UserInfoSchema = obj({ username: str(), uid: str(), groups: strings(), extra: opt(Type.Record(Type.String(), Type.Array(Type.String()))) });
export const TokenReviewStatus = obj({ authenticated: opt(Type.Boolean()), user: opt(UserInfoSchema), audiences: strings(), error: str() });

export const TokenRequestSchema = objectSchema({ spec: TokenRequestSpec, status: opt(TokenRequestStatus) });
export const TokenReviewSchema = objectSchema({ spec: TokenReviewSpec, status: opt(TokenReviewStatus) });

export interface BoundObjectRef {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}
export type TokenRequest = Kube<{
  spec: { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: BoundObjectRef };
  status?: { token: string; expirationTimestamp: string };
}>;
export interface ReviewedUser {
  /** Empty ({}) in a review that did not authenticate, as upstream's. */
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}
export type TokenReview = Kube<{
  spec: { token?: string; audiences?: string[] };
  status?: { authenticated?: boolean; user?: ReviewedUser; audiences?: string[]; error?: string };
}>;

/** Upstream's ValidateTokenRequest: the duration's bounds. */
export function validateTokenRequest(r: TokenRequest): FieldError[] {
  const s = r.spec?.expirationSeconds;
  if (s === undefined) return [];
  if (s < MIN_EXPIRATION_SECONDS) return [invalidValue('spec.expirationSeconds', s, 'may not specify a duration less than 10 minutes')];
  if (s > MAX_EXPIRATION_SECONDS) return [invalidValue('spec.expirationSeconds', s, 'may not specify a duration larger than 2^32 seconds')];
  return [];
}

/** The nested types by upstream's names, for strict field validation and the OpenAPI documents. */
export const AUTHENTICATION_TYPES = { BoundObjectReference, TokenRequestSpec, TokenRequestStatus, TokenReviewSpec, TokenReviewStatus, UserInfo: UserInfoSchema };
