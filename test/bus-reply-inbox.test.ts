// A request's reply subject names its inbox (all but its last token): MemoryBus records the inbox of
// each reply it waits for, so routing the reply and the API server's watch liveness read it without
// slicing the subject; what they read is what slicing gives.
import test from 'ava';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { inboxOf, replySettled, replyWaiting, repliesWaiting, requestInbox } from '../bus/subjects.ts';
import { Sublist } from '../bus/sublist.ts';
import { VirtualClock } from '../bus/clock.ts';

test('bus reply inbox - a subject not recorded is sliced at its last dot; one token has none', (t) => {
  t.is(inboxOf('_INBOX.conn_ab12.17'), '_INBOX.conn_ab12');
  t.is(inboxOf('a.b.c'), 'a.b');
  t.is(inboxOf('single'), undefined);
});

test('bus reply inbox - a recorded reply answers its recorded inbox until settled', (t) => {
  const reply = '_INBOX.recorded_x.1';
  replyWaiting(reply, '_INBOX.recorded_x');
  t.is(inboxOf(reply), '_INBOX.recorded_x');
  replySettled(reply);
  t.is(inboxOf(reply), '_INBOX.recorded_x');
  // What is read comes from the record while it is there (a value slicing would not give shows it).
  replyWaiting('_INBOX.other_y.2', 'recorded');
  t.is(inboxOf('_INBOX.other_y.2'), 'recorded');
  replySettled('_INBOX.other_y.2');
  t.is(inboxOf('_INBOX.other_y.2'), '_INBOX.other_y');
});

test('bus reply inbox - the sublist matches reply subjects by inbox, recorded or not', (t) => {
  const s = new Sublist<string>();
  s.insert(`${requestInbox('c1')}.*`, 'c1');
  s.insert(`${requestInbox('c2')}.*`, 'c2');
  replyWaiting(`${requestInbox('c1')}.5`, requestInbox('c1'));
  t.deepEqual(s.match(`${requestInbox('c1')}.5`), ['c1']);
  replySettled(`${requestInbox('c1')}.5`);
  t.deepEqual(s.match(`${requestInbox('c1')}.6`), ['c1']);
  t.deepEqual(s.match(`${requestInbox('c2')}.6`), ['c2']);
  t.deepEqual(s.match(`${requestInbox('c3')}.6`), []);
});

test('bus reply inbox - MemoryBus records each reply while its request waits, and forgets it when answered, timed out or unanswerable', async (t) => {
  const clock = new VirtualClock();
  const broker = new MemoryBroker({ clock, deterministic: true, rng: seededRng(3) });
  const client = broker.connect('client');
  const server = broker.connect('server');
  const before = repliesWaiting();
  const seen: Array<string | undefined> = [];
  server.subscribe('svc.echo', (msg) => {
    seen.push(inboxOf(msg.reply!));
    t.is(repliesWaiting(), before + 1);
    server.respond(msg, { ok: true });
  });
  server.subscribe('svc.silent', () => {});
  const answered = client.request('svc.echo', { n: 1 });
  await clock.advance(10);
  t.deepEqual((await answered).data, { ok: true });
  t.is(seen.length, 1);
  t.is(seen[0], requestInbox(client.id));
  t.is(repliesWaiting(), before);
  const silent = client.request('svc.silent', {}, { timeoutMs: 100 });
  t.is(repliesWaiting(), before + 1);
  const timedOut = t.throwsAsync(silent, { message: /timed out|timeout/i });
  await clock.advance(200);
  await timedOut;
  t.is(repliesWaiting(), before);
  await t.throwsAsync(client.request('svc.nobody', {}), { message: /no responders/i });
  t.is(repliesWaiting(), before);
});
