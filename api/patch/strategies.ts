// Upstream's strategic-merge-patch metadata (the patchStrategy / patchMergeKey struct tags of
// k8s.io/api core/v1, apps/v1, batch/v1) for the kinds kubus serves, as one table of types.
// A field not listed has no strategy: a map is merged key by key, a list is replaced.

/** One field's tags: `merge` lists are merged (by `mergeKey` for lists of maps, as a set for primitives). */
export interface FieldStrategy {
  /** Absent: the default (maps merged, lists replaced); 'replace' replaces even a map. */
  readonly strategy?: 'merge' | 'replace';
  /** patchStrategy "retainKeys" (alone or with merge): upstream marks union types with it. */
  readonly retainKeys?: boolean;
  readonly mergeKey?: string;
  /** The type of the field's value (of each element, for a list): a name in TYPES or an inline type. */
  readonly type?: string | PatchTypeDef;
}

/** A struct type: its fields that carry tags or lead to fields that do. */
export type PatchTypeDef = Readonly<Record<string, FieldStrategy>>;

const merge = (mergeKey: string, type?: string): FieldStrategy => (type ? { strategy: 'merge', mergeKey, type } : { strategy: 'merge', mergeKey });
const set: FieldStrategy = { strategy: 'merge' };
const conditions = merge('type');
const template: FieldStrategy = { type: 'PodTemplateSpec' };
const meta: FieldStrategy = { type: 'ObjectMeta' };

/** Every struct type with tags, keyed by upstream's Go type name; the kinds' own types are keyed by kind. */
export const TYPES: Readonly<Record<string, PatchTypeDef>> = {
  // meta/v1
  ObjectMeta: { finalizers: set, ownerReferences: merge('uid') },

  // core/v1: pods and their templates
  PodTemplateSpec: { metadata: meta, spec: { type: 'PodSpec' } },
  PodSpec: {
    volumes: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
    initContainers: merge('name', 'Container'),
    containers: merge('name', 'Container'),
    ephemeralContainers: merge('name', 'Container'),
    imagePullSecrets: merge('name'),
    hostAliases: merge('ip'),
    topologySpreadConstraints: merge('topologyKey'),
    schedulingGates: merge('name'),
    resourceClaims: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
    // tolerations, readinessGates, affinity's term lists: no tags, replaced.
  },
  Container: {
    ports: merge('containerPort'),
    env: merge('name'),
    volumeMounts: merge('mountPath'),
    volumeDevices: merge('devicePath'),
  },
  PodStatus: {
    conditions,
    podIPs: merge('ip'),
    hostIPs: merge('ip'),
    resourceClaimStatuses: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
  },

  // core/v1: the rest
  NodeSpec: { podCIDRs: set }, // taints: no tags (upstream put them on Taint.key, where they do nothing)
  NodeStatus: { conditions, addresses: merge('type') },
  ServiceSpec: { ports: merge('port') },
  ServiceStatus: { conditions },
  NamespaceStatus: { conditions },
  // Endpoints.subsets, EndpointSubset.addresses/ports, Event, ConfigMap, Secret, Lease: no tags.

  // apps/v1, batch/v1
  DeploymentSpec: { template, strategy: { retainKeys: true } },
  ReplicaSetSpec: { template },
  DaemonSetSpec: { template },
  StatefulSetSpec: { template },
  JobSpec: { template },
  WorkloadStatus: { conditions },

  // The kinds, by kind name.
  Pod: { metadata: meta, spec: { type: 'PodSpec' }, status: { type: 'PodStatus' } },
  PodTemplate: { metadata: meta, template },
  Node: { metadata: meta, spec: { type: 'NodeSpec' }, status: { type: 'NodeStatus' } },
  Namespace: { metadata: meta, status: { type: 'NamespaceStatus' } },
  Service: { metadata: meta, spec: { type: 'ServiceSpec' }, status: { type: 'ServiceStatus' } },
  Endpoints: { metadata: meta },
  ConfigMap: { metadata: meta },
  Secret: { metadata: meta },
  Event: { metadata: meta },
  ServiceAccount: { metadata: meta, secrets: merge('name') },
  Binding: { metadata: meta },
  Lease: { metadata: meta },
  ControllerRevision: { metadata: meta },
  Deployment: { metadata: meta, spec: { type: 'DeploymentSpec' }, status: { type: 'WorkloadStatus' } },
  ReplicaSet: { metadata: meta, spec: { type: 'ReplicaSetSpec' }, status: { type: 'WorkloadStatus' } },
  DaemonSet: { metadata: meta, spec: { type: 'DaemonSetSpec' }, status: { type: 'WorkloadStatus' } },
  StatefulSet: { metadata: meta, spec: { type: 'StatefulSetSpec' }, status: { type: 'WorkloadStatus' } },
  Job: { metadata: meta, spec: { type: 'JobSpec' }, status: { type: 'WorkloadStatus' } },
  // networking/v1, autoscaling/v2, rbac/v1, node/v1, admissionregistration/v1, flowcontrol/v1: their lists are
  // atomic (replaced) but for the webhooks (merged by name) and status conditions (by type).
  Ingress: { metadata: meta },
  IngressClass: { metadata: meta },
  NetworkPolicy: { metadata: meta },
  HorizontalPodAutoscaler: { metadata: meta, status: { type: 'WorkloadStatus' } },
  Role: { metadata: meta },
  ClusterRole: { metadata: meta },
  RoleBinding: { metadata: meta },
  ClusterRoleBinding: { metadata: meta },
  RuntimeClass: { metadata: meta },
  ValidatingWebhookConfiguration: { metadata: meta, webhooks: merge('name') },
  MutatingWebhookConfiguration: { metadata: meta, webhooks: merge('name') },
  ValidatingAdmissionPolicy: { metadata: meta },
  ValidatingAdmissionPolicyBinding: { metadata: meta },
  FlowSchema: { metadata: meta, status: { type: 'WorkloadStatus' } },
  PriorityLevelConfiguration: { metadata: meta, status: { type: 'WorkloadStatus' } },
};

const NONE: PatchTypeDef = {};
const NO_TAGS: FieldStrategy = {};

/** Returns a type by name (an unknown name: no tags anywhere, as a JSON merge patch with directives). */
export const typeNamed = (name: string): PatchTypeDef => TYPES[name] ?? NONE;

/** Returns the tags of one field of a type, and the type of its value. */
export function fieldOf(type: PatchTypeDef, field: string): { tags: FieldStrategy; type: PatchTypeDef } {
  const tags = Object.hasOwn(type, field) ? type[field]! : NO_TAGS;
  const sub = tags.type === undefined ? NONE : typeof tags.type === 'string' ? typeNamed(tags.type) : tags.type;
  return { tags, type: sub };
}

/** Returns a field's tags as upstream's OpenAPI extensions (for the gateway's /openapi documents). */
export function openApiExtensions(tags: FieldStrategy): Record<string, string> {
  const strategy = [tags.strategy, tags.retainKeys ? 'retainKeys' : undefined].filter(Boolean).join(',');
  const out: Record<string, string> = {};
  if (strategy) out['x-kubernetes-patch-strategy'] = strategy;
  if (tags.mergeKey) out['x-kubernetes-patch-merge-key'] = tags.mergeKey;
  return out;
}
