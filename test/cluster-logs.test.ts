// Cluster logging over a real nats-server with JetStream: sim containers on two nodes, their lines
// shipped by each node's LogShipper into the log stream, read back as `kubus logs -l` reads them.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterLogBatch, ClusterLogEntry, ClusterLogQuery } from '../api/cluster-logs.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { LogShipper, MAX_LINE_CHARS, withLogShipping } from '../actors/kubelet/log-shipper.ts';
import { SimRuntime } from '../actors/kubelet/runtimes/sim.ts';
import { realClock, settle, VirtualClock } from '../bus/clock.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { jetstreamManager, NatsBus, type NatsConnection } from '../bus/nats-bus.ts';
import { cryptoRng, seededRng } from '../bus/random.ts';
import { clusterLogSubject } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { clusterLogs, clusterQuery } from '../cli/commands/logs-cluster.ts';
import { gonePodFlags } from '../cli/commands/logs.ts';
import { PassThrough } from 'node:stream';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import { connectLogs, ensureLogStream, parseRetention } from '../runtime/cluster-logs.ts';
import { batchOrigin, linePrefix, readClusterLogs } from '../runtime/cluster-logs-read.ts';
import { serveClusterLogs } from '../runtime/cluster-logs-serve.ts';
import { ApiClient } from '../bus/client.ts';
import { natsServer } from './helpers/nats.ts';
import { waitFor } from './helpers/wait.ts';

/** A nats-server with JetStream (its store in a temp dir removed afterwards), and the log stream on it. */
async function jsServer(t: ExecutionContext, retention = { maxAgeMs: 3_600_000, maxBytes: 8 << 20 }, config: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-clusterlogs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const nats = await natsServer(t, { config: [`jetstream { store_dir: ${JSON.stringify(dir)} }`, ...config] });
  return { nats, dir, retention };
}

async function conn(t: ExecutionContext, url: string, creds?: Parameters<typeof connectLogs>[1]): Promise<NatsConnection> {
  const nc = await connectLogs(url, creds ?? null);
  t.teardown(() => nc.close());
  return nc;
}

/** One node: a sim runtime whose containers a LogShipper follows, on a bus of its own; pods are known until deleted. */
async function simNode(t: ExecutionContext, url: string, name: string, creds?: Parameters<typeof NatsBus.connect>[0]['credentials']) {
  const bus = await NatsBus.connect({ servers: url, name: `node/${name}`, credentials: creds ?? null });
  const pods = new Map<string, Pod>();
  const shipper = new LogShipper({ bus, clock: realClock, node: name, log: silentLogger, maxDelayMs: 50, pod: (ns, n) => pods.get(`${ns}/${n}`) });
  const runtime = withLogShipping(new SimRuntime({ clock: realClock, rng: cryptoRng(), log: silentLogger, podCIDR: '10.200.0.0/24', hostIP: '10.0.0.9' }), shipper);
  t.teardown(async () => {
    shipper.close();
    await runtime.close();
    await bus.close();
  });
  const sandboxes = new Map<string, string>();
  return {
    bus,
    shipper,
    /** Starts a pod whose containers each write `lines` at once. */
    async run(namespace: string, pod: string, labels: Record<string, string>, containers: Record<string, string[]>) {
      const names = Object.keys(containers);
      pods.set(`${namespace}/${pod}`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace, labels, uid: `uid-${pod}` }, spec: { containers: names.map((c) => ({ name: c, image: 'busybox' })) } } as Pod);
      const sandbox = { podUid: `uid-${pod}`, name: pod, namespace, labels, annotations: {} };
      const { id } = await runtime.runPodSandbox(sandbox);
      sandboxes.set(pod, id);
      for (const c of names) {
        const cid = await runtime.createContainer(id, { name: c, image: 'busybox', attempt: 0, init: false }, { ...sandbox, annotations: { [`sim.kubus.io/log-lines`]: containers[c].join('\n') } });
        await runtime.startContainer(cid);
      }
    },
    /** The node forgets the pod (deleted from the API), then its containers stop and go: their last lines ship after. */
    async remove(namespace: string, pod: string) {
      pods.delete(`${namespace}/${pod}`);
      await runtime.removePodSandbox(sandboxes.get(pod)!);
    },
  };
}

/** Reads what the query gives now (no follow). */
async function read(nc: NatsConnection, q: ClusterLogQuery, stream?: string): Promise<ClusterLogEntry[]> {
  const out: ClusterLogEntry[] = [];
  await readClusterLogs(nc, q, (e) => out.push(e), { stream });
  return out;
}
const texts = (es: ClusterLogEntry[]) => es.map((e) => `${linePrefix(e)} ${e.text}`);

/** A LogShipper on a MemoryBus and a virtual clock (batches after 1 s), with what it shipped in `got`. */
function virtualShipper(o: Partial<ConstructorParameters<typeof LogShipper>[0]> & Pick<ConstructorParameters<typeof LogShipper>[0], 'node' | 'pod'>) {
  const clock = new VirtualClock();
  const broker = new MemoryBroker();
  const node = broker.connect('node', seededRng(1));
  const reader = broker.connect('reader', seededRng(2));
  const got: ClusterLogBatch[] = [];
  reader.subscribe<ClusterLogBatch>('kubus.clusterlogs.>', (m) => got.push(m.data));
  const shipper = new LogShipper({ bus: node, clock, log: silentLogger, maxDelayMs: 1000, ...o });
  return { clock, node, got, shipper };
}

test('cluster logs - lines of two pods on two nodes come back merged by selector, other pods and containers left out', async (t) => {
  const { nats, retention } = await jsServer(t);
  const nc = await conn(t, nats.url);
  await ensureLogStream(nc, retention);
  const n1 = await simNode(t, nats.url, 'n1');
  const n2 = await simNode(t, nats.url, 'n2.example');
  await n1.run('default', 'web-a', { app: 'web' }, { app: ['a says hi'], sidecar: ['a sidecar'] });
  await n2.run('default', 'web-b', { app: 'web' }, { app: ['b says hi'] });
  await n1.run('default', 'db-0', { app: 'db' }, { db: ['db line'] });
  await n2.run('other', 'web-c', { app: 'web' }, { app: ['c in other'] });
  const all = await waitFor(async () => {
    const es = await read(nc, { namespace: 'default', selector: 'app=web' });
    return es.some((e) => e.pod === 'web-a') && es.some((e) => e.pod === 'web-b') ? es : undefined;
  }, 'both pods’ lines');
  const got = texts(all);
  t.true(got.includes('[pod/web-a/app] a says hi'), got.join('\n'));
  t.true(got.includes('[pod/web-b/app] b says hi'), got.join('\n'));
  t.false(got.some((l) => /db line|c in other|a sidecar/.test(l)), got.join('\n'));
  t.deepEqual([...new Set(all.map((e) => e.node))].sort(), ['n1', 'n2.example']);
  // --all-containers adds the sidecar; -A adds the other namespace; a selector that matches nothing gives nothing.
  t.true(texts(await read(nc, { namespace: 'default', selector: 'app=web', allContainers: true })).includes('[pod/web-a/sidecar] a sidecar'));
  t.true((await read(nc, { selector: 'app=web' })).some((e) => e.namespace === 'other' && e.text === 'c in other'));
  t.deepEqual(await read(nc, { namespace: 'default', selector: 'app=nothing' }), []);
  // A malformed selector is a 400 before anything is read.
  await t.throwsAsync(read(nc, { selector: 'app in (' }), { message: /unable to parse requirement/ });
});

test('cluster logs - a deleted pod’s lines still come back, by selector and by name', async (t) => {
  const { nats, retention } = await jsServer(t);
  const nc = await conn(t, nats.url);
  await ensureLogStream(nc, retention);
  const n1 = await simNode(t, nats.url, 'n1');
  await n1.run('default', 'gone', { app: 'job' }, { main: ['before the end'], sidecar: ['side line'] });
  await n1.remove('default', 'gone');
  // Its last lines (the sim's exit line) were shipped when the container went.
  const es = await waitFor(async () => {
    const r = await read(nc, { namespace: 'default', selector: 'app=job' });
    return r.some((e) => /exited/.test(e.text)) ? r : undefined;
  }, 'the deleted pod’s lines');
  t.true(es.some((e) => e.text === 'before the end'));
  // Lines shipped after the pod was gone keep its labels and its default container (main, not the sidecar).
  t.deepEqual([...new Set(es.map((e) => e.container))], ['main']);
  t.true(es.filter((e) => /exited/.test(e.text)).length === 1);
  t.true((await read(nc, { namespace: 'default', pod: 'gone', allContainers: true })).some((e) => e.text === 'before the end'));
});

test('cluster logs - --since cuts older lines; a bad duration is a usage error', async (t) => {
  const { nats, retention } = await jsServer(t);
  const nc = await conn(t, nats.url);
  await ensureLogStream(nc, retention);
  const bus = await NatsBus.connect({ servers: nats.url, name: 'shipper', credentials: null });
  t.teardown(() => bus.close());
  const now = Date.now();
  const batch = (lines: Array<[number, string]>): ClusterLogBatch => ({ node: 'n1', namespace: 'default', pod: 'p', uid: 'u', container: 'c', labels: { app: 'web' }, default: true, lines: lines.map(([at, text]) => ({ at, stream: 'stdout', text })) });
  bus.publish(clusterLogSubject('n1', 'default', 'p', 'c'), batch([[now - 20 * 60_000, 'twenty minutes ago'], [now - 5 * 60_000, 'five minutes ago'], [now, 'now']]));
  await bus.flush();
  const q = clusterQuery({ namespace: 'default', selector: 'app=web', since: '10m' }, now);
  t.is(q.sinceMs, now - 600_000);
  const es = await waitFor(async () => {
    const r = await read(nc, q);
    return r.length ? r : undefined;
  }, 'lines since 10m');
  t.deepEqual(es.map((e) => e.text), ['five minutes ago', 'now']);
  t.is((await read(nc, { namespace: 'default', selector: 'app=web' })).length, 3);
  t.throws(() => clusterQuery({ namespace: 'default', since: 'ten minutes' }, now), { message: /--since "ten minutes": give a duration/ });
});

test('cluster logs - -f follows new lines until stopped', async (t) => {
  const { nats, retention } = await jsServer(t);
  const nc = await conn(t, nats.url);
  await ensureLogStream(nc, retention);
  const n1 = await simNode(t, nats.url, 'n1');
  await n1.run('default', 'old', { app: 'web' }, { app: ['stored before'] });
  await waitFor(async () => (await read(nc, { selector: 'app=web' })).length > 0, 'the stored line');
  const seen: ClusterLogEntry[] = [];
  const stop = new AbortController();
  const reading = readClusterLogs(nc, { selector: 'app=web', follow: true }, (e) => seen.push(e), { signal: stop.signal });
  await waitFor(() => seen.some((e) => e.text === 'stored before'), 'the stored line, followed');
  await n1.run('default', 'new', { app: 'web' }, { app: ['written later'] });
  await waitFor(() => seen.some((e) => e.text === 'written later'), 'the new line, followed', 15_000);
  stop.abort();
  await reading;
  t.true(seen.findIndex((e) => e.text === 'stored before') < seen.findIndex((e) => e.text === 'written later'));
  // No consumer is left behind.
  const jsm = await jetstreamManager(nc);
  t.deepEqual(await jsm.consumers.list('KUBUS_LOGS').next(), []);
});

test('cluster logs - retention by size drops the oldest lines', async (t) => {
  const { nats } = await jsServer(t);
  const nc = await conn(t, nats.url);
  const retention = parseRetention('24h', '64Ki');
  t.is(retention.maxBytes, 65536);
  await ensureLogStream(nc, retention);
  const bus = await NatsBus.connect({ servers: nats.url, name: 'shipper', credentials: null });
  t.teardown(() => bus.close());
  const line = 'x'.repeat(1000);
  for (let i = 0; i < 200; i++)
    bus.publish(clusterLogSubject('n1', 'default', 'p', 'c'), { node: 'n1', namespace: 'default', pod: 'p', uid: 'u', container: 'c', labels: {}, default: true, lines: [{ at: Date.now(), stream: 'stdout', text: `${i} ${line}` }] } satisfies ClusterLogBatch);
  await bus.flush();
  const jsm = await jetstreamManager(nc);
  const info = await waitFor(async () => {
    const s = await jsm.streams.info('KUBUS_LOGS');
    return s.state.last_seq === 200 ? s : undefined;
  }, 'all 200 batches stored');
  t.true(info.state.bytes <= 65536, `${info.state.bytes} bytes`);
  const es = await read(nc, { namespace: 'default' });
  t.true(es.length > 10 && es.length < 200, `${es.length} lines kept`);
  t.true(es.at(-1)!.text.startsWith('199 '));
  t.false(es.some((e) => e.text.startsWith('0 ')));
  t.throws(() => parseRetention('forever', '1Gi'), { message: /--log-retention "forever"/ });
  t.throws(() => parseRetention('24h', 'lots'), { message: /--log-max-bytes "lots"/ });
});

test('cluster logs - on a locked bus a node publishes only as itself; the API server’s process reads the stream, no other identity does', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-clusterlogs-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const { nats, retention } = await jsServer(t, undefined, lockedConfig(clusterIdentities(['n1', 'n2']), [], home));
  const creds = (id: string) => ensureCredentials(id, home);
  await ensureLogStream(await conn(t, nats.url, creds('apiserver')), retention);
  const n1 = await NatsBus.connect({ servers: nats.url, name: 'node/n1', credentials: creds('node/n1') });
  t.teardown(() => n1.close());
  const batch = (node: string, text: string): ClusterLogBatch => ({ node, namespace: 'default', pod: 'p', uid: 'u', container: 'c', labels: { app: 'web' }, default: true, lines: [{ at: Date.now(), stream: 'stdout', text }] });
  n1.publish(clusterLogSubject('n2', 'default', 'p', 'c'), batch('n2', 'forged as n2'));
  n1.publish(clusterLogSubject('n1', 'default', 'p', 'c'), batch('n1', 'own line'));
  // On its own subject with another node in the body: readers go by the subject, so it stays n1's.
  n1.publish(clusterLogSubject('n1', 'default', 'p', 'c'), { ...batch('n2', 'body says n2'), pod: 'other', container: 'x' });
  await n1.flush();
  const apiserver = await conn(t, nats.url, creds('apiserver'));
  const es = await waitFor(async () => {
    const r = await read(apiserver, { selector: 'app=web' });
    return r.length >= 2 ? r : undefined;
  }, 'the API server’s read');
  t.deepEqual(es.map((e) => `${e.node} ${linePrefix(e)} ${e.text}`), ['n1 [pod/p/c] own line', 'n1 [pod/p/c] body says n2']);
  // No other identity may use JetStream: the admin's, gateway's and a node's consumers are refused (reads go through the API server's process).
  await t.throwsAsync(read(await conn(t, nats.url, creds('admin')), { selector: 'app=web' }));
  await t.throwsAsync(read(await conn(t, nats.url, creds('gateway')), { selector: 'app=web' }));
  await t.throwsAsync(read(await conn(t, nats.url, creds('node/n2')), { selector: 'app=web' }));
});

test('cluster logs - the shipper batches per container: a batch at most maxDelayMs after its first line, at once when maxLines fill it', async (t) => {
  const { clock, node, got, shipper } = virtualShipper({ node: 'n1.example', maxLines: 3, pod: () => undefined });
  let write!: (text: string) => void;
  let end!: () => void;
  const runtime = { followLogs: (_id: string, line: (l: { at: number; stream: 'stdout'; text: string }) => void, e: () => void) => ((write = (text) => line({ at: clock.now(), stream: 'stdout', text })), (end = e), () => {}) } as never;
  shipper.track(runtime, 'c1', { podUid: 'u', name: 'p.1', namespace: 'default', labels: { app: 'web' }, annotations: {} }, { name: 'app', init: false });
  write('one');
  write('two');
  await clock.advance(999);
  await node.flush();
  await settle();
  t.is(got.length, 0, 'not yet: under a second and under maxLines');
  await clock.advance(1);
  await waitFor(() => got.length === 1, 'the batch after 1 s');
  t.deepEqual(got[0].lines.map((l) => l.text), ['one', 'two']);
  t.is(got[0].node, 'n1.example');
  t.deepEqual(got[0].labels, { app: 'web' });
  for (const x of ['a', 'b', 'c']) write(x);
  await waitFor(() => got.length === 2, 'a full batch at once');
  t.deepEqual(got[1].lines.map((l) => l.text), ['a', 'b', 'c']);
  write('last');
  end();
  await waitFor(() => got.length === 3, 'the rest when the container ends');
  t.deepEqual(shipper.shipped, { batches: 3, lines: 6 });
});

test('cluster logs - kubus logs -l prints prefixed lines (bare with --no-prefix); a NATS without the stream is a usage error that says why', async (t) => {
  const { nats, retention } = await jsServer(t);
  const bus = await NatsBus.connect({ servers: nats.url, name: 'cli', credentials: null });
  t.teardown(() => bus.close());
  // The API server's process serves the reads (an open bus: no user, no review).
  const reader = await conn(t, nats.url);
  t.teardown(serveClusterLogs({ bus, api: new ApiClient(bus), read: (q, each, signal) => readClusterLogs(reader, q, each, { signal }), log: silentLogger }));
  await bus.flush();
  const run = async (flags: Parameters<typeof clusterLogs>[1]) => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    await clusterLogs(bus, flags, out);
    return text;
  };
  await t.throwsAsync(run({ namespace: 'default', selector: 'app=web' }), { message: /keeps no logs: its NATS has no KUBUS_LOGS stream/ });
  await ensureLogStream(await conn(t, nats.url), retention);
  bus.publish(clusterLogSubject('n1', 'default', 'web-1', 'app'), { node: 'n1', namespace: 'default', pod: 'web-1', uid: 'u', container: 'app', labels: { app: 'web' }, default: true, lines: [{ at: Date.now(), stream: 'stdout', text: 'hello' }] } satisfies ClusterLogBatch);
  await bus.flush();
  t.is(await waitFor(async () => (await run({ namespace: 'default', selector: 'app=web' })) || undefined, 'the line'), '[pod/web-1/app] hello\n');
  t.is(await run({ namespace: 'default', selector: 'app=web', prefix: false }), 'hello\n');
  t.is(await run({ namespace: 'default', selector: 'app=web', allNamespaces: true }), '[pod/default/web-1/app] hello\n');
  // --tail N: the last N lines of each container, in stream order.
  const at = Date.now();
  bus.publish(clusterLogSubject('n1', 'default', 'web-2', 'app'), { node: 'n1', namespace: 'default', pod: 'web-2', uid: 'u2', container: 'app', labels: { app: 'web' }, default: true, lines: ['a', 'b', 'c'].map((text) => ({ at, stream: 'stdout' as const, text })) } satisfies ClusterLogBatch);
  await bus.flush();
  await waitFor(async () => (await run({ namespace: 'default', selector: 'app=web' })).includes('web-2/app] c'), 'web-2’s lines');
  t.is(await run({ namespace: 'default', selector: 'app=web', tail: 2, prefix: false }), 'hello\nb\nc\n');
  t.is(await run({ namespace: 'default', selector: 'app=web', tail: 0 }), '');
  // A pod that is gone is read once, never followed (nothing more comes; kubectl answers NotFound).
  t.like(gonePodFlags({ namespace: 'default', follow: true }), { follow: false, prefix: false });
});

test('cluster logs - a restarted kubelet follows the containers it adopts, from the restart on (earlier lines were shipped before)', async (t) => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', uid: 'u1', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x' }] } } as Pod;
  const { clock, got, shipper } = virtualShipper({ node: 'n1', pod: () => pod });
  const followed: string[] = [];
  // As the CRI runtime follows a container it did not create: its file from the start, then new lines.
  const runtime = {
    followLogs: (id: string, line: (l: { at: number; stream: 'stdout'; text: string }) => void) => {
      followed.push(id);
      line({ at: clock.now() - 60_000, stream: 'stdout', text: 'before the restart' });
      line({ at: clock.now(), stream: 'stdout', text: 'after the restart' });
      return () => {};
    },
  } as never;
  shipper.adopt(runtime, pod, [{ id: 'c1', name: 'app', state: 'running' }, { id: 'c0', name: 'app', state: 'exited' }], clock.now());
  t.deepEqual(followed, ['c1'], 'running containers only');
  await clock.advance(1000);
  await waitFor(() => got.length === 1, 'the adopted container’s batch');
  t.deepEqual(got[0].lines.map((l) => l.text), ['after the restart']);
  t.like(got[0], { pod: 'web-1', namespace: 'default', uid: 'u1', container: 'app', default: true, labels: { app: 'web' } });
});

test('cluster logs - a batch’s origin is read from its subject, dotted names decoded', (t) => {
  t.deepEqual(batchOrigin(clusterLogSubject('n1.example', 'default', 'web.1', 'app')), { node: 'n1.example', namespace: 'default', pod: 'web.1', container: 'app' });
  t.is(batchOrigin('kubus.clusterlogs.n1.default'), undefined);
});

test('cluster logs - the shipper counts a batch in UTF-8 bytes, not UTF-16 units; a very long line ships in parts', async (t) => {
  const { clock, got, shipper } = virtualShipper({ node: 'n1', maxBytes: 1000, pod: () => undefined });
  let line!: (l: { at: number; stream: 'stdout'; text: string }) => void;
  const runtime = { followLogs: (_id: string, l: typeof line) => ((line = l), () => {}) } as never;
  shipper.track(runtime, 'c1', { podUid: 'u', name: 'p', namespace: 'default', labels: {}, annotations: {} }, { name: 'app', init: false });
  // 200 'é' are 200 units but 400 bytes: two fit under 1000 bytes, a third does not.
  for (let i = 0; i < 3; i++) line({ at: clock.now(), stream: 'stdout', text: 'é'.repeat(200) });
  await waitFor(() => got.length === 1, 'a batch at the byte cap');
  t.is(got[0].lines.length, 2);
  t.true(Buffer.byteLength(JSON.stringify(got[0])) < 1200);
  const big = new LogShipper({ bus: virtualShipper({ node: 'n2', pod: () => undefined }).node, clock, node: 'n2', log: silentLogger, pod: () => undefined });
  let bigLine!: typeof line;
  big.track({ followLogs: (_id: string, l: typeof line) => ((bigLine = l), () => {}) } as never, 'c2', { podUid: 'u', name: 'p', namespace: 'default', labels: {}, annotations: {} }, { name: 'app', init: false });
  bigLine({ at: clock.now(), stream: 'stdout', text: 'x'.repeat(MAX_LINE_CHARS * 2 + 5) });
  await clock.advance(1000);
  t.deepEqual(big.shipped, { batches: 1, lines: 3 });
  shipper.close();
  big.close();
});
