// The cluster DNS's own bus identity on a locked bus (it shared the gateway's, which passes on any user,
// so it could do anything): `dns` is kube-system/coredns, bound to system:coredns (upstream's reads,
// plus its addon's Service, Endpoints and Leases). The DNS runs under it (answers names, keeps its
// addon), and its credentials cannot do what the gateway's can.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/meta.ts';
import { DNS_CLUSTER_IP } from '../actors/dns/dns.addon.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { silentLogger } from '../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import type { ControlPlane } from '../runtime/control-plane.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { startLockedControlPlane } from '../runtime/up-locked.ts';
import { ask, dataOf } from './helpers/dns.ts';
import { waitFor } from './helpers/wait.ts';

const home = mkdtempSync(join(tmpdir(), 'kubus-dns-identity-'));
let nats: NatsServer;
let cp: ControlPlane;
const clients: ApiClient[] = [];

test.before(async () => {
  nats = await startNatsServer({ config: lockedConfig(clusterIdentities([]), [], home) });
  cp = await startLockedControlPlane({ nats: nats.url, log: silentLogger, leaderElect: false, clusterLogs: false, dnsAddress: '127.0.0.1:0', actors: ['apiserver', 'dns'] }, home);
});
test.after.always(async () => {
  for (const c of clients) await c.bus.close();
  await cp?.stop();
  await nats?.stop('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

async function as(identity: string): Promise<ApiClient> {
  const c = new ApiClient(await NatsBus.connect({ servers: nats.url, name: `test/${identity}`, log: silentLogger, credentials: ensureCredentials(identity, home) }));
  clients.push(c);
  return c;
}

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }) as unknown as KubeObject;

test.serial('dns identity - the DNS runs as kube-system/coredns: it answers service names and keeps its kube-dns addon', async (t) => {
  const port = Number(cp.dnsAddress!.split(':').pop());
  const reply = await waitFor(async () => {
    const r = await ask(port, 'kube-dns.kube-system.svc.cluster.local', 'A');
    return dataOf(r, 'A').length ? r : undefined;
  }, 'kube-dns answered from its own informers', 20_000, 200);
  t.deepEqual(dataOf(reply, 'A'), [DNS_CLUSTER_IP]);
  const admin = await as('admin');
  const ep = await waitFor(async () => (await admin.get<KubeObject & { subsets?: Array<{ ports?: Array<{ port: number }> }> }>('endpoints', 'kube-dns', { namespace: 'kube-system' }).catch(() => undefined)) ?? undefined, 'the kube-dns Endpoints', 20_000, 200);
  t.true(ep.subsets?.some((s) => s.ports?.some((p) => p.port === port)), 'the Endpoints point at this DNS server');
});

test.serial('dns identity - its credentials cannot do what the gateway’s can: no pods, no secrets, no other Service', async (t) => {
  const dns = await as('dns');
  const gateway = await as('gateway');
  const user = 'system:serviceaccount:kube-system:coredns';
  await t.throwsAsync(dns.create('pods', pod('from-dns'), { namespace: 'default' }), { message: `pods is forbidden: User "${user}" cannot create resource "pods" in API group "" in the namespace "default"` });
  await t.throwsAsync(dns.list('secrets', { namespace: 'kube-system' }), { message: new RegExp(`User "${user}" cannot list resource "secrets"`) });
  await t.throwsAsync(dns.delete('services', 'kubernetes', { namespace: 'default' }), { message: new RegExp(`User "${user}" cannot delete resource "services"`) });
  await t.throwsAsync(dns.as({ username: 'kubus-admin', groups: ['system:masters'] }).create('pods', pod('claimed'), { namespace: 'default' }), { message: /cannot impersonate resource "users"/ });
  // What it needs, it has: upstream's system:coredns reads.
  for (const r of ['services', 'pods', 'namespaces', 'endpointslices']) t.truthy(await dns.list(r), r);
  // The gateway passes on its callers (here none: trusted), so the same pod goes through (with the
  // namespace's default account, which no controller manager made here).
  await t.throwsAsync(dns.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } } as never, { namespace: 'default' }), { message: /cannot create resource "serviceaccounts"/ });
  await gateway.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } } as never, { namespace: 'default' });
  t.is((await gateway.create('pods', pod('from-gateway'), { namespace: 'default' })).metadata.name, 'from-gateway');
});

const lease = (name: string, namespace: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: { holderIdentity: 'x' } }) as unknown as KubeObject;

test.serial('dns identity - its writes are kube-system only (a Role there): no Service elsewhere, no node Lease, no cluster-wide Lease rule', async (t) => {
  const dns = await as('dns');
  const admin = await as('admin');
  const user = 'system:serviceaccount:kube-system:coredns';
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'from-dns', namespace: 'default' }, spec: { ports: [{ port: 53 }] } } as unknown as KubeObject;
  await t.throwsAsync(dns.create('services', svc, { namespace: 'default' }), { message: new RegExp(`User "${user}" cannot create resource "services" in API group "" in the namespace "default"`) });
  await t.throwsAsync(dns.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'x', namespace: 'default' } } as unknown as KubeObject, { namespace: 'default' }), { message: /cannot create resource "endpoints"/ });
  const nodeLease = await admin.create('leases', lease('n1', 'kube-node-lease'), { namespace: 'kube-node-lease' });
  await t.throwsAsync(dns.update('leases', { ...nodeLease, spec: { holderIdentity: 'dns' } }), { message: new RegExp(`User "${user}" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease"`) });
  await t.throwsAsync(dns.delete('leases', 'n1', { namespace: 'kube-node-lease' }), { message: /cannot delete resource "leases"/ });
  await t.throwsAsync(dns.create('leases', lease('other', 'default'), { namespace: 'default' }), { message: /cannot create resource "leases"/ });
  // The grant is a Role and RoleBinding in kube-system; the ClusterRole keeps upstream's reads and events.
  const role = await admin.get<KubeObject & { rules: Array<{ resources?: string[]; verbs: string[] }> }>('clusterroles', 'system:coredns');
  t.false(role.rules.some((r) => r.verbs.some((v) => !['list', 'watch', 'create', 'patch', 'update'].includes(v)) || (r.resources?.includes('leases') ?? false)), JSON.stringify(role.rules));
  t.truthy(await admin.get('rolebindings', 'system:coredns:addon', { namespace: 'kube-system' }));
  // It still writes its own: the kube-dns Service stays its (update by name) and its Lease renews.
  const own = await dns.get<KubeObject>('services', 'kube-dns', { namespace: 'kube-system' });
  t.is((await dns.update('services', own)).metadata.name, 'kube-dns');
  t.true((await dns.list('leases', { namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items.length >= 1);
});
