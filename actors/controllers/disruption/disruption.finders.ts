// Upstream's finders of the disruption controller: the controller of a pod and its desired scale,
// read from the informer caches — a Deployment through its ReplicaSet, a ReplicaSet not owned by a
// Deployment, a ReplicationController, a StatefulSet, or any other kind with a scale subresource.
import { controllerRefOf, type KubeObject, type OwnerReference } from '../../../api/meta.ts';
import { resourceByKind } from '../../../api/resources.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import type { ControllerScale, ScaleFinder } from './disruption.reconcile.ts';

type Scaled = KubeObject & { spec?: { replicas?: number } };

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/** Returns the cached object a reference names, when its kind and group match and it is the same object (uid). */
function lookup(ctx: ControllerContext<unknown>, resource: string, ref: OwnerReference, namespace: string, kind: string, groups: string[]): Scaled | undefined {
  if (ref.kind !== kind || !groups.includes(groupOf(ref.apiVersion))) return undefined;
  const obj = ctx.cache<Scaled>(resource).get(`${namespace}/${ref.name}`);
  return obj?.metadata.uid === ref.uid ? obj : undefined;
}

const scaleOf = (o: Scaled): ControllerScale => ({ uid: o.metadata.uid!, scale: o.spec?.replicas ?? 0 });
const APPS = ['apps', 'extensions'];

// getPodDeployment: the pod's ReplicaSet, controlled by a Deployment.
function deploymentOf(ctx: ControllerContext<unknown>, ref: OwnerReference, ns: string): ControllerScale | undefined {
  const rs = lookup(ctx, 'replicasets', ref, ns, 'ReplicaSet', APPS);
  const owner = rs && controllerRefOf(rs);
  const d = owner && lookup(ctx, 'deployments', owner, ns, 'Deployment', APPS);
  return d && scaleOf(d);
}

// getPodReplicaSet: a ReplicaSet that no Deployment controls.
function replicaSetOf(ctx: ControllerContext<unknown>, ref: OwnerReference, ns: string): ControllerScale | undefined {
  const rs = lookup(ctx, 'replicasets', ref, ns, 'ReplicaSet', APPS);
  if (!rs || controllerRefOf(rs)?.kind === 'Deployment') return undefined;
  return scaleOf(rs);
}

// getScaleController: another kind serving the scale subresource (custom resources), its replicas at specReplicasPath.
function scaleSubresourceOf(ctx: ControllerContext<unknown>, ref: OwnerReference, ns: string): ControllerScale | undefined {
  const def = resourceByKind(ref.kind, ref.apiVersion);
  if (!def?.scale) return undefined;
  const obj = ctx.cache(def.plural).get(def.namespaced ? `${ns}/${ref.name}` : ref.name);
  if (!obj || obj.metadata.uid !== ref.uid) return undefined;
  const replicas = def.scale.specReplicasPath.split('.').filter(Boolean).reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
  return { uid: obj.metadata.uid!, scale: typeof replicas === 'number' ? replicas : 0 };
}

/** Returns the finder chain over this controller's caches, in upstream's order. */
export function scaleFinder(ctx: ControllerContext<unknown>): ScaleFinder {
  const finders: ScaleFinder[] = [
    (ref, ns) => replicaSetOf(ctx, ref, ns),
    (ref, ns) => deploymentOf(ctx, ref, ns),
    (ref, ns) => {
      const rc = lookup(ctx, 'replicationcontrollers', ref, ns, 'ReplicationController', ['']);
      return rc && scaleOf(rc);
    },
    (ref, ns) => {
      const ss = lookup(ctx, 'statefulsets', ref, ns, 'StatefulSet', APPS);
      return ss && scaleOf(ss);
    },
    (ref, ns) => scaleSubresourceOf(ctx, ref, ns),
  ];
  return (ref, ns) => {
    for (const f of finders) {
      const found = f(ref, ns);
      if (found) return found;
    }
    return undefined;
  };
}
