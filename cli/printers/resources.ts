// Resource names kubectl accepts (plural, singular, short) and the kinds and groups behind them.

interface ResourceInfo {
  kind: string;
  group: string;
  aliases: string[];
}

const RESOURCES: Record<string, ResourceInfo> = {
  pods: { kind: 'Pod', group: '', aliases: ['pod', 'po'] },
  nodes: { kind: 'Node', group: '', aliases: ['node', 'no'] },
  namespaces: { kind: 'Namespace', group: '', aliases: ['namespace', 'ns'] },
  services: { kind: 'Service', group: '', aliases: ['service', 'svc'] },
  endpoints: { kind: 'Endpoints', group: '', aliases: ['ep'] },
  endpointslices: { kind: 'EndpointSlice', group: 'discovery.k8s.io', aliases: ['endpointslice'] },
  configmaps: { kind: 'ConfigMap', group: '', aliases: ['configmap', 'cm'] },
  secrets: { kind: 'Secret', group: '', aliases: ['secret'] },
  serviceaccounts: { kind: 'ServiceAccount', group: '', aliases: ['serviceaccount', 'sa'] },
  events: { kind: 'Event', group: '', aliases: ['event', 'ev'] },
  leases: { kind: 'Lease', group: 'coordination.k8s.io', aliases: ['lease'] },
  replicasets: { kind: 'ReplicaSet', group: 'apps', aliases: ['replicaset', 'rs'] },
  deployments: { kind: 'Deployment', group: 'apps', aliases: ['deployment', 'deploy'] },
  daemonsets: { kind: 'DaemonSet', group: 'apps', aliases: ['daemonset', 'ds'] },
  statefulsets: { kind: 'StatefulSet', group: 'apps', aliases: ['statefulset', 'sts'] },
  controllerrevisions: { kind: 'ControllerRevision', group: 'apps', aliases: ['controllerrevision'] },
  jobs: { kind: 'Job', group: 'batch', aliases: ['job'] },
  cronjobs: { kind: 'CronJob', group: 'batch', aliases: ['cronjob', 'cj'] },
  persistentvolumes: { kind: 'PersistentVolume', group: '', aliases: ['persistentvolume', 'pv'] },
  persistentvolumeclaims: { kind: 'PersistentVolumeClaim', group: '', aliases: ['persistentvolumeclaim', 'pvc'] },
  storageclasses: { kind: 'StorageClass', group: 'storage.k8s.io', aliases: ['storageclass', 'sc'] },
  poddisruptionbudgets: { kind: 'PodDisruptionBudget', group: 'policy', aliases: ['poddisruptionbudget', 'pdb'] },
  replicationcontrollers: { kind: 'ReplicationController', group: '', aliases: ['replicationcontroller', 'rc'] },
  podtemplates: { kind: 'PodTemplate', group: '', aliases: ['podtemplate'] },
  priorityclasses: { kind: 'PriorityClass', group: 'scheduling.k8s.io', aliases: ['priorityclass', 'pc'] },
  resourcequotas: { kind: 'ResourceQuota', group: '', aliases: ['resourcequota', 'quota'] },
  limitranges: { kind: 'LimitRange', group: '', aliases: ['limitrange', 'limits'] },
  ingresses: { kind: 'Ingress', group: 'networking.k8s.io', aliases: ['ingress', 'ing'] },
  ingressclasses: { kind: 'IngressClass', group: 'networking.k8s.io', aliases: ['ingressclass'] },
  networkpolicies: { kind: 'NetworkPolicy', group: 'networking.k8s.io', aliases: ['networkpolicy', 'netpol'] },
  horizontalpodautoscalers: { kind: 'HorizontalPodAutoscaler', group: 'autoscaling', aliases: ['horizontalpodautoscaler', 'hpa'] },
  roles: { kind: 'Role', group: 'rbac.authorization.k8s.io', aliases: ['role'] },
  clusterroles: { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', aliases: ['clusterrole'] },
  rolebindings: { kind: 'RoleBinding', group: 'rbac.authorization.k8s.io', aliases: ['rolebinding'] },
  clusterrolebindings: { kind: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', aliases: ['clusterrolebinding'] },
};

const BY_ALIAS = new Map<string, string>();
for (const [plural, info] of Object.entries(RESOURCES)) {
  BY_ALIAS.set(plural, plural);
  for (const a of info.aliases) BY_ALIAS.set(a, plural);
  BY_ALIAS.set(`${plural}.${info.group}`, plural);
}

/** Returns the plural resource for a name kubectl would accept ("po", "pod", "deployments.apps"), else the name lowercased. */
export const normalizeResource = (resource: string): string => {
  const r = resource.toLowerCase();
  return BY_ALIAS.get(r) ?? r;
};

/** Returns the kind and API group of a known resource, or undefined. */
export const resourceKind = (resource: string): { kind: string; group: string } | undefined => RESOURCES[normalizeResource(resource)];
