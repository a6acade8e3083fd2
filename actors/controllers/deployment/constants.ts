// Annotation keys, labels and condition reasons of Deployments, spelled as upstream
// (apps/v1 and pkg/controller/deployment/util), so kubectl-style tools read them unchanged.

/** The label that ties a ReplicaSet and its pods to one pod template (apps.DefaultDeploymentUniqueLabelKey). */
export const HASH_LABEL = 'pod-template-hash';
/** The rollout sequence number of a ReplicaSet, copied to its Deployment. */
export const REVISION = 'deployment.kubernetes.io/revision';
/** The older revisions a ReplicaSet served (set when a rollback makes it new again). */
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
/** The Deployment size a ReplicaSet was last scaled for. */
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
/** spec.replicas + maxSurge when the ReplicaSet was last scaled (proportional scaling reads it). */
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
/** Why a revision was made; `kubus rollout history` shows it. */
export const CHANGE_CAUSE = 'kubernetes.io/change-cause';
/** kubectl apply's record of the last applied object. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** extensions/v1beta1's rollback request, never copied. */
export const ROLLBACK_TO = 'deprecated.deployment.rollback.to';

/** Deployment annotations that are not copied to its ReplicaSets (and back on rollback). */
export const ANNOTATIONS_TO_SKIP = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO]);

/** Longest revision-history annotation, in characters. */
export const MAX_REV_HISTORY_CHARS = 2000;

// Progressing reasons.
export const RS_UPDATED = 'ReplicaSetUpdated';
export const FAILED_RS_CREATE = 'ReplicaSetCreateError';
export const NEW_RS_CREATED = 'NewReplicaSetCreated';
export const FOUND_NEW_RS = 'FoundNewReplicaSet';
export const NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const TIMED_OUT = 'ProgressDeadlineExceeded';
export const PAUSED = 'DeploymentPaused';
export const RESUMED = 'DeploymentResumed';
// Available reasons.
export const MIN_AVAILABLE = 'MinimumReplicasAvailable';
export const MIN_UNAVAILABLE = 'MinimumReplicasUnavailable';
