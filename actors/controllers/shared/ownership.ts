// Controller references as upstream's ControllerRefManager: who controls an object, whether a
// controller should own, adopt or release it, and pods stamped from a template. Pure.
import type { Pod, PodTemplateSpec } from '../../../api/kinds/pod.ts';
import { controllerRefOf, type KubeObject, type OwnerReference } from '../../../api/meta.ts';

/** A controlling object (DaemonSet, StatefulSet, Job...) as far as ownership is concerned. */
export type Owner = Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>;

/** Returns a controller reference to `owner` (metav1.NewControllerRef: controller and blockOwnerDeletion true). */
export const newControllerRef = (owner: Owner, apiVersion: string, kind: string): OwnerReference => ({
  apiVersion,
  kind,
  name: owner.metadata.name!,
  uid: owner.metadata.uid!,
  controller: true,
  blockOwnerDeletion: true,
});

/** What a controller does with a candidate object (upstream ClaimObject). */
export type Claim = 'own' | 'adopt' | 'release' | 'ignore';

/**
 * Returns whether `owner` keeps, adopts, releases or ignores `obj`, given whether the owner's
 * selector (and membership filter) matches it. A controller being deleted neither adopts nor releases.
 */
export function claimOf(owner: Owner, obj: Pick<KubeObject, 'metadata'>, matches: boolean): Claim {
  const ref = controllerRefOf(obj);
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  if (ref) {
    if (ref.uid !== owner.metadata.uid) return 'ignore';
    if (matches) return 'own';
    return ownerDeleting ? 'ignore' : 'release';
  }
  if (ownerDeleting || !matches || obj.metadata.deletionTimestamp) return 'ignore';
  if (owner.metadata.namespace && owner.metadata.namespace !== obj.metadata.namespace) return 'ignore';
  return 'adopt';
}

/**
 * Returns a pod stamped from a template for `owner` (controller.GetPodFromTemplate): generateName
 * `<owner>-`. Its spec is a copy, for callers that change it, unless `shareSpec`: then it is the
 * template's own, for a caller that only sends the pod (a ReplicaSet: no structuredClone per pod,
 * and a frozen template's spec goes on the bus as it is, not copied again).
 */
export function podFromTemplate(template: PodTemplateSpec, owner: Owner, ref: OwnerReference, shareSpec = false): Pod {
  const t = shareSpec ? template : structuredClone(template);
  const meta = t.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: owner.metadata.namespace,
      generateName: `${owner.metadata.name}-`,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [ref],
    },
    spec: t.spec,
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}
