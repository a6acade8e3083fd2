// Batches on the locked bus: a node's connection may send one (`kubus.api.leases.batch.<its token>`
// falls under the publish permission its lone requests had), and every item is the node's own request:
// its user comes from the bus identity (a claimed other user is refused as impersonation, for that
// item only), the node authorizer judges each item, and each item is audited on its own.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEvent } from '../api/audit-event.ts';
import type { Lease } from '../api/kinds/lease.ts';
import type { KubeObject } from '../api/meta.ts';
import { coalescer, gathered } from '../bus/batch-client.ts';
import { ApiClient } from '../bus/client.ts';
import { runAsRoot } from '../bus/trace.ts';
import { statusOf } from './helpers/api.ts';
import { lockedBus } from './helpers/locked-bus.ts';
import { waitFor } from './helpers/wait.ts';

const locked = lockedBus({ nodes: ['n1', 'n2'], prefix: 'kubus-batch-locked-', controlPlane: (home) => ({ audit: { auditLog: join(home, 'audit.log') } }) });
const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } }) as KubeObject;
const renewed = (l: Lease, at: string): Lease => ({ ...l, spec: { ...l.spec, renewTime: at } });

test('api batch locked - a node\'s batch: its own renewal passes; another node\'s lease and a claimed user are refused item by item, each audited', async (t) => {
  const admin = new ApiClient(await locked.connect(t, 'admin'));
  const leases: Record<string, Lease> = {};
  for (const n of ['n1', 'n2']) {
    await admin.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n } } as KubeObject);
    leases[n] = await admin.create<Lease>('leases', lease(n));
  }
  const bus = await locked.connect(t, 'node/n1');
  const c = coalescer(bus, 'leases', 'update', 5000);
  const n1 = new ApiClient(bus, { coalesce: c });
  const claiming = n1.as({ username: 'system:node:n2', groups: ['system:nodes'] });
  const [own, other, claimed] = gathered(() => [
    runAsRoot('kubelet/n1', () => n1.update<Lease>('leases', renewed(leases.n1, '2026-01-01T00:00:01.000000Z'))),
    n1.update<Lease>('leases', renewed(leases.n2, '2026-01-01T00:00:01.000000Z')),
    claiming.update<Lease>('leases', renewed(leases.n2, '2026-01-01T00:00:02.000000Z')),
  ]);
  t.is(c.stats.batches, 1);
  t.is((await own).spec?.renewTime, '2026-01-01T00:00:01.000000Z');
  const o = await statusOf(other);
  t.is(o.code, 403);
  t.regex(o.message, /User "system:node:n1" cannot update resource "leases".*can only access node lease with the same name as the requesting node/);
  const i = await statusOf(claimed);
  t.is(i.code, 403);
  t.regex(i.message, /User "system:node:n1" cannot impersonate resource "users"/);
  t.is((await admin.get<Lease>('leases', 'n2', { namespace: 'kube-node-lease' })).metadata.resourceVersion, leases.n2.metadata.resourceVersion, 'n2\'s lease untouched');

  const log = join(locked.home, 'audit.log');
  const events = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent) : []);
  const done = (name: string, code: number) => events().filter((e) => e.stage === 'ResponseComplete' && e.verb === 'update' && e.objectRef?.resource === 'leases' && e.objectRef?.name === name && e.user.username === 'system:node:n1' && e.responseStatus?.code === code);
  await waitFor(() => done('n1', 200).length && done('n2', 403).length === 2, 'three audited items', 10_000);
  t.is(done('n1', 200).length, 1);
  t.is(done('n1', 200)[0].userAgent, 'kubus-bus (kubelet/n1)', 'the item\'s own sender, as its lone request\'s header named it');
  const impersonation = done('n2', 403).find((e) => e.impersonatedUser?.username === 'system:node:n2');
  t.truthy(impersonation, 'the claimed user is in the refused item\'s event');
});
