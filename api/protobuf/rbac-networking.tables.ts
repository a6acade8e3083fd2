// k8s.io/api rbac/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding and networking/v1 Ingress (what `kubectl
// create role|clusterrole|rolebinding|clusterrolebinding|ingress` sends), as field tables (see tables.ts); numbers
// from upstream's generated.proto. RoleRef's fields have no omitempty in Go, hence pointers.
import type { Tables } from './tables.ts';

/** The RBAC kinds and Ingress, with the messages they use. */
export const RBAC_NETWORKING: Tables = {
  PolicyRule: { 1: 'verbs []string', 2: 'apiGroups []string', 3: 'resources []string', 4: 'resourceNames []string', 5: 'nonResourceURLs []string' },
  AggregationRule: { 1: 'clusterRoleSelectors []LabelSelector' },
  Role: { 1: 'metadata ObjectMeta', 2: 'rules []PolicyRule' },
  ClusterRole: { 1: 'metadata ObjectMeta', 2: 'rules []PolicyRule', 3: 'aggregationRule AggregationRule' },
  RoleRef: { 1: 'apiGroup *string', 2: 'kind *string', 3: 'name *string' },
  Subject: { 1: 'kind', 2: 'apiGroup', 3: 'name', 4: 'namespace' },
  RoleBinding: { 1: 'metadata ObjectMeta', 2: 'subjects []Subject', 3: 'roleRef RoleRef' },
  ClusterRoleBinding: { 1: 'metadata ObjectMeta', 2: 'subjects []Subject', 3: 'roleRef RoleRef' },
  TypedLocalObjectReference: { 1: 'apiGroup *string', 2: 'kind', 3: 'name' },
  ServiceBackendPort: { 1: 'name', 2: 'number int32' },
  IngressServiceBackend: { 1: 'name', 2: 'port ServiceBackendPort' },
  IngressBackend: { 4: 'service IngressServiceBackend', 3: 'resource TypedLocalObjectReference' },
  HTTPIngressPath: { 1: 'path', 3: 'pathType *string', 2: 'backend IngressBackend' },
  HTTPIngressRuleValue: { 1: 'paths []HTTPIngressPath' },
  IngressRuleValue: { 1: 'http HTTPIngressRuleValue' },
  IngressRule: { 1: 'host', 2: '... IngressRuleValue' },
  IngressTLS: { 1: 'hosts []string', 2: 'secretName' },
  IngressSpec: { 4: 'ingressClassName *string', 1: 'defaultBackend IngressBackend', 2: 'tls []IngressTLS', 3: 'rules []IngressRule' },
  IngressPortStatus: { 1: 'port int32', 2: 'protocol', 3: 'error *string' },
  IngressLoadBalancerIngress: { 1: 'ip', 2: 'hostname', 4: 'ports []IngressPortStatus' },
  IngressLoadBalancerStatus: { 1: 'ingress []IngressLoadBalancerIngress' },
  IngressStatus: { 1: 'loadBalancer IngressLoadBalancerStatus' },
  Ingress: { 1: 'metadata ObjectMeta', 2: 'spec IngressSpec', 3: 'status IngressStatus' },
};
