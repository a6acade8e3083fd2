// The default ClusterRoles and ClusterRoleBindings as upstream's bootstrap policy has them
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go), trimmed of resources and groups kubus
// does not serve (extensions, certificates, CSI, dynamic resource allocation).
import type { ClusterRole, PolicyRule, Role, RoleBinding, Subject } from '../../../api/kinds/rbac.ts';
import { controllerClusterRoleBindings, controllerClusterRoles } from './controller-roles.ts';

const RBAC = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule =>
  resourceNames ? { verbs, apiGroups, resources, resourceNames } : { verbs, apiGroups, resources };
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

/** Events, as every system component writes them. */
const EVENTS = rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

export const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `${RBAC}/aggregate-to-${role}`;

interface RoleSpec {
  name: string;
  rules?: PolicyRule[];
  /** Labels beyond kubernetes.io/bootstrapping (aggregation). */
  labels?: Record<string, string>;
  /** The label this role aggregates the rules of (admin, edit, view). */
  aggregates?: string;
}

const ROLES: RoleSpec[] = [
  { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  { name: 'system:discovery', rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])] },
  {
    name: 'system:basic-user',
    rules: [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])],
  },
  // For delegated authentication and authorization (an aggregated API server, a webhook): no default binding, as upstream.
  { name: 'system:auth-delegator', rules: [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])] },
  { name: 'system:public-info-viewer', rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] },
  { name: 'system:monitoring', rules: [urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])] },
  // admin ⊃ edit ⊃ view: each aggregates the one below it and its own system:aggregate-to-* role.
  { name: 'admin', aggregates: AGGREGATE_TO('admin') },
  { name: 'edit', aggregates: AGGREGATE_TO('edit'), labels: { [AGGREGATE_TO('admin')]: 'true' } },
  { name: 'view', aggregates: AGGREGATE_TO('view'), labels: { [AGGREGATE_TO('edit')]: 'true' } },
  {
    name: 'system:aggregate-to-admin',
    labels: { [AGGREGATE_TO('admin')]: 'true' },
    rules: [rule(CRUD, [RBAC], ['rolebindings', 'roles']), rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews'])],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: { [AGGREGATE_TO('edit')]: 'true' },
    rules: [
      rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
      rule(['create'], [''], ['pods/eviction']),
      rule(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
      rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
      rule(WRITE, ['policy'], ['poddisruptionbudgets']),
      rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: { [AGGREGATE_TO('view')]: 'true' },
    rules: [
      rule(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
      rule(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
      rule(READ, [''], ['namespaces']),
      rule(READ, ['discovery.k8s.io'], ['endpointslices']),
      rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
      rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
    ],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      EVENTS,
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      rule(READ, [''], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
      rule(['create'], [''], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(READ, [''], ['services', 'replicationcontrollers']),
      rule(READ, ['apps'], ['replicasets', 'statefulsets']),
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes', 'namespaces']),
      rule(READ, ['storage.k8s.io'], ['storageclasses']),
    ],
  },
  {
    // The scheduler's volume binding: it annotates a claim with the selected node and binds claims and volumes.
    name: 'system:volume-scheduler',
    rules: [
      rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['persistentvolumes', 'persistentvolumeclaims']),
      rule(READ, ['storage.k8s.io'], ['storageclasses']),
    ],
  },
  {
    name: 'system:kube-controller-manager',
    rules: [
      EVENTS,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      rule(['create'], [''], ['secrets', 'serviceaccounts']),
      rule(['delete'], [''], ['secrets']),
      rule(['get'], [''], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
      rule(['update'], [''], ['secrets', 'serviceaccounts']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [''], ['serviceaccounts/token']),
    ],
  },
  {
    name: 'system:node',
    rules: [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
      rule(READ, [''], ['services']),
      rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
      rule(['update', 'patch'], [''], ['nodes/status']),
      rule(['update', 'patch'], [''], ['nodes']),
      rule(['create', 'update', 'patch'], [''], ['events']),
      rule(READ, [''], ['pods']),
      rule(['create', 'delete'], [''], ['pods']),
      rule(['update', 'patch'], [''], ['pods/status']),
      rule(['create'], [''], ['pods/eviction']),
      rule(READ, [''], ['secrets', 'configmaps']),
      rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['get'], [''], ['endpoints']),
      rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
      rule(['create'], [''], ['serviceaccounts/token']),
    ],
  },
  {
    // Upstream's CoreDNS role (its kubernetes plugin's reads), cluster-wide; the addon's writes are the
    // kube-system Role below (NAMESPACE_ROLES).
    name: 'system:coredns',
    rules: [rule(['list', 'watch'], [''], ['endpoints', 'services', 'pods', 'namespaces']), rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']), EVENTS],
  },
  {
    name: 'system:node-proxier',
    rules: [rule(['list', 'watch'], [''], ['services', 'endpoints']), rule(['get', 'list', 'watch'], [''], ['nodes']), EVENTS, rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])],
  },
];

/** Rules an earlier kubus gave a default ClusterRole and took back: reconciling removes them (exactly these) from a stored one. */
export const RETIRED_RULES: Record<string, PolicyRule[]> = {
  'system:coredns': [
    rule(['create'], [''], ['services', 'endpoints']),
    rule(['get', 'update'], [''], ['services', 'endpoints'], ['kube-dns']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['coordination.k8s.io'], ['leases']),
  ],
};

/**
 * Default Roles, each bound by a RoleBinding of the same name in its namespace. kubus's DNS keeps the
 * kube-dns Service, its Endpoints and one Lease per DNS server in kube-system (what upstream's addon
 * manager and Deployment do for CoreDNS): it writes there only. Its Leases are named by address
 * (kube-dns-<ip>-<port>), so they cannot be listed by name: any Lease of kube-system is writable.
 */
const NAMESPACE_ROLES: Array<{ namespace: string; name: string; rules: PolicyRule[]; subjects: Subject[] }> = [
  {
    namespace: 'kube-system',
    name: 'system:coredns:addon',
    rules: [
      rule(['create'], [''], ['services', 'endpoints']),
      rule(['get', 'update'], [''], ['services', 'endpoints'], ['kube-dns']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['coordination.k8s.io'], ['leases']),
    ],
    subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }],
  },
];

const group = (name: string): Subject => ({ apiGroup: RBAC, kind: 'Group', name });
const user = (name: string): Subject => ({ apiGroup: RBAC, kind: 'User', name });

/** ClusterRole name → the subjects its bootstrap ClusterRoleBinding (of the same name) binds. */
const BINDINGS: Record<string, Subject[]> = {
  'cluster-admin': [group('system:masters')],
  'system:discovery': [group('system:authenticated')],
  'system:basic-user': [group('system:authenticated')],
  'system:public-info-viewer': [group('system:authenticated'), group('system:unauthenticated')],
  'system:monitoring': [group('system:monitoring')],
  // Not upstream: kubus's kube-proxy runs in its node's process under the node's bus identity
  // (system:node:<name> in system:nodes), so the group gets the proxier's reads (endpointslices, endpoints).
  'system:node-proxier': [user('system:kube-proxy'), group('system:nodes')],
  'system:kube-controller-manager': [user('system:kube-controller-manager')],
  'system:kube-scheduler': [user('system:kube-scheduler')],
  'system:coredns': [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }],
  'system:volume-scheduler': [user('system:kube-scheduler')],
  // No subjects, as upstream: nodes are authorized by the node authorizer (authz/node-authorizer.ts), not this binding.
  'system:node': [],
};

const meta = (name: string, labels?: Record<string, string>) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

/** The default ClusterRoles (the controllers' system:controller:* among them), the aggregating ones with an aggregationRule and (still) no rules. */
export const defaultClusterRoles = (): ClusterRole[] => [
  ...(ROLES.map((r) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: meta(r.name, r.labels),
    ...(r.aggregates ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [r.aggregates]: 'true' } }] } } : {}),
    rules: structuredClone(r.rules ?? []),
  })) as ClusterRole[]),
  ...controllerClusterRoles(),
];

/** The default ClusterRoleBindings, each named as its role. */
export const defaultClusterRoleBindings = (): RoleBinding[] => [
  ...(Object.entries(BINDINGS).map(([name, subjects]) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name },
    subjects: structuredClone(subjects),
  })) as RoleBinding[]),
  ...controllerClusterRoleBindings(),
];

const nsMeta = (namespace: string, name: string) => ({ ...meta(name), namespace });

/** The default (namespaced) Roles. */
export const defaultRoles = (): Role[] =>
  NAMESPACE_ROLES.map((r) => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: nsMeta(r.namespace, r.name), rules: structuredClone(r.rules) }) as Role);

/** The default RoleBindings, each named as its Role and in its namespace. */
export const defaultRoleBindings = (): RoleBinding[] =>
  NAMESPACE_ROLES.map(
    (r) => ({ apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: nsMeta(r.namespace, r.name), roleRef: { apiGroup: RBAC, kind: 'Role', name: r.name }, subjects: structuredClone(r.subjects) }) as RoleBinding,
  );
