// The controllers' own roles, as upstream's bootstrap policy has them (bootstrappolicy/controller_policy.go,
// for kube-controller-manager --use-service-account-credentials): each controller acts as the service
// account kube-system:<account>, bound to the ClusterRole system:controller:<account>. Trimmed of groups
// kubus does not serve (extensions); the rules kubus's controllers need beyond upstream's are marked so.
import type { ClusterRole, PolicyRule, RoleBinding } from '../../../api/kinds/rbac.ts';
import type { UserInfo } from '../../../api/protocol.ts';
import { serviceAccountGroups, serviceAccountUsername } from '../authn/claims.ts';

const RBAC = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];
const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });
const EVENTS = rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

/** The namespace of every controller's service account. */
export const CONTROLLER_NAMESPACE = 'kube-system';
/** Upstream's prefix of a controller's ClusterRole (and binding) name. */
export const CONTROLLER_ROLE_PREFIX = 'system:controller:';

/** A controller's service account name → its role's rules. */
const ROLES: Record<string, PolicyRule[]> = {
  'clusterrole-aggregation-controller': [rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], [RBAC], ['clusterroles'])],
  'cronjob-controller': [
    rule(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['cronjobs/status', 'cronjobs/finalizers']),
    rule(['list', 'watch', 'delete'], [''], ['pods']),
    EVENTS,
  ],
  'daemon-set-controller': [
    rule(READ, ['apps'], ['daemonsets']),
    rule(['update'], ['apps'], ['daemonsets/status', 'daemonsets/finalizers']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
    EVENTS,
  ],
  'deployment-controller': [
    rule(['get', 'list', 'watch', 'update'], ['apps'], ['deployments']),
    rule(['update'], ['apps'], ['deployments/status', 'deployments/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['apps'], ['replicasets']),
    rule(['get', 'list', 'watch', 'update'], [''], ['pods']),
    // kubus: the revision annotation is written by a patch (upstream: an update).
    rule(['patch'], ['apps'], ['deployments']),
    EVENTS,
  ],
  'disruption-controller': [
    rule(READ, ['apps'], ['deployments', 'replicasets', 'statefulsets']),
    rule(READ, [''], ['replicationcontrollers']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['get'], ['*'], ['*/scale']),
    EVENTS,
  ],
  'endpoint-controller': [
    rule(READ, [''], ['services', 'pods']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['endpoints']),
    rule(['create'], [''], ['endpoints/restricted']),
    EVENTS,
  ],
  'endpointslice-controller': [
    rule(READ, [''], ['services', 'pods', 'nodes']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
    EVENTS,
  ],
  'endpointslicemirroring-controller': [
    rule(READ, [''], ['services', 'endpoints']),
    rule(['update'], [''], ['services/finalizers', 'endpoints/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
    EVENTS,
  ],
  'generic-garbage-collector': [rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']), EVENTS],
  'horizontal-pod-autoscaler': [
    rule(READ, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(['list', 'watch'], [''], ['pods']),
    rule(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
    // kubus: the target is read and written whole (its write names the scale subresource only for managedFields).
    rule(['get', 'update'], ['apps'], ['deployments', 'replicasets', 'statefulsets']),
    rule(['get', 'update'], [''], ['replicationcontrollers']),
    EVENTS,
  ],
  'job-controller': [
    rule(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['jobs/status', 'jobs/finalizers']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
    EVENTS,
  ],
  'namespace-controller': [
    rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
    rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    rule(['get', 'list', 'watch', 'delete', 'deletecollection'], ['*'], ['*']),
    // kubus: spec.finalizers are emptied by an update of the namespace (upstream: namespaces/finalize).
    rule(['update'], [''], ['namespaces']),
  ],
  // Upstream's node lifecycle, taint eviction and node IPAM controllers all act as node-controller.
  'node-controller': [
    rule(['get', 'list', 'watch', 'update', 'delete', 'patch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status', 'pods/status']),
    rule(['list', 'watch', 'get', 'delete'], [''], ['pods']),
    EVENTS,
  ],
  'persistent-volume-binder': [
    rule(['get', 'list', 'watch', 'update', 'create', 'delete'], [''], ['persistentvolumes']),
    rule(['update'], [''], ['persistentvolumes/status', 'persistentvolumeclaims/status']),
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['list', 'watch', 'get', 'create', 'delete'], [''], ['pods']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
    rule(['list', 'watch'], [''], ['nodes']),
    EVENTS,
    rule(['watch'], [''], ['events']),
    rule(['get'], [''], ['services']),
  ],
  'pod-garbage-collector': [
    rule(['list', 'watch', 'delete'], [''], ['pods']),
    rule(READ, [''], ['nodes']),
    rule(['patch'], [''], ['pods/status']),
    // kubus: the pod's DisruptionTarget condition is written by an update of its status (upstream: a patch).
    rule(['update'], [''], ['pods/status']),
  ],
  'replicaset-controller': [
    rule(['get', 'list', 'watch', 'update'], ['apps'], ['replicasets']),
    rule(['update'], ['apps'], ['replicasets/status', 'replicasets/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
    EVENTS,
  ],
  'replication-controller': [
    rule(['get', 'list', 'watch', 'update'], [''], ['replicationcontrollers']),
    rule(['update'], [''], ['replicationcontrollers/status', 'replicationcontrollers/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
    EVENTS,
  ],
  'resourcequota-controller': [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [''], ['resourcequotas/status']), EVENTS],
  'service-account-controller': [rule(['create'], [''], ['serviceaccounts']), EVENTS],
  'statefulset-controller': [
    rule(['list', 'watch'], [''], ['pods']),
    rule(READ, ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status', 'statefulsets/finalizers']),
    rule(['get', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
    rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], ['apps'], ['controllerrevisions']),
    rule(['get', 'create', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['update', 'delete'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['pods/finalizers']),
    // kubus: a claim's ownerReferences are set by a patch (upstream: an update).
    rule(['patch'], [''], ['persistentvolumeclaims']),
    EVENTS,
  ],
  'ttl-after-finished-controller': [rule(['get', 'list', 'watch', 'delete'], ['batch'], ['jobs']), EVENTS],
  'root-ca-cert-publisher': [rule(['create', 'update'], [''], ['configmaps']), EVENTS],
  'pvc-protection-controller': [
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['list', 'watch', 'get'], [''], ['pods']),
    // kubus: the finalizer is removed by a patch (upstream: an update).
    rule(['patch'], [''], ['persistentvolumeclaims']),
    EVENTS,
  ],
  'pv-protection-controller': [
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumes']),
    // kubus: the finalizer is removed by a patch (upstream: an update).
    rule(['patch'], [''], ['persistentvolumes']),
    EVENTS,
  ],
  // Not upstream's controller manager: kubus runs these with it. apiextensions-apiserver's finalizer
  // (the CRD cleanup) runs inside upstream's API server; it deletes any custom object.
  'crd-cleanup-controller': [
    rule(['get', 'update'], ['apiextensions.k8s.io'], ['customresourcedefinitions', 'customresourcedefinitions/status']),
    rule(['list', 'delete'], ['*'], ['*']),
  ],
  // Rancher's local-path-provisioner's role, plus the `standard` StorageClass it installs.
  'local-path-provisioner': [
    rule(READ, [''], ['nodes', 'persistentvolumeclaims', 'configmaps', 'pods']),
    rule(['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'], [''], ['persistentvolumes', 'pods']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
    rule(['create'], ['storage.k8s.io'], ['storageclasses']),
    EVENTS,
  ],
  // metrics-server's role (system:metrics-server), plus making its aggregated reader ClusterRole, whose
  // rules it must hold itself (escalation prevention).
  'metrics-server': [
    rule(['get', 'list', 'watch'], [''], ['pods', 'nodes']),
    rule(['get'], [''], ['nodes/metrics']),
    rule(['create'], [RBAC], ['clusterroles']),
    rule(READ, ['metrics.k8s.io'], ['pods', 'nodes']),
  ],
};

/** The service accounts controllers act as (kube-system/<name>). */
export const CONTROLLER_ACCOUNTS: readonly string[] = Object.keys(ROLES);

/** Returns the user a controller's service account is, as a token for it would authenticate; undefined when `username` names none. */
export function controllerAccountUser(username: string): UserInfo | undefined {
  const prefix = serviceAccountUsername(CONTROLLER_NAMESPACE, '');
  if (!username.startsWith(prefix)) return undefined;
  const name = username.slice(prefix.length);
  if (!Object.hasOwn(ROLES, name)) return undefined;
  return { username, groups: serviceAccountGroups(CONTROLLER_NAMESPACE) };
}

const meta = (name: string) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

/** The ClusterRoles system:controller:<account>. */
export const controllerClusterRoles = (): ClusterRole[] =>
  Object.entries(ROLES).map(([account, rules]) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: meta(CONTROLLER_ROLE_PREFIX + account),
    rules: structuredClone(rules),
  })) as ClusterRole[];

/** The ClusterRoleBindings of the same names, each to its service account in kube-system. */
export const controllerClusterRoleBindings = (): RoleBinding[] =>
  CONTROLLER_ACCOUNTS.map((account) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(CONTROLLER_ROLE_PREFIX + account),
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: CONTROLLER_ROLE_PREFIX + account },
    subjects: [{ kind: 'ServiceAccount', name: account, namespace: CONTROLLER_NAMESPACE }],
  })) as RoleBinding[];
