// The cluster DNS actor over MemoryBus with a real API server: questions over real UDP and TCP
// sockets on 127.0.0.1, answered as CoreDNS's kubernetes plugin answers them.
import { createSocket } from 'node:dgram';
import test, { type ExecutionContext } from 'ava';
import * as dnsPacket from 'dns-packet';
import type { Endpoints } from '../api/kinds/endpoints.ts';
import type { Service } from '../api/kinds/service.ts';
import type { KubeObject } from '../api/meta.ts';
import { dnsActor, type DnsInput } from '../actors/dns/dns.actor.ts';
import { endpointSliceMirroringController } from '../actors/controllers/endpointslice/endpointslice-mirroring.controller.ts';
import { DNS_CLUSTER_IP } from '../actors/dns/dns.addon.ts';
import type { Upstream } from '../actors/dns/dns.forward.ts';
import { startApi, pod } from './helpers/api.ts';
import { ask, dataOf, decodeReply, tcpRaw, udpRaw, type Reply } from './helpers/dns.ts';
import { waitFor } from './helpers/wait.ts';

const Z = 'cluster.local';

/** Starts an API server and the DNS actor on a free port; returns the port and a client. */
async function cluster(t: ExecutionContext, input: Partial<DnsInput> = {}) {
  const env = await startApi(t);
  // The resolver reads EndpointSlices: the mirroring controller makes them of the Endpoints written here.
  env.process('controller-manager').start(endpointSliceMirroringController, 'controller/endpointslicemirroring', undefined);
  const dns = env.process('dns').start(dnsActor, 'dns', { address: '127.0.0.1:0', upstreams: [], resyncMs: 200, ...input });
  await dns.waitFor((s) => s.matches?.('serving') || s.status === 'done');
  const port = (dns.snapshot()?.context as { port?: number }).port;
  if (!port) throw new Error('the DNS actor did not start serving');
  return { env, api: env.client, port, dns };
}

const service = (name: string, spec: Record<string, unknown>, namespace = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec,
});

const endpoints = (name: string, subsets: Endpoints['subsets'], namespace = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name, namespace },
  subsets,
});

/** Waits until a question gets a reply that satisfies `ok` (the informers see writes a moment later). */
async function until(port: number, name: string, type: dnsPacket.RecordType, ok: (r: Reply) => boolean, transport: 'udp' | 'tcp' = 'udp') {
  let last: Reply | undefined;
  await waitFor(async () => ok((last = await ask(port, name, type, transport))), `${type} ${name}: last reply ${JSON.stringify(last?.answers)} ${last?.rcode}`, 5000, 20);
  return last!;
}

test('dns - creates the kube-dns Service at 10.96.0.10 and keeps its Endpoints pointing at the server', async (t) => {
  const { api, port } = await cluster(t);
  const svc = await waitFor(() => api.get<Service>('services', 'kube-dns', { namespace: 'kube-system' }).catch(() => undefined), 'kube-dns Service');
  t.is(svc.spec.clusterIP, DNS_CLUSTER_IP);
  t.deepEqual(svc.spec.ports?.map((p) => [p.name, p.port, p.protocol]), [['dns', 53, 'UDP'], ['dns-tcp', 53, 'TCP']]);
  t.is(svc.metadata.labels?.['k8s-app'], 'kube-dns');
  const ep = await waitFor(() => api.get<Endpoints>('endpoints', 'kube-dns', { namespace: 'kube-system' }).catch(() => undefined), 'kube-dns Endpoints');
  t.deepEqual(ep.subsets?.[0].addresses?.map((a) => a.ip), ['127.0.0.1']);
  t.deepEqual(ep.subsets?.[0].ports?.map((p) => [p.name, p.port, p.protocol]), [['dns', port, 'UDP'], ['dns-tcp', port, 'TCP']]);
  const a = await until(port, `kube-dns.kube-system.svc.${Z}`, 'A', (r) => r.answers?.length === 1);
  t.deepEqual(dataOf(a, 'A'), [DNS_CLUSTER_IP]);
  // Someone deletes the Endpoints: the actor writes them again.
  await api.delete('endpoints', 'kube-dns', { namespace: 'kube-system' });
  const again = await waitFor(() => api.get<Endpoints>('endpoints', 'kube-dns', { namespace: 'kube-system' }).catch(() => undefined), 'kube-dns Endpoints again');
  t.deepEqual(again.subsets?.[0].addresses?.map((a) => a.ip), ['127.0.0.1']);
});

test('dns - several DNS servers: the kube-dns Endpoints list each live one; a stopped one leaves them', async (t) => {
  const { env, api, port } = await cluster(t);
  const second = env.process('dns-2');
  const other = second.start(dnsActor, 'dns', { address: '127.0.0.1:0', upstreams: [], resyncMs: 200 });
  await other.waitFor((s) => s.matches?.('serving'));
  const port2 = (other.snapshot()?.context as { port: number }).port;
  const ports = async () => {
    const ep = await api.get<Endpoints>('endpoints', 'kube-dns', { namespace: 'kube-system' }).catch(() => undefined);
    return (ep?.subsets ?? []).map((s) => s.ports?.[0].port).join();
  };
  await waitFor(async () => (await ports()) === [port, port2].sort((a, b) => a - b).join(), 'both servers in the Endpoints', 5000, 20);
  const leases = await api.list('leases', { namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' });
  t.is(leases.items.length, 2);
  await second.stopAll();
  await waitFor(async () => (await ports()) === String(port), 'the stopped server gone from the Endpoints', 5000, 20);
  t.is((await api.list('leases', { namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items.length, 1);
});

test('dns - A for a ClusterIP Service over UDP and TCP, authoritative, TTL 30', async (t) => {
  const { api, port } = await cluster(t);
  const svc = await api.create<Service>('services', service('web', { ports: [{ name: 'http', port: 80 }] }));
  for (const transport of ['udp', 'tcp'] as const) {
    const r = await until(port, `web.default.svc.${Z}`, 'A', (x) => x.answers?.length === 1, transport);
    t.is(r.rcode, 'NOERROR');
    t.truthy(r.flag_aa, 'authoritative');
    t.deepEqual(dataOf(r, 'A'), [svc.spec.clusterIP]);
    t.is((r.answers?.[0] as { ttl?: number }).ttl, 30);
    t.is(r.answers?.[0].name, `web.default.svc.${Z}`);
  }
  // Names are case-insensitive; the answer keeps the asked case.
  const upper = await ask(port, `WEB.Default.svc.${Z}`, 'A');
  t.deepEqual(dataOf(upper, 'A'), [svc.spec.clusterIP]);
  t.is(upper.answers?.[0].name, `WEB.Default.svc.${Z}`);
});

test('dns - SRV for named ports, with the target address in the additional section', async (t) => {
  const { api, port } = await cluster(t);
  const svc = await api.create<Service>('services', service('web', { ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
  const r = await until(port, `_http._tcp.web.default.svc.${Z}`, 'SRV', (x) => x.answers?.length === 1);
  t.deepEqual(dataOf(r, 'SRV'), [{ priority: 0, weight: 100, port: 80, target: `web.default.svc.${Z}` }]);
  t.deepEqual((r.additionals ?? []).filter((a) => a.type === 'A').map((a) => [a.name, (a as { data: string }).data]), [[`web.default.svc.${Z}`, svc.spec.clusterIP]]);
  const udp = await ask(port, `_dns._udp.web.default.svc.${Z}`, 'SRV');
  t.deepEqual(dataOf(udp, 'SRV'), [{ priority: 0, weight: 100, port: 53, target: `web.default.svc.${Z}` }]);
  t.is((await ask(port, `_http._udp.web.default.svc.${Z}`, 'SRV')).rcode, 'NXDOMAIN', 'wrong protocol');
  t.is((await ask(port, `_nope._tcp.web.default.svc.${Z}`, 'SRV')).rcode, 'NXDOMAIN', 'unknown port name');
  // An A question for the port name answers with the service's address.
  t.deepEqual(dataOf(await ask(port, `_http._tcp.web.default.svc.${Z}`, 'A'), 'A'), [svc.spec.clusterIP]);
});

test('dns - headless Service: A records of ready endpoints, hostname and dashed-IP names, SRV per endpoint', async (t) => {
  const { api, port } = await cluster(t);
  await api.create('services', service('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }));
  await api.create(
    'endpoints',
    endpoints('db', [
      {
        addresses: [{ ip: '10.244.0.11', hostname: 'db-0' }, { ip: '10.244.0.12' }],
        notReadyAddresses: [{ ip: '10.244.0.13', hostname: 'db-2' }],
        ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      },
    ]),
  );
  const a = await until(port, `db.default.svc.${Z}`, 'A', (x) => x.answers?.length === 2);
  t.deepEqual(dataOf(a, 'A').sort(), ['10.244.0.11', '10.244.0.12'], 'ready addresses only');
  t.deepEqual(dataOf(await ask(port, `db-0.db.default.svc.${Z}`, 'A'), 'A'), ['10.244.0.11']);
  t.deepEqual(dataOf(await ask(port, `10-244-0-12.db.default.svc.${Z}`, 'A'), 'A'), ['10.244.0.12']);
  t.is((await ask(port, `db-2.db.default.svc.${Z}`, 'A')).rcode, 'NXDOMAIN', 'not-ready endpoints have no name');
  const srv = await ask(port, `_pg._tcp.db.default.svc.${Z}`, 'SRV');
  t.deepEqual(
    dataOf(srv, 'SRV').sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    [
      { priority: 0, weight: 50, port: 5432, target: `10-244-0-12.db.default.svc.${Z}` },
      { priority: 0, weight: 50, port: 5432, target: `db-0.db.default.svc.${Z}` },
    ],
  );
  t.is((srv.additionals ?? []).filter((x) => x.type === 'A').length, 2);
});

test('dns - PTR for cluster IPs and endpoint IPs', async (t) => {
  const { api, port } = await cluster(t);
  const svc = await api.create<Service>('services', service('web', { ports: [{ port: 80 }] }));
  await api.create('services', service('db', { clusterIP: 'None', ports: [{ port: 5432 }] }));
  await api.create('endpoints', endpoints('db', [{ addresses: [{ ip: '10.244.0.11', hostname: 'db-0' }], ports: [{ port: 5432 }] }]));
  const rev = svc.spec.clusterIP!.split('.').reverse().join('.');
  const r = await until(port, `${rev}.in-addr.arpa`, 'PTR', (x) => x.answers?.length === 1);
  t.deepEqual(dataOf(r, 'PTR'), [`web.default.svc.${Z}`]);
  const e = await until(port, '11.0.244.10.in-addr.arpa', 'PTR', (x) => x.answers?.length === 1);
  t.deepEqual(dataOf(e, 'PTR'), [`db-0.db.default.svc.${Z}`]);
  t.is((await ask(port, '9.9.9.10.in-addr.arpa', 'PTR')).rcode, 'REFUSED', 'an unknown address falls through to the upstreams (none here)');
});

test('dns - pod records are answered for pods that exist with that IP in that namespace', async (t) => {
  const { api, port } = await cluster(t);
  const p = await api.create('pods', pod('p1'));
  await api.updateStatus('pods', { ...p, status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] } } as KubeObject);
  const r = await until(port, `10-244-1-5.default.pod.${Z}`, 'A', (x) => x.answers?.length === 1);
  t.deepEqual(dataOf(r, 'A'), ['10.244.1.5']);
  t.is((await ask(port, `10-244-1-6.default.pod.${Z}`, 'A')).rcode, 'NXDOMAIN', 'no such pod');
  t.is((await ask(port, `10-244-1-5.kube-system.pod.${Z}`, 'A')).rcode, 'NXDOMAIN', 'the pod is in another namespace');
  t.is((await ask(port, `not-an-ip.default.pod.${Z}`, 'A')).rcode, 'NXDOMAIN');
});

test('dns - an ExternalName Service is a CNAME', async (t) => {
  const { api, port } = await cluster(t);
  await api.create('services', service('search', { type: 'ExternalName', externalName: 'www.example.org' }));
  const r = await until(port, `search.default.svc.${Z}`, 'A', (x) => x.answers?.length === 1);
  t.deepEqual(r.answers?.map((a) => [a.type, (a as { data: string }).data]), [['CNAME', 'www.example.org']]);
  t.deepEqual(dataOf(await ask(port, `search.default.svc.${Z}`, 'CNAME'), 'CNAME'), ['www.example.org']);
});

test('dns - NXDOMAIN with the zone SOA for missing names; an existing name asked for another type is NOERROR and empty', async (t) => {
  const { api, port } = await cluster(t);
  await api.create('services', service('web', { ports: [{ port: 80 }] }));
  await until(port, `web.default.svc.${Z}`, 'A', (x) => x.answers?.length === 1);
  for (const name of [`nope.default.svc.${Z}`, `web.nons.svc.${Z}`, `x.y.z.web.default.svc.${Z}`, `other.${Z}`, `nons.svc.${Z}`]) {
    const r = await ask(port, name, 'A');
    t.is(r.rcode, 'NXDOMAIN', name);
    t.deepEqual(r.answers, [], name);
    const soa = r.authorities?.[0] as { type: string; name: string; data: { mname: string; rname: string; refresh: number; retry: number; expire: number; minimum: number } };
    t.is(soa?.type, 'SOA', name);
    t.is(soa.name, Z);
    t.like(soa.data, { mname: `ns.dns.${Z}`, rname: `hostmaster.${Z}`, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 });
  }
  for (const [name, type] of [[`web.default.svc.${Z}`, 'AAAA'], [`web.default.svc.${Z}`, 'TXT'], [`default.svc.${Z}`, 'A'], [`svc.${Z}`, 'A']] as const) {
    const r = await ask(port, name, type);
    t.is(r.rcode, 'NOERROR', `${type} ${name}`);
    t.deepEqual(r.answers, [], `${type} ${name}`);
    t.is(r.authorities?.[0]?.type, 'SOA', `${type} ${name}`);
  }
  t.deepEqual(dataOf(await ask(port, `dns-version.${Z}`, 'TXT'), 'TXT'), [[Buffer.from('1.1.0')]]);
  t.is(dataOf(await ask(port, Z, 'SOA'), 'SOA').length, 1);
});

test('dns - changes to Services and Endpoints are answered within the informer delay', async (t) => {
  const { api, port } = await cluster(t);
  await api.create('services', service('db', { clusterIP: 'None', ports: [{ port: 5432 }] }));
  const ep = await api.create<Endpoints>('endpoints', endpoints('db', [{ addresses: [{ ip: '10.244.0.11' }], ports: [{ port: 5432 }] }]));
  await until(port, `db.default.svc.${Z}`, 'A', (x) => dataOf(x, 'A').join() === '10.244.0.11');
  await api.update('endpoints', { ...ep, subsets: [{ addresses: [{ ip: '10.244.0.21' }, { ip: '10.244.0.22' }], ports: [{ port: 5432 }] }] } as KubeObject);
  const r = await until(port, `db.default.svc.${Z}`, 'A', (x) => x.answers?.length === 2);
  t.deepEqual(dataOf(r, 'A').sort(), ['10.244.0.21', '10.244.0.22']);
  await api.delete('services', 'db', { namespace: 'default' });
  await until(port, `db.default.svc.${Z}`, 'A', (x) => x.rcode === 'NXDOMAIN');
  t.pass();
});

test('dns - names outside the zone go to the upstream resolver; without one they are refused', async (t) => {
  const upstream = createSocket('udp4');
  t.teardown(() => upstream.close());
  upstream.on('message', (msg, from) => {
    const q = dnsPacket.decode(msg);
    const reply = dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers: [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '192.0.2.7' }] });
    upstream.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
  const up: Upstream = { host: '127.0.0.1', port: upstream.address().port };
  const { api, port } = await cluster(t, { upstreams: [up] });
  const r = await ask(port, 'www.example.org', 'A');
  t.is(r.rcode, 'NOERROR');
  t.deepEqual(dataOf(r, 'A'), ['192.0.2.7']);
  const overTcp = await ask(port, 'www.example.org', 'A', 'tcp');
  t.deepEqual(dataOf(overTcp, 'A'), ['192.0.2.7']);
  // An ExternalName's target is looked up upstream too, so stub resolvers get an address.
  await api.create('services', service('search', { type: 'ExternalName', externalName: 'www.example.org' }));
  const chased = await until(port, `search.default.svc.${Z}`, 'A', (x) => x.answers?.length === 2);
  t.deepEqual(chased.answers?.map((a) => [a.type, a.name, (a as { data: string }).data]), [
    ['CNAME', `search.default.svc.${Z}`, 'www.example.org'],
    ['A', 'www.example.org', '192.0.2.7'],
  ]);
  const dead = await cluster(t, { upstreams: [] });
  t.is((await ask(dead.port, 'www.example.org', 'A')).rcode, 'REFUSED');
});

test('dns - a large answer is truncated over UDP and whole over TCP', async (t) => {
  const { api, port } = await cluster(t);
  await api.create('services', service('big', { clusterIP: 'None', ports: [{ port: 80 }] }));
  const addresses = Array.from({ length: 20 }, (_, i) => ({ ip: `10.244.3.${i + 1}` }));
  await api.create('endpoints', endpoints('big', [{ addresses, ports: [{ port: 80 }] }]));
  const tcp = await until(port, `big.default.svc.${Z}`, 'A', (x) => x.answers?.length === 20, 'tcp');
  t.is(tcp.answers?.length, 20);
  const udp = await ask(port, `big.default.svc.${Z}`, 'A');
  t.truthy(udp.flag_tc, 'TC set');
  t.deepEqual(udp.answers, []);
  // With EDNS (4096 asked; 1232 used, the DNS flag day 2020 size) the answer fits in UDP.
  const edns = await ask(port, `big.default.svc.${Z}`, 'A', 'udp', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as dnsPacket.Answer] });
  t.falsy(edns.flag_tc);
  t.is(edns.answers?.length, 20);
});

test('dns - malformed queries get FORMERR or are dropped, and the server keeps answering', async (t) => {
  const { api, port } = await cluster(t);
  const garbage = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff]);
  const r = decodeReply(await udpRaw(port, garbage));
  t.is(r.id, 0x1234);
  t.is(r.rcode, 'FORMERR');
  const tr = decodeReply(await tcpRaw(port, garbage));
  t.is(tr.rcode, 'FORMERR');
  await t.throwsAsync(udpRaw(port, Buffer.from([1, 2, 3]), 300), { message: /no UDP reply/ });
  const two = dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'a.b', type: 'A' }, { name: 'c.d', type: 'A' }] });
  t.is(decodeReply(await udpRaw(port, two)).rcode, 'FORMERR');
  await api.create('services', service('web', { ports: [{ port: 80 }] }));
  t.is((await until(port, `web.default.svc.${Z}`, 'A', (x) => x.answers?.length === 1)).rcode, 'NOERROR');
});
