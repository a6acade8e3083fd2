// What a service account token says, as upstream's bound service account tokens
// (pkg/serviceaccount/claims.go): the registered claims plus the private "kubernetes.io" claim.

/** The API server's issuer (upstream's --service-account-issuer as clusters commonly set it); also the default audience. */
export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The audiences the API server accepts when a TokenRequest or TokenReview names none (upstream: --api-audiences, the issuer by default). */
export const API_AUDIENCES: readonly string[] = [ISSUER];

export interface ObjectRefClaim {
  name: string;
  uid: string;
}

export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRefClaim;
  pod?: ObjectRefClaim;
  secret?: ObjectRefClaim;
}

/** The private claim's name. */
export const KUBERNETES_CLAIM = 'kubernetes.io';

/** The username of a service account, as upstream's serviceaccount.MakeUsername. */
export const serviceAccountUsername = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

/** The groups a service account's user is in (upstream's MakeGroupNames plus system:authenticated). */
export const serviceAccountGroups = (namespace: string) => ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];

/** User extra keys for a pod-bound token (upstream's authentication.kubernetes.io/*). */
export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';
