// kube-proxy's planner: the exact rules each case of test/proxy-rules.cases.ts gets (beyond the fixed
// skeleton every table has), and `nft -c` (check mode, in a network namespace of the test's own)
// accepts every ruleset the planner writes.
import test from 'ava';
import { NFT, runNft } from '../actors/proxy/nft.ts';
import { servicePorts } from '../actors/proxy/proxy.ports.ts';
import { deleteTableScript, nameHash, planRules, proxyTableName } from '../actors/proxy/proxy.rules.ts';
import { CASES, type Case } from './proxy-rules.cases.ts';
import { netnsList } from './helpers/netns.ts';
import { slicesOf } from './helpers/slices.ts';
import type { EndpointSlice } from '../api/kinds/endpointslice.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const T = 'ip kubus-proxy-n1';
const plan = (c: Case) =>
  planRules({ table: 'kubus-proxy-n1', ports: servicePorts(c.services, c.endpoints.flatMap(slicesOf)), nodeIPs: ['192.168.5.1', '127.0.0.1'], clusterCIDR: '10.244.0.0/16' });
const SKELETON = new Set(plan({ services: [], endpoints: [] }).split('\n'));
/** Returns the lines a case adds to the skeleton. */
const specific = (c: Case) => plan(c).split('\n').filter((l) => l && !SKELETON.has(l));

const EXPECTED: Record<keyof typeof CASES, string[]> = {
  'ClusterIP with 2 ready endpoints (and 1 not ready)': [
    `add chain ${T} service-DK7ABAZC-ns1/web/tcp/http`,
    `add chain ${T} endpoint-CJPQ5EPY-ns1/web/tcp/http__10.244.0.2/8080`,
    `add chain ${T} endpoint-WAFQ7V3O-ns1/web/tcp/http__10.244.1.3/8080`,
    `add rule ${T} service-DK7ABAZC-ns1/web/tcp/http ip daddr 10.96.0.10 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
    `add rule ${T} service-DK7ABAZC-ns1/web/tcp/http numgen random mod 2 vmap { 0 : goto endpoint-CJPQ5EPY-ns1/web/tcp/http__10.244.0.2/8080 , 1 : goto endpoint-WAFQ7V3O-ns1/web/tcp/http__10.244.1.3/8080 }`,
    `add rule ${T} endpoint-CJPQ5EPY-ns1/web/tcp/http__10.244.0.2/8080 ip saddr 10.244.0.2 jump mark-for-masquerade`,
    `add rule ${T} endpoint-CJPQ5EPY-ns1/web/tcp/http__10.244.0.2/8080 meta l4proto tcp dnat to 10.244.0.2:8080`,
    `add rule ${T} endpoint-WAFQ7V3O-ns1/web/tcp/http__10.244.1.3/8080 ip saddr 10.244.1.3 jump mark-for-masquerade`,
    `add rule ${T} endpoint-WAFQ7V3O-ns1/web/tcp/http__10.244.1.3/8080 meta l4proto tcp dnat to 10.244.1.3:8080`,
    `add element ${T} service-ips { 10.96.0.10 . tcp . 80 : goto service-DK7ABAZC-ns1/web/tcp/http }`,
  ],
  'sessionAffinity ClientIP (default and given timeouts)': [
    `add chain ${T} service-4G4OBLKX-ns1/brief/tcp/`,
    `add chain ${T} endpoint-EUGHUQR2-ns1/brief/tcp/__10.244.0.4/80`,
    `add chain ${T} service-EUMLY6FU-ns1/sticky/tcp/`,
    `add chain ${T} endpoint-EQEVFPZB-ns1/sticky/tcp/__10.244.0.2/80`,
    `add chain ${T} endpoint-J22HBCIC-ns1/sticky/tcp/__10.244.0.3/80`,
    `add set ${T} affinity-EUGHUQR2-ns1/brief/tcp/__10.244.0.4/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }`,
    `add set ${T} affinity-EQEVFPZB-ns1/sticky/tcp/__10.244.0.2/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }`,
    `add set ${T} affinity-J22HBCIC-ns1/sticky/tcp/__10.244.0.3/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }`,
    `add rule ${T} service-4G4OBLKX-ns1/brief/tcp/ ip daddr 10.96.0.12 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
    `add rule ${T} service-4G4OBLKX-ns1/brief/tcp/ ip saddr @affinity-EUGHUQR2-ns1/brief/tcp/__10.244.0.4/80 goto endpoint-EUGHUQR2-ns1/brief/tcp/__10.244.0.4/80`,
    `add rule ${T} service-4G4OBLKX-ns1/brief/tcp/ numgen random mod 1 vmap { 0 : goto endpoint-EUGHUQR2-ns1/brief/tcp/__10.244.0.4/80 }`,
    `add rule ${T} endpoint-EUGHUQR2-ns1/brief/tcp/__10.244.0.4/80 ip saddr 10.244.0.4 jump mark-for-masquerade`,
    `add rule ${T} endpoint-EUGHUQR2-ns1/brief/tcp/__10.244.0.4/80 update @affinity-EUGHUQR2-ns1/brief/tcp/__10.244.0.4/80 { ip saddr }`,
    `add rule ${T} endpoint-EUGHUQR2-ns1/brief/tcp/__10.244.0.4/80 meta l4proto tcp dnat to 10.244.0.4:80`,
    `add rule ${T} service-EUMLY6FU-ns1/sticky/tcp/ ip daddr 10.96.0.11 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
    `add rule ${T} service-EUMLY6FU-ns1/sticky/tcp/ ip saddr @affinity-EQEVFPZB-ns1/sticky/tcp/__10.244.0.2/80 goto endpoint-EQEVFPZB-ns1/sticky/tcp/__10.244.0.2/80`,
    `add rule ${T} service-EUMLY6FU-ns1/sticky/tcp/ ip saddr @affinity-J22HBCIC-ns1/sticky/tcp/__10.244.0.3/80 goto endpoint-J22HBCIC-ns1/sticky/tcp/__10.244.0.3/80`,
    `add rule ${T} service-EUMLY6FU-ns1/sticky/tcp/ numgen random mod 2 vmap { 0 : goto endpoint-EQEVFPZB-ns1/sticky/tcp/__10.244.0.2/80 , 1 : goto endpoint-J22HBCIC-ns1/sticky/tcp/__10.244.0.3/80 }`,
    `add rule ${T} endpoint-EQEVFPZB-ns1/sticky/tcp/__10.244.0.2/80 ip saddr 10.244.0.2 jump mark-for-masquerade`,
    `add rule ${T} endpoint-EQEVFPZB-ns1/sticky/tcp/__10.244.0.2/80 update @affinity-EQEVFPZB-ns1/sticky/tcp/__10.244.0.2/80 { ip saddr }`,
    `add rule ${T} endpoint-EQEVFPZB-ns1/sticky/tcp/__10.244.0.2/80 meta l4proto tcp dnat to 10.244.0.2:80`,
    `add rule ${T} endpoint-J22HBCIC-ns1/sticky/tcp/__10.244.0.3/80 ip saddr 10.244.0.3 jump mark-for-masquerade`,
    `add rule ${T} endpoint-J22HBCIC-ns1/sticky/tcp/__10.244.0.3/80 update @affinity-J22HBCIC-ns1/sticky/tcp/__10.244.0.3/80 { ip saddr }`,
    `add rule ${T} endpoint-J22HBCIC-ns1/sticky/tcp/__10.244.0.3/80 meta l4proto tcp dnat to 10.244.0.3:80`,
    `add element ${T} service-ips { 10.96.0.12 . tcp . 80 : goto service-4G4OBLKX-ns1/brief/tcp/ , 10.96.0.11 . tcp . 80 : goto service-EUMLY6FU-ns1/sticky/tcp/ }`,
  ],
  'NodePort and an external IP': [
    `add chain ${T} service-MR56TIOZ-ns1/np/tcp/http`,
    `add chain ${T} external-MR56TIOZ-ns1/np/tcp/http`,
    `add chain ${T} endpoint-TYCMFFAK-ns1/np/tcp/http__10.244.0.2/8080`,
    `add rule ${T} service-MR56TIOZ-ns1/np/tcp/http ip daddr 10.96.0.13 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
    `add rule ${T} external-MR56TIOZ-ns1/np/tcp/http jump mark-for-masquerade`,
    `add rule ${T} external-MR56TIOZ-ns1/np/tcp/http goto service-MR56TIOZ-ns1/np/tcp/http`,
    `add rule ${T} service-MR56TIOZ-ns1/np/tcp/http numgen random mod 1 vmap { 0 : goto endpoint-TYCMFFAK-ns1/np/tcp/http__10.244.0.2/8080 }`,
    `add rule ${T} endpoint-TYCMFFAK-ns1/np/tcp/http__10.244.0.2/8080 ip saddr 10.244.0.2 jump mark-for-masquerade`,
    `add rule ${T} endpoint-TYCMFFAK-ns1/np/tcp/http__10.244.0.2/8080 meta l4proto tcp dnat to 10.244.0.2:8080`,
    `add element ${T} service-ips { 10.96.0.13 . tcp . 80 : goto service-MR56TIOZ-ns1/np/tcp/http , 192.0.2.9 . tcp . 80 : goto external-MR56TIOZ-ns1/np/tcp/http }`,
    `add element ${T} service-nodeports { tcp . 30080 : goto external-MR56TIOZ-ns1/np/tcp/http }`,
  ],
  'no ready endpoints: rejected (ClusterIP, external IP and NodePort)': [
    `add element ${T} no-endpoint-services { 10.96.0.14 . udp . 53 : goto reject-chain , 192.0.2.9 . udp . 53 : goto reject-chain }`,
    `add element ${T} no-endpoint-nodeports { udp . 30053 : goto reject-chain }`,
  ],
  'named and target ports: each service port takes its own subset port by name and protocol': [
    `add chain ${T} service-DMKQ3AXX-ns1/multi/tcp/http`,
    `add chain ${T} endpoint-EZRTA3T7-ns1/multi/tcp/http__10.244.0.5/8080`,
    `add chain ${T} service-M2UNBNPX-ns1/multi/udp/dns`,
    `add chain ${T} endpoint-6JP4QYDJ-ns1/multi/udp/dns__10.244.0.5/5353`,
    `add rule ${T} service-DMKQ3AXX-ns1/multi/tcp/http ip daddr 10.96.0.20 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
    `add rule ${T} service-DMKQ3AXX-ns1/multi/tcp/http numgen random mod 1 vmap { 0 : goto endpoint-EZRTA3T7-ns1/multi/tcp/http__10.244.0.5/8080 }`,
    `add rule ${T} endpoint-EZRTA3T7-ns1/multi/tcp/http__10.244.0.5/8080 ip saddr 10.244.0.5 jump mark-for-masquerade`,
    `add rule ${T} endpoint-EZRTA3T7-ns1/multi/tcp/http__10.244.0.5/8080 meta l4proto tcp dnat to 10.244.0.5:8080`,
    `add rule ${T} service-M2UNBNPX-ns1/multi/udp/dns ip daddr 10.96.0.20 udp dport 53 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
    `add rule ${T} service-M2UNBNPX-ns1/multi/udp/dns numgen random mod 1 vmap { 0 : goto endpoint-6JP4QYDJ-ns1/multi/udp/dns__10.244.0.5/5353 }`,
    `add rule ${T} endpoint-6JP4QYDJ-ns1/multi/udp/dns__10.244.0.5/5353 ip saddr 10.244.0.5 jump mark-for-masquerade`,
    `add rule ${T} endpoint-6JP4QYDJ-ns1/multi/udp/dns__10.244.0.5/5353 meta l4proto udp dnat to 10.244.0.5:5353`,
    `add element ${T} no-endpoint-services { 10.96.0.20 . tcp . 9090 : goto reject-chain }`,
    `add element ${T} service-ips { 10.96.0.20 . tcp . 80 : goto service-DMKQ3AXX-ns1/multi/tcp/http , 10.96.0.20 . udp . 53 : goto service-M2UNBNPX-ns1/multi/udp/dns }`,
  ],
  'headless and ExternalName Services get no rules': [
  ],
};

for (const [name, c] of Object.entries(CASES)) test(`proxy rules - ${name}`, (t) => t.deepEqual(specific(c), EXPECTED[name]));

test('proxy rules - the skeleton: one transaction replaces the table; hooks and priorities as upstream; NodePorts on the node IPs, never loopback', (t) => {
  const s = plan({ services: [], endpoints: [] });
  t.true(s.startsWith(`add table ${T}\ndelete table ${T}\nadd table ${T} {`));
  for (const line of [
    `add chain ${T} filter-input { type filter hook input priority -110 ; policy accept ; }`,
    `add chain ${T} filter-forward { type filter hook forward priority -110 ; policy accept ; }`,
    `add chain ${T} filter-output { type filter hook output priority -110 ; policy accept ; }`,
    `add chain ${T} nat-prerouting { type nat hook prerouting priority -100 ; policy accept ; }`,
    `add chain ${T} nat-output { type nat hook output priority -100 ; policy accept ; }`,
    `add chain ${T} nat-postrouting { type nat hook postrouting priority 100 ; policy accept ; }`,
    `add rule ${T} filter-output ct state new jump endpoints-check`,
    `add rule ${T} nat-prerouting jump services`,
    `add rule ${T} mark-for-masquerade mark set mark or 0x00004000`,
    `add rule ${T} masquerading mark and 0x00004000 == 0 return`,
    `add rule ${T} masquerading masquerade fully-random`,
    `add rule ${T} reject-chain reject`,
    `add rule ${T} services ip daddr . meta l4proto . th dport vmap @service-ips`,
    `add rule ${T} services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
    `add element ${T} nodeport-ips { 192.168.5.1 }`,
  ])
    t.true(s.split('\n').includes(line), line);
});

test('proxy rules - names: chain hashes as upstream hashAndTruncate, one table per node', (t) => {
  t.is(nameHash('ns1/svc1/tcp/p80'), 'ULMVA6XW'); // upstream's proxier_test expects service-ULMVA6XW-ns1/svc1/tcp/p80
  t.is(proxyTableName('node-1.example'), 'kubus-proxy-node-1.example');
  t.not(proxyTableName('a'), proxyTableName('b'));
});

test('proxy rules - the order of Services and Endpoints does not change the text', (t) => {
  const all: Case = { services: Object.values(CASES).flatMap((c) => c.services), endpoints: Object.values(CASES).flatMap((c) => c.endpoints) };
  const reversed: Case = { services: [...all.services].reverse(), endpoints: [...all.endpoints].reverse() };
  t.is(plan(reversed), plan(all));
});

test('proxy rules - endpoints come from every slice of the service; with none ready, serving terminating ones are used', (t) => {
  const svc = CASES['ClusterIP with 2 ready endpoints (and 1 not ready)']!.services[0]!;
  const slice = (name: string, endpoints: EndpointSlice['endpoints']): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'ns1', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints,
  });
  const targets = (slices: EndpointSlice[]) => servicePorts([svc], slices)[0]!.endpoints.map((e) => e.ip);
  const a = slice('web-a', [{ addresses: ['10.244.0.2'], conditions: { ready: true } }, { addresses: ['10.244.0.3'], conditions: { ready: false, serving: true, terminating: true } }]);
  const b = slice('web-b', [{ addresses: ['10.244.0.4'] }]);
  t.deepEqual(targets([a, b]), ['10.244.0.2', '10.244.0.4'], 'ready (or unset) endpoints of both slices');
  const going = slice('web-a', [
    { addresses: ['10.244.0.3'], conditions: { ready: false, serving: true, terminating: true } },
    { addresses: ['10.244.0.5'], conditions: { ready: false, serving: false, terminating: true } },
  ]);
  t.deepEqual(targets([going]), ['10.244.0.3'], 'no ready endpoint: the serving terminating one');
  t.deepEqual(targets([{ ...b, metadata: { ...b.metadata, labels: {} } }]), [], 'a slice without the service-name label is no endpoint of it');
});

test('proxy rules - nft -c accepts every ruleset; applied in a netns it replaces itself and deletes cleanly', async (t) => {
  const ns = `kpr${process.pid}`;
  await run('ip', ['netns', 'add', ns]);
  t.teardown(() => run('ip', ['netns', 'del', ns]).catch(() => {}));
  const all: Case = { services: Object.values(CASES).flatMap((c) => c.services), endpoints: Object.values(CASES).flatMap((c) => c.endpoints) };
  for (const [name, c] of [...Object.entries(CASES), ['all cases at once', all] as const]) {
    await t.notThrowsAsync(runNft(plan(c), { netns: ns }, { check: true }), name);
  }
  const tables = async () => (await run('ip', ['netns', 'exec', ns, NFT, 'list', 'tables'])).stdout.trim();
  await runNft(plan(all), { netns: ns });
  await runNft(plan(CASES['NodePort and an external IP']!), { netns: ns });
  t.is(await tables(), 'table ip kubus-proxy-n1');
  const maps = (await run('ip', ['netns', 'exec', ns, NFT, 'list', 'map', 'ip', 'kubus-proxy-n1', 'service-ips'])).stdout;
  t.false(maps.includes('10.96.0.10'), 'the second apply replaced the first');
  await runNft(deleteTableScript('kubus-proxy-n1'), { netns: ns });
  await runNft(deleteTableScript('kubus-proxy-n1'), { netns: ns }); // already gone: still fine
  t.is(await tables(), '');
  const err = await t.throwsAsync(runNft('add rule ip nowhere nochain accept\n', { netns: ns }));
  t.is(err?.name, 'NftError');
  t.true((await netnsList()).includes(ns));
});
