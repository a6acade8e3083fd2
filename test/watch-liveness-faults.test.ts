// Watch heartbeats that replies stand in for (actors/apiserver/watch-liveness.ts), when messages are
// lost: a client answered every period must still notice a watch the server dropped, and an event
// lost together with the heartbeat after it, within a few periods (not a minute, nor never).
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import type { ApiServerStats } from '../actors/apiserver/server.ts';
import { VirtualClock } from '../bus/clock.ts';
import type { ApiClient } from '../bus/client.ts';
import { Informer } from '../bus/informer.ts';
import { APISERVER_STATS, watchHeartbeat } from '../bus/subjects.ts';
import { watchManager, type WatchEndReason } from '../bus/watch-client.ts';
import { pod, startApi } from './helpers/api.ts';

/** Starts a watch of `resource` on `client`'s connection; returns how it ended (undefined while it lives). */
async function watchOf(client: ApiClient, clock: VirtualClock, resource: string): Promise<{ ended?: WatchEndReason; at?: number }> {
  const seen: { ended?: WatchEndReason; at?: number } = {};
  const p = client.watch(resource, { namespace: 'default' }, { event: () => {}, end: (reason) => Object.assign(seen, { ended: reason, at: clock.now() }) });
  await clock.advance(1);
  await p;
  return seen;
}

/** Makes one request of the API server on `client`'s connection and lets `ms` pass meanwhile; whether it was answered. */
async function askAndWait(client: ApiClient, clock: VirtualClock, ms: number): Promise<boolean> {
  const r = client.get('namespaces', 'default').then(
    () => true,
    () => false,
  );
  await clock.advance(ms);
  return r;
}

test('watch liveness faults - a watch the server dropped (3 asking heartbeats lost) ends within 3 periods, though its connection is answered every period and holds another live watch there', async (t) => {
  const PERIOD = 5_000;
  const clock = new VirtualClock(0);
  let dropAsking = true;
  const lost: number[] = [];
  let nodeId = '';
  const faults = {
    drop: (env: { subject: string; reply?: string }) => {
      const drop = dropAsking && env.subject === watchHeartbeat(nodeId) && !!env.reply;
      if (drop) lost.push(clock.now());
      return drop;
    },
  };
  const { client, connect } = await startApi(t, { clock, heartbeatMs: PERIOD, faults });
  const node = connect('node');
  nodeId = node.bus.id;
  const watches = async () => {
    const r = client.bus.request<ApiServerStats>(APISERVER_STATS, {});
    await clock.advance(1);
    return (await r).data.watches;
  };
  let answered = 0;
  const older = await watchOf(node, clock, 'pods');
  while (lost.length < 2) answered += Number(await askAndWait(node, clock, PERIOD));
  // The newer watch has missed one heartbeat when the older has missed three: the server drops only the older.
  const newer = await watchOf(node, clock, 'configmaps');
  while (lost.length < 3) answered += Number(await askAndWait(node, clock, PERIOD));
  dropAsking = false;
  let droppedAt: number | undefined;
  let periods = 0;
  while (older.ended === undefined && periods++ < 60) {
    answered += Number(await askAndWait(node, clock, PERIOD));
    if (droppedAt === undefined && (await watches()) === 1) droppedAt = clock.now();
  }
  t.true(answered >= periods, `the connection's requests were answered (${answered})`);
  t.not(droppedAt, undefined, 'the server dropped the older watch');
  t.log(`older watch: ${older.ended ?? 'alive'} ${older.at === undefined ? '' : older.at - droppedAt!} ms after the server dropped it`);
  t.is(older.ended, 'silence', 'the client noticed the watch the server no longer holds');
  t.true(older.at! - droppedAt! <= 3 * PERIOD, `ended ${older.at! - droppedAt!} ms after the server dropped it`);
  t.is(newer.ended, undefined, 'the newer watch lives on');
});

test('watch liveness faults - an event lost with the heartbeat after it is found within 3 periods, though the connection is answered every period: the informer resumes and holds the object', async (t) => {
  const PERIOD = 10_000;
  const clock = new VirtualClock(0);
  let nodeId = '';
  let dropEvent = false;
  let dropBeat = false;
  const faults = {
    drop: (env: { subject: string }) => {
      if (!nodeId || !env.subject.startsWith(`kubus.watch.${nodeId}.`)) return false;
      const beat = env.subject === watchHeartbeat(nodeId);
      if (dropEvent && !beat) [dropEvent, dropBeat] = [false, true];
      else if (dropBeat && beat) dropBeat = false;
      else return false;
      return true;
    },
  };
  const { client, connect } = await startApi(t, { clock, heartbeatMs: PERIOD, faults });
  const node = connect('node');
  nodeId = node.bus.id;
  const inf = new Informer(node, 'pods', { namespace: 'default', clock });
  let synced = false;
  const started = inf.start().finally(() => (synced = true));
  await clock.runUntil(() => synced, clock.now() + 5_000);
  await started;
  t.teardown(() => inf.stop());
  // Just after the informer's bookmarks (every minute, on a heartbeat listing its watch's sequence): not those that find the loss.
  while (clock.now() < 120_500) await askAndWait(node, clock, PERIOD);
  dropEvent = true;
  const created = client.create('pods', pod('late'));
  await clock.advance(10);
  await created;
  const lostAt = clock.now();
  const has = () => inf.list().some((p: KubeObject) => p.metadata.name === 'late');
  // The node asks every period, as a kubelet renews its Lease; checked every second.
  const asks: Array<Promise<boolean>> = [];
  while (!has() && clock.now() - lostAt < 120_000) {
    if ((clock.now() - lostAt) % PERIOD < 1_000) asks.push(askAndWait(node, clock, 0));
    await clock.advance(1_000);
  }
  t.true((await Promise.all(asks)).every(Boolean), 'every request was answered');
  t.false(dropEvent || dropBeat, 'the event and the heartbeat after it were lost');
  t.log(`lost event ${has() ? `found after ${clock.now() - lostAt} ms` : 'not found in 120 s'}`);
  t.true(has(), 'the informer holds the object whose event was lost');
  t.true(clock.now() - lostAt <= 3 * PERIOD, `found ${clock.now() - lostAt} ms after the event was lost`);
});

test('watch liveness faults - a restarted API server run is forgotten by its clients: no reply time kept for a run no watch is on', async (t) => {
  const PERIOD = 5_000;
  const clock = new VirtualClock(0);
  const { connect, host, store } = await startApi(t, { clock, heartbeatMs: PERIOD });
  const node = connect('node');
  const answeredAt = () => [...(watchManager(node.bus, clock) as unknown as { answeredAt: Map<string, number> }).answeredAt.keys()];
  const first = await watchOf(node, clock, 'pods');
  await askAndWait(node, clock, PERIOD);
  const before = answeredAt();
  t.is(before.length, 1, 'the reply of the run holding the watch is noted');
  await host.stop('apiserver');
  const api = host.start(apiserverActor, 'apiserver', { store, heartbeatMs: PERIOD });
  await clock.runUntil(() => !!api.snapshot()?.matches('serving'), clock.now() + 10_000);
  await clock.advance(10);
  t.is(first.ended, 'reconnect');
  t.deepEqual(answeredAt(), [], 'the earlier run is forgotten');
  const second = await watchOf(node, clock, 'pods');
  await askAndWait(node, clock, PERIOD);
  t.is(second.ended, undefined);
  t.is(answeredAt().length, 1);
  t.notDeepEqual(answeredAt(), before, 'the new run is noted');
});
