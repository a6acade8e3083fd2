// Table rows of nodes, services, endpoints, events and workloads: cases transcribed from kubernetes printers_test.go (v1.32).
import test from 'ava';
import { tableFor } from '../cli/printers/table.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const S = 1000;
const M = 60 * S;
const D = 24 * 60 * M;
const at = (offsetMs: number): string => new Date(NOW + offsetMs).toISOString();
const yearsAgo = (n: number): string => {
  const d = new Date(NOW);
  d.setUTCFullYear(d.getUTCFullYear() - n);
  return d.toISOString();
};
const fresh = at(1.9 * S); // upstream's time.Now().Add(1.9e9): an age of 0s

const row = test.macro((t, resource: string, obj: unknown, want: string[], wide?: boolean) =>
  t.deepEqual(tableFor(resource, { wide: wide ?? false, allNamespaces: false, now: NOW }).row(obj), want),
);
const ready = (status: string) => ({ conditions: [{ type: 'Ready', status }] });

const cases: [string, string, unknown, string[], boolean?][] = [
  ['node Ready', 'nodes', { metadata: { name: 'foo1' }, status: ready('True') }, ['foo1', 'Ready', '<none>', '<unknown>', '']],
  ['node Ready,SchedulingDisabled', 'nodes', { metadata: { name: 'foo2' }, spec: { unschedulable: true }, status: ready('True') }, ['foo2', 'Ready,SchedulingDisabled', '<none>', '<unknown>', '']],
  ['node NotReady', 'nodes', { metadata: { name: 'foo4' }, status: ready('False') }, ['foo4', 'NotReady', '<none>', '<unknown>', '']],
  ['node NotReady when Unknown', 'nodes', { metadata: { name: 'n' }, status: ready('Unknown') }, ['n', 'NotReady', '<none>', '<unknown>', '']],
  ['node without Ready is Unknown', 'nodes', { metadata: { name: 'foo6' }, status: { conditions: [{ type: 'InvalidValue', status: 'True' }] } }, ['foo6', 'Unknown', '<none>', '<unknown>', '']],
  ['node Unknown,SchedulingDisabled', 'nodes', { metadata: { name: 'foo9' }, spec: { unschedulable: true }, status: { conditions: [{}] } }, ['foo9', 'Unknown,SchedulingDisabled', '<none>', '<unknown>', '']],
  ['node roles from labels', 'nodes', { metadata: { name: 'foo10', labels: { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/proxy': '', 'kubernetes.io/role': 'node' } } }, ['foo10', 'Unknown', 'control-plane,master,node,proxy', '<unknown>', '']],
  ['node wide: first addresses of each type', 'nodes', { metadata: { name: 'foo3' }, status: { addresses: [{ type: 'ExternalIP', address: '2.2.2.2' }, { type: 'InternalIP', address: '3.3.3.3' }, { type: 'ExternalIP', address: '4.4.4.4' }] } }, ['foo3', 'Unknown', '<none>', '<unknown>', '', '3.3.3.3', '2.2.2.2', '<unknown>', '<unknown>', '<unknown>'], true],
  ['node wide: OS image and runtime', 'nodes', { metadata: { name: 'foo1' }, status: { nodeInfo: { osImage: 'fake-os-image', containerRuntimeVersion: 'foo://1.2.3', kubeletVersion: 'v1.32.0' }, addresses: [{ type: 'ExternalIP', address: '1.1.1.1' }] } }, ['foo1', 'Unknown', '<none>', '<unknown>', 'v1.32.0', '<none>', '1.1.1.1', 'fake-os-image', '<unknown>', 'foo://1.2.3'], true],
  ['load balancer with two ingress IPs', 'services', { metadata: { name: 'service1' }, spec: { clusterIPs: ['1.2.3.4'], type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] }, status: { loadBalancer: { ingress: [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }] } } }, ['service1', 'LoadBalancer', '1.2.3.4', '2.3.4.5,3.4.5.6', '80/TCP', '<unknown>']],
  ['load balancer pending, several ports', 'services', { metadata: { name: 'service2' }, spec: { clusterIPs: ['1.3.4.5'], type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }, { port: 8090, protocol: 'UDP' }, { port: 8000, protocol: 'TCP' }, { port: 7777, protocol: 'SCTP' }] } }, ['service2', 'LoadBalancer', '1.3.4.5', '<pending>', '80/TCP,8090/UDP,8000/TCP,7777/SCTP', '<unknown>']],
  ['load balancer IPs clipped to 16 bytes', 'services', { metadata: { name: 'service4' }, spec: { clusterIPs: ['1.5.6.7'], type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }, { port: 8090, protocol: 'UDP' }, { port: 8000, protocol: 'TCP' }] }, status: { loadBalancer: { ingress: [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }, { ip: '5.6.7.8', hostname: 'host5678' }] } } }, ['service4', 'LoadBalancer', '1.5.6.7', '2.3.4.5,3.4.5...', '80/TCP,8090/UDP,8000/TCP', '<unknown>']],
  ['load balancer wide: all IPs and the selector', 'services', { metadata: { name: 'service4' }, spec: { clusterIPs: ['1.5.6.7'], type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }, { port: 8090, protocol: 'UDP' }, { port: 8000, protocol: 'TCP' }], selector: { foo: 'bar' } }, status: { loadBalancer: { ingress: [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }, { ip: '5.6.7.8', hostname: 'host5678' }] } } }, ['service4', 'LoadBalancer', '1.5.6.7', '2.3.4.5,3.4.5.6,5.6.7.8', '80/TCP,8090/UDP,8000/TCP', '<unknown>', 'foo=bar'], true],
  ['ClusterIP service with a node port', 'services', { metadata: { name: 'web', creationTimestamp: at(-3 * M) }, spec: { type: 'NodePort', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] } }, ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP', '3m']],
  ['headless service', 'services', { metadata: { name: 'db' }, spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] } }, ['db', 'ClusterIP', 'None', '<none>', '<none>', '<unknown>']],
  ['endpoints without subsets', 'endpoints', { metadata: { name: 'endpoint1', creationTimestamp: fresh } }, ['endpoint1', '<none>', '0s']],
  ['endpoints without ports', 'endpoints', { metadata: { name: 'endpoint2', creationTimestamp: fresh }, subsets: [{ addresses: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8' }] }] }, ['endpoint2', '1.2.3.4,5.6.7.8', '0s']],
  ['endpoints with a port', 'endpoints', { metadata: { name: 'endpoint3', creationTimestamp: fresh }, subsets: [{ addresses: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8' }], ports: [{ port: 8001, protocol: 'TCP' }] }] }, ['endpoint3', '1.2.3.4:8001,5.6.7.8:8001', '0s']],
  ['endpoints beyond three', 'endpoints', { metadata: { name: 'endpoint4', creationTimestamp: fresh }, subsets: [{ addresses: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8' }, { ip: '9.8.7.6' }, { ip: '9.8.7.5' }, { ip: 'fd00::1' }], ports: [{ port: 8001, protocol: 'TCP' }] }] }, ['endpoint4', '1.2.3.4:8001,5.6.7.8:8001,9.8.7.6:8001 + 2 more...', '0s']],
  ['IPv6 endpoint', 'endpoints', { metadata: { name: 'v6' }, subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }] }, ['v6', '[fd00::1]:80', '<unknown>']],
  ['event', 'events', { source: { component: 'kubelet' }, involvedObject: { kind: 'Pod', name: 'Pod Name', fieldPath: 'spec.containers{foo}' }, reason: 'Event Reason', message: 'Message Data', firstTimestamp: at(-3 * D), lastTimestamp: at(-2 * D), count: 6, type: 'Normal', metadata: { name: 'event1' } }, ['2d', 'Normal', 'Event Reason', 'pod/Pod Name', 'Message Data']],
  ['event wide', 'events', { source: { component: 'kubelet', host: 'Node1' }, involvedObject: { kind: 'Deployment', name: 'Deployment Name', fieldPath: 'spec.containers{foo}' }, reason: 'Event Reason', message: 'Message Data', firstTimestamp: at(-3 * D), lastTimestamp: at(-2 * D), count: 6, type: 'Warning', metadata: { name: 'event2' } }, ['2d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', '6', 'event2'], true],
  ['event without first timestamp uses eventTime', 'events', { source: { component: 'kubelet', host: 'Node1' }, involvedObject: { kind: 'Deployment', name: 'Deployment Name', fieldPath: 'spec.containers{foo}' }, reason: 'Event Reason', message: 'Message Data', eventTime: at(-3 * D), count: 1, type: 'Warning', metadata: { name: 'event5' } }, ['3d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', '1', 'event5'], true],
  ['event series', 'events', { source: { component: 'kubelet', host: 'Node1' }, involvedObject: { kind: 'Deployment', name: 'Deployment Name', fieldPath: 'spec.containers{foo}' }, series: { count: 2, lastObservedTime: at(-2 * D) }, reason: 'Event Reason', message: 'Message Data', eventTime: at(-3 * D), type: 'Warning', metadata: { name: 'event6' } }, ['2d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', '2', 'event6'], true],
  ['event from the reporting controller', 'events', { reportingController: 'kubelet', reportingInstance: 'test', involvedObject: { kind: 'Deployment', name: 'Deployment Name', fieldPath: 'spec.containers{foo}' }, reason: 'Event Reason', message: 'Message Data', firstTimestamp: at(-3 * D), lastTimestamp: at(-2 * D), count: 6, type: 'Warning', metadata: { name: 'event2' } }, ['2d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, test', 'Message Data', '3d', '6', 'event2'], true],
  ['namespace', 'namespaces', { metadata: { name: 'namespace1', creationTimestamp: fresh }, status: { phase: 'FooStatus' } }, ['namespace1', 'FooStatus', '0s']],
  ['namespace without status or age', 'namespaces', { metadata: { name: 'namespace2' } }, ['namespace2', '', '<unknown>']],
  ['secret', 'secrets', { metadata: { name: 'secret1', creationTimestamp: fresh }, type: 'kubernetes.io/service-account-token', data: { token: 'c2VjcmV0IGRhdGE=' } }, ['secret1', 'kubernetes.io/service-account-token', '1', '0s']],
  ['service account', 'serviceaccounts', { metadata: { name: 'sa1', creationTimestamp: fresh }, secrets: [{ name: 'Secret1' }, { name: 'Secret2' }] }, ['sa1', '2', '0s']],
  ['config map counts data and binary data', 'configmaps', { metadata: { name: 'cm', creationTimestamp: fresh }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, ['cm', '3', '0s']],
  ['lease', 'leases', { metadata: { name: 'node-1', creationTimestamp: at(-70 * M) }, spec: { holderIdentity: 'node-1' } }, ['node-1', 'node-1', '70m']],
];
for (const [name, resource, obj, want, wide] of cases) test(`printers - ${name}`, row, resource, obj, want, wide ?? false);

const template = { spec: { containers: [{ name: 'fake-container1', image: 'fake-image1' }, { name: 'fake-container2', image: 'fake-image2' }] } };
const deployment = { metadata: { name: 'test1', creationTimestamp: fresh }, spec: { replicas: 5, template, selector: { matchLabels: { foo: 'bar' } } }, status: { replicas: 10, updatedReplicas: 2, availableReplicas: 1, unavailableReplicas: 4 } };
const daemonset = { metadata: { name: 'test1', creationTimestamp: fresh }, spec: { template, selector: { matchLabels: { foo: 'bar' } } }, status: { currentNumberScheduled: 2, desiredNumberScheduled: 3, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 0 } };
const replicaset = { metadata: { name: 'test1', creationTimestamp: fresh }, spec: { replicas: 5, template, selector: { matchLabels: { foo: 'bar' } } }, status: { replicas: 5, readyReplicas: 2 } };
const job = (name: string, extra: object) => ({ metadata: { name, creationTimestamp: fresh }, spec: {}, ...extra });
const jobTemplate = { spec: { containers: [{ name: 'fake-job-container1', image: 'fake-job-image1' }, { name: 'fake-job-container2', image: 'fake-job-image2' }] } };
const owner = (controller: boolean, kind: string, apiVersion?: string) => [{ controller, apiVersion, kind, name: 'foo' }];

const apps: [string, string, unknown, string[], boolean?][] = [
  ['deployment', 'deployments', deployment, ['test1', '0/5', '2', '1', '0s']],
  ['deployment wide', 'deployments', deployment, ['test1', '0/5', '2', '1', '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar'], true],
  ['daemon set', 'daemonsets', daemonset, ['test1', '3', '2', '1', '2', '0', '<none>', '0s']],
  ['daemon set wide', 'daemonsets', daemonset, ['test1', '3', '2', '1', '2', '0', '<none>', '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar'], true],
  ['replica set', 'replicasets', replicaset, ['test1', '5', '5', '2', '0s']],
  ['replica set wide', 'replicasets', replicaset, ['test1', '5', '5', '2', '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar'], true],
  ['stateful set', 'statefulsets', { metadata: { name: 'web', creationTimestamp: fresh }, spec: { replicas: 3, template }, status: { readyReplicas: 2 } }, ['web', '2/3', '0s']],
  ['job running', 'jobs', job('job1', { spec: { completions: 2, template: jobTemplate }, status: { succeeded: 1 } }), ['job1', 'Running', '1/2', '', '0s']],
  ['job wide', 'jobs', job('job1', { spec: { completions: 2, template: jobTemplate, selector: { matchLabels: { 'job-label': 'job-label-value' } } }, status: { succeeded: 1 } }), ['job1', 'Running', '1/2', '', '0s', 'fake-job-container1,fake-job-container2', 'fake-job-image1,fake-job-image2', 'job-label=job-label-value'], true],
  ['job ten years old', 'jobs', { metadata: { name: 'job2', creationTimestamp: yearsAgo(10) }, spec: {}, status: { succeeded: 0 } }, ['job2', 'Running', '0/1', '', '10y']],
  ['job with a duration', 'jobs', { metadata: { name: 'job3', creationTimestamp: at(-10 * 365 * D) }, spec: {}, status: { startTime: at(M), completionTime: at(31 * M) } }, ['job3', 'Running', '0/1', '30m', '10y']],
  ['job still running for 20m', 'jobs', { metadata: { name: 'job4', creationTimestamp: at(-10 * 365 * D) }, spec: {}, status: { startTime: at(-20 * M) } }, ['job4', 'Running', '0/1', '20m', '10y']],
  ['job complete', 'jobs', job('job5', { status: { conditions: [{ type: 'Complete', status: 'True' }] } }), ['job5', 'Complete', '0/1', '', '0s']],
  ['job failed', 'jobs', job('job6', { status: { conditions: [{ type: 'Failed', status: 'True' }] } }), ['job6', 'Failed', '0/1', '', '0s']],
  ['job suspended', 'jobs', job('job7', { status: { conditions: [{ type: 'Suspended', status: 'True' }] } }), ['job7', 'Suspended', '0/1', '', '0s']],
  ['job failure target', 'jobs', job('job8', { status: { conditions: [{ type: 'FailureTarget', status: 'True' }] } }), ['job8', 'FailureTarget', '0/1', '', '0s']],
  ['job terminating', 'jobs', { metadata: { name: 'job9', creationTimestamp: fresh, deletionTimestamp: fresh }, spec: {} }, ['job9', 'Terminating', '0/1', '', '0s']],
  ['job with parallelism', 'jobs', job('job10', { spec: { parallelism: 3 }, status: { succeeded: 1 } }), ['job10', 'Running', '1/1 of 3', '', '0s']],
  ['controller revision of a daemon set', 'controllerrevisions', { metadata: { name: 'test1', creationTimestamp: fresh, ownerReferences: owner(true, 'DaemonSet', 'apps/v1') }, revision: 1 }, ['test1', 'daemonset.apps/foo', '1', '0s']],
  ['controller revision without controller', 'controllerrevisions', { metadata: { name: 'test2', creationTimestamp: fresh, ownerReferences: owner(false, 'ABC') }, revision: 2 }, ['test2', '<none>', '2', '0s']],
  ['controller revision without owners', 'controllerrevisions', { metadata: { name: 'test4', creationTimestamp: fresh }, revision: 4 }, ['test4', '<none>', '4', '0s']],
  ['anything else: NAME AGE', 'widgets', { metadata: { name: 'w', creationTimestamp: at(-90 * D) } }, ['w', '90d']],
];
for (const [name, resource, obj, want, wide] of apps) test(`printers - ${name}`, row, resource, obj, want, wide ?? false);
