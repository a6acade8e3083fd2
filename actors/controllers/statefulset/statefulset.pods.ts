// A StatefulSet's pods as upstream's stateful_set_utils.go: ordinal names, identity labels,
// hostname/subdomain, the revision a new pod gets, and the health predicates. Pure.
import { isPodAvailable, isPodReady } from '../../../api/kinds/pod-helpers.ts';
import type { Pod, PodTemplateSpec } from '../../../api/kinds/pod.ts';
import type { StatefulSet } from '../../../api/kinds/statefulset.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.ts';
import { newControllerRef, podFromTemplate } from '../shared/ownership.ts';
import { withClaimVolumes } from './statefulset.claims.ts';

/** Labels every StatefulSet pod carries: its own name and its ordinal. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The StatefulSet kind as owner references name it. */
export const STS_API_VERSION = 'apps/v1';
export const STS_KIND = 'StatefulSet';

const ORDINAL = /^(.*)-([0-9]+)$/;

/** Returns the parent name and ordinal of a pod name (`web-3` → web, 3), ordinal -1 when it has none. */
export function parentAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const m = ORDINAL.exec(pod.metadata.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n <= 2147483647 ? { parent: m[1], ordinal: n } : { parent: '', ordinal: -1 };
}

/** Returns a pod's ordinal (-1 when its name has none). */
export const ordinalOf = (pod: Pod): number => parentAndOrdinal(pod).ordinal;

/** Returns the first ordinal (spec.ordinals.start, default 0). */
export const startOrdinal = (set: StatefulSet): number => set.spec.ordinals?.start ?? 0;

/** Returns the last ordinal in range (start + replicas − 1). */
export const endOrdinal = (set: StatefulSet): number => startOrdinal(set) + (set.spec.replicas ?? 1) - 1;

/** Returns whether a pod's ordinal lies in the set's current range. */
export const inOrdinalRange = (set: StatefulSet, pod: Pod): boolean => {
  const o = ordinalOf(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
};

/** Returns the name of the pod at an ordinal. */
export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata.name}-${ordinal}`;

/** Returns whether a pod's name says it belongs to the set (isMemberOf). */
export const isMemberOf = (set: StatefulSet, pod: Pod): boolean => parentAndOrdinal(pod).parent === set.metadata.name;

/** Returns whether a pod's name, namespace and pod-name label fit its ordinal in the set (identityMatches). */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name
  );
}

/** Returns the identity labels a pod at `ordinal` must carry (updateIdentity). */
export const identityLabels = (set: StatefulSet, ordinal: number): Record<string, string> => ({
  [POD_NAME_LABEL]: podName(set, ordinal),
  [POD_INDEX_LABEL]: String(ordinal),
});

/** Returns the revision (controller-revision-hash label) a pod was made from. */
export const podRevision = (pod: Pod): string => pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';

/** Returns a new pod for an ordinal from a template and revision (newStatefulSetPod + initIdentity + setPodRevision). */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplateSpec, revision: string, ordinal: number): Pod {
  const pod = podFromTemplate(template, set, newControllerRef(set, STS_API_VERSION, STS_KIND));
  delete pod.metadata.generateName;
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.labels = { ...pod.metadata.labels, ...identityLabels(set, ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revision };
  pod.spec.hostname = pod.metadata.name;
  if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
  withClaimVolumes(set, pod, ordinal);
  return pod;
}

/** The current and update revisions with the templates they hold. */
export interface Revisions {
  current: { name: string; template: PodTemplateSpec };
  update: { name: string; template: PodTemplateSpec };
}

/** Returns the pod to create at an ordinal: the current revision below the partition, the update revision from it on (newVersionedStatefulSetPod). */
export function newVersionedPod(set: StatefulSet, revs: Revisions, ordinal: number): Pod {
  const st = set.spec.updateStrategy;
  const start = startOrdinal(set);
  const current =
    st?.type === 'RollingUpdate' &&
    (st.rollingUpdate ? ordinal < start + (st.rollingUpdate.partition ?? 0) : ordinal < start + (set.status?.currentReplicas ?? 0));
  const r = current ? revs.current : revs.update;
  return newStatefulSetPod(set, r.template, r.name, ordinal);
}

/** Returns whether the API server has the pod (it has a phase). */
export const isCreated = (pod: Pod): boolean => !!pod.status?.phase;
/** Returns whether the pod has finished (Failed or Succeeded): the set replaces it. */
export const isFinished = (pod: Pod): boolean => pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
/** Returns whether the pod is being deleted. */
export const isTerminating = (pod: Pod): boolean => !!pod.metadata.deletionTimestamp;
/** Returns whether the pod is Running with Ready=True. */
export const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
/** Returns whether the pod is Running and has been Ready for minReadySeconds at `now`. */
export const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, now: number): boolean =>
  pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
/** Returns whether the pod is Running, Ready and not being deleted. */
export const isHealthy = (pod: Pod): boolean => isRunningAndReady(pod) && !isTerminating(pod);
