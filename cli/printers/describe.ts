// `kubectl describe`: one entry point that picks the describer of a resource (generic for the rest).
import type { CoreContext } from './describe-core.ts';
import { describeConfigMap, describeEndpoints, describeNamespace, describeSecret, describeService, describeServiceAccount } from './describe-core.ts';
import { describeEndpointSlice } from './describe-discovery.ts';
import { describeCronJob } from './describe-batch.ts';
import { describeGeneric } from './describe-generic.ts';
import { describeHPA, describeIngress, describeIngressClass, describeNetworkPolicy, type IngressContext } from './describe-networking.ts';
import { describeRole, describeRoleBinding } from './describe-rbac.ts';
import { describeNode, type NodeContext } from './describe-node.ts';
import { describePod } from './describe-pod.ts';
import { describePodDisruptionBudget } from './describe-policy.ts';
import { describePriorityClass } from './describe-scheduling.ts';
import { describeLimitRange, describeResourceQuota } from './describe-quota.ts';
import { describePersistentVolume, describePersistentVolumeClaim, describeStorageClass } from './describe-storage.ts';
import {
  describeDaemonSet,
  describeDeployment,
  describeJob,
  describePodTemplateObject,
  describeReplicaSet,
  describeReplicationController,
  describeStatefulSet,
  type WorkloadContext,
} from './describe-workloads.ts';
import { normalizeResource } from './resources.ts';

/** Related objects some describers show; each is optional (a section then prints as with none). */
export type DescribeContext = NodeContext & WorkloadContext & CoreContext & IngressContext;

/** Returns `kubectl describe <resource>` output for one object; events are those about it, now is when ages are measured. */
export function describe(resource: string, obj: unknown, events: readonly unknown[], now: number, ctx: DescribeContext = {}): string {
  switch (normalizeResource(resource)) {
    case 'pods':
      return describePod(obj, events, now);
    case 'nodes':
      return describeNode(obj, events, now, ctx);
    case 'deployments':
      return describeDeployment(obj, events, now, ctx);
    case 'replicasets':
      return describeReplicaSet(obj, events, now, ctx);
    case 'daemonsets':
      return describeDaemonSet(obj, events, now, ctx);
    case 'statefulsets':
      return describeStatefulSet(obj, events, now, ctx);
    case 'jobs':
      return describeJob(obj, events, now);
    case 'cronjobs':
      return describeCronJob(obj, events, now);
    case 'services':
      return describeService(obj, events, now, ctx);
    case 'namespaces':
      return describeNamespace(obj, ctx);
    case 'configmaps':
      return describeConfigMap(obj, events, now);
    case 'secrets':
      return describeSecret(obj);
    case 'serviceaccounts':
      return describeServiceAccount(obj, events, now, ctx);
    case 'endpoints':
      return describeEndpoints(obj, events, now);
    case 'endpointslices':
      return describeEndpointSlice(obj, events, now);
    case 'priorityclasses':
      return describePriorityClass(obj, events, now);
    case 'resourcequotas':
      return describeResourceQuota(obj);
    case 'limitranges':
      return describeLimitRange(obj);
    case 'replicationcontrollers':
      return describeReplicationController(obj, events, now, ctx);
    case 'podtemplates':
      return describePodTemplateObject(obj, events, now);
    case 'poddisruptionbudgets':
      return describePodDisruptionBudget(obj, events, now);
    case 'persistentvolumes':
      return describePersistentVolume(obj, events, now);
    case 'persistentvolumeclaims':
      return describePersistentVolumeClaim(obj, events, now, ctx);
    case 'storageclasses':
      return describeStorageClass(obj, events, now);
    case 'roles':
    case 'clusterroles':
      return describeRole(obj);
    case 'rolebindings':
    case 'clusterrolebindings':
      return describeRoleBinding(obj);
    case 'ingresses':
      return describeIngress(obj, events, now, ctx);
    case 'networkpolicies':
      return describeNetworkPolicy(obj);
    case 'ingressclasses':
      return describeIngressClass(obj, events, now);
    case 'horizontalpodautoscalers':
      return describeHPA(obj, events, now);
    default:
      return describeGeneric(obj, events, now);
  }
}
