// When the store reloads its replica (etcd compacted past it: MemoryStore.reset), the API server's
// watch hub ends every watch with 410 Expired, so informers list again, and follows the new state;
// and MemoryStore.reset itself.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { WatchEvent } from '../api/protocol.ts';
import type { Status } from '../api/status.ts';
import type { ApiClient } from '../bus/client.ts';
import type { WatchEndReason } from '../bus/watch-client.ts';
import { MemoryStore } from '../actors/apiserver/store/memory-store.ts';
import { CompactedError } from '../actors/apiserver/store/store.ts';
import { pod, startApi } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

interface Seen {
  events: WatchEvent[];
  ended?: { reason: WatchEndReason; status?: Status };
  names(): string[];
}

async function watch(client: ApiClient, opts: Parameters<ApiClient['watch']>[1]): Promise<Seen> {
  const seen: Seen = { events: [], names: () => seen.events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name}`) };
  await client.watch('pods', opts, {
    event: (ev) => seen.events.push(ev),
    end: (reason, status) => (seen.ended = { reason, status }),
  });
  return seen;
}

test('watch hub - a store reload ends every watch with 410 Expired; new watches see the reloaded state and later writes', async (t) => {
  const store = new MemoryStore();
  const { client } = await startApi(t, { store });
  await client.create('pods', pod('a', { nodeName: 'n1' }));
  await client.create('pods', pod('b'));
  const all = await watch(client, { namespace: 'default' });
  const onNode = await watch(client, { fieldSelector: 'spec.nodeName=n1' });
  await waitFor(() => all.events.length === 2 && onNode.events.length === 1, 'the initial events');

  // The reloaded state, as a backend would hand it over: b is gone, c (on n1) came, at a later revision.
  const kvs = store.range('/registry/').kvs.filter((kv) => kv.key !== '/registry/pods/default/b');
  const a = store.get('/registry/pods/default/a')!;
  const revision = store.revision + 5;
  const c = { ...(a.value as KubeObject), metadata: { ...(a.value as KubeObject).metadata, name: 'c', uid: 'uid-c', resourceVersion: undefined } };
  kvs.push({ key: '/registry/pods/default/c', value: c, createRevision: revision, modRevision: revision, version: 1 });
  store.reset(kvs, revision);

  await waitFor(() => all.ended && onNode.ended, 'both watches to end');
  for (const w of [all, onNode]) {
    t.is(w.ended?.status?.code, 410);
    t.is(w.ended?.status?.reason, 'Expired');
  }
  // The informers' next move: list and watch again.
  const list = await client.list('pods', { namespace: 'default' });
  t.deepEqual(
    list.items.map((p) => p.metadata.name),
    ['a', 'c'],
  );
  t.is(list.metadata.resourceVersion, String(revision));
  const again = await watch(client, { namespace: 'default', resourceVersion: list.metadata.resourceVersion });
  const node = await watch(client, { fieldSelector: 'spec.nodeName=n1' });
  await waitFor(() => node.events.length === 2, "n1's pods from the hub's rebuilt index");
  t.deepEqual(node.names().sort(), ['ADDED a', 'ADDED c']);
  await client.create('pods', pod('d'));
  await waitFor(() => again.events.length === 1, 'the new write');
  t.deepEqual(again.names(), ['ADDED d']);
  t.true(Number((again.events[0].object as KubeObject).metadata.resourceVersion) > revision);
});

test('memory store - reset replaces the state at a revision, compacts history to it and ends every watcher once with a CompactedError', async (t) => {
  const store = new MemoryStore();
  await store.txn({ op: 'create', key: '/registry/pods/default/a', value: { n: 1 } });
  await store.txn({ op: 'create', key: '/registry/pods/default/b', value: { n: 1 } });
  const ends: CompactedError[] = [];
  const events: number[] = [];
  store.watch('/registry/', 0, (ev) => events.push(ev.revision), (err) => ends.push(err));
  store.watch('/registry/pods/default/a', 1, () => {}, (err) => ends.push(err));
  store.reset([{ key: '/registry/pods/default/c', value: { n: 9 }, createRevision: 7, modRevision: 9, version: 3 }], 10);
  t.is(store.watcherCount, 0);
  await waitFor(() => ends.length === 2, 'both watchers to end');
  t.true(ends.every((e) => e instanceof CompactedError && e.requested === 2 && e.compacted === 10));
  t.is(store.revision, 10);
  t.is(store.compactedRevision, 10);
  t.deepEqual(store.range('/registry/').kvs.map((kv) => kv.key), ['/registry/pods/default/c']);
  t.throws(() => store.watch('/registry/', 5, () => {}), { instanceOf: CompactedError });
  t.throws(() => store.reset([], 9), { instanceOf: RangeError });
  // Writes go on from the reset revision; a new watcher hears them, the ended ones nothing more.
  const before = events.length;
  const fresh: number[] = [];
  store.watch('/registry/', 10, (ev) => fresh.push(ev.revision));
  t.like(await store.txn({ op: 'update', key: '/registry/pods/default/c', value: { n: 10 }, ifModRevision: 9 }), { ok: true, revision: 11, kv: { version: 4, createRevision: 7 } });
  await waitFor(() => fresh.length === 1, 'the new watcher');
  t.deepEqual(fresh, [11]);
  t.is(events.length, before);
});
