// The Node labels a kubelet may not set on its own Node (upstream noderestriction getForbiddenLabels
// with k8s.io/kubelet's IsKubeletLabel): none under node-restriction.kubernetes.io/, and under the
// kubernetes.io and k8s.io namespaces only the kubelet's own well-known labels.

/** The well-known labels kubelets set (kubeletLabels). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);

/** Label namespaces (and their subdomains) kubelets may use freely (kubeletLabelNamespaces). */
const KUBELET_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const NODE_RESTRICTION = 'node-restriction.kubernetes.io';

/** The prefix of a label key before '/', or ''. */
const namespaceOf = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const within = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

/** Returns true when a kubelet may set this label key on its Node. */
export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = namespaceOf(key);
  return KUBELET_NAMESPACES.some((d) => within(ns, d));
}

/** Returns true when a kubelet may not add, change or remove this label key on its Node. */
export function isForbiddenNodeLabel(key: string): boolean {
  const ns = namespaceOf(key);
  if (within(ns, NODE_RESTRICTION)) return true;
  return (within(ns, 'kubernetes.io') || within(ns, 'k8s.io')) && !isKubeletLabel(key);
}
