// Informers: list, then watch; the cache ends equal to the store even when watch messages are lost,
// after a disconnect, and after the history it needs was compacted.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { seededRng } from '../bus/random.ts';
import { Informer, keyOf } from '../bus/informer.ts';
import type { ApiClient } from '../bus/client.ts';
import type { MemoryBus } from '../bus/memory-bus.ts';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { serving } from '../runtime/control-plane.ts';
import { startApi } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

const cm = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } });

/** Returns name → resourceVersion of every ConfigMap in the store, as a sorted string. */
async function truth(client: ApiClient): Promise<string> {
  const l = await client.list('configmaps', { namespace: 'default' });
  return l.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).join(' ');
}
const cached = (inf: Informer) =>
  inf
    .list()
    .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1))
    .map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)
    .join(' ');

/** Makes `n` random creates, updates and deletes over 20 names. */
async function churn(client: ApiClient, n: number, seed: number): Promise<void> {
  const rng = seededRng(seed);
  for (let i = 0; i < n; i++) {
    const name = `c${rng.int(20)}`;
    const op = rng.int(3);
    try {
      if (op === 0) await client.create('configmaps', cm(name, String(i)));
      else if (op === 1) await client.patch('configmaps', name, { data: { v: String(i) } }, { namespace: 'default' });
      else await client.delete('configmaps', name, { namespace: 'default' });
    } catch {
      // 404/409 are part of random churn
    }
  }
}

test('informer - the cache ends equal to the store when 30% of watch messages are dropped', async (t) => {
  let dropping = true;
  const rng = seededRng(9);
  const { client, connect } = await startApi(t, {
    heartbeatMs: 100,
    faults: { drop: (env) => dropping && /^kubus\.watch\.[^.]+\.\d+$/.test(env.subject) && rng.float() < 0.3 },
  });
  const inf = new Informer(connect('informer'), 'configmaps', { namespace: 'default' });
  const seen = { add: 0, update: 0, delete: 0 };
  inf.on({ add: () => seen.add++, update: () => seen.update++, delete: () => seen.delete++ });
  await inf.start();
  t.teardown(() => inf.stop());
  await churn(client, 300, 1);
  dropping = false;
  const want = await truth(client);
  await waitFor(() => cached(inf) === want, 'cache equal to the store', 10_000);
  t.is(cached(inf), want);
  t.true(inf.resumes > 0, `resumed after gaps (${inf.resumes} times)`);
  t.true(seen.add > 0 && seen.update > 0 && seen.delete > 0);
});

test('informer - after a disconnect it resumes from its last revision and catches up', async (t) => {
  const { client, connect } = await startApi(t, { heartbeatMs: 100 });
  const ic = connect('informer');
  const inf = new Informer(ic, 'configmaps', { namespace: 'default' });
  await inf.start();
  t.teardown(() => inf.stop());
  await churn(client, 50, 2);
  (ic.bus as MemoryBus).setDown(true);
  await churn(client, 50, 3);
  (ic.bus as MemoryBus).setDown(false);
  const want = await truth(client);
  await waitFor(() => cached(inf) === want, 'cache equal to the store', 10_000);
  t.is(cached(inf), want);
  t.true(inf.resumes >= 1);
});

test('informer - when the history it needs was compacted, it lists again (410) and converges', async (t) => {
  const { client, connect, store } = await startApi(t, { heartbeatMs: 100 });
  const ic = connect('informer');
  const inf = new Informer(ic, 'configmaps', { namespace: 'default' });
  const deleted: string[] = [];
  inf.on({ delete: (o: KubeObject) => deleted.push(o.metadata.name!) });
  await inf.start();
  t.teardown(() => inf.stop());
  await client.create('configmaps', cm('gone-soon', '1'));
  await waitFor(() => inf.get('default/gone-soon'));
  (ic.bus as MemoryBus).setDown(true);
  await client.delete('configmaps', 'gone-soon', { namespace: 'default' });
  await churn(client, 40, 4);
  store.compact(store.revision);
  const relists = inf.relists;
  (ic.bus as MemoryBus).setDown(false);
  const want = await truth(client);
  await waitFor(() => cached(inf) === want, 'cache equal to the store', 10_000);
  t.true(inf.relists > relists, 'listed again after 410');
  t.true(deleted.includes('gone-soon'), 'a delete missed while away is reported after the relist');
});

test('informer - when the API server restarts, its watches resume at once (not after the 30 s silence check)', async (t) => {
  const { client, connect, host, store } = await startApi(t); // heartbeats every 10 s: silence is noticed after 30 s
  const inf = new Informer(connect('informer'), 'configmaps', { namespace: 'default' });
  await inf.start();
  t.teardown(() => inf.stop());
  await churn(client, 30, 5);
  await host.stop('apiserver');
  await serving(host.start(apiserverActor, 'apiserver', { store }));
  await churn(client, 30, 6);
  const want = await truth(client);
  await waitFor(() => cached(inf) === want, 'cache equal to the store', 5_000);
  t.true(inf.resumes >= 1, 'resumed from its last revision on the new API server');
});
