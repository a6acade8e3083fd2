// Watch heartbeats that replies stand in for (actors/apiserver/watch-liveness.ts): a client the API
// server answers every period needs no heartbeat but one a minute, and still notices at once when the
// server dies; a client that stops asking gets its heartbeats back, asking, at the next period.
// Bookmarks of the watches of one connection with nothing queued ride on one heartbeat.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { WatchEvent } from '../api/protocol.ts';
import { CONFIRM_EVERY } from '../actors/apiserver/watch-liveness.ts';
import { VirtualClock } from '../bus/clock.ts';
import type { ApiClient } from '../bus/client.ts';
import { watchHeartbeat } from '../bus/subjects.ts';
import type { WatchEndReason } from '../bus/watch-client.ts';
import { startApi } from './helpers/api.ts';

const PERIOD = 5_000;

/** Starts a watch of pods on `client`'s connection; returns how it ended (undefined while it lives). */
async function watchPods(client: ApiClient, clock: VirtualClock): Promise<{ ended?: WatchEndReason; at?: number }> {
  const seen: { ended?: WatchEndReason; at?: number } = {};
  const p = client.watch('pods', { namespace: 'default' }, { event: () => {}, end: (reason) => Object.assign(seen, { ended: reason, at: clock.now() }) });
  await clock.advance(1);
  await p;
  return seen;
}

/** Makes one request of the API server on `client`'s connection and lets `ms` pass meanwhile. */
async function askAndWait(client: ApiClient, clock: VirtualClock, ms: number): Promise<void> {
  const r = client.get('namespaces', 'default').catch(() => undefined);
  await clock.advance(ms);
  await r;
}

test('watch liveness - a client answered every period gets a heartbeat (asking) only every CONFIRM_EVERY periods, and its quiet watch lives on the replies', async (t) => {
  const clock = new VirtualClock(0);
  const { connect, broker } = await startApi(t, { clock, heartbeatMs: PERIOD });
  const busy = connect('busy');
  const quiet = connect('quiet');
  const count = { busy: { asking: 0, oneWay: 0 }, quiet: { asking: 0, oneWay: 0 } };
  broker.tap = {
    sent: (r) => {
      const who = r.subject === watchHeartbeat(busy.bus.id) ? count.busy : r.subject === watchHeartbeat(quiet.bus.id) ? count.quiet : undefined;
      if (who) who[r.reply ? 'asking' : 'oneWay']++;
    },
    delivered: () => {},
  };
  const busyWatch = await watchPods(busy, clock);
  const quietWatch = await watchPods(quiet, clock);
  const periods = 4 * CONFIRM_EVERY;
  for (let i = 0; i < periods; i++) await askAndWait(busy, clock, PERIOD);
  t.is(busyWatch.ended, undefined, 'the busy watch heard the server in the replies: never silent, never overdue');
  t.is(quietWatch.ended, undefined);
  t.deepEqual(count.quiet, { asking: periods / 3, oneWay: (2 * periods) / 3 }, 'a client that asks nothing gets every heartbeat, as before');
  // The first (its watch is new) and one every CONFIRM_EVERY periods; every one of them asks.
  t.is(count.busy.oneWay, 0);
  t.true(count.busy.asking <= periods / CONFIRM_EVERY + 1, `${count.busy.asking} heartbeats in ${periods} periods`);
  t.true(count.busy.asking >= periods / CONFIRM_EVERY, `${count.busy.asking} heartbeats in ${periods} periods`);
});

test('watch liveness - a client that stops asking gets a heartbeat that asks at the next period; a server that dies is noticed within 1.5 periods as without replies', async (t) => {
  const clock = new VirtualClock(0);
  const { connect, broker, host } = await startApi(t, { clock, heartbeatMs: PERIOD });
  const client = connect('renewing');
  const asked: number[] = [];
  broker.tap = { sent: (r) => void (r.subject === watchHeartbeat(client.bus.id) && r.reply && asked.push(clock.now())), delivered: () => {} };
  const w = await watchPods(client, clock);
  for (let i = 0; i < 3; i++) await askAndWait(client, clock, PERIOD);
  const stoppedAsking = clock.now();
  const before = asked.length;
  await clock.advance(2 * PERIOD);
  t.true(asked.length > before, 'heartbeats came back');
  t.true(asked[before] - stoppedAsking <= 2 * PERIOD, `the first asking heartbeat ${asked[before] - stoppedAsking} ms after the last request`);
  // Asking again every period, then the API server goes away.
  for (let i = 0; i < 3; i++) await askAndWait(client, clock, PERIOD);
  t.is(w.ended, undefined);
  const died = clock.now();
  await host.stop('apiserver');
  await clock.advance(2 * PERIOD);
  t.is(w.ended, 'reconnect', 'the probe of the silent server found nobody');
  t.true(w.at! - died <= 1.5 * PERIOD, `noticed ${w.at! - died} ms after the server stopped`);
});

test('watch liveness - the bookmarks of a connection\'s quiet watches come in one heartbeat, each after every event sent before it, and kind and apiVersion are those of the resource', async (t) => {
  const clock = new VirtualClock(0);
  const { client, connect, broker } = await startApi(t, { clock, heartbeatMs: PERIOD, bookmarkMs: 60_000 });
  const node = connect('node');
  const messages = { events: 0, heartbeats: 0 };
  broker.tap = {
    sent: (r) => {
      if (r.subject === watchHeartbeat(node.bus.id)) messages.heartbeats++;
      else if (r.subject.startsWith(`kubus.watch.${node.bus.id}.`)) messages.events++;
    },
    delivered: () => {},
  };
  const seen: Record<string, WatchEvent[]> = { pods: [], configmaps: [], services: [] };
  for (const resource of Object.keys(seen)) {
    const p = node.watch(resource, { namespace: 'default', allowWatchBookmarks: true, resourceVersion: '1' }, { event: (ev) => seen[resource].push(ev), end: () => {} });
    await clock.advance(1);
    await p;
  }
  // A write seen by the configmaps watch just before the bookmarks are due: its event must come first.
  await clock.advance(60_000 - clock.now() - 5);
  const created = client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'default' } });
  await clock.advance(10);
  await created;
  const before = { ...messages };
  for (let i = 0; i < 60_000 / PERIOD; i++) await askAndWait(node, clock, PERIOD);
  const revision = (e: WatchEvent) => Number((e.object as KubeObject).metadata.resourceVersion);
  for (const [resource, events] of Object.entries(seen)) {
    t.true(events.some((e) => e.type === 'BOOKMARK'), `${resource}: no bookmark`);
    // Every change at or below a bookmark's revision comes before that bookmark.
    events.forEach((b, i) => {
      if (b.type !== 'BOOKMARK') return;
      const late = events.slice(i + 1).filter((e) => e.type !== 'BOOKMARK' && revision(e) <= revision(b));
      t.deepEqual(late.map(revision), [], `${resource}: changes at or below bookmark ${revision(b)} came after it`);
    });
  }
  t.like(seen.configmaps.find((e) => e.type === 'BOOKMARK')?.object, { kind: 'ConfigMap', apiVersion: 'v1' });
  t.like(seen.pods.find((e) => e.type === 'BOOKMARK')?.object, { kind: 'Pod', apiVersion: 'v1' });
  t.is(seen.configmaps[0].type, 'ADDED', 'the event of the write came before the bookmark');
  // In the next minute: one heartbeat carries the three watches' bookmarks; no bookmark went in a stream.
  t.is(messages.events - before.events, 0, 'no bookmark in a watch stream');
  // Three heartbeats: one asking at 65 s, as the connection (answered again from 60 s) has an event
  // sent since its last reply (only a reply confirms a sequence: the one-way heartbeats at 60 s, the
  // bookmarks' among them, may be lost); the next confirming one CONFIRM_EVERY periods later (95 s);
  // the one with the bookmarks at 120 s.
  t.is(messages.heartbeats - before.heartbeats, 3, `${messages.heartbeats - before.heartbeats} heartbeats in a minute`);
});
