// The smaller kinds: Service, Endpoints, Namespace, Node, Lease, ConfigMap, Secret, Event, Binding, ControllerRevision, ServiceAccount.
import test from 'ava';
import { createErrors, defOf, edited, lines, node, service } from './api-fixtures.ts';

const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}) });
const obj = (kind: string, apiVersion: string, name: string, namespace: string | undefined, fields: Record<string, unknown>) =>
  ({ apiVersion, kind, metadata: meta(name, namespace), ...fields }) as never;

const has = test.macro({
  exec(t, name: string, o: unknown, expected: string[]) {
    const errs = lines(createErrors(name, o as never));
    if (expected.length === 0) t.deepEqual(errs, []);
    for (const e of expected) t.true(errs.includes(e), `missing: ${e}\n got: ${errs.join('\n      ')}`);
  },
  title: (title, name) => `api - ${name}: ${title}`,
});

test('service defaults as SetDefaults_Service', (t) => {
  const s: any = service({ type: 'NodePort', ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] }); // eslint-disable-line @typescript-eslint/no-explicit-any
  defOf('svc').defaults!(s);
  t.like(s.spec, { type: 'NodePort', sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster' });
  t.deepEqual(s.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }]);
  const c: any = service({ clusterIP: '10.96.0.10' }); // eslint-disable-line @typescript-eslint/no-explicit-any
  defOf('svc').defaults!(c);
  t.deepEqual(c.spec.clusterIPs, ['10.96.0.10']);
});

test('a typical service is valid', has, 'services', service(), []);
test('service name is a DNS-1035 label', has, 'services', edited(service(), (s) => (s.metadata.name = '1web')), [
  "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
]);
test('service ports', has, 'services', edited(service(), (s) => (s.spec.ports = [{ port: 0 }, { port: 80, name: 'http', targetPort: 'Web' }])), [
  'spec.ports[0].name: Required value',
  'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
  'spec.ports[1].targetPort: Invalid value: "Web": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
]);
test('service without ports', has, 'services', edited(service(), (s) => (s.spec.ports = [])), ['spec.ports: Required value']);
test('service duplicate ports', has, 'services', edited(service(), (s) => (s.spec.ports = [{ port: 80, name: 'a' }, { port: 80, name: 'b' }])), [
  'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
]);
test('service type', has, 'services', edited(service(), (s) => (s.spec.type = 'Magic')), [
  'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
]);
test('service clusterIP format', has, 'services', edited(service(), (s) => (s.spec.clusterIP = '10.96.0.300')), [
  'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
]);
test('service nodePort on ClusterIP', has, 'services', edited(service(), (s) => (s.spec.ports[0].nodePort = 30080)), [
  "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
]);
test('headless service', has, 'services', edited(service(), (s) => Object.assign(s.spec, { clusterIP: 'None', ports: [] })), []);
test('external name service', has, 'services', edited(service(), (s) => Object.assign(s.spec, { type: 'ExternalName', externalName: 'db.example.com.' })), []);

test('api - service clusterIP is immutable; allocated values carry over', (t) => {
  const d = defOf('svc');
  const old: any = service({ clusterIP: '10.96.0.10' }); // eslint-disable-line @typescript-eslint/no-explicit-any
  d.defaults!(old);
  const moved = edited(old, (s) => Object.assign(s.spec, { clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11'] }));
  t.deepEqual(lines(d.validateUpdate!(moved, old)), ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']);
  const unset = edited(old, (s) => Object.assign(s.spec, { clusterIP: undefined, clusterIPs: undefined }));
  t.deepEqual(lines(d.validateUpdate!(unset, old)), ['spec.clusterIPs[0]: Invalid value: []string{}: primary clusterIP can not be unset']);
  d.prepareForUpdate!(unset, old);
  t.deepEqual(unset.spec.clusterIPs, ['10.96.0.10']);
  t.deepEqual(lines(d.validateUpdate!(unset, old)), []);
});

const endpoints = (subsets: unknown[]) => obj('Endpoints', 'v1', 'web', 'default', { subsets });
test('valid endpoints (loopback allowed for single-host clusters)', has, 'endpoints', endpoints([{ addresses: [{ ip: '127.0.0.5', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p' } }], ports: [{ port: 8080 }] }]), []);
test('endpoint subsets', has, 'endpoints', endpoints([{ ports: [{ port: 80 }, { port: 81 }] }, { addresses: [{ ip: 'nope' }] }]), [
  'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
  'subsets[0].ports[0].name: Required value',
  'subsets[1].addresses[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
]);

test('api - namespaces: label default, kubernetes finalizer and Active phase on create', (t) => {
  const ns: any = obj('Namespace', 'v1', 'team-a', undefined, {}); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(createErrors('ns', ns), []);
  t.deepEqual(ns.spec.finalizers, ['kubernetes']);
  t.deepEqual(ns.status, { phase: 'Active' });
  t.is(ns.metadata.labels['kubernetes.io/metadata.name'], 'team-a');
  t.is(defOf('ns').fields!['status.phase'](ns), 'Active');
});
test('namespace name is a DNS label', has, 'namespaces', obj('Namespace', 'v1', 'team.a', undefined, {}), ['metadata.name: Invalid value: "team.a": must not contain dots']);
test('namespace finalizer names', has, 'namespaces', obj('Namespace', 'v1', 'a', undefined, { spec: { finalizers: ['custom'] } }), [
  'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
]);

test('a typical node is valid', has, 'nodes', node({ spec: { podCIDR: '10.244.1.0/24', taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } }), []);
test('node taints (reported under metadata.taints, as upstream)', has, 'nodes', node({ spec: { taints: [{ key: 'a', effect: 'Sometimes' }, { key: 'b', effect: 'NoSchedule' }, { key: 'b', effect: 'NoSchedule' }] } }), [
  'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
  'metadata.taints[2]: Duplicate value: core.Taint{Key:"b", Value:"", Effect:"NoSchedule", TimeAdded:<nil>}: taints must be unique by key and effect pair',
]);
test('node capacity quantities', has, 'nodes', node({ status: { capacity: { cpu: 'four', pods: '1.5' } } }), [
  "status.capacity[cpu]: Invalid value: \"four\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  'status.capacity[pods]: Invalid value: "1500m": must be an integer',
]);

test('api - node podCIDRs and providerID only go from unset to set', (t) => {
  const d = defOf('nodes');
  const old = node({ spec: { podCIDRs: ['10.244.1.0/24'], providerID: 'kubus://n1' } });
  t.deepEqual(lines(d.validateUpdate!(edited(old, (n) => Object.assign(n.spec, { podCIDRs: ['10.244.2.0/24'], providerID: 'x' })), old)), [
    'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    'spec.providerID: Forbidden: node updates may not change providerID except from "" to valid',
  ]);
  const fresh = node();
  t.deepEqual(lines(d.validateUpdate!(edited(fresh, (n) => (n.spec.podCIDRs = ['10.244.3.0/24'])), fresh)), []);
  t.is(d.fields!['spec.unschedulable'](edited(fresh, (n) => (n.spec.unschedulable = true))), 'true');
});

const lease = (spec: Record<string, unknown>) => obj('Lease', 'coordination.k8s.io/v1', 'node-1', 'kube-node-lease', { spec });
test('a node lease is valid', has, 'leases', lease({ holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2026-11-23T10:00:00.000000Z' }), []);
test('lease numbers', has, 'leases', lease({ leaseDurationSeconds: 0, leaseTransitions: -1 }), [
  'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
  'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
]);

test('configmap keys and clashes', has, 'configmaps', obj('ConfigMap', 'v1', 'cfg', 'default', { data: { 'a b': 'x', k: 'v' }, binaryData: { k: 'AAAA' } }), [
  "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  'data[k]: Invalid value: "k": duplicate of key present in binaryData',
]);
test('configmap size', has, 'configmaps', obj('ConfigMap', 'v1', 'cfg', 'default', { data: { big: 'x'.repeat(1024 * 1024 + 1) } }), [': Too long: must have at most 1048576 bytes']);

test('api - immutable configmaps and secret types do not change', (t) => {
  const cm = obj('ConfigMap', 'v1', 'cfg', 'default', { data: { a: '1' }, immutable: true }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(defOf('cm').validateUpdate!(edited(cm, (c) => (c.data.a = '2')), cm)), ['data: Forbidden: field is immutable when `immutable` is set']);
  const s = obj('Secret', 'v1', 's', 'default', { type: 'Opaque' }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(defOf('secrets').validateUpdate!(edited(s, (c) => (c.type = 'kubernetes.io/tls')), s)), ['type: Invalid value: "kubernetes.io/tls": field is immutable']);
});

test('api - secrets default to Opaque and fold stringData into base64 data', (t) => {
  const s: any = obj('Secret', 'v1', 's', 'default', { stringData: { password: 'hunter2' }, data: { user: 'YWRtaW4=' } }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(createErrors('secrets', s), []);
  t.is(s.type, 'Opaque');
  t.deepEqual(s.data, { user: 'YWRtaW4=', password: 'aHVudGVyMg==' });
  t.is(s.stringData, undefined);
  t.is(defOf('secrets').fields!.type(s), 'Opaque');
});
test('secret data must be base64 and typed keys present', has, 'secrets', obj('Secret', 'v1', 's', 'default', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'not base64!' } }), [
  'data[tls.crt]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3',
  'data[tls.key]: Required value',
]);

const event = (ns: string, involvedNs: string, extra: Record<string, unknown> = {}) =>
  obj('Event', 'v1', 'web-1.17a', ns, { involvedObject: { kind: 'Pod', name: 'web-1', namespace: involvedNs }, reason: 'Scheduled', type: 'Normal', ...extra });
test('a typical event is valid', has, 'events', event('default', 'default', { source: { component: 'default-scheduler' }, count: 1 }), []);
test('event namespaces must agree', has, 'events', event('default', 'other'), ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
test('new-style events need reporting fields', has, 'events', event('default', 'default', { eventTime: '2026-11-23T10:00:00.000000Z' }), [
  'reportingController: Required value',
  'reportingInstance: Required value',
  'action: Required value',
]);

test('api - event field selectors', (t) => {
  const e = event('default', 'default', { source: { component: 'kubelet' } }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const f = defOf('events').fields!;
  t.is(f['involvedObject.kind'](e), 'Pod');
  t.is(f['involvedObject.name'](e), 'web-1');
  t.is(f.reason(e), 'Scheduled');
  t.is(f.source(e), 'kubelet');
  t.is(f.type(e), 'Normal');
});

test('binding target', has, 'bindings', obj('Binding', 'v1', 'web-1', 'default', { target: { kind: 'Pod' } }), [
  'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
  'target.name: Required value',
]);
test('a binding to a node is valid', has, 'bindings', obj('Binding', 'v1', 'web-1', 'default', { target: { kind: 'Node', name: 'node-1' } }), []);

test('controller revision data is mandatory', has, 'controllerrevisions', obj('ControllerRevision', 'apps/v1', 'web-5d8f', 'default', { revision: -1 }), [
  'data: Required value: data is mandatory',
  'revision: Invalid value: -1: must be greater than or equal to 0',
]);
test('api - controller revision data is immutable', (t) => {
  const r = obj('ControllerRevision', 'apps/v1', 'web-5d8f', 'default', { revision: 1, data: { spec: { a: 1 } } }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(lines(defOf('controllerrevisions').validateUpdate!(edited(r, (c) => (c.data.spec.a = 2)), r)), ['data: Invalid value: {"spec":{"a":2}}: field is immutable']);
});
test('a service account is valid', has, 'serviceaccounts', obj('ServiceAccount', 'v1', 'default', 'default', {}), []);
test('service account names', has, 'sa', obj('ServiceAccount', 'v1', 'Default', 'default', {}), [
  "metadata.name: Invalid value: \"Default\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
]);
