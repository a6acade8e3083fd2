// The hosts harness runs on a locked bus: each host was handed only its own processes' credentials,
// a connection without credentials is refused by every NATS server, and a node's credentials act as
// that node alone (another node's object is refused with its user named).
import test from 'ava';
import type { KubeObject } from '../../api/meta.ts';
import { StatusError } from '../../api/status.ts';
import { ApiClient } from '../../bus/client.ts';
import { NatsBus, readCredentials } from '../../bus/nats-bus.ts';
import { hostsCluster } from './cluster.ts';

test('hosts - locked bus: each host holds only its own credentials; none refused; a node acts only as itself', async (t) => {
  const c = await hostsCluster(t, { nodeHosts: 2, nodesPerHost: 1 });
  const [h1, h2, h3] = c.hosts;
  t.deepEqual(c.lock.files(h1), ['apiserver.creds', 'controller-manager.creds']);
  t.deepEqual(c.lock.files(h2), ['scheduler.creds']);
  t.deepEqual(c.lock.files(h3), ['scheduler.creds']);
  for (const h of c.nodeHosts) t.deepEqual(c.lock.files(h), c.nodeNames.get(h)!.map((n) => `node_${n}.creds`));

  for (const url of c.nats.urls.split(','))
    await t.throwsAsync(NatsBus.connect({ servers: url, name: 'anonymous', credentials: null, connectTimeoutMs: 2000 }), undefined, url);

  const [a, b] = c.nodeHosts.map((h) => c.nodeNames.get(h)![0]!);
  const dir = c.lock.nodesDir(c.nodeHosts[0]!, [a!]);
  const bus = await NatsBus.connect({ servers: c.nats.urls, name: `as-${a}`, credentials: readCredentials(`${dir}/node_${a}.creds`) });
  t.teardown(() => bus.close());
  const asA = new ApiClient(bus, { timeoutMs: 3000 });
  const other = await asA.get<KubeObject>('nodes', b!);
  const err = await t.throwsAsync(asA.update('nodes', { ...other, metadata: { ...other.metadata, labels: { ...other.metadata.labels, stolen: 'yes' } } }), { instanceOf: StatusError });
  t.is(err!.code, 403);
  // NodeRestriction's upstream text names the requesting node: `node "<a>" is not allowed to modify node "<b>"`.
  t.regex(err!.message, new RegExp(`node "${a}" is not allowed to modify node "${b}"`));
});
