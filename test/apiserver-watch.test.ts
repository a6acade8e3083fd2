// Watch streams (DESIGN §3 "Watch streams"): revisions, selectors, node filtering, bookmarks,
// 410 after compaction, heartbeats that drop gone clients.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { WatchEvent } from '../api/protocol.ts';
import type { Status } from '../api/status.ts';
import type { ApiServerStats } from '../actors/apiserver/server.ts';
import { VirtualClock } from '../bus/clock.ts';
import { APISERVER_STATS, watchHeartbeat } from '../bus/subjects.ts';
import type { ApiClient } from '../bus/client.ts';
import type { WatchEndReason } from '../bus/watch-client.ts';
import { runHandling } from '../bus/trace.ts';
import { pod, startApi } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

interface Seen {
  events: WatchEvent[];
  ended?: { reason: WatchEndReason; status?: Status };
  summary(): string[];
}

async function watch(client: ApiClient, resource: string, opts: Parameters<ApiClient['watch']>[1]): Promise<Seen> {
  const seen: Seen = {
    events: [],
    summary: () => seen.events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name ?? ''}`.trim()),
  };
  await client.watch(resource, opts, {
    event: (ev) => seen.events.push(ev),
    end: (reason, status) => (seen.ended = { reason, status }),
  });
  return seen;
}

test('watch - without a resourceVersion: ADDED for every current object, then changes', async (t) => {
  const { client } = await startApi(t);
  await client.create('pods', pod('a'));
  const w = await watch(client, 'pods', { namespace: 'default' });
  await waitFor(() => w.events.length === 1);
  await client.create('pods', pod('b'));
  await client.patch('pods', 'a', { metadata: { labels: { x: '1' } } }, { namespace: 'default' });
  await client.delete('pods', 'b', { namespace: 'default' });
  await waitFor(() => w.events.length === 4);
  t.deepEqual(w.summary(), ['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b']);
  t.deepEqual(
    w.events.map((e) => e.seq),
    [1, 2, 3, 4],
  );
});

test('watch - from revision N: only changes after N; DELETED carries the delete revision', async (t) => {
  const { client } = await startApi(t);
  await client.create('pods', pod('a'));
  const b = await client.create('pods', pod('b'));
  const w = await watch(client, 'pods', { namespace: 'default', resourceVersion: b.metadata.resourceVersion });
  const deleted = await client.delete('pods', 'a', { namespace: 'default' });
  await waitFor(() => w.events.length === 1);
  t.deepEqual(w.summary(), ['DELETED a']);
  const rv = Number((w.events[0].object as KubeObject).metadata.resourceVersion);
  t.true(rv > Number(b.metadata.resourceVersion));
  t.is(String(rv), deleted.metadata.resourceVersion!);
  // An old revision replays history.
  const old = await watch(client, 'pods', { namespace: 'default', resourceVersion: '1' });
  await waitFor(() => old.events.length === 3);
  t.deepEqual(old.summary(), ['ADDED a', 'ADDED b', 'DELETED a']);
});

test('watch - with a selector, starting to match is ADDED and stopping is DELETED', async (t) => {
  const { client } = await startApi(t);
  const w = await watch(client, 'pods', { namespace: 'default', labelSelector: 'app=web' });
  await client.create('pods', pod('a', {}, { app: 'db' }));
  await client.patch('pods', 'a', { metadata: { labels: { app: 'web' } } }, { namespace: 'default' });
  await client.patch('pods', 'a', { metadata: { labels: { tier: 'x' } } }, { namespace: 'default' });
  await client.patch('pods', 'a', { metadata: { labels: { app: 'db' } } }, { namespace: 'default' });
  await waitFor(() => w.events.length === 3);
  t.deepEqual(w.summary(), ['ADDED a', 'MODIFIED a', 'DELETED a']);
});

test('watch - spec.nodeName is filtered on the server: a node never receives other nodes\' pods', async (t) => {
  const { client, broker } = await startApi(t);
  const n1 = await watch(client, 'pods', { fieldSelector: 'spec.nodeName=n1' });
  const unscheduled = await watch(client, 'pods', { fieldSelector: 'spec.nodeName=' });
  // Count every message on the bus addressed to the n1 watch (watch ids are per connection: n1 is "1").
  let toN1 = 0;
  const spy = broker.connect('spy');
  spy.subscribe(`kubus.watch.${client.bus.id}.1`, () => toN1++);
  for (let i = 0; i < 10; i++) await client.create('pods', pod(`p${i}`));
  for (let i = 0; i < 10; i++) await client.bind('default', `p${i}`, i === 3 ? 'n1' : 'n2');
  await client.patch('pods', 'p5', { metadata: { labels: { touched: 'yes' } } }, { namespace: 'default' });
  await waitFor(() => n1.events.length === 1 && unscheduled.events.length === 20);
  await client.bus.flush();
  t.deepEqual(n1.summary(), ['ADDED p3']);
  t.is(toN1, 1, 'only the one message about its own pod reached n1');
  t.is(unscheduled.summary().filter((s) => s.startsWith('DELETED')).length, 10, 'bound pods leave the unscheduled watch');
  // A node-filtered list uses the same index.
  const listed = await client.list('pods', { fieldSelector: 'spec.nodeName=n2' });
  t.is(listed.items.length, 9);
});

test('watch - bookmarks when asked, at the current revision', async (t) => {
  const clock = new VirtualClock(0);
  const { client } = await startApi(t, { clock, bookmarkMs: 60_000 });
  const started = Promise.all([
    watch(client, 'pods', { allowWatchBookmarks: true, resourceVersion: '1' }),
    watch(client, 'pods', { resourceVersion: '1' }),
  ]);
  await clock.advance(1);
  const [asked, notAsked] = await started;
  await clock.advance(60_000);
  t.is(asked.events.length, 1);
  t.is(asked.events[0].type, 'BOOKMARK');
  t.regex((asked.events[0].object as KubeObject).metadata.resourceVersion!, /^\d+$/);
  t.is(notAsked.events.length, 0);
});

test('watch - from a compacted revision: one ERROR 410 Expired, then the stream ends', async (t) => {
  const clock = new VirtualClock(0);
  const { client, store } = await startApi(t, { clock, compactMs: 300_000 });
  const c = client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } });
  await clock.advance(1);
  const first = await c;
  // Two compaction intervals: history older than one interval goes.
  for (let i = 0; i < 3; i++) {
    const u = client.patch('configmaps', 'a', { data: { i: String(i) } }, { namespace: 'default' });
    await clock.advance(300_000);
    await u;
  }
  t.true(store.compactedRevision > Number(first.metadata.resourceVersion));
  const p = watch(client, 'configmaps', { resourceVersion: first.metadata.resourceVersion });
  await clock.advance(1);
  const w = await p;
  await clock.advance(1);
  t.is(w.ended?.reason, 'expired');
  t.is(w.ended?.status?.code, 410);
  t.is(w.ended?.status?.reason, 'Expired');
});

/** The API server's count of watches, asked over the bus on a virtual clock. */
async function watchCount(client: { bus: { request<T>(subject: string, body: unknown): Promise<{ data: T }> } }, clock: VirtualClock): Promise<number> {
  const r = client.bus.request<ApiServerStats>(APISERVER_STATS, {});
  await clock.advance(1);
  return (await r).data.watches;
}

test('watch - heartbeats drop the watches of a client that is gone', async (t) => {
  const clock = new VirtualClock(0);
  const { client, connect } = await startApi(t, { clock, heartbeatMs: 5_000 });
  const other = connect('leaver');
  const p = other.watch('pods', {}, { event: () => {}, end: () => {} });
  await clock.advance(1);
  await p;
  const watches = () => watchCount(client, clock);
  t.is(await watches(), 1);
  // Closed just after a heartbeat that asked for a reply: the next that asks comes 3 periods later.
  await clock.advance(5_000);
  await other.bus.close();
  await clock.advance(3 * 5_000);
  t.is(await watches(), 0);
});

test('watch - heartbeats ask for a reply every third period, one-way between; a quiet watch lives on them and its client unwatches what it no longer holds', async (t) => {
  const clock = new VirtualClock(0);
  const { client, connect, broker } = await startApi(t, { clock, heartbeatMs: 5_000 });
  const other = connect('quiet');
  const heartbeats = { asking: 0, oneWay: 0 };
  broker.tap = { sent: (r) => void (r.subject === watchHeartbeat(other.bus.id) && heartbeats[r.reply ? 'asking' : 'oneWay']++), delivered: () => {} };
  let ended: WatchEndReason | undefined;
  const p = other.watch('pods', {}, { event: () => {}, end: (reason) => (ended = reason) });
  await clock.advance(1);
  await p;
  const watches = () => watchCount(client, clock);
  await clock.advance(5_000); // the first heartbeat, which asks
  // A watch the server holds for this connection but its client does not (as when its unwatch was lost).
  const lost = other.call('configmaps', 'watch', { namespace: 'default', watch: { conn: other.bus.id, id: 'lost' } });
  await clock.advance(1);
  await lost;
  t.is(await watches(), 2);
  // The second heartbeat asks too, not one-way as the tick has it: the connection was just answered
  // (the request above) and its sequences changed since the last reply confirmed them (the new watch),
  // and only a reply confirms them (a one-way heartbeat lost would leave a gap unseen).
  await clock.advance(5_000);
  t.deepEqual(heartbeats, { asking: 2, oneWay: 0 });
  t.is(await watches(), 1, 'the watch its client does not hold is stopped (named unknown in the reply)');
  await clock.advance(4 * 5_000); // four more, well past the client's 15 s silence limit
  t.deepEqual(heartbeats, { asking: 3, oneWay: 3 }, 'one-way, then asking at the fourth tick (every third from the first), then one-way');
  t.is(ended, undefined, 'the quiet watch heard the server on every heartbeat');
});

test('watch - a busy watch gets batches (at most one message per 10 ms) and no false gaps from heartbeats', async (t) => {
  const clock = new VirtualClock(0);
  const { client, broker } = await startApi(t, { clock, heartbeatMs: 5 });
  let messages = 0;
  broker.tap = { sent: (r) => void (/^kubus\.watch\.[^.]+\.1$/.test(r.subject) && messages++), delivered: () => {} };
  const p = watch(client, 'configmaps', { namespace: 'default', resourceVersion: '1' });
  await clock.advance(1);
  const w = await p;
  const writes = Array.from({ length: 50 }, (_, i) => client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'default' } } as KubeObject));
  await clock.advance(100);
  await Promise.all(writes);
  await clock.advance(100);
  t.is(w.events.length, 50);
  t.true(messages < 25, `50 events in ${messages} messages`);
  t.is(w.ended, undefined, 'heartbeats during batching did not end the watch as a gap');
});

test('watch - a watch of one object by name gets only that object, through the name index', async (t) => {
  const { client } = await startApi(t);
  const one = await watch(client, 'configmaps', { namespace: 'default', fieldSelector: 'metadata.name=b', resourceVersion: '1' });
  for (const n of ['a', 'b', 'c']) await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'default' } } as KubeObject);
  await client.patch('configmaps', 'b', { data: { x: '1' } }, { namespace: 'default' });
  await client.delete('configmaps', 'b', { namespace: 'default' });
  await waitFor(() => one.events.length === 3);
  t.deepEqual(one.summary(), ['ADDED b', 'MODIFIED b', 'DELETED b']);
});

test('watch - a quiet watch sends the events of writes with different causes apart, each in the trace of its write', async (t) => {
  const clock = new VirtualClock(0);
  const { client, broker } = await startApi(t, { clock });
  const sent: string[] = [];
  broker.tap = {
    sent: (r) => {
      const events = (r.data as { events?: WatchEvent[] })?.events;
      if (/^kubus\.watch\.[^.]+\.1$/.test(r.subject) && events) sent.push(`${r.traceId[0]}: ${events.map((e) => (e.object as KubeObject).metadata.name).join(',')}`);
    },
    delivered: () => {},
  };
  const p = watch(client, 'configmaps', { namespace: 'default', resourceVersion: '1' });
  await clock.advance(1);
  const w = await p;
  const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } }) as KubeObject;
  const span = (c: string) => ({ traceId: c.repeat(32), spanId: c.repeat(16) });
  // Both requests reach the API server in the same delivery round: their events fall in one turn.
  const writes = [runHandling({ span: span('a') }, () => client.create('configmaps', cm('x'))), runHandling({ span: span('b') }, () => client.create('configmaps', cm('y')))];
  await clock.advance(100);
  await Promise.all(writes);
  t.deepEqual(w.summary(), ['ADDED x', 'ADDED y']);
  t.deepEqual(sent, ['a: x', 'b: y']);
});
