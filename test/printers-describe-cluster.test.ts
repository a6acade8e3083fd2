// `kubectl describe` of nodes, deployments, replica sets, services, namespaces and other kinds; expectations
// written from describe.go's format strings and Go tabwriter rules (minwidth 0, padding 2).
import test from 'ava';
import { describe } from '../cli/printers/describe.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const lines = (...ls: string[]) => `${ls.join('\n')}\n`;

const node = {
  metadata: { name: 'node-1', uid: 'n1', creationTimestamp: '2024-05-01T10:00:00Z', labels: { 'kubernetes.io/hostname': 'node-1' } },
  spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
  status: {
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-01T11:59:50Z', lastTransitionTime: '2024-05-01T10:00:10Z', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'node-1' }],
    nodeInfo: { osImage: 'kubus', operatingSystem: 'linux', architecture: 'amd64', containerRuntimeVersion: 'sim://1.0', kubeletVersion: 'v1.32.0' },
  },
};
const lease = { metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', renewTime: '2024-05-01T11:59:50.000000Z' } };
const podOn = (name: string, nodeName: string, phase: string) => ({
  metadata: { name, namespace: 'default', creationTimestamp: '2024-05-01T11:55:00Z' },
  spec: { nodeName, containers: [{ name: 'c', resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } } }] },
  status: { phase },
});

test('printers - describe node with its lease, pods and allocated resources', (t) => {
  const pods = [podOn('web-1', 'node-1', 'Running'), podOn('done', 'node-1', 'Succeeded'), podOn('elsewhere', 'node-2', 'Running')];
  const want = lines(
    'Name:               node-1',
    'Roles:              <none>',
    'Labels:             kubernetes.io/hostname=node-1',
    'Annotations:        <none>',
    'CreationTimestamp:  Wed, 01 May 2024 10:00:00 +0000',
    'Taints:             <none>',
    'Unschedulable:      false',
    'Lease:',
    '  HolderIdentity:  node-1',
    '  AcquireTime:     <unset>',
    '  RenewTime:       Wed, 01 May 2024 11:59:50 +0000',
    'Conditions:',
    '  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message',
    '  ----    ------  -----------------                 ------------------                ------         -------',
    '  Ready   True    Wed, 01 May 2024 11:59:50 +0000   Wed, 01 May 2024 10:00:10 +0000   KubeletReady   kubelet is posting ready status',
    'Addresses:',
    '  InternalIP:  10.0.0.1',
    '  Hostname:    node-1',
    'Capacity:',
    '  cpu:     4',
    '  memory:  8Gi',
    '  pods:    110',
    'Allocatable:',
    '  cpu:     4',
    '  memory:  8Gi',
    '  pods:    110',
    'System Info:',
    '  Machine ID:                 ',
    '  System UUID:                ',
    '  Boot ID:                    ',
    '  Kernel Version:             ',
    '  OS Image:                   kubus',
    '  Operating System:           linux',
    '  Architecture:               amd64',
    '  Container Runtime Version:  sim://1.0',
    '  Kubelet Version:            v1.32.0',
    '  Kube-Proxy Version:         ',
    'PodCIDR:                      10.244.0.0/24',
    'PodCIDRs:                     10.244.0.0/24',
    'Non-terminated Pods:          (1 in total)',
    '  Namespace                   Name     CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age',
    '  ---------                   ----     ------------  ----------  ---------------  -------------  ---',
    '  default                     web-1    100m (2%)     0 (0%)      64Mi (0%)        128Mi (1%)     5m',
    'Allocated resources:',
    '  (Total limits may be over 100 percent, i.e., overcommitted.)',
    '  Resource           Requests   Limits',
    '  --------           --------   ------',
    '  cpu                100m (2%)  0 (0%)',
    '  memory             64Mi (0%)  128Mi (1%)',
    '  ephemeral-storage  0 (0%)     0 (0%)',
    'Events:              <none>',
  );
  t.is(describe('nodes', node, [], NOW, { pods, lease }), want);
});

test('printers - describe node without a lease says so, with taints sorted by effect', (t) => {
  const tainted = { ...node, spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] } };
  const out = describe('no', tainted, [], NOW);
  t.true(out.includes('Taints:             dedicated=gpu:NoExecute\n                    node.kubernetes.io/unreachable:NoSchedule\nUnschedulable:      false\nLease:              Failed to get lease: leases.coordination.k8s.io "node-1" not found\n'));
});

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } };
const deployment = {
  metadata: { name: 'web', namespace: 'default', uid: 'd1', creationTimestamp: '2024-05-01T11:00:00Z', labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '1' } },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } } },
  status: {
    replicas: 3,
    updatedReplicas: 3,
    availableReplicas: 3,
    readyReplicas: 3,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
    ],
  },
};
const rs = (name: string, hash: string, tpl: unknown, replicas: number) => ({
  metadata: { name, namespace: 'default', uid: `rs-${name}`, creationTimestamp: '2024-05-01T11:00:00Z', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }] },
  spec: { replicas, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } }, template: { ...(tpl as object), metadata: { labels: { app: 'web', 'pod-template-hash': hash } } } },
  status: { replicas },
});

test('printers - describe deployment with its replica sets and events', (t) => {
  const old = rs('web-old', 'o1', { spec: { containers: [{ name: 'nginx', image: 'nginx:1.24' }] } }, 0);
  const current = rs('web-abc', 'abc', template, 3);
  const events = [{ type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-abc to 3', source: { component: 'deployment-controller' }, firstTimestamp: '2024-05-01T11:00:00Z', lastTimestamp: '2024-05-01T11:00:00Z', count: 1 }];
  const want = lines(
    'Name:                   web',
    'Namespace:              default',
    'CreationTimestamp:      Wed, 01 May 2024 11:00:00 +0000',
    'Labels:                 app=web',
    'Annotations:            deployment.kubernetes.io/revision: 1',
    'Selector:               app=web',
    'Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable',
    'StrategyType:           RollingUpdate',
    'MinReadySeconds:        0',
    'RollingUpdateStrategy:  25% max unavailable, 25% max surge',
    'Pod Template:',
    '  Labels:  app=web',
    '  Containers:',
    '   nginx:',
    '    Image:         nginx:1.25',
    '    Port:          80/TCP',
    '    Host Port:     0/TCP',
    '    Environment:   <none>',
    '    Mounts:        <none>',
    '  Volumes:         <none>',
    '  Node-Selectors:  <none>',
    '  Tolerations:     <none>',
    'Conditions:',
    '  Type           Status  Reason',
    '  ----           ------  ------',
    '  Available      True    MinimumReplicasAvailable',
    '  Progressing    True    NewReplicaSetAvailable',
    'OldReplicaSets:  web-old (0/0 replicas created)',
    'NewReplicaSet:   web-abc (3/3 replicas created)',
    'Events:',
    '  Type    Reason             Age   From                   Message',
    '  ----    ------             ----  ----                   -------',
    '  Normal  ScalingReplicaSet  60m   deployment-controller  Scaled up replica set web-abc to 3',
  );
  t.is(describe('deployments', deployment, events, NOW, { replicaSets: [current, old] }), want);
});

test('printers - describe replica set counts the pods it controls', (t) => {
  const set = rs('web-abc', 'abc', template, 3);
  const owned = (name: string, phase: string) => ({ metadata: { name, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-web-abc', controller: true }] }, status: { phase } });
  const pods = [owned('a', 'Running'), owned('b', 'Running'), owned('c', 'Pending'), { metadata: { name: 'stray' }, status: { phase: 'Running' } }];
  const want = lines(
    'Name:           web-abc',
    'Namespace:      default',
    'Selector:       app=web,pod-template-hash=abc',
    'Labels:         <none>',
    'Annotations:    <none>',
    'Controlled By:  Deployment/web',
    'Replicas:       3 current / 3 desired',
    'Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 0 Failed',
    'Pod Template:',
    '  Labels:  app=web',
    '           pod-template-hash=abc',
    '  Containers:',
    '   nginx:',
    '    Image:         nginx:1.25',
    '    Port:          80/TCP',
    '    Host Port:     0/TCP',
    '    Environment:   <none>',
    '    Mounts:        <none>',
    '  Volumes:         <none>',
    '  Node-Selectors:  <none>',
    '  Tolerations:     <none>',
    'Events:            <none>',
  );
  t.is(describe('rs', set, [], NOW, { pods }), want);
});

const service = {
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, type: 'ClusterIP', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'], clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], sessionAffinity: 'None' },
};
const serviceWant = (endpoints: string) =>
  lines(
    'Name:              web',
    'Namespace:         default',
    'Labels:            <none>',
    'Annotations:       <none>',
    'Selector:          app=web',
    'Type:              ClusterIP',
    'IP Family Policy:  SingleStack',
    'IP Families:       IPv4',
    'IP:                10.96.0.10',
    'IPs:               10.96.0.10',
    'Port:              <unset>  80/TCP',
    'TargetPort:        8080/TCP',
    `Endpoints:         ${endpoints}`,
    'Session Affinity:  None',
    'Events:            <none>',
  );

test('printers - describe service with its endpoints, from Endpoints or EndpointSlices', (t) => {
  const endpoints = { subsets: [{ addresses: [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }], ports: [{ port: 8080, protocol: 'TCP' }] }] };
  t.is(describe('svc', service, [], NOW, { endpoints }), serviceWant('10.244.0.5:8080,10.244.0.6:8080'));
  const slice = { ports: [{ name: '', port: 8080 }], endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }, { addresses: ['10.244.0.7'], conditions: { ready: false } }] };
  t.is(describe('services', service, [], NOW, { endpointSlices: [slice] }), serviceWant('10.244.0.5:8080'));
  t.is(describe('services', service, [], NOW), serviceWant('<none>'));
});

test('printers - describe namespace', (t) => {
  const ns = { metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } }, status: { phase: 'Active' } };
  t.is(describe('ns', ns, [], NOW), lines('Name:         default', 'Labels:       kubernetes.io/metadata.name=default', 'Annotations:  <none>', 'Status:       Active', '', 'No resource quota.', '', 'No LimitRange resource.'));
});

test('printers - describe falls back to every field, labelled, for other kinds', (t) => {
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease', uid: 'x', resourceVersion: '42', creationTimestamp: '2024-05-01T11:00:00Z' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-05-01T11:59:55.000000Z' } };
  const want = lines(
    'Name:         node-1',
    'Namespace:    kube-node-lease',
    'Labels:       <none>',
    'Annotations:  <none>',
    'API Version:  coordination.k8s.io/v1',
    'Kind:         Lease',
    'Metadata:',
    '  Creation Timestamp:  2024-05-01T11:00:00Z',
    '  Resource Version:    42',
    '  UID:                 x',
    'Spec:',
    '  Holder Identity:         node-1',
    '  Lease Duration Seconds:  40',
    '  Renew Time:              2024-05-01T11:59:55.000000Z',
    'Events:                    <none>',
  );
  t.is(describe('leases', lease, [], NOW), want);
});

test('printers - describe config map and secret', (t) => {
  const cm = { metadata: { name: 'cfg', namespace: 'default' }, data: { 'b.txt': 'two', 'a.txt': 'one' } };
  t.is(describe('cm', cm, [], NOW), lines('Name:         cfg', 'Namespace:    default', 'Labels:       <none>', 'Annotations:  <none>', '', 'Data', '====', 'a.txt:', '----', 'one', '', 'b.txt:', '----', 'two', '', '', 'BinaryData', '====', '', 'Events:  <none>'));
  const secret = { metadata: { name: 's', namespace: 'default' }, type: 'Opaque', data: { password: 'aHVudGVyMg==' } };
  t.is(describe('secrets', secret, [], NOW), lines('Name:         s', 'Namespace:    default', 'Labels:       <none>', 'Annotations:  <none>', '', 'Type:  Opaque', '', 'Data', '====', 'password:  7 bytes'));
});
