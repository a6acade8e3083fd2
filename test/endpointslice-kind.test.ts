// The EndpointSlice kind (discovery.k8s.io/v1): defaults, upstream's validation messages and
// field paths, addressType immutable, kubectl's columns and describe.
import test from 'ava';
import type { EndpointSlice } from '../api/kinds/endpointslice.ts';
import type { KubeObject } from '../api/meta.ts';
import { resourceFor } from '../api/resources.ts';
import { StatusError } from '../api/status.ts';
import { describe } from '../cli/printers/describe.ts';
import { tableFor } from '../cli/printers/table.ts';
import { startApi } from './helpers/api.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const def = resourceFor('endpointslices')!;

const slice = (over: Partial<EndpointSlice> = {}): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' }, creationTimestamp: new Date(NOW - 300_000).toISOString() },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default' } }],
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  ...over,
});

const errors = (o: EndpointSlice) => def.validate(o as never).map((e) => `${e.field}: ${e.message}`);

test('endpointslice - names, group and defaults', (t) => {
  t.is(def.apiVersion, 'discovery.k8s.io/v1');
  t.is(resourceFor('endpointslice.discovery.k8s.io'), def);
  const o = slice({ ports: [{ port: 80 }] });
  def.defaults!(o as never);
  t.deepEqual(o.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
  t.deepEqual(errors(o), []);
});

test('endpointslice - validation as upstream', (t) => {
  t.deepEqual(errors(slice({ addressType: 'IP' })), ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']);
  t.deepEqual(errors(slice({ endpoints: [{ addresses: [] }] })), ['endpoints[0].addresses: Required value: must contain at least 1 address']);
  t.deepEqual(errors(slice({ endpoints: [{ addresses: ['fd00::1', '0.0.0.0'] }] })), [
    'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
    'endpoints[0].addresses[1]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
  ]);
  t.deepEqual(errors(slice({ addressType: 'FQDN', endpoints: [{ addresses: ['localhost'] }] })), ['endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots']);
  t.deepEqual(errors(slice({ endpoints: [{ addresses: ['10.0.0.1'], hostname: 'Web_1', nodeName: 'Node 1' }] })), [
    'endpoints[0].nodeName: Invalid value: "Node 1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    'endpoints[0].hostname: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\', or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
  ]);
  t.deepEqual(errors(slice({ ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'http', port: 81, protocol: 'ICMP' }] })), [
    'ports[1].name: Duplicate value: "http"',
    'ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
  ]);
  const many = Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.0.${i >> 8}.${(i & 255) + 1 > 255 ? 1 : (i & 255) + 1}`] }));
  t.deepEqual(errors(slice({ endpoints: many })), ['endpoints: Too many: 1001: must have at most 1000 items']);
});

test('endpointslice - bad input is a 422 and nothing is stored; addressType is immutable', async (t) => {
  const { client } = await startApi(t);
  const bad = slice({ addressType: 'IPv5' }) as unknown as KubeObject;
  const err = await t.throwsAsync(client.create('endpointslices', bad), { instanceOf: StatusError });
  t.is(err!.status.code, 422);
  t.is(err!.status.reason, 'Invalid');
  t.deepEqual(err!.status.details?.causes?.map((c) => c.field), ['addressType']);
  t.is((await client.list('endpointslices', { namespace: 'default' })).items.length, 0);
  const made = await client.create<EndpointSlice>('endpointslices', slice() as unknown as KubeObject);
  const upd = await t.throwsAsync(client.update('endpointslices', { ...made, addressType: 'IPv6', endpoints: [] } as unknown as KubeObject), { instanceOf: StatusError });
  t.is(upd!.status.code, 422);
  t.regex(upd!.status.message, /addressType: Invalid value: "IPv6": field is immutable/);
  t.is((await client.get<EndpointSlice>('endpointslices', 'web-abc', { namespace: 'default' })).addressType, 'IPv4');
});

test('endpointslice - kubectl columns and describe', (t) => {
  const table = tableFor('endpointslices', { now: NOW, wide: false, allNamespaces: false });
  t.deepEqual(table.headers, ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
  t.deepEqual(table.row(slice()), ['web-abc', 'IPv4', '8080', '10.244.1.5', '5m']);
  const four = slice({ endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3', '10.0.0.4'] }], ports: [] });
  t.deepEqual(table.row(four).slice(2, 4), ['<unset>', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...']);
  const out = describe('endpointslices', slice(), [], NOW);
  t.is(
    out,
    [
      'Name:         web-abc',
      'Namespace:    default',
      'Labels:       kubernetes.io/service-name=web',
      'Annotations:  <none>',
      'AddressType:  IPv4',
      'Ports:',
      '  Name  Port  Protocol',
      '  ----  ----  --------',
      '  http  8080  TCP',
      'Endpoints:',
      '  - Addresses:  10.244.1.5',
      '    Conditions:',
      '      Ready:    true',
      '    Hostname:   <unset>',
      '    TargetRef:  Pod/web-1',
      '    NodeName:   node-1',
      '    Zone:       <unset>',
      'Events:         <none>',
      '',
    ].join('\n'),
  );
});

test('endpointslice - real kubectl lists them with the same columns and describes them as kubus does', async (t) => {
  const { startGateway } = await import('./helpers/gateway.ts');
  const env = await startGateway(t);
  const made = slice();
  delete made.metadata.creationTimestamp;
  await env.client.create('endpointslices', made as unknown as KubeObject);
  const got = await env.kubectl(['get', 'endpointslices', '-n', 'default']);
  t.is(got.code, 0, got.stderr);
  const lines = got.stdout.trim().split('\n');
  t.regex(lines[0], /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/);
  t.regex(lines[1], /^web-abc\s+IPv4\s+8080\s+10\.244\.1\.5\s+\d+s$/);
  const described = await env.kubectl(['describe', 'endpointslice', 'web-abc', '-n', 'default']);
  t.is(described.code, 0, described.stderr);
  const stored = await env.client.get('endpointslices', 'web-abc', { namespace: 'default' });
  t.is(described.stdout, describe('endpointslices', stored, [], Date.now()));
  // kubectl describe service reads the service's slices through the gateway.
  await env.client.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } as KubeObject);
  const svc = await env.kubectl(['describe', 'service', 'web', '-n', 'default']);
  t.is(svc.code, 0, svc.stderr);
  t.regex(svc.stdout, /^Endpoints:\s+10\.244\.1\.5:8080$/m);
});
