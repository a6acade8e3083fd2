// NatsBus's requests over its one reply inbox (bus/reply-mux.ts): each reply reaches its own request,
// a late one is dropped, headers travel both ways, close() and a refused publish fail a request at once.
import test from 'ava';
import { NatsBus } from '../bus/nats-bus.ts';
import { NoRespondersError, RequestTimeoutError } from '../bus/errors.ts';
import { ReplyMux } from '../bus/reply-mux.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { capture, lockedBus } from './helpers/locked-bus.ts';
import { waitFor } from './helpers/wait.ts';

let server: NatsServer;
test.before(async () => {
  server = await startNatsServer();
});
test.after.always(async () => {
  await server?.stop('SIGKILL');
});

const pair = async (t: import('ava').ExecutionContext) => {
  const [srv, cli] = await Promise.all([NatsBus.connect({ servers: server.url, name: 'srv' }), NatsBus.connect({ servers: server.url, name: 'cli' })]);
  t.teardown(() => Promise.all([srv.close(), cli.close()]).then(() => undefined));
  return { srv, cli };
};

test('nats-bus requests - 200 concurrent requests answered out of order each get their own reply', async (t) => {
  const { srv, cli } = await pair(t);
  const held: Array<() => void> = [];
  srv.subscribe<number>('sq', (m) => held.push(() => srv.respond(m, m.data * m.data)));
  await srv.flush();
  const asks = Array.from({ length: 200 }, (_, i) => cli.request<number>('sq', i));
  await waitFor(() => held.length === 200, 'every request reached the responder');
  for (const answer of held.reverse()) answer();
  const got = await Promise.all(asks);
  t.deepEqual(got.map((m) => m.data), Array.from({ length: 200 }, (_, i) => i * i));
});

test('nats-bus requests - headers reach the responder and the reply\'s come back; a late reply is dropped', async (t) => {
  const { srv, cli } = await pair(t);
  let late: (() => void) | undefined;
  srv.subscribe<string>('hdr', (m) => {
    if (m.data === 'late') late = () => srv.respond(m, 'too late');
    else srv.respond(m, { saw: m.headers['x-test'], traced: !!m.headers.traceparent }, { 'x-back': 'yes' });
  });
  await srv.flush();
  const r = await cli.request('hdr', 'now', { headers: { 'x-test': 'hello' } });
  t.deepEqual(r.data, { saw: 'hello', traced: true });
  t.is(r.headers['x-back'], 'yes');
  const timedOut = t.throwsAsync(cli.request('hdr', 'late', { timeoutMs: 100 }), { instanceOf: RequestTimeoutError, message: /request on "hdr" timed out after 100 ms/ });
  await waitFor(() => late, 'the late request reached the responder');
  await timedOut;
  late!(); // its request is gone: the reply is dropped, and the next request gets its own
  t.deepEqual((await cli.request('hdr', 'again', { headers: { 'x-test': 'again' } })).data, { saw: 'again', traced: true });
  await t.throwsAsync(cli.request('nobody.here', 1), { instanceOf: NoRespondersError, message: /no responders on "nobody\.here"/ });
});

test('nats-bus requests - close() fails a request waiting for its reply at once, not at its timeout', async (t) => {
  const { srv, cli } = await pair(t);
  let asked = 0;
  srv.subscribe('silent', () => void asked++);
  await srv.flush();
  const started = Date.now();
  const r = cli.request('silent', 1, { timeoutMs: 30_000 });
  await waitFor(() => asked === 1, 'the request reached the responder');
  await cli.close();
  await t.throwsAsync(r, { name: 'RequestError', message: 'connection closed' });
  t.true(Date.now() - started < 10_000, `failed after ${Date.now() - started} ms`);
});

test('nats-bus requests - the mux: tokens of their own, a timeout, a cancel, and failAll by subject', async (t) => {
  const mux = new ReplyMux<string>('_INBOX.x.');
  t.is(mux.subject, '_INBOX.x.*');
  const a = mux.open('a', 60_000);
  const b = mux.open('b', 60_000);
  const c = mux.open('c', 20);
  t.not(a.reply, b.reply);
  t.false(mux.answer('_INBOX.y.0', 'not ours'));
  t.true(mux.answer(b.reply, 'B'));
  t.false(mux.answer(b.reply, 'twice'));
  t.is(await b.replied, 'B');
  await t.throwsAsync(c.replied, { instanceOf: RequestTimeoutError, message: 'request on "c" timed out after 20 ms' });
  const d = mux.open('d', 60_000);
  mux.failAll((s) => new Error(`lost ${s}`), (s) => s === 'a');
  await t.throwsAsync(a.replied, { message: 'lost a' });
  t.is(mux.size, 1);
  t.true(mux.cancel(d.reply, new Error('publish threw')));
  await t.throwsAsync(d.replied, { message: 'publish threw' });
  t.is(mux.size, 0);
});

const locked = lockedBus({ prefix: 'kubus-nats-bus-requests-', nodes: ['n1'] });

test('nats-bus requests - on a locked bus requests work, and one the server refuses to publish fails at once', async (t) => {
  const log = capture();
  const n1 = await locked.connect(t, 'node/n1', log);
  const admin = await locked.connect(t, 'admin');
  n1.subscribe('kubus.node.n1.exec', (m) => n1.respond(m, { ok: true }));
  await n1.flush();
  t.deepEqual((await admin.request('kubus.node.n1.exec', {})).data, { ok: true }); // the reply inbox sits behind admin's token
  const started = Date.now();
  const err = await t.throwsAsync(n1.request('kubus.node.n2.exec', {}, { timeoutMs: 30_000 }), { name: 'RequestError', message: /Permissions Violation for Publish/ });
  t.true(Date.now() - started < 10_000, `failed after ${Date.now() - started} ms`);
  t.truthy(err);
  await waitFor(() => log.lines.some((l) => /Permissions Violation for Publish to \W*kubus\.node\.n2\.exec/.test(l)), 'the violation logged');
});
