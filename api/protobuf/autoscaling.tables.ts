// k8s.io/api autoscaling/v1 HorizontalPodAutoscaler (what `kubectl autoscale` sends), as field tables (see
// tables.ts); numbers from upstream's generated.proto. Message names carry V1: autoscaling/v2 has others.
import type { Tables } from './tables.ts';

/** HorizontalPodAutoscaler (autoscaling/v1), with the messages it uses. */
export const AUTOSCALING_V1: Tables = {
  CrossVersionObjectReferenceV1: { 1: 'kind', 2: 'name', 3: 'apiVersion' },
  HorizontalPodAutoscalerSpecV1: {
    1: 'scaleTargetRef CrossVersionObjectReferenceV1', 2: 'minReplicas *int32', 3: 'maxReplicas int32', 4: 'targetCPUUtilizationPercentage *int32',
  },
  HorizontalPodAutoscalerStatusV1: {
    1: 'observedGeneration *int64', 2: 'lastScaleTime Time', 3: 'currentReplicas int32', 4: 'desiredReplicas int32', 5: 'currentCPUUtilizationPercentage *int32',
  },
  HorizontalPodAutoscalerV1: { 1: 'metadata ObjectMeta', 2: 'spec HorizontalPodAutoscalerSpecV1', 3: 'status HorizontalPodAutoscalerStatusV1' },
};
