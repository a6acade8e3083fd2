// The kubelet's relay of a runtime's stream (actors/kubelet/node-stream.ts) against a stand-in
// streaming server (a WebSocket that echoes stdin): frames both ways over the bus, the session's
// end, and a client that vanishes (its connection closed without an end) found by the keepalive.
import test, { type ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { StreamRequest } from '../api/node-protocol.ts';
import { streamSessions } from '../actors/kubelet/node-stream.ts';
import type { ContainerInfo, ContainerRuntime } from '../actors/kubelet/runtimes/runtime.ts';
import { realClock } from '../bus/clock.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { openNodeStream } from '../bus/stream-client.ts';
import { nodeStream } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { waitFor } from './helpers/wait.ts';

/** A streaming server that echoes channel 0 on channel 1 and tells which of its sockets closed. */
async function echoServer(t: ExecutionContext) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => (p.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });
  await new Promise<void>((r) => wss.once('listening', r));
  t.teardown(() => new Promise<void>((r) => (wss.clients.forEach((c) => c.terminate()), wss.close(() => r()))));
  const closed: WebSocket[] = [];
  wss.on('connection', (ws) => {
    ws.send(Buffer.from([1]));
    ws.on('message', (d: Buffer) => d[0] === 0 && ws.send(Buffer.concat([Buffer.from([1]), d.subarray(1)])));
    ws.on('close', () => closed.push(ws));
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/exec`, closed };
}

async function setup(t: ExecutionContext) {
  const server = await echoServer(t);
  const broker = new MemoryBroker({ clock: realClock });
  const kubelet = broker.connect('kubelet');
  const client = broker.connect('client');
  const runtime = { name: 'fake', streamUrl: async () => server.url } as unknown as ContainerRuntime;
  const streams = streamSessions({ bus: kubelet, runtime, clock: realClock, log: silentLogger, keepaliveMs: 100 });
  t.teardown(() => streams.closeAll());
  const container = { id: 'c1', sandboxId: 's1', state: 'running' } as ContainerInfo;
  kubelet.subscribe<StreamRequest>(nodeStream('n'), (msg) => void streams.start(msg.data, container).then((r) => kubelet.respond(msg, r)));
  return { server, client };
}

const req = { kind: 'exec' as const, namespace: 'default', name: 'p', container: 'c', command: ['cat'], stdin: true, stdout: true, stderr: true, tty: false };

test('kubelet stream - stdin reaches the runtime, its output comes back, ending the session closes the runtime stream', async (t) => {
  const { server, client } = await setup(t);
  let out = '';
  let ended = false;
  const s = (await openNodeStream(client, 'n', req, { frame: (ch, d) => ch === 1 && (out += d.toString()), end: () => (ended = true) }))!;
  s.send(0, Buffer.from('hello'));
  await waitFor(() => out === 'hello', 'the echo', 5_000, 10);
  s.end();
  await waitFor(() => server.closed.length === 1, 'the runtime stream closed', 5_000, 10);
  t.false(ended, 'the client ended it itself: no end frame is delivered after');
});

test('kubelet stream - a client gone without an end (its connection closed) is found by the keepalive and its stream closed', async (t) => {
  const { server, client } = await setup(t);
  await openNodeStream(client, 'n', req, { frame: () => {}, end: () => {} });
  // Not a synchronisation: a stretch of three keepalive periods in which nothing may close.
  await new Promise((r) => setTimeout(r, 300));
  t.is(server.closed.length, 0, 'a live client keeps its session past several keepalives');
  await client.close();
  // Keepalives every 100 ms. One sent after the close finds no client at once (no responders), but one
  // in flight at the close (its request delivered, the client gone before it answered) waits out its
  // 10 s request timeout first: so up to ~10.1 s, and 15 s leaves a margin for a loaded machine.
  await waitFor(() => server.closed.length === 1, 'the runtime stream closed', 15_000, 10);
  t.pass();
});
