// The kubelet's pod DNS config by dnsPolicy (upstream pkg/kubelet/network/dns): ClusterFirst,
// Default, None, ClusterFirstWithHostNet, dnsConfig merged, resolv.conf limits. Pure.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import { formatResolvConf, parseResolvConf, podDnsConfig, podDnsConfigs } from '../actors/kubelet/dns-config.ts';
import { waitFor } from './helpers/wait.ts';

const HOST = parseResolvConf('# host\nnameserver 192.168.1.1\nnameserver 192.168.1.2 ; second\nsearch corp.example. lab.example .\noptions timeout:2 rotate\n');

const pod = (spec: Record<string, unknown> = {}, ns = 'shop'): Pod =>
  ({ metadata: { name: 'p', namespace: ns, uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } }) as Pod;

test('dns-config - the host resolv.conf is parsed as upstream: trailing dots dropped, options merged', (t) => {
  t.deepEqual(HOST, { servers: ['192.168.1.1', '192.168.1.2'], searches: ['corp.example', 'lab.example'], options: ['timeout:2', 'rotate'] });
});

test('dns-config - ClusterFirst: cluster DNS, the namespace search path before the host one, ndots:5', (t) => {
  const { config, warnings } = podDnsConfig(pod(), { host: HOST });
  t.deepEqual(config, {
    servers: ['10.96.0.10'],
    searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'],
    options: ['ndots:5'],
  });
  t.deepEqual(warnings, []);
  t.is(formatResolvConf(config), 'nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\noptions ndots:5\n');
});

test('dns-config - Default, and ClusterFirst on the host network, use the node resolv.conf', (t) => {
  t.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default' }), { host: HOST }).config, HOST);
  t.deepEqual(podDnsConfig(pod({ dnsPolicy: 'ClusterFirst', hostNetwork: true }), { host: HOST }).config, HOST);
  t.is(podDnsConfig(pod({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }), { host: HOST }).config.servers[0], '10.96.0.10');
  // --resolv-conf="": the local resolver, searching nothing.
  t.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default' }), { nodeIPs: ['10.0.0.2'] }).config, { servers: ['127.0.0.1'], searches: ['.'], options: [] });
});

test('dns-config - None takes dnsConfig alone; dnsConfig merges into the others, its options winning', (t) => {
  const dnsConfig = { nameservers: ['1.1.1.1'], searches: ['my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] };
  t.deepEqual(podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig }), { host: HOST }).config, { servers: ['1.1.1.1'], searches: ['my.dns.search.suffix'], options: ['ndots:2', 'edns0'] });
  t.deepEqual(podDnsConfig(pod({ dnsConfig }), { host: HOST, clusterDNS: ['10.96.0.10'], clusterDomain: 'kubus.test' }).config, {
    servers: ['10.96.0.10', '1.1.1.1'],
    searches: ['shop.svc.kubus.test', 'svc.kubus.test', 'kubus.test', 'corp.example', 'lab.example', 'my.dns.search.suffix'],
    options: ['ndots:2', 'edns0'],
  });
});

test('dns-config - limits: 3 nameservers, 32 search paths, 2048 characters, with a DNSConfigForming event', (t) => {
  const many = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'], searches: Array.from({ length: 40 }, (_, i) => `s${i}.example`) } });
  const { config, warnings } = podDnsConfig(many);
  t.deepEqual(config.servers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
  t.is(config.searches.length, 32);
  t.deepEqual(warnings.map((w) => w.reason), ['DNSConfigForming', 'DNSConfigForming']);
  t.is(warnings[0].message, 'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3');
  t.regex(warnings[1].message, /^Search Line limits were exceeded, some search paths have been omitted, the applied search line is: s0\.example s1\.example/);
  const long = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(50)}.${'x'.repeat(200)}`);
  const cut = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: long } })).config.searches;
  t.true(cut.join(' ').length <= 2048);
  t.is(cut.length, 8);
});

test('dns-config - ClusterFirst without a cluster DNS falls back to Default with MissingClusterDNS events', (t) => {
  const { config, warnings } = podDnsConfig(pod(), { clusterDNS: [], host: HOST });
  t.deepEqual(config, HOST);
  t.deepEqual(warnings.map((w) => [w.reason, !!w.onNode]), [['MissingClusterDNS', true], ['MissingClusterDNS', false]]);
  t.is(warnings[1].message, 'pod: "p_shop(u1)". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.');
});

test('dns-config - the kubelet hands RunPodSandbox the pod DNS config (pod effects)', async (t) => {
  const { PodEffects } = await import('../actors/kubelet/pod-effects.ts');
  const { VirtualClock } = await import('../bus/clock.ts');
  const { silentLogger } = await import('../bus/types.ts');
  let seen: unknown;
  const runtime = { runPodSandbox: async (s: unknown) => ((seen = s), { id: 'sb', ip: '10.244.0.5' }) };
  const effects = new PodEffects({ runtime: runtime as never, status: {} as never, clock: new VirtualClock(0), log: silentLogger, dns: (p) => podDnsConfig(p, { host: HOST }) });
  const events: unknown[] = [];
  const self = { send: (e: unknown) => events.push(e), getSnapshot: () => ({ status: 'active' }) };
  effects.run({ type: 'sandbox.run', sandbox: { podUid: 'u1', name: 'p', namespace: 'shop', annotations: {}, labels: {} } }, pod(), self);
  await waitFor(() => events.length > 0, 'sandbox.ready');
  t.like(seen, { name: 'p', dnsConfig: { servers: ['10.96.0.10'], options: ['ndots:5'] } });
  t.like(events[0], { type: 'sandbox.ready', id: 'sb' });
});

test('dns-config - podDnsConfigs remembers a config per namespace, policy and host network, frozen; not with a dnsConfig or a warning', (t) => {
  const dns = podDnsConfigs({ host: HOST });
  const cases = [pod(), pod({}, 'other'), pod({ dnsPolicy: 'Default' }), pod({ hostNetwork: true }), pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'] } })];
  for (const p of cases) t.deepEqual(dns(p), podDnsConfig(p, { host: HOST }), `${p.metadata.namespace} ${JSON.stringify(p.spec)}`);
  t.is(dns(pod()).config, dns({ ...pod(), metadata: { name: 'q', namespace: 'shop', uid: 'u2' } } as Pod).config, 'one config per namespace and policy');
  t.not(dns(pod()).config, dns(pod({}, 'other')).config);
  t.throws(() => dns(pod()).config.searches.push('x.example'), { instanceOf: TypeError }, 'a shared config is frozen');
  t.true(Object.isFrozen(dns(pod()).config));
  t.not(dns(pod({ dnsPolicy: 'Default' })).config, dns(pod({ hostNetwork: true, dnsPolicy: 'Default' })).config);
  const own = pod({ dnsConfig: { searches: ['x.example'] } });
  t.not(dns(own).config, dns(own).config, 'a pod with a dnsConfig of its own is formed each time');
  const noCluster = podDnsConfigs({ clusterDNS: [], host: HOST });
  const [a, b] = [noCluster(pod()), noCluster({ ...pod(), metadata: { name: 'q', namespace: 'shop', uid: 'u2' } } as Pod)];
  t.true(a.warnings.length > 0);
  t.not(a.warnings[1].message, b.warnings[1].message, 'warnings name their pod: not remembered');
});
