// One contract suite, run on both transports: MemoryBus and NatsBus over a real nats-server.
import test, { type ExecutionContext } from 'ava';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { StatusError, type Status } from '../api/status.ts';
import { ConnectionLostError, NoRespondersError, RequestTimeoutError } from '../bus/errors.ts';
import { currentContext, parseTraceparent, runHandling } from '../bus/trace.ts';
import type { Bus, BusMessage, Logger } from '../bus/types.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { recordingLogger } from './helpers/log.ts';
import { waitFor } from './helpers/wait.ts';

type Connect = (t: ExecutionContext, name: string, log?: Logger) => Promise<Bus>;

let server: NatsServer;
test.before(async () => {
  server = await startNatsServer();
});
test.after.always(async () => {
  await server?.stop('SIGKILL');
});

const transports: Record<string, Connect> = {
  memory: (() => {
    const brokers = new WeakMap<ExecutionContext, MemoryBroker>();
    return async (t, name, log) => {
      let b = brokers.get(t);
      if (!b) brokers.set(t, (b = new MemoryBroker({ log })));
      if (log) b.log = log;
      const bus = b.connect(name);
      t.teardown(() => bus.close());
      return bus;
    };
  })(),
  nats: async (t, name, log) => {
    const bus = await NatsBus.connect({ servers: server.url, name, log });
    t.teardown(() => bus.close());
    return bus;
  },
};

const collect = (bus: Bus, subject: string, opts?: { queue?: string }) => {
  const got: BusMessage[] = [];
  bus.subscribe(subject, (m) => got.push(m), opts);
  return got;
};

for (const [kind, connect] of Object.entries(transports)) {
  test(`bus (${kind}) - wildcards * and > match as NATS does`, async (t) => {
    const a = await connect(t, 'a');
    const star = collect(a, 'k.*.x');
    const tail = collect(a, 'k.>');
    await a.flush();
    for (const s of ['k.1.x', 'k.2.y', 'k.1.x.z', 'q.1.x']) a.publish(s, s);
    await waitFor(() => tail.length === 3, 'k.> to get 3');
    await a.flush();
    t.deepEqual(star.map((m) => m.data), ['k.1.x']);
    t.deepEqual(tail.map((m) => m.data).sort(), ['k.1.x', 'k.1.x.z', 'k.2.y']);
  });

  test(`bus (${kind}) - a queue group gives each message to exactly one member`, async (t) => {
    const [a, b, p] = [await connect(t, 'a'), await connect(t, 'b'), await connect(t, 'p')];
    const ga = collect(a, 'work', { queue: 'q' });
    const gb = collect(b, 'work', { queue: 'q' });
    const plain = collect(b, 'work');
    await a.flush();
    await b.flush();
    for (let i = 0; i < 200; i++) p.publish('work', i);
    await waitFor(() => ga.length + gb.length === 200 && plain.length === 200, 'all 200 delivered');
    const seen = [...ga, ...gb].map((m) => m.data as number).sort((x, y) => x - y);
    t.deepEqual(seen, Array.from({ length: 200 }, (_, i) => i));
    t.true(ga.length > 0 && gb.length > 0, `both members served (${ga.length}/${gb.length})`);
  });

  test(`bus (${kind}) - request/reply, timeout, and an immediate no-responders error`, async (t) => {
    const [srv, cli] = [await connect(t, 'srv'), await connect(t, 'cli')];
    srv.subscribe<{ n: number }>('svc.double', (m) => srv.respond(m, { n: m.data.n * 2 }));
    srv.subscribe('svc.silent', () => {});
    await srv.flush();
    const r = await cli.request<{ n: number }>('svc.double', { n: 21 });
    t.is(r.data.n, 42);
    await t.throwsAsync(cli.request('svc.silent', {}, { timeoutMs: 150 }), { instanceOf: RequestTimeoutError });
    const t0 = Date.now();
    const err = await t.throwsAsync(cli.request('svc.nobody', {}, { timeoutMs: 5000 }), {
      instanceOf: NoRespondersError,
    });
    t.true(Date.now() - t0 < 1000, 'no-responders is immediate, not a timeout');
    t.regex(err!.message, /no responders on "svc\.nobody"/);
  });

  test(`bus (${kind}) - headers round-trip and carry a traceparent and the sender`, async (t) => {
    const a = await connect(t, 'sender-a');
    const got = collect(a, 'h');
    await a.flush();
    a.publish('h', 1, { headers: { 'x-one': 'uno', 'x-two': 'dos' } });
    await waitFor(() => got.length === 1);
    const h = got[0].headers;
    t.is(h['x-one'], 'uno');
    t.is(h['x-two'], 'dos');
    t.truthy(parseTraceparent(h.traceparent), `traceparent ${h.traceparent}`);
    t.is(h['kubus-actor'], 'sender-a');
  });

  test(`bus (${kind}) - what a handler publishes is a child span of the message it handles`, async (t) => {
    const [a, b] = [await connect(t, 'a'), await connect(t, 'b')];
    const out = collect(a, 'out');
    b.subscribe('in', () => b.publish('out', 'reply'));
    await a.flush();
    await b.flush();
    a.publish('in', 'hi', { headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` } });
    await waitFor(() => out.length === 1);
    const span = parseTraceparent(out[0].headers.traceparent)!;
    t.is(span.traceId, 'a'.repeat(32));
    t.not(span.spanId, 'b'.repeat(16));
  });

  test(`bus (${kind}) - order is kept per publisher on one subject`, async (t) => {
    const [a, b] = [await connect(t, 'a'), await connect(t, 'b')];
    const got = collect(b, 'seq');
    await b.flush();
    for (let i = 0; i < 2000; i++) a.publish('seq', i);
    await waitFor(() => got.length === 2000, '2000 messages');
    t.deepEqual(
      got.map((m) => m.data),
      Array.from({ length: 2000 }, (_, i) => i),
    );
  });

  test(`bus (${kind}) - delivery never happens inside publish`, async (t) => {
    const a = await connect(t, 'a');
    let inside = false;
    let deliveredInside: boolean | undefined;
    a.subscribe('sync', () => (deliveredInside = inside));
    await a.flush();
    inside = true;
    a.publish('sync', 1);
    inside = false;
    await waitFor(() => deliveredInside !== undefined);
    t.false(deliveredInside);
  });

  test(`bus (${kind}) - a 1 MiB payload arrives intact`, async (t) => {
    const [a, b] = [await connect(t, 'a'), await connect(t, 'b')];
    const got = collect(b, 'big');
    await b.flush();
    const big = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) % 251);
    a.publish('big', { big });
    await waitFor(() => got.length === 1);
    const back = (got[0].data as { big: Uint8Array }).big;
    t.is(back.length, big.length);
    t.true(Buffer.from(back).equals(Buffer.from(big)));
  });

  test(`bus (${kind}) - an undecodable payload is dropped and logged; the subscriber lives on`, async (t) => {
    const log = recordingLogger();
    const [a, b] = [await connect(t, 'a', log), await connect(t, 'b', log)];
    const got = collect(b, 'raw');
    await b.flush();
    a.publishRaw('raw', new Uint8Array([0xc1, 0xff, 0x00]));
    a.publish('raw', 'fine');
    await waitFor(() => got.length === 1);
    t.deepEqual(
      got.map((m) => m.data),
      ['fine'],
    );
    t.true(log.entries.some((e) => e.level === 'warn' && /undecodable/.test(e.msg)));
  });

  test(`bus (${kind}) - an undecodable request is answered with a 400 Status at once; the handler never sees it`, async (t) => {
    const log = recordingLogger();
    const [srv, cli] = [await connect(t, 'srv', log), await connect(t, 'cli', log)];
    const got = collect(srv, 'svc.echo');
    const replies = collect(cli, 'replies.>');
    await srv.flush();
    await cli.flush();
    const traceparent = `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`;
    cli.publishRaw('svc.echo', Uint8Array.of(0xc1), { reply: 'replies.1', headers: { traceparent } });
    cli.publishRaw('svc.echo', Uint8Array.of(0x92, 0x01), { reply: 'replies.2' }); // an array of 2 with 1 item
    cli.publish('svc.echo', 'fine', { reply: 'replies.3' }); // reaches the handler, which does not answer
    await waitFor(() => replies.length === 2 && got.length === 1, 'two 400s and one delivery');
    t.deepEqual(got.map((m) => m.data), ['fine']);
    t.deepEqual(replies.map((m) => m.subject).sort(), ['replies.1', 'replies.2']);
    for (const r of replies) {
      const err = StatusError.from(r.data as Status);
      t.like(err.status, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 400, reason: 'BadRequest' });
      t.regex(err.message, /^the request body could not be decoded: not MessagePack/);
    }
    const first = replies.find((m) => m.subject === 'replies.1')!;
    t.is(parseTraceparent(first.headers.traceparent)?.traceId, 'c'.repeat(32), 'the 400 is a child span of the request');
    t.false(log.entries.some((e) => e.level === 'warn'), 'answered, not dropped');
  });

  test(`bus (${kind}) - a subscription made while handling for an actor delivers as that actor`, async (t) => {
    const a = await connect(t, 'a');
    let actorSeen: string | undefined;
    runHandling({ actor: 'kubelet/n1' }, () => a.subscribe('who', () => (actorSeen = currentContext()?.actor)));
    await a.flush();
    a.publish('who', 1);
    await waitFor(() => actorSeen);
    t.is(actorSeen, 'kubelet/n1');
  });
}

test('bus (nats) - kill -9 the server and start it again: subscriptions and requests resume', async (t) => {
  const own = await startNatsServer();
  t.teardown(() => own.stop('SIGKILL'));
  const [srv, cli] = await Promise.all([
    NatsBus.connect({ servers: own.url, name: 'srv' }),
    NatsBus.connect({ servers: own.url, name: 'cli' }),
  ]);
  t.teardown(() => Promise.all([srv.close(), cli.close()]).then(() => undefined));
  const events: string[] = [];
  cli.onStatus((s) => events.push(s));
  const got = collect(cli, 'after.>');
  srv.subscribe<number>('echo', (m) => srv.respond(m, m.data + 1));
  await srv.flush();
  t.is((await cli.request<number>('echo', 1)).data, 2);

  await own.restart(); // SIGKILL, then the same port again
  await waitFor(() => events.includes('reconnected'), 'client reconnect', 15_000);
  const r = await waitFor(() => cli.request<number>('echo', 41, { timeoutMs: 500 }).catch(() => undefined), 'echo again', 15_000);
  t.is(r.data, 42);
  srv.publish('after.restart', 'still subscribed');
  await waitFor(() => got.length === 1, 'subscription resumed');
  t.is(got[0].data, 'still subscribed');
});

// A request waiting for its reply when the connection drops fails at once, as a broken HTTP
// connection fails its requests, instead of waiting out its timeout (its reply is lost); one made
// while the connection is down is refused at once (never buffered: a buffered request's reply can
// be lost too), and requests work again once it is back.
test('bus (nats) - a request in flight when the connection drops fails at once; one made while down is not sent', async (t) => {
  const own = await startNatsServer();
  t.teardown(() => own.stop('SIGKILL'));
  const [srv, cli] = await Promise.all([NatsBus.connect({ servers: own.url, name: 'srv' }), NatsBus.connect({ servers: own.url, name: 'cli' })]);
  t.teardown(() => Promise.all([srv.close(), cli.close()]).then(() => undefined));
  const events: string[] = [];
  cli.onStatus((s) => events.push(s));
  let asked = 0;
  srv.subscribe<number>('slow', (m) => void (asked++ && srv.respond(m, m.data + 1))); // the first is never answered
  await srv.flush();
  const started = Date.now();
  const r = cli.request('slow', 1, { timeoutMs: 30_000 });
  await waitFor(() => asked === 1, 'the request reached the server');
  await own.stop('SIGKILL');
  const err = await t.throwsAsync(r, { instanceOf: ConnectionLostError });
  t.true(err!.sent);
  t.regex(err!.message, /may or may not have been applied/);
  t.true(Date.now() - started < 10_000, `failed after ${Date.now() - started} ms, not at the 30 s timeout`);
  await waitFor(() => events.includes('disconnected'), 'the client knows it is down');
  const refused = await t.throwsAsync(cli.request('slow', 2), { instanceOf: ConnectionLostError });
  t.false(refused!.sent);
  await own.restart();
  await waitFor(() => events.includes('reconnected'), 'client reconnect', 15_000);
  const again = await waitFor(() => cli.request<number>('slow', 41, { timeoutMs: 500 }).catch(() => undefined), 'a request answered again', 15_000);
  t.is(again.data, 42);
});

test('bus (memory) - a request in flight when the connection goes down fails at once; one made while down is not sent', async (t) => {
  const broker = new MemoryBroker();
  const [srv, cli] = [broker.connect('srv'), broker.connect('cli')];
  t.teardown(() => Promise.all([srv.close(), cli.close()]).then(() => undefined));
  let asked = 0;
  srv.subscribe('slow', () => void asked++);
  const r = cli.request('slow', 1, { timeoutMs: 30_000 });
  await waitFor(() => asked === 1, 'the request reached the server');
  cli.setDown(true);
  const err = await t.throwsAsync(r, { instanceOf: ConnectionLostError });
  t.true(err!.sent);
  const refused = await t.throwsAsync(cli.request('slow', 2), { instanceOf: ConnectionLostError });
  t.false(refused!.sent);
  cli.setDown(false);
  await srv.flush();
  t.is(asked, 1, 'the refused request never reached the server');
});
