// k8s.io/api/core/v1 pod spec parts no generator fills but typed clients send: probes and lifecycle
// hooks, affinity and topology spread, host aliases, DNS config, readiness gates (see tables.ts).
import type { Tables } from './tables.ts';

/** Probe, Lifecycle and their actions; Affinity with its selector terms; TopologySpreadConstraint, HostAlias, PodDNSConfig, PodReadinessGate. */
export const POD_EXTRAS: Tables = {
  Probe: {
    1: '... ProbeHandler',
    2: 'initialDelaySeconds int32',
    3: 'timeoutSeconds int32',
    4: 'periodSeconds int32',
    5: 'successThreshold int32',
    6: 'failureThreshold int32',
    7: 'terminationGracePeriodSeconds *int64',
  },
  ProbeHandler: { 1: 'exec ExecAction', 2: 'httpGet HTTPGetAction', 3: 'tcpSocket TCPSocketAction', 4: 'grpc GRPCAction' },
  Lifecycle: { 1: 'postStart LifecycleHandler', 2: 'preStop LifecycleHandler', 3: 'stopSignal *string' },
  LifecycleHandler: { 1: 'exec ExecAction', 2: 'httpGet HTTPGetAction', 3: 'tcpSocket TCPSocketAction', 4: 'sleep SleepAction' },
  ExecAction: { 1: 'command []string' },
  HTTPGetAction: { 1: 'path', 2: 'port IntOrString', 3: 'host', 4: 'scheme', 5: 'httpHeaders []HTTPHeader' },
  HTTPHeader: { 1: 'name', 2: 'value' },
  TCPSocketAction: { 1: 'port IntOrString', 2: 'host' },
  GRPCAction: { 1: 'port int32', 2: 'service *string' },
  SleepAction: { 1: 'seconds int64' },

  Affinity: { 1: 'nodeAffinity NodeAffinity', 2: 'podAffinity PodAffinity', 3: 'podAntiAffinity PodAntiAffinity' },
  NodeAffinity: { 1: 'requiredDuringSchedulingIgnoredDuringExecution NodeSelector', 2: 'preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm' },
  NodeSelector: { 1: 'nodeSelectorTerms []NodeSelectorTerm' },
  NodeSelectorTerm: { 1: 'matchExpressions []NodeSelectorRequirement', 2: 'matchFields []NodeSelectorRequirement' },
  NodeSelectorRequirement: { 1: 'key', 2: 'operator', 3: 'values []string' },
  PreferredSchedulingTerm: { 1: 'weight int32', 2: 'preference NodeSelectorTerm' },
  PodAffinity: { 1: 'requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm', 2: 'preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm' },
  PodAntiAffinity: { 1: 'requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm', 2: 'preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm' },
  PodAffinityTerm: {
    1: 'labelSelector LabelSelector',
    2: 'namespaces []string',
    3: 'topologyKey',
    4: 'namespaceSelector LabelSelector',
    5: 'matchLabelKeys []string',
    6: 'mismatchLabelKeys []string',
  },
  WeightedPodAffinityTerm: { 1: 'weight int32', 2: 'podAffinityTerm PodAffinityTerm' },
  TopologySpreadConstraint: {
    1: 'maxSkew int32',
    2: 'topologyKey',
    3: 'whenUnsatisfiable',
    4: 'labelSelector LabelSelector',
    5: 'minDomains *int32',
    6: 'nodeAffinityPolicy *string',
    7: 'nodeTaintsPolicy *string',
    8: 'matchLabelKeys []string',
  },
  HostAlias: { 1: 'ip', 2: 'hostnames []string' },
  PodDNSConfig: { 1: 'nameservers []string', 2: 'searches []string', 3: 'options []PodDNSConfigOption' },
  PodDNSConfigOption: { 1: 'name', 2: 'value *string' },
  PodReadinessGate: { 1: 'conditionType' },
};
