// The identity a pod's processes run with, as upstream's kuberuntime security context code
// (determineEffectiveSecurityContext): the container's runAsUser/runAsGroup over the pod's, and
// the supplemental groups fsGroup first, then the pod's supplementalGroups. Also the pod's
// fsGroup for its volumes' ownership. Pure.
import type { Container } from '../../api/kinds/container.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { ProcessIdentity } from './runtimes/runtime.ts';

/** The identity fields of a pod or container securityContext the kubelet reads. */
interface IdentityFields {
  runAsUser?: number;
  runAsGroup?: number;
}

/** The pod-level fields (PodSecurityContext) the kubelet reads. */
interface PodIdentityFields extends IdentityFields {
  fsGroup?: number;
  fsGroupChangePolicy?: 'OnRootMismatch' | 'Always';
  supplementalGroups?: number[];
}

/** The group volumes are owned by, and when their ownership is changed (upstream SetVolumeOwnership). */
export interface FsGroup {
  gid: number;
  /** OnRootMismatch: only when the volume's root does not already have the group and permissions. Unset: Always. */
  policy?: 'OnRootMismatch' | 'Always';
}

const podFields = (pod: Pod) => (pod.spec.securityContext ?? {}) as PodIdentityFields;

/** Returns the pod's fsGroup, if it has one. */
export function podFsGroup(pod: Pod): FsGroup | undefined {
  const sc = podFields(pod);
  if (sc.fsGroup === undefined || sc.fsGroup === null) return undefined;
  return sc.fsGroupChangePolicy ? { gid: sc.fsGroup, policy: sc.fsGroupChangePolicy } : { gid: sc.fsGroup };
}

/** Returns the pod sandbox's identity (upstream determinePodSandboxSecurityContext). */
export function sandboxIdentity(pod: Pod): ProcessIdentity | undefined {
  return identity(podFields(pod), {});
}

/** Returns a container's identity: its own runAsUser/runAsGroup over the pod's, the pod's groups. */
export function containerIdentity(pod: Pod, container: Container): ProcessIdentity | undefined {
  return identity(podFields(pod), (container.securityContext ?? {}) as IdentityFields);
}

function identity(pod: PodIdentityFields, ctr: IdentityFields): ProcessIdentity | undefined {
  const out: ProcessIdentity = {};
  const user = ctr.runAsUser ?? pod.runAsUser;
  const group = ctr.runAsGroup ?? pod.runAsGroup;
  if (user !== undefined && user !== null) out.runAsUser = user;
  if (group !== undefined && group !== null) out.runAsGroup = group;
  const groups = [...(pod.fsGroup !== undefined && pod.fsGroup !== null ? [pod.fsGroup] : []), ...(pod.supplementalGroups ?? [])];
  if (groups.length) out.supplementalGroups = groups;
  return Object.keys(out).length ? out : undefined;
}
