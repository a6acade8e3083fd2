// Issue 15's abuse cases over the real locked bus: a client holding node n1's bus credentials (so the
// API server knows it as system:node:n1, whatever it claims) reads its own pod's secret but not another
// node's pod's, and cannot delete another node's pod; upstream's texts. A real nats-server with the
// configuration kubus generates, started and stopped here. The API server audits (--audit-log, every
// request at Metadata): each denial is in the log with the node's user, its object and the decision.
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../api/audit-event.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { silentLogger } from '../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import { startControlPlane, type ControlPlane } from '../runtime/control-plane.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { waitFor } from './helpers/wait.ts';

const home = mkdtempSync(join(tmpdir(), 'kubus-nodeauthz-bus-'));
const auditLog = join(home, 'audit.log');
let nats: NatsServer;
let cp: ControlPlane;

test.before(async () => {
  nats = await startNatsServer({ config: lockedConfig(clusterIdentities(['n1', 'n2']), [], home) });
  cp = await startControlPlane({ nats: nats.url, actors: ['apiserver'], log: silentLogger, credentials: ensureCredentials('apiserver', home), audit: { auditLog } });
});

test.after.always(async () => {
  await cp?.stop();
  await nats?.stop('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

async function client(t: ExecutionContext, identity: string): Promise<ApiClient> {
  const bus = await NatsBus.connect({ servers: nats.url, name: `test/${identity}`, log: silentLogger, credentials: ensureCredentials(identity, home) });
  t.teardown(() => bus.close());
  return new ApiClient(bus);
}

const obj = (kind: string, name: string, more: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'default' }, ...more }) as KubeObject;

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof StatusError)) throw new Error(`expected a Status error, got ${String(err)}`);
  return err;
}

test('node authz bus - with n1\'s bus credentials: its pod\'s secret yes; n2\'s pod\'s secret and pod no (upstream texts); its own pod deleted', async (t) => {
  const admin = await client(t, 'admin');
  for (const n of ['n1', 'n2']) await admin.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n } } as KubeObject);
  // ServiceAccount admission wants the default account; no controller manager runs here to make it.
  await admin.create('serviceaccounts', obj('ServiceAccount', 'default'));
  for (const [s, node] of [['s1', 'n1'], ['s2', 'n2']]) {
    await admin.create('secrets', obj('Secret', s, { data: { k: Buffer.from(s).toString('base64') } }));
    await admin.create('pods', obj('Pod', `p-${node}`, { spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 's', secret: { secretName: s } }] } }));
  }
  // The node's client claims nothing: the bus identity is its user.
  const n1 = await client(t, 'node/n1');
  t.is((await n1.get<KubeObject & { data: { k: string } }>('secrets', 's1', { namespace: 'default' })).data.k, Buffer.from('s1').toString('base64'));
  const secret = await refusal(n1.get('secrets', 's2', { namespace: 'default' }));
  t.is(secret.code, 403);
  t.is(secret.message, 'secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object');
  const del = await refusal(n1.delete('pods', 'p-n2', { namespace: 'default' }));
  t.is(del.message, 'pods "p-n2" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
  t.is((await refusal(n1.list('pods'))).code, 403, 'no list of every node\'s pods');
  await n1.delete('pods', 'p-n1', { namespace: 'default' });
  t.truthy((await admin.get('pods', 'p-n1', { namespace: 'default' })).metadata.deletionTimestamp);
  t.falsy((await admin.get('pods', 'p-n2', { namespace: 'default' })).metadata.deletionTimestamp, 'n2\'s pod untouched');

  // Each denial is in the audit log, complete, with the node's user and the object it went for.
  const events = () => (existsSync(auditLog) ? readFileSync(auditLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent) : []);
  const denial = (verb: string, resource: string, name?: string) =>
    events().find((e) => e.stage === 'ResponseComplete' && e.verb === verb && e.objectRef?.resource === resource && e.objectRef?.name === name && e.user.username === 'system:node:n1' && e.responseStatus?.code === 403);
  await waitFor(() => !!denial('list', 'pods'), 'the denied list in the audit log', 10_000);
  const get = denial('get', 'secrets', 's2')!;
  t.truthy(get, 'the denied get of n2\'s secret');
  t.like(get, { level: 'Metadata', objectRef: { namespace: 'default' } });
  t.is(get.annotations?.['authorization.k8s.io/decision'], 'forbid');
  t.true(get.user.groups?.includes('system:nodes'));
  const list = denial('list', 'pods')!;
  t.is(list.annotations?.['authorization.k8s.io/decision'], 'forbid');
  // The delete passes the node authorizer (nodes may delete pods) and NodeRestriction admission refuses it, as upstream.
  const deleted = denial('delete', 'pods', 'p-n2')!;
  t.truthy(deleted, 'the refused delete of n2\'s pod');
  t.is(deleted.annotations?.['authorization.k8s.io/decision'], 'allow');
  t.is(deleted.responseStatus?.message, del.message);
  t.truthy(events().find((e) => e.verb === 'get' && e.objectRef?.name === 's1' && e.responseStatus?.code === 200), 'the allowed read is there too');
});
