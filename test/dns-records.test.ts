// The cluster DNS resolver as a pure function: questions against a fixed view of the caches, as
// tables of cases (what CoreDNS's kubernetes plugin answers for each).
import test from 'ava';
import * as dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';
import fc from 'fast-check';
import type { Endpoints } from '../api/kinds/endpoints.ts';
import type { Lease } from '../api/kinds/lease.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { Service } from '../api/kinds/service.ts';
import { parseName } from '../actors/dns/dns.names.ts';
import { resolve, type DnsView, type Resolution } from '../actors/dns/dns.records.ts';
import { slicesOf } from './helpers/slices.ts';
import { planAddon, desiredEndpoints, desiredService, desiredSubsets } from '../actors/dns/dns.addon.ts';
import { livePeers, peerLeaseName } from '../actors/dns/dns.peers.ts';
import { parseResolvConf } from '../actors/dns/dns.forward.ts';
import { queryHandler } from '../actors/dns/dns.handler.ts';
import { realClock } from '../bus/clock.ts';
import { silentLogger } from '../bus/types.ts';

const Z = 'cluster.local';
const svc = (name: string, spec: Service['spec'], namespace = 'default') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec }) as Service;
const eps = (name: string, subsets: Endpoints['subsets'], namespace = 'default') => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace }, subsets }) as Endpoints;

const services = [
  svc('web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }] }),
  svc('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }),
  svc('empty', { clusterIP: 'None', ports: [{ port: 80 }] }),
  svc('search', { type: 'ExternalName', externalName: 'www.example.org.', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
];
const endpoints = [
  eps('db', [{ addresses: [{ ip: '10.244.0.11', hostname: 'db-0' }, { ip: '10.244.0.12' }, { ip: '10.244.0.13', hostname: 'db-2' }], notReadyAddresses: [{ ip: '10.244.0.14' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }]),
  eps('web', [{ addresses: [{ ip: '10.244.1.1' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]),
];
const pods = [{ metadata: { name: 'p', namespace: 'default' }, status: { podIP: '10.244.2.2' } } as unknown as Pod];

// The resolver reads EndpointSlices: those the mirroring controller makes of these Endpoints.
const slices = endpoints.flatMap(slicesOf);
const view: DnsView = {
  service: (ns, name) => services.find((s) => s.metadata.namespace === ns && s.metadata.name === name),
  endpointSlices: (ns, name) => slices.filter((s) => s.metadata.namespace === ns && s.metadata.labels?.['kubernetes.io/service-name'] === name),
  namespaceExists: (ns) => ['default', 'kube-system'].includes(ns),
  servicesWithIP: (ip) => services.filter((s) => s.spec.clusterIP === ip),
  slicesWithIP: (ip) => slices.filter((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready !== false && e.addresses.includes(ip))),
  podsWithIP: (ip) => pods.filter((p) => p.status?.podIP === ip),
};
const ask = (name: string, type: string): Resolution => resolve({ name, type }, view, { zone: Z, ttl: 30, serial: 1700000000, nameserverIP: '10.96.0.10' });
/** Returns `rcode type:data …` of the answers, sorted: a compact line to compare. */
function summary(r: Resolution): string {
  if (r.forward) return 'forward';
  const data = (a: Answer) => {
    const d = (a as { data: unknown }).data;
    if (typeof d === 'object' && d && 'mname' in d) return String(d.mname);
    if (typeof d !== 'object' || !d || !('target' in d)) return String(d);
    const srv = d as { priority: number; weight: number; port: number; target: string };
    return `${srv.priority}/${srv.weight}/${srv.port}/${srv.target}`;
  };
  const answers = r.answers.map((a) => `${a.type}:${data(a)}`).sort();
  return [r.rcode, ...answers, ...(r.authorities.length ? [`auth:${r.authorities.map((a) => a.type).join(',')}`] : [])].join(' ');
}

const cases: Array<[string, string, string]> = [
  [`web.default.svc.${Z}`, 'A', 'NOERROR A:10.96.0.20'],
  [`web.default.svc.${Z}.`, 'A', 'NOERROR A:10.96.0.20'],
  [`web.default.svc.${Z}`, 'AAAA', 'NOERROR auth:SOA'],
  [`web.default.svc.${Z}`, 'SRV', `NOERROR SRV:0/50/80/web.default.svc.${Z} SRV:0/50/9090/web.default.svc.${Z}`],
  [`_http._tcp.web.default.svc.${Z}`, 'SRV', `NOERROR SRV:0/100/80/web.default.svc.${Z}`],
  [`_http._tcp.web.default.svc.${Z}`, 'A', 'NOERROR A:10.96.0.20'],
  [`_http._udp.web.default.svc.${Z}`, 'SRV', 'NXDOMAIN auth:SOA'],
  [`10-244-1-1.web.default.svc.${Z}`, 'A', 'NOERROR A:10.244.1.1'],
  [`db.default.svc.${Z}`, 'A', 'NOERROR A:10.244.0.11 A:10.244.0.12 A:10.244.0.13'],
  [`db-0.db.default.svc.${Z}`, 'A', 'NOERROR A:10.244.0.11'],
  [`10-244-0-12.db.default.svc.${Z}`, 'A', 'NOERROR A:10.244.0.12'],
  [`10-244-0-14.db.default.svc.${Z}`, 'A', 'NXDOMAIN auth:SOA'],
  [`_pg._tcp.db.default.svc.${Z}`, 'SRV', `NOERROR SRV:0/33/5432/10-244-0-12.db.default.svc.${Z} SRV:0/33/5432/db-0.db.default.svc.${Z} SRV:0/33/5432/db-2.db.default.svc.${Z}`],
  [`empty.default.svc.${Z}`, 'A', 'NOERROR auth:SOA'],
  [`search.default.svc.${Z}`, 'A', 'NOERROR CNAME:www.example.org'],
  [`search.default.svc.${Z}`, 'TXT', 'NOERROR auth:SOA'],
  [`_https._tcp.search.default.svc.${Z}`, 'SRV', 'NOERROR SRV:0/100/443/www.example.org'],
  [`10-244-2-2.default.pod.${Z}`, 'A', 'NOERROR A:10.244.2.2'],
  [`10-244-2-2.kube-system.pod.${Z}`, 'A', 'NXDOMAIN auth:SOA'],
  [`10-244-2-3.default.pod.${Z}`, 'A', 'NXDOMAIN auth:SOA'],
  [`nope.default.svc.${Z}`, 'A', 'NXDOMAIN auth:SOA'],
  [`web.nons.svc.${Z}`, 'A', 'NXDOMAIN auth:SOA'],
  [`default.svc.${Z}`, 'A', 'NOERROR auth:SOA'],
  [`nons.svc.${Z}`, 'A', 'NXDOMAIN auth:SOA'],
  [`svc.${Z}`, 'A', 'NOERROR auth:SOA'],
  [`foo.${Z}`, 'A', 'NXDOMAIN auth:SOA'],
  [Z, 'NS', `NOERROR NS:ns.dns.${Z}`],
  [Z, 'SOA', `NOERROR SOA:ns.dns.${Z}`],
  [`ns.dns.${Z}`, 'A', 'NOERROR A:10.96.0.10'],
  [`dns-version.${Z}`, 'TXT', 'NOERROR TXT:1.1.0'],
  ['20.0.96.10.in-addr.arpa', 'PTR', `NOERROR PTR:web.default.svc.${Z}`],
  ['11.0.244.10.in-addr.arpa', 'PTR', `NOERROR PTR:db-0.db.default.svc.${Z}`],
  ['12.0.244.10.in-addr.arpa', 'PTR', `NOERROR PTR:10-244-0-12.db.default.svc.${Z}`],
  ['1.1.1.1.in-addr.arpa', 'PTR', 'forward'],
  ['www.example.org', 'A', 'forward'],
];

for (const [name, type, want] of cases) test(`dns records - ${type} ${name}`, (t) => t.is(summary(ask(name, type)), want));

test('dns records - negative answers carry the zone SOA as CoreDNS writes it', (t) => {
  const r = ask(`nope.default.svc.${Z}`, 'A');
  if (r.forward) return t.fail();
  t.deepEqual(r.authorities, [
    { name: Z, type: 'SOA', ttl: 30, class: 'IN', data: { mname: `ns.dns.${Z}`, rname: `hostmaster.${Z}`, serial: 1700000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 } },
  ]);
});

test('dns records - SRV answers carry the targets addresses in the additional section', (t) => {
  const r = ask(`_pg._tcp.db.default.svc.${Z}`, 'SRV');
  if (r.forward) return t.fail();
  t.deepEqual(r.additionals.map((a) => `${a.name} ${(a as { data: string }).data}`).sort(), [
    `10-244-0-12.db.default.svc.${Z} 10.244.0.12`,
    `db-0.db.default.svc.${Z} 10.244.0.11`,
    `db-2.db.default.svc.${Z} 10.244.0.13`,
  ]);
});

test('dns records - names parse as the plugin reads them', (t) => {
  t.deepEqual(parseName(`a.b.svc.${Z}`, Z), { kind: 'service', namespace: 'b', service: 'a' });
  t.deepEqual(parseName(`_p._udp.a.b.svc.${Z}`, Z), { kind: 'service', namespace: 'b', service: 'a', port: 'p', protocol: 'udp' });
  t.deepEqual(parseName(`h.a.b.svc.${Z}`, Z), { kind: 'service', namespace: 'b', service: 'a', endpoint: 'h' });
  t.deepEqual(parseName(`1-2-3-4.b.pod.${Z}`, Z), { kind: 'pod', namespace: 'b', ip: '1.2.3.4' });
  t.deepEqual(parseName(`1-2-3-400.b.pod.${Z}`, Z), { kind: 'none' });
  t.deepEqual(parseName(`a.b.c.d.e.f.svc.${Z}`, Z), { kind: 'none' });
});

test('dns records - the addon plan creates, repairs, and then leaves alone', (t) => {
  const at = [{ ip: '192.0.2.5', port: 10053 }];
  t.deepEqual(planAddon(at, undefined, undefined).map((s) => `${s.verb} ${s.resource}`), ['create services', 'create endpoints']);
  const svcNow = desiredService();
  const epNow = desiredEndpoints(at);
  t.deepEqual(planAddon(at, svcNow, epNow), []);
  const moved = planAddon([{ ...at[0], port: 10054 }], svcNow, epNow);
  t.deepEqual(moved.map((s) => `${s.verb} ${s.resource}`), ['update endpoints'], 'the Service stays: its targetPort is 53 whatever the servers listen on');
  const selected = planAddon(at, { ...svcNow, spec: { ...svcNow.spec, selector: { 'k8s-app': 'kube-dns' } } }, epNow);
  t.deepEqual(selected.map((s) => `${s.verb} ${s.resource}`), ['update services'], 'a selector would let the endpoints controller empty our Endpoints');
  t.false('selector' in (selected[0].object as Service).spec);
});

test('dns records - several servers: one Endpoints subset per port, addresses sorted', (t) => {
  const subsets = desiredSubsets([
    { ip: '192.0.2.9', port: 53 },
    { ip: '192.0.2.5', port: 10053 },
    { ip: '192.0.2.1', port: 53 },
  ]);
  t.deepEqual(
    subsets.map((s) => [s.addresses?.map((a) => a.ip), s.ports?.map((p) => `${p.name}/${p.port}/${p.protocol}`)]),
    [
      [['192.0.2.1', '192.0.2.9'], ['dns/53/UDP', 'dns-tcp/53/TCP']],
      [['192.0.2.5'], ['dns/10053/UDP', 'dns-tcp/10053/TCP']],
    ],
  );
  t.deepEqual(desiredSubsets([]), []);
});

test('dns peers - live Leases name the servers; run-out and malformed ones are expired', (t) => {
  const now = Date.UTC(2026, 0, 1, 0, 1, 0);
  const lease = (name: string, holder: string, renewedAgoS: number, durationS = 30) =>
    ({ metadata: { name, namespace: 'kube-system' }, spec: { holderIdentity: holder, leaseDurationSeconds: durationS, renewTime: new Date(now - renewedAgoS * 1000).toISOString() } }) as Lease;
  const { live, expired } = livePeers(
    [lease('a', '192.0.2.9:53', 5), lease('b', '[2001:db8::1]:53', 29), lease('c', '192.0.2.1:10053', 31), lease('d', 'nonsense', 1), lease('e', '192.0.2.2:53', 0)],
    now,
  );
  t.deepEqual(live, [
    { ip: '192.0.2.2', port: 53 },
    { ip: '192.0.2.9', port: 53 },
    { ip: '2001:db8::1', port: 53 },
  ]);
  t.deepEqual(expired.map((l) => l.metadata.name), ['c', 'd']);
  t.is(peerLeaseName({ ip: '192.0.2.9', port: 53 }), 'kube-dns-192-0-2-9-53');
});

test('dns handler - random bytes and mangled queries get an error reply or none, never a throw', async (t) => {
  const { handle, stats } = queryHandler({ view, zone: Z, ttl: 30, serial: () => 1, upstreams: () => [], clock: realClock, log: silentLogger });
  const valid = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: `web.default.svc.${Z}`, type: 'A' }] });
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.nat(valid.length), async (bytes, cut) => {
      for (const input of [Buffer.from(bytes), valid.subarray(0, cut), Buffer.concat([valid, Buffer.from(bytes)])]) {
        const reply = await handle(input, 'udp');
        if (reply) t.true(dnsPacket.decode(reply).type === 'response');
      }
    }),
    { numRuns: 300 },
  );
  t.true(stats.queries >= 900);
});

test('dns forward - upstreams are the nameservers of resolv.conf, in order, without our own addresses', (t) => {
  const conf = '# generated\nsearch example.org\nnameserver 192.0.2.53\nnameserver not-an-ip\n  nameserver 10.96.0.10\nnameserver 2001:db8::53\noptions ndots:2\n';
  t.deepEqual(parseResolvConf(conf, [{ host: '10.96.0.10', port: 53 }]), [
    { host: '192.0.2.53', port: 53 },
    { host: '2001:db8::53', port: 53 },
  ]);
  t.deepEqual(parseResolvConf(''), []);
});
