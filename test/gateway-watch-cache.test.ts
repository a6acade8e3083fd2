// The gateway's shared watches: many HTTP watches on one bus watch, late watchers served from the
// ring (or from a bus watch of their own when older than it), one render per output form, slow
// clients cut off, and every watcher ended when the API server restarts.
import test, { type ExecutionContext } from 'ava';
import { connect } from 'node:net';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import type { ApiServerStats } from '../actors/apiserver/server.ts';
import { close, createGatewayServer, listen } from '../actors/gateway/server.ts';
import { WatchCache, type WatchCacheOptions } from '../actors/gateway/watch-cache.ts';
import { realClock } from '../bus/clock.ts';
import { APISERVER_STATS } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { pod, startApi, type ApiEnv } from './helpers/api.ts';
import { watchLines } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';
import { widget, widgetCrd } from './fixtures/crd-widget.ts';

interface Env extends ApiEnv {
  url: string;
  cache: WatchCache;
  /** Watches the API server holds (all clients). */
  busWatches(): Promise<number>;
}

/** An API server and a gateway whose shared watches the test holds. */
async function start(t: ExecutionContext, opts: WatchCacheOptions = {}): Promise<Env> {
  const env = await startApi(t);
  const cache = new WatchCache(silentLogger, opts);
  const server = createGatewayServer({ client: env.connect('gateway'), clock: realClock, log: silentLogger, watches: cache });
  const url = await listen(server, '127.0.0.1:0');
  t.teardown(() => close(server));
  const busWatches = async () => (await env.client.bus.request<ApiServerStats>(APISERVER_STATS, {})).data.watches;
  return { ...env, url, cache, busWatches };
}

const names = (lines: any[]) => lines.map((l) => `${l.type} ${l.object.metadata?.name ?? l.object.rows?.[0]?.object?.metadata?.name}`);
const rvOf = async (env: ApiEnv) => (await env.client.list('pods', { namespace: 'default' })).metadata.resourceVersion!;

test('gateway watch cache - many HTTP watches from one resourceVersion share one bus watch', async (t) => {
  const env = await start(t);
  const rv = await rvOf(env);
  const ws = Array.from({ length: 20 }, () => watchLines(t, env.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}`));
  await waitFor(() => env.cache.watching === 20, 'all 20 watchers on the shared watch');
  t.is(await env.busWatches(), 1, 'one bus watch for 20 HTTP watches');
  t.is(env.cache.size, 1);
  await env.client.create('pods', pod('a'));
  await env.client.delete('pods', 'a', { namespace: 'default' });
  await waitFor(() => ws.every((w) => w.lines.length === 2), 'every watcher got both events');
  for (const w of ws) t.deepEqual(names(w.lines), ['ADDED a', 'DELETED a']);
  for (const w of ws) w.stop();
  await waitFor(async () => (await env.busWatches()) === 0, 'the bus watch gone with the last watcher');
  t.is(env.cache.size, 0);
});

test('gateway watch cache - a late watcher from a recent resourceVersion gets exactly the events after it, in its own output form', async (t) => {
  const env = await start(t);
  const rv0 = await rvOf(env);
  const first = watchLines(t, env.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv0}`);
  await waitFor(() => env.cache.watching === 1, 'the first watcher on');
  const rvs: string[] = [];
  for (const n of ['p1', 'p2', 'p3']) rvs.push((await env.client.create('pods', pod(n))).metadata.resourceVersion!);
  await waitFor(() => first.lines.length === 3, 'the first watcher got three events');
  const table = 'application/json;as=Table;v=v1;g=meta.k8s.io';
  const late = watchLines(t, env.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rvs[0]}`, { Accept: table });
  await waitFor(() => late.lines.length === 2, 'the late watcher got the two events after its rv');
  t.deepEqual(names(late.lines), ['ADDED p2', 'ADDED p3'], 'from the ring: nothing before its rv, nothing twice');
  t.is(late.lines[0].object.kind, 'Table');
  t.true(late.lines[0].object.columnDefinitions.length > 0, 'its first event has the columns');
  t.falsy(late.lines[1].object.columnDefinitions?.length, 'later ones do not');
  t.is(await env.busWatches(), 1, 'the late watcher rode the shared watch');
  await env.client.create('pods', pod('p4'));
  await waitFor(() => first.lines.length === 4 && late.lines.length === 3, 'both got p4');
  t.deepEqual(names(first.lines), ['ADDED p1', 'ADDED p2', 'ADDED p3', 'ADDED p4']);
  t.is(first.lines[3].object.kind, 'Pod');
  t.deepEqual(names(late.lines).at(-1), 'ADDED p4');
});

test('gateway watch cache - a watcher older than the ring, or without a resourceVersion, opens a bus watch of its own', async (t) => {
  const env = await start(t, { ringSize: 2 });
  const rv0 = await rvOf(env);
  const first = watchLines(t, env.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv0}`);
  await waitFor(() => env.cache.watching === 1, 'the first watcher on');
  for (const n of ['o1', 'o2', 'o3', 'o4']) await env.client.create('pods', pod(n));
  await waitFor(() => first.lines.length === 4, 'the first watcher got four events');
  const old = watchLines(t, env.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv0}`);
  await waitFor(() => old.lines.length === 4, 'the old watcher got all four, replayed by the API server');
  t.deepEqual(names(old.lines), ['ADDED o1', 'ADDED o2', 'ADDED o3', 'ADDED o4']);
  const fresh = watchLines(t, env.url, '/api/v1/namespaces/default/pods?watch=1');
  await waitFor(() => fresh.lines.length === 4, 'the watcher without rv got the initial state');
  t.is(await env.busWatches(), 3);
  t.is(env.cache.watching, 1);
});

test('gateway watch cache - a client that does not read is cut off; the others keep getting events', async (t) => {
  const env = await start(t, { maxBufferedBytes: 64 * 1024 });
  await env.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'default' }, data: { v: '0' } });
  const rv = (await env.client.list('configmaps', { namespace: 'default' })).metadata.resourceVersion!;
  const path = `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`;
  const fast = watchLines(t, env.url, path);
  // A raw connection that sends the request and never reads: its response piles up in the gateway.
  const slow = connect(new URL(env.url).port ? Number(new URL(env.url).port) : 80, '127.0.0.1');
  t.teardown(() => slow.destroy());
  slow.pause();
  slow.on('error', () => {});
  slow.write(`GET ${path} HTTP/1.1\r\nHost: gateway\r\n\r\n`);
  await waitFor(() => env.cache.watching === 2, 'both watchers on');
  const blob = 'x'.repeat(512 * 1024);
  let writes = 0;
  // Loopback socket buffers take a few MiB before the gateway holds anything: write until the cut.
  while (env.cache.watching === 2 && writes < 200) {
    await env.client.update('configmaps', { ...(await env.client.get('configmaps', 'big', { namespace: 'default' })), data: { v: String(++writes), blob } });
    await waitFor(() => fast.lines.length === writes, `the fast watcher keeps up: ${writes} ${fast.lines.length} ${env.cache.watching}`);
  }
  t.is(env.cache.watching, 1, 'the slow watcher was cut');
  await env.client.update('configmaps', { ...(await env.client.get('configmaps', 'big', { namespace: 'default' })), data: { v: 'after' } });
  await waitFor(() => fast.lines.at(-1)?.object.data.v === 'after', 'the fast watcher still served');
  t.is(await env.busWatches(), 1);
});

test('gateway watch cache - an API server restart ends every watcher of the shared watch; new watchers get a new one', async (t) => {
  const env = await start(t);
  const rv = await rvOf(env);
  const ws = Array.from({ length: 3 }, () => watchLines(t, env.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}`));
  await waitFor(() => env.cache.watching === 3, 'three watchers on');
  await env.host.stop('apiserver');
  await serving(env.host.start(apiserverActor, 'apiserver', { store: env.store }));
  await Promise.all(ws.map((w) => w.done));
  t.is(env.cache.size, 0, 'the shared watch is gone');
  const again = watchLines(t, env.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}`);
  await env.client.create('pods', pod('r1'));
  await waitFor(() => again.lines.length === 1, 'the new watcher sees events');
  t.deepEqual(names(again.lines), ['ADDED r1']);
  t.is(env.cache.size, 1);
});

test('gateway watch cache - a bad selector on a watch from a resourceVersion is a 400 Status; nothing shared is left', async (t) => {
  const env = await start(t);
  const rv = await rvOf(env);
  const r = await fetch(`${env.url}/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}&labelSelector=${encodeURIComponent('a in (')}`);
  t.is(r.status, 400);
  t.like(await r.json(), { kind: 'Status', code: 400, reason: 'BadRequest' });
  t.is(env.cache.size, 0);
  const ok = watchLines(t, env.url, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}`);
  await env.client.create('pods', pod('after-400'));
  await waitFor(() => ok.lines.length === 1, 'the gateway still serves watches');
  t.deepEqual(names(ok.lines), ['ADDED after-400']);
});

test('gateway watch cache - watches of two served versions of a custom resource are not shared: each gets its own version', async (t) => {
  const env = await start(t);
  const crd = widgetCrd();
  crd.spec.versions = [{ ...crd.spec.versions[0], name: 'v1beta1', storage: false }, crd.spec.versions[0]];
  await env.client.create('customresourcedefinitions', crd);
  await waitFor(async () => (await fetch(`${env.url}/apis/example.com/v1beta1/namespaces/default/widgets`)).status === 200, 'both versions served');
  const rv = (await env.client.list('widgets', { namespace: 'default' })).metadata.resourceVersion!;
  const beta = watchLines(t, env.url, `/apis/example.com/v1beta1/namespaces/default/widgets?watch=1&resourceVersion=${rv}`);
  const v1 = watchLines(t, env.url, `/apis/example.com/v1/namespaces/default/widgets?watch=1&resourceVersion=${rv}`);
  await waitFor(() => env.cache.watching === 2, 'both watchers on');
  t.is(env.cache.size, 2, 'one shared watch per version');
  await env.client.create('widgets', widget('w'));
  await waitFor(() => beta.lines.length === 1 && v1.lines.length === 1, 'both got the event');
  t.is(beta.lines[0].object.apiVersion, 'example.com/v1beta1');
  t.is(v1.lines[0].object.apiVersion, 'example.com/v1');
});
