// `kubectl describe` of roles, bindings, network policies, ingress classes and HPAs: expectations written from
// kubectl's describe.go format strings and Go tabwriter rules (padding 2).
import test from 'ava';
import { formatHPAMetrics } from '../api/table/columns-networking.ts';
import { describe } from '../cli/printers/describe.ts';

const NOW = Date.UTC(2026, 10, 23, 10, 5, 0);
const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), creationTimestamp: '2026-11-23T10:00:00Z' });

test('printers - describe role: rules broken down, compacted and sorted by PolicyRule.String() as kubectl does', (t) => {
  const role = {
    kind: 'ClusterRole',
    metadata: { ...meta('monitoring'), labels: { team: 'obs' } },
    rules: [
      { apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['web'], verbs: ['update'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['watch'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ],
  };
  t.is(describe('clusterrole', role, [], NOW), [
    'Name:         monitoring',
    'Labels:       team=obs',
    'Annotations:  <none>',
    'PolicyRule:',
    '  Resources               Non-Resource URLs  Resource Names  Verbs',
    '  ---------               -----------------  --------------  -----',
    '  pods                    []                 []              [get list watch]',
    '  services                []                 []              [get list]',
    '                          [/metrics]         []              [get]',
    '  deployments.apps/scale  []                 [web]           [update]',
    '',
  ].join('\n'));
});

test('printers - describe rolebinding: role and subjects', (t) => {
  const b = { kind: 'RoleBinding', metadata: meta('read-pods', 'default'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }] };
  t.is(describe('rolebindings', b, [], NOW), [
    'Name:         read-pods',
    'Labels:       <none>',
    'Annotations:  <none>',
    'Role:',
    '  Kind:  Role',
    '  Name:  pod-reader',
    'Subjects:',
    '  Kind            Name     Namespace',
    '  ----            ----     ---------',
    '  User            jane     ',
    '  ServiceAccount  default  kube-system',
    '',
  ].join('\n'));
});

test('printers - describe networkpolicy: selectors, ports, peers and policy types', (t) => {
  const np = {
    kind: 'NetworkPolicy',
    metadata: meta('db', 'default'),
    spec: {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { namespaceSelector: { matchLabels: { project: 'x' } } }], ports: [{ protocol: 'TCP', port: 6379 }] }],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
      policyTypes: ['Ingress', 'Egress'],
    },
  };
  t.is(describe('netpol', np, [], NOW), [
    'Name:         db',
    'Namespace:    default',
    'Created on:   2026-11-23 10:00:00 +0000 UTC',
    'Labels:       <none>',
    'Annotations:  <none>',
    'Spec:',
    '  PodSelector:     app=db',
    '  Allowing ingress traffic:',
    '    To Port: 6379/TCP',
    '    From:',
    '      IPBlock:',
    '        CIDR: 172.17.0.0/16',
    '        Except: 172.17.1.0/24',
    '    From:',
    '      NamespaceSelector: project=x',
    '  Allowing egress traffic:',
    '    To Port: 5978/TCP',
    '    To:',
    '      IPBlock:',
    '        CIDR: 10.0.0.0/24',
    '        Except: ',
    '  Policy Types: Ingress, Egress',
    '',
  ].join('\n'));
  const deny = { kind: 'NetworkPolicy', metadata: meta('deny', 'default'), spec: { podSelector: {}, policyTypes: ['Ingress'] } };
  t.regex(describe('networkpolicies', deny, [], NOW), /  PodSelector:     <none> \(Allowing the specific traffic to all pods in this namespace\)\n  Allowing ingress traffic:\n    <none> \(Selected pods are isolated for ingress connectivity\)\n  Not affecting egress traffic\n  Policy Types: Ingress\n$/);
});

test('printers - describe ingressclass and hpa', (t) => {
  const ic = { kind: 'IngressClass', metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb', scope: 'Cluster' } } };
  t.is(describe('ingressclass', ic, [], NOW), [
    'Name:         nginx',
    'Labels:       <none>',
    'Annotations:  <none>',
    'Controller:   k8s.io/ingress-nginx',
    'Parameters:',
    '  APIGroup:  k8s.example.com',
    '  Kind:      IngressParameters',
    '  Name:      external-lb',
    'Events:      <none>',
    '',
  ].join('\n'));
  const hpa = {
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('web', 'default'),
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], behavior: { scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } } },
    status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 30, averageValue: '150m' } } }], conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' }] },
  };
  t.is(describe('hpa', hpa, [], NOW), [
    'Name:                                                  web',
    'Namespace:                                             default',
    'Labels:                                                <none>',
    'Annotations:                                           <none>',
    'CreationTimestamp:                                     Mon, 23 Nov 2026 10:00:00 +0000',
    'Reference:                                             Deployment/web',
    'Metrics:                                               ( current / target )',
    '  resource cpu on pods  (as a percentage of request):  30% (150m) / 50%',
    'Min replicas:                                          1',
    'Max replicas:                                          10',
    'Behavior:',
    '  Scale Down:',
    '    Stabilization Window: 300 seconds',
    '    Select Policy: Max',
    '    Policies:',
    '      - Type: Percent  Value: 100  Period: 15 seconds',
    'Deployment pods:       2 current / 2 desired',
    'Conditions:',
    '  Type         Status  Reason            Message',
    '  ----         ------  ------            -------',
    '  AbleToScale  True    ReadyForNewScale  recommended size matches current size',
    'Events:        <none>',
    '',
  ].join('\n'));
});

test('printers - describe ingress: class, TLS, rules with their backends and endpoints', (t) => {
  const ing = {
    kind: 'Ingress',
    metadata: meta('web', 'default'),
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['foo.example.com'], secretName: 'tls' }],
      rules: [{ host: 'foo.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }, { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }] } }],
    },
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
  };
  const ctx = {
    services: [{ metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }] } }],
    endpointSlices: [{ metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } }, ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }] }],
  };
  t.is(describe('ing', ing, [], NOW, ctx), [
    'Name:             web',
    'Labels:           <none>',
    'Namespace:        default',
    'Address:          192.0.2.10',
    'Ingress Class:    nginx',
    'Default backend:  <default>',
    'TLS:',
    '  tls terminates foo.example.com',
    'Rules:',
    '  Host             Path  Backends',
    '  ----             ----  --------',
    '  foo.example.com  ',
    '                   /      web:80 (10.244.0.5:8080)',
    '                   /api   api:http (<error: services "api" not found>)',
    'Annotations:       <none>',
    'Events:            <none>',
    '',
  ].join('\n'));
});

test('printers - hpa TARGETS pairs status metrics by index, names resource metrics, shows two then "+ N more..."', (t) => {
  const spec = {
    metrics: [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
    ],
  };
  const status = { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '60m' } } }] };
  t.is(formatHPAMetrics(spec, status), 'cpu: 12%/50%, memory: <unknown>/500Mi + 1 more...');
  t.is(formatHPAMetrics({ metrics: spec.metrics.slice(2) }, {}), '<unknown>/1k');
  t.is(formatHPAMetrics({}, {}), '<none>');
});
