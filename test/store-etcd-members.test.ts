// How the etcd store spreads a request over the members (no etcd needed: the tries are stubs): the next
// member at once after an error that says "not applied", a possibly applied try resent only when allowed,
// rounds with backoff until the deadline when every member fails, members in doubt tried last, never dropped.
import test from 'ava';
import { EtcdError, GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import type { Etcd3 } from 'etcd3';
import { EtcdMembers, notApplied, transient } from '../actors/apiserver/store/etcd-members.ts';
import { waitFor } from './helpers/wait.ts';

/** Three members on ports nothing listens on (their clients never connect: the tries below are stubs). */
function three(t: { teardown(fn: () => void): void }) {
  const ms = new EtcdMembers(['http://127.0.0.1:9', 'http://127.0.0.1:10', 'http://127.0.0.1:11']);
  t.teardown(() => ms.close());
  const endpointOf = (c: Etcd3) => ms.members.find((m) => m.client === c)!.endpoint;
  return { ms, endpointOf };
}

const refused = () => new GRPCUnavailableError('14 UNAVAILABLE: No connection established');
const timedOut = () => new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED: Deadline exceeded');

test('etcd members - errors: a refused connection or a dropped proposal is not applied; a timeout or reset may be; a compare or compaction answer is no fault', (t) => {
  t.true(notApplied(refused()) && transient(refused()));
  t.true(notApplied(new GRPCUnavailableError('14 UNAVAILABLE: etcdserver: no leader')));
  t.false(notApplied(timedOut()));
  t.true(transient(timedOut()));
  t.false(notApplied(new GRPCUnavailableError('14 UNAVAILABLE: read ECONNRESET')));
  t.false(transient(new EtcdError('etcdserver: mvcc: required revision has been compacted')));
});

test('etcd members - a refused try moves to the next member at once; the one that answered is tried first next time, the refusing one last', async (t) => {
  const { ms, endpointOf } = three(t);
  const [bad] = ms.ranked();
  const tries: string[] = [];
  const started = Date.now();
  const r = await ms.call(
    async (c) => {
      tries.push(endpointOf(c));
      if (endpointOf(c) === bad.endpoint) throw refused();
      return 'ok';
    },
    { deadline: Date.now() + 5000, resend: false },
  );
  t.is(r, 'ok');
  t.is(tries.length, 2);
  t.is(tries[0], bad.endpoint);
  t.true(Date.now() - started < 500, 'no backoff before the first round is over');
  t.is(ms.ranked()[0].endpoint, tries[1]);
  t.is(ms.ranked()[2], bad);
});

test('etcd members - a try that may have been applied is sent again only with resend, and says so', async (t) => {
  const { ms } = three(t);
  let n = 0;
  await t.throwsAsync(
    ms.call(async () => {
      n++;
      throw timedOut();
    }, { deadline: Date.now() + 5000, resend: false }),
    { instanceOf: GRPCDeadlineExceededError },
  );
  t.is(n, 1, 'a create-like write is not resent after a timeout');
  const outcome = { ambiguous: false };
  let m = 0;
  const r = await ms.call(
    async () => {
      if (m++ === 0) throw timedOut();
      return m;
    },
    { deadline: Date.now() + 5000, resend: true, outcome },
  );
  t.is(r, 2);
  t.true(outcome.ambiguous);
});

test('etcd members - when every member fails, rounds go on with a backoff until the deadline, then the last error; none is dropped', async (t) => {
  const { ms, endpointOf } = three(t);
  const tries: string[] = [];
  const started = Date.now();
  await t.throwsAsync(
    ms.call(async (c) => {
      tries.push(endpointOf(c));
      throw refused();
    }, { deadline: Date.now() + 1200, resend: false }),
    { instanceOf: GRPCUnavailableError },
  );
  const took = Date.now() - started;
  t.true(took >= 1200 && took < 2500, `${took} ms`);
  // 50, 100, 200, 400 ms between rounds: about 5 rounds of 3, each member in every round.
  t.true(tries.length >= 9 && tries.length <= 24, `${tries.length} tries`);
  for (const m of ms.members) t.true(tries.filter((e) => e === m.endpoint).length >= 3, m.endpoint);
  // Every member in doubt: still all ranked, the one back soonest first.
  t.is(ms.ranked().length, 3);
  t.true(ms.members.every((m) => m.doubtful));
});

test('etcd members - an answer that is not a fault (a compare, a compaction) is thrown at once, the member stays first', async (t) => {
  const { ms } = three(t);
  const [first] = ms.ranked();
  let n = 0;
  await t.throwsAsync(
    ms.call(async () => {
      n++;
      throw new EtcdError('etcdserver: mvcc: required revision has been compacted');
    }, { deadline: Date.now() + 5000, resend: true }),
    { message: /compacted/ },
  );
  t.is(n, 1);
  t.is(ms.ranked()[0], first);
  t.false(first.doubtful);
});

test('etcd members - a member holding a request unanswered for a second goes last (frozen, cut off), and first again once it answers', async (t) => {
  const { ms, endpointOf } = three(t);
  const [slow] = ms.ranked();
  let release!: () => void;
  const held = ms.call(
    (c) => {
      t.is(endpointOf(c), slow.endpoint);
      return new Promise<string>((r) => (release = () => r('late')));
    },
    { deadline: Date.now() + 10_000, resend: false },
  );
  t.is(ms.ranked()[0], slow, 'not in doubt before a second');
  await waitFor(() => slow.doubtful, 'the member holding a request to be in doubt', 3000, 20);
  t.is(ms.ranked()[2], slow);
  t.not(ms.pick(), slow);
  release();
  t.is(await held, 'late');
  t.false(slow.doubtful);
  t.is(ms.ranked()[0], slow);
});
