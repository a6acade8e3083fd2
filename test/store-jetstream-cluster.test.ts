// The jetstream store on a new 3-server NATS cluster, as the HA layout starts it: three API servers
// opening the R3 stream at the same moment, before JetStream has a meta leader, all get a store.
import test from 'ava';
import { JetStreamStore } from '../actors/apiserver/store/jetstream-store.ts';
import { freshStream } from './fixtures/store-helpers.ts';
import { jetstreamCluster } from './helpers/jetstream-cluster.ts';

test('store jetstream cluster - three stores opening one new R3 stream at once on a cluster just started all open, and share writes', async (t) => {
  t.timeout(120_000);
  const servers = await jetstreamCluster(t, 'kubus-r3');
  const stream = freshStream();
  const warnings: string[] = [];
  // No waiting for an elected JetStream first: opening is what has to wait (it did time out before).
  const stores = await Promise.all(servers.map((s) => JetStreamStore.open({ servers: s.url, stream, replicas: 3, onWarn: (m) => warnings.push(m) })));
  t.teardown(() => Promise.all(stores.map((s) => s.close())));
  const created = await Promise.all(stores.map((s, i) => s.txn({ op: 'create', key: `/k/${i}`, value: i })));
  t.true(created.every((r) => r.ok));
  for (const s of stores) {
    await s.sync();
    t.deepEqual(
      s.range('/k/').kvs.map((kv) => kv.value),
      [0, 1, 2],
    );
  }
  t.deepEqual(warnings, []);
});
