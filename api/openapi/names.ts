// Upstream's names for kubus's schemas (io.k8s.api.apps.v1.Deployment ...), and which of them are
// closed: a closed type lists the upstream fields kubus does not model, so any other field is unknown.
import type { TObject, TSchema } from '@sinclair/typebox';
import * as K from '../kinds/index.ts';
import { LabelSelector, LabelSelectorRequirement, ObjectMeta, OwnerReference } from '../meta.ts';
import type { ResourceDef } from '../resource.ts';
import { AUTOSCALING_V1_TYPES } from '../kinds/autoscaling-v1.ts';
import { AUTHENTICATION_TYPES } from '../kinds/authentication.ts';
import { AUTHORIZATION_TYPES } from '../kinds/authorization.ts';
import { documentedResources } from '../resources.ts';

/** One named type: its upstream name, its strategic-merge type (api/patch), and, when closed, upstream's fields kubus lacks. */
export interface NamedType {
  name: string;
  /** The api/patch TYPES key; defaults to the last segment of the name. */
  patch?: string;
  /** Present: unknown fields are detected here; these are upstream's fields kubus does not model (accepted as is). */
  closed?: readonly string[];
  /** A kind's own type (it carries apiVersion, kind, metadata). */
  kind?: boolean;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const CORE = 'io.k8s.api.core.v1.';
const APPS = 'io.k8s.api.apps.v1.';
const BATCH = 'io.k8s.api.batch.v1.';

/** Upstream's name of the int-or-string and quantity types (both travel as strings or numbers). */
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

const prop = (s: TSchema, k: string) => (s as TObject).properties[k] as TObject;

/** Returns closed named types from a record of upstream type names → schemas, under a package prefix. */
const closedTypes = (prefix: string, types: Record<string, TSchema>): Array<[TSchema, NamedType]> =>
  Object.entries(types).map(([n, s]) => [s, { name: `${prefix}${n}`, closed: [] }]);

/** The named types other than the kinds themselves, as [schema, type]. */
const TYPES: Array<[TSchema, NamedType]> = [
  [ObjectMeta, { name: `${META}ObjectMeta`, closed: ['selfLink', 'managedFields'] }],
  [OwnerReference, { name: `${META}OwnerReference`, closed: [] }],
  [LabelSelector, { name: `${META}LabelSelector`, closed: [] }],
  [LabelSelectorRequirement, { name: `${META}LabelSelectorRequirement`, closed: [] }],
  [K.PodTemplateSpec, { name: `${CORE}PodTemplateSpec`, closed: [] }],
  [K.PodSpec, {
    name: `${CORE}PodSpec`,
    closed: ['ephemeralContainers', 'shareProcessNamespace', 'hostAliases', 'dnsConfig', 'setHostnameAsFQDN', 'os', 'hostUsers', 'resourceClaims', 'resources'],
  }],
  [K.PodStatus, { name: `${CORE}PodStatus` }],
  [K.Container, { name: `${CORE}Container`, closed: ['resizePolicy', 'volumeDevices', 'stdinOnce'] }],
  [K.ContainerPort, { name: `${CORE}ContainerPort`, closed: [] }],
  [K.EnvVar, { name: `${CORE}EnvVar`, closed: [] }],
  [K.ResourceRequirements, { name: `${CORE}ResourceRequirements`, closed: [] }],
  [K.Probe, { name: `${CORE}Probe`, closed: [] }],
  [K.ExecAction, { name: `${CORE}ExecAction`, closed: [] }],
  [K.HTTPGetAction, { name: `${CORE}HTTPGetAction`, closed: [] }],
  [K.TCPSocketAction, { name: `${CORE}TCPSocketAction`, closed: [] }],
  [K.GRPCAction, { name: `${CORE}GRPCAction`, closed: [] }],
  [K.Lifecycle, { name: `${CORE}Lifecycle`, closed: ['stopSignal'] }],
  [K.LifecycleHandler, { name: `${CORE}LifecycleHandler`, closed: [] }],
  [K.VolumeMount, { name: `${CORE}VolumeMount`, closed: ['recursiveReadOnly', 'mountPropagation', 'subPathExpr'] }],
  [K.Volume, {
    name: `${CORE}Volume`,
    closed: ['hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image'],
  }],
  [K.EmptyDirVolumeSource, { name: `${CORE}EmptyDirVolumeSource`, closed: [] }],
  [K.ProjectedVolumeSource, { name: `${CORE}ProjectedVolumeSource`, closed: [] }],
  [K.VolumeProjection, { name: `${CORE}VolumeProjection`, closed: ['secret', 'downwardAPI', 'configMap', 'serviceAccountToken', 'clusterTrustBundle'] }],
  [K.ContainerStatus, { name: `${CORE}ContainerStatus` }],
  [K.ContainerState, { name: `${CORE}ContainerState` }],
  [K.Affinity, { name: `${CORE}Affinity`, closed: [] }],
  [K.NodeAffinity, { name: `${CORE}NodeAffinity`, closed: [] }],
  [K.PodAffinity, { name: `${CORE}PodAffinity`, closed: [] }], // podAntiAffinity too: kubus shares the shape
  [K.PodAffinityTerm, { name: `${CORE}PodAffinityTerm`, closed: [] }],
  [K.WeightedPodAffinityTerm, { name: `${CORE}WeightedPodAffinityTerm`, closed: [] }],
  [K.NodeSelectorTerm, { name: `${CORE}NodeSelectorTerm`, closed: [] }],
  [K.NodeSelectorRequirement, { name: `${CORE}NodeSelectorRequirement`, closed: [] }],
  [K.Toleration, { name: `${CORE}Toleration`, closed: [] }],
  [K.TopologySpreadConstraint, { name: `${CORE}TopologySpreadConstraint`, closed: [] }],
  [K.Taint, { name: `${CORE}Taint`, closed: [] }],
  [K.ObjectReference, { name: `${CORE}ObjectReference`, closed: [] }],
  [K.NodeSpec, { name: `${CORE}NodeSpec`, closed: ['configSource', 'externalID'] }],
  [K.NodeStatus, { name: `${CORE}NodeStatus` }],
  [K.NamespaceSpec, { name: `${CORE}NamespaceSpec`, closed: [] }],
  [K.NamespaceStatus, { name: `${CORE}NamespaceStatus` }],
  [K.ServiceSpec, { name: `${CORE}ServiceSpec`, closed: ['loadBalancerIP', 'loadBalancerSourceRanges', 'loadBalancerClass', 'trafficDistribution'] }],
  [K.ServiceStatus, { name: `${CORE}ServiceStatus` }],
  [K.ServicePort, { name: `${CORE}ServicePort`, closed: [] }],
  [K.EndpointSubset, { name: `${CORE}EndpointSubset`, closed: [] }],
  [K.LeaseSpec, { name: 'io.k8s.api.coordination.v1.LeaseSpec', closed: [] }],
  [K.DeploymentSpec, { name: `${APPS}DeploymentSpec`, closed: [] }],
  [K.DeploymentStrategy, { name: `${APPS}DeploymentStrategy`, closed: [] }],
  [prop(K.DeploymentStrategy, 'rollingUpdate'), { name: `${APPS}RollingUpdateDeployment`, closed: [] }],
  [K.DeploymentStatus, { name: `${APPS}DeploymentStatus`, patch: 'WorkloadStatus', closed: [] }],
  [K.ReplicaSetSpec, { name: `${APPS}ReplicaSetSpec`, closed: [] }],
  [K.ReplicaSetStatus, { name: `${APPS}ReplicaSetStatus`, patch: 'WorkloadStatus' }],
  [K.DaemonSetSpec, { name: `${APPS}DaemonSetSpec`, closed: [] }],
  [K.DaemonSetStatus, { name: `${APPS}DaemonSetStatus`, patch: 'WorkloadStatus' }],
  [K.DaemonSetUpdateStrategy, { name: `${APPS}DaemonSetUpdateStrategy`, closed: [] }],
  [prop(K.DaemonSetUpdateStrategy, 'rollingUpdate'), { name: `${APPS}RollingUpdateDaemonSet`, closed: [] }],
  [K.StatefulSetSpec, { name: `${APPS}StatefulSetSpec`, closed: [] }],
  [K.StatefulSetStatus, { name: `${APPS}StatefulSetStatus`, patch: 'WorkloadStatus' }],
  [K.JobSpec, { name: `${BATCH}JobSpec`, closed: ['podFailurePolicy', 'successPolicy', 'maxFailedIndexes', 'managedBy'] }],
  [K.JobStatus, { name: `${BATCH}JobStatus`, patch: 'WorkloadStatus' }],
  [K.ResourceQuotaSpec, { name: `${CORE}ResourceQuotaSpec`, closed: [] }],
  [K.ScopeSelector, { name: `${CORE}ScopeSelector`, closed: [] }],
  [K.ScopedResourceSelectorRequirement, { name: `${CORE}ScopedResourceSelectorRequirement`, closed: [] }],
  [K.LimitRangeSpec, { name: `${CORE}LimitRangeSpec`, closed: [] }],
  [K.LimitRangeItem, { name: `${CORE}LimitRangeItem`, closed: [] }],
  [
    K.PersistentVolumeSpec,
    {
      name: `${CORE}PersistentVolumeSpec`,
      closed: ['gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos'],
    },
  ],
  [K.PersistentVolumeStatus, { name: `${CORE}PersistentVolumeStatus` }],
  [K.VolumeNodeAffinity, { name: `${CORE}VolumeNodeAffinity`, closed: [] }],
  [K.PersistentVolumeClaimSpec, { name: `${CORE}PersistentVolumeClaimSpec`, closed: [] }],
  [K.PersistentVolumeClaimStatus, { name: `${CORE}PersistentVolumeClaimStatus` }],
  ...closedTypes('io.k8s.api.networking.v1.', K.NETWORKING_TYPES),
  ...closedTypes('io.k8s.api.autoscaling.v2.', K.AUTOSCALING_TYPES),
  ...closedTypes('io.k8s.api.autoscaling.v1.', AUTOSCALING_V1_TYPES),
  ...closedTypes('io.k8s.api.rbac.v1.', K.RBAC_TYPES),
  ...closedTypes('io.k8s.api.authorization.v1.', AUTHORIZATION_TYPES),
  ...closedTypes('io.k8s.api.authentication.v1.', AUTHENTICATION_TYPES),
  ...closedTypes('io.k8s.api.admissionregistration.v1.', { ...K.WEBHOOK_TYPES, ...K.ADMISSION_POLICY_TYPES }),
  ...closedTypes('io.k8s.api.flowcontrol.v1.', K.FLOWCONTROL_TYPES),
];

/** Upstream's Go package of an API group ('' is core). */
const PACKAGE: Record<string, string> = { '': 'core', 'coordination.k8s.io': 'coordination' };

/** Groups whose Go packages live outside k8s.io/api: their schema names' prefixes. */
const PREFIX: Record<string, string> = { 'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions' };

/** Returns upstream's schema name of a kind (io.k8s.api.apps.v1.Deployment; a dotted group's package is its first label: scheduling.k8s.io → scheduling). */
export const kindTypeName = (d: Pick<ResourceDef, 'group' | 'version' | 'kind'>) =>
  `${PREFIX[d.group] ?? `io.k8s.api.${PACKAGE[d.group] ?? d.group.split('.')[0]}`}.${d.version}.${d.kind}`;

// Keyed by the properties object: TypeBox's Optional copies a schema but shares its properties.
const byProps = new Map<unknown, NamedType>();
for (const [s, t] of TYPES) byProps.set((s as TObject).properties, t);
// Every kind's own fields are upstream's full list (checked against k8s.io/api), so each kind is closed.
for (const d of documentedResources()) byProps.set((d.schema as TObject).properties, { name: kindTypeName(d), patch: d.kind, closed: [], kind: true });

/** Returns the upstream fields a named type (by its upstream name) does not model, or undefined when it is open or unknown. */
export const unmodelledFields = (name: string): readonly string[] | undefined => TYPES.find(([, t]) => t.name === name)?.[1].closed;

/** Returns the named type of an object schema, if it has one. */
export const namedType = (s: TSchema): NamedType | undefined => (s.type === 'object' && s.properties ? byProps.get(s.properties) : undefined);

/** Returns the api/patch TYPES key of a named type (its Go name unless given). */
export const patchKey = (t: NamedType) => t.patch ?? t.name.slice(t.name.lastIndexOf('.') + 1);
