// Issue 15's abuse cases over the real locked bus: a client holding node n1's bus credentials (so the
// API server knows it as system:node:n1, whatever it claims) reads its own pod's secret but not another
// node's pod's, and cannot delete another node's pod; upstream's texts. A real nats-server with the
// configuration kubus generates, started and stopped here.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { silentLogger } from '../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import { startControlPlane, type ControlPlane } from '../runtime/control-plane.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';

const home = mkdtempSync(join(tmpdir(), 'kubus-nodeauthz-bus-'));
let nats: NatsServer;
let cp: ControlPlane;

test.before(async () => {
  nats = await startNatsServer({ config: lockedConfig(clusterIdentities(['n1', 'n2']), [], home) });
  cp = await startControlPlane({ nats: nats.url, actors: ['apiserver'], log: silentLogger, credentials: ensureCredentials('apiserver', home) });
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
});
