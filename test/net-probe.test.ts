// httpGet and tcpSocket probes against a real socket on loopback, with upstream's output texts.
import test from 'ava';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { httpProbe, PROBE_USER_AGENT, probePort, tcpProbe } from '../actors/kubelet/net-probe.ts';

/** A port nothing listens on: one just closed. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function httpServer(t: import('ava').ExecutionContext): Promise<{ server: Server; port: number; agents: string[] }> {
  const agents: string[] = [];
  const server = createServer((req, res) => {
    agents.push(req.headers['user-agent'] ?? '');
    if (req.url === '/healthz') res.end('ok');
    else if (req.url === '/moved') res.writeHead(302, { Location: '/healthz' }).end();
    else res.writeHead(500).end('broken');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { server, port: (server.address() as AddressInfo).port, agents };
}

test('net probe - httpGet: 2xx and 3xx succeed, other codes fail with upstream text, a closed port is a dial error', async (t) => {
  const { port, agents } = await httpServer(t);
  t.deepEqual(await httpProbe({ port, path: '/healthz' }, '127.0.0.1', {}, 2000), { result: 'success', output: 'ok' });
  t.is((await httpProbe({ port, path: '/moved' }, '127.0.0.1', {}, 2000)).result, 'success');
  t.deepEqual(await httpProbe({ port, path: '/bad' }, '127.0.0.1', {}, 2000), { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  t.is(agents[0], PROBE_USER_AGENT);
  await httpProbe({ port, path: '/healthz', httpHeaders: [{ name: 'User-Agent', value: 'mine' }] }, '127.0.0.1', {}, 2000);
  t.is(agents.at(-1), 'mine', "the probe's headers win");
  const closed = await closedPort();
  t.deepEqual(await httpProbe({ port: closed, path: 'healthz' }, '127.0.0.1', {}, 2000), {
    result: 'failure',
    output: `Get "http://127.0.0.1:${closed}/healthz": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
  });
  t.deepEqual(await httpProbe({ port: 'http', path: '/healthz' }, '127.0.0.1', { http: port }, 2000), { result: 'success', output: 'ok' }, 'a named port');
});

test('net probe - tcpSocket: an open port succeeds, a closed one fails; unknown named ports fail', async (t) => {
  const { port } = await httpServer(t);
  t.deepEqual(await tcpProbe({ port }, '127.0.0.1', {}, 2000), { result: 'success', output: '' });
  const closed = await closedPort();
  t.deepEqual(await tcpProbe({ port: closed }, '127.0.0.1', {}, 2000), { result: 'failure', output: `dial tcp 127.0.0.1:${closed}: connect: connection refused` });
  t.is(probePort('web', {}), 'port "web" not found');
  t.is(probePort('8080', {}), 8080);
});
