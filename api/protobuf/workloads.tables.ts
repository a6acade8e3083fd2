// k8s.io/api apps/v1 Deployment and batch/v1 Job (what `kubectl create deployment|job` send), as
// field tables (see tables.ts). A Job's podFailurePolicy and successPolicy are left out: refused
// with a 415 when sent.
import type { Tables } from './tables.ts';

/** Deployment and Job with the messages under them. */
export const WORKLOADS: Tables = {
  Deployment: { 1: 'metadata ObjectMeta', 2: 'spec DeploymentSpec', 3: 'status DeploymentStatus' },
  DeploymentSpec: {
    1: 'replicas *int32',
    2: 'selector LabelSelector',
    3: 'template PodTemplateSpec',
    4: 'strategy DeploymentStrategy',
    5: 'minReadySeconds int32',
    6: 'revisionHistoryLimit *int32',
    7: 'paused bool',
    9: 'progressDeadlineSeconds *int32',
    10: 'podReplacementPolicy *string',
  },
  DeploymentStrategy: { 1: 'type', 2: 'rollingUpdate RollingUpdateDeployment' },
  RollingUpdateDeployment: { 1: 'maxUnavailable IntOrString', 2: 'maxSurge IntOrString' },
  DeploymentStatus: {
    1: 'observedGeneration int64',
    2: 'replicas int32',
    3: 'updatedReplicas int32',
    7: 'readyReplicas int32',
    4: 'availableReplicas int32',
    5: 'unavailableReplicas int32',
    9: 'terminatingReplicas *int32',
    6: 'conditions []DeploymentCondition',
    8: 'collisionCount *int32',
  },
  DeploymentCondition: { 1: 'type', 2: 'status', 6: 'lastUpdateTime Time', 7: 'lastTransitionTime Time', 4: 'reason', 5: 'message' },

  Job: { 1: 'metadata ObjectMeta', 2: 'spec JobSpec', 3: 'status JobStatus' },
  JobSpec: {
    1: 'parallelism *int32',
    2: 'completions *int32',
    3: 'activeDeadlineSeconds *int64',
    7: 'backoffLimit *int32',
    12: 'backoffLimitPerIndex *int32',
    13: 'maxFailedIndexes *int32',
    4: 'selector LabelSelector',
    5: 'manualSelector *bool',
    6: 'template PodTemplateSpec',
    8: 'ttlSecondsAfterFinished *int32',
    9: 'completionMode *string',
    10: 'suspend *bool',
    14: 'podReplacementPolicy *string',
    15: 'managedBy *string',
  },
  JobStatus: {
    1: 'conditions []JobCondition',
    2: 'startTime Time',
    3: 'completionTime Time',
    4: 'active int32',
    5: 'succeeded int32',
    6: 'failed int32',
    11: 'terminating *int32',
    7: 'completedIndexes',
    10: 'failedIndexes *string',
    8: 'uncountedTerminatedPods UncountedTerminatedPods',
    9: 'ready *int32',
  },
  JobCondition: { 1: 'type', 2: 'status', 3: 'lastProbeTime Time', 4: 'lastTransitionTime Time', 5: 'reason', 6: 'message' },
  UncountedTerminatedPods: { 1: 'succeeded []string', 2: 'failed []string' },
};
