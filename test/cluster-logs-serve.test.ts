// The cluster log server's stop (runtime/cluster-logs-serve.ts) over a real nats-server (an open bus): a
// follow in progress is ended and its client told, its heartbeat timer cleared; a read whose review was
// pending at the stop starts no stream, and a bus closed meanwhile is no unhandled rejection.
import test, { type ExecutionContext } from 'ava';
import type { ClusterLogQuery } from '../api/cluster-logs.ts';
import type { UserInfo } from '../api/protocol.ts';
import type { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { silentLogger, type Logger } from '../bus/types.ts';
import { readRemoteClusterLogs } from '../runtime/cluster-logs-client.ts';
import { serveClusterLogs } from '../runtime/cluster-logs-serve.ts';
import { natsServer } from './helpers/nats.ts';
import { waitFor } from './helpers/wait.ts';

async function buses(t: ExecutionContext) {
  const nats = await natsServer(t);
  const connect = async (name: string) => {
    const bus = await NatsBus.connect({ servers: nats.url, name, log: silentLogger, credentials: null });
    t.teardown(() => bus.close().catch(() => undefined));
    return bus;
  };
  return { server: await connect('apiserver'), client: await connect('cli') };
}

/** A read that, as an idle follow, returns only once aborted; `reads` holds the signals it was given. */
function idleRead() {
  const reads: AbortSignal[] = [];
  const read = (_q: ClusterLogQuery, _each: unknown, signal: AbortSignal) => {
    reads.push(signal);
    return new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  };
  return { reads, read };
}

test.serial('cluster logs serve - a stop ends an idle follow: its client is told at once and no heartbeat timer stays', async (t) => {
  const { server, client } = await buses(t);
  const { reads, read } = idleRead();
  // The intervals made from here on (the read's heartbeat, the client's watchdog), and which are cleared.
  const live = new Set<unknown>();
  const { setInterval: set, clearInterval: clear } = globalThis;
  globalThis.setInterval = ((...a: Parameters<typeof set>) => {
    const h = set(...a);
    live.add(h);
    return h;
  }) as typeof set;
  globalThis.clearInterval = ((h: Parameters<typeof clear>[0]) => {
    live.delete(h);
    clear(h);
  }) as typeof clear;
  t.teardown(() => Object.assign(globalThis, { setInterval: set, clearInterval: clear }));
  const stop = serveClusterLogs({ bus: server, api: {} as ApiClient, read, log: silentLogger });
  await server.flush();
  const following = readRemoteClusterLogs(client, { namespace: 'default', follow: true }, () => undefined);
  await waitFor(() => reads.length === 1, 'the follow’s read');
  t.is(live.size, 2, 'the read’s heartbeat and the client’s watchdog');
  const at = Date.now();
  stop();
  t.true(reads[0].aborted);
  await t.throwsAsync(following, { message: /the API server's process stopped/ });
  t.true(Date.now() - at < 5_000, 'told within 5 s (the client’s watchdog would take 30 s)');
  t.is(live.size, 0, 'every interval cleared');
});

test.serial('cluster logs serve - a read whose review is pending at the stop starts no stream; a bus closed meanwhile is logged, not thrown', async (t) => {
  const { server, client } = await buses(t);
  const { reads, read } = idleRead();
  const reviews: ((allowed: boolean) => void)[] = [];
  const api = { call: () => new Promise((resolve) => reviews.push((allowed) => resolve({ status: { allowed } }))) } as unknown as ApiClient;
  const logged: string[] = [];
  const log: Logger = { ...silentLogger, debug: (_o: unknown, m?: string) => void logged.push(String(m)) } as Logger;
  const alice: UserInfo = { username: 'alice' };
  // The bus still open: the client hears 503.
  let stop = serveClusterLogs({ bus: server, api, read, log });
  await server.flush();
  const first = readRemoteClusterLogs(client, { namespace: 'default', follow: true }, () => undefined, undefined, alice);
  await waitFor(() => reviews.length === 1, 'the first review');
  stop();
  reviews[0](true);
  await t.throwsAsync(first, { message: /the API server's process stopped/ });
  // The bus closed before the review comes back: the answer cannot go out (BusClosedError), and is logged.
  stop = serveClusterLogs({ bus: server, api, read, log });
  await server.flush();
  const gone = new AbortController();
  const second = readRemoteClusterLogs(client, { namespace: 'default', follow: true }, () => undefined, gone.signal, alice);
  await waitFor(() => reviews.length === 2, 'the second review');
  stop();
  await server.close();
  reviews[1](true);
  await waitFor(() => logged.includes('cluster log read: not answered'), 'the unanswered read logged');
  gone.abort();
  await second;
  t.is(reads.length, 0, 'no stream started');
});
