// The history checker on hand-made histories: each kind of violation is caught with its message; good ones pass.
import test from 'ava';
import { StatusError } from '../api/status.ts';
import { ConnectionLostError, NoRespondersError, RequestTimeoutError } from '../bus/errors.ts';
import { MemoryStore } from '../actors/apiserver/store/memory-store.ts';
import { History, check, classifyError, type HistoryOp } from './helpers/history.ts';
import { record, type SimResult } from './fixtures/history-sim.ts';

/** Records a complete op: invoke, then ok / definite fail (a FailReason) / unknown outcome ('info'). */
function op(h: History, client: string, o: HistoryOp, result: SimResult): number {
  const id = h.invoke(client, o);
  record(h, id, o, result);
  return id;
}

/** a=1 (rev 1), b (rev 2) on key k, both by c1, then a read by c2 and a watcher that saw both. */
function goodHistory(): History {
  const h = new History();
  h.watchStart('w', { fromRevision: 0, keys: '/k' });
  op(h, 'c1', { op: 'create', key: '/k', value: 'a' }, 1);
  h.watched('w', '/k', 'ADDED', 1, 'a');
  op(h, 'c1', { op: 'update', key: '/k', value: 'b', ifModRevision: 1 }, 2);
  h.watched('w', '/k', 'MODIFIED', 2, 'b');
  op(h, 'c2', { op: 'get', key: '/k' }, { value: 'b', rev: 2 });
  op(h, 'c2', { op: 'update', key: '/k', value: 'c', ifModRevision: 1 }, 'conflict');
  op(h, 'c2', { op: 'create', key: '/k', value: 'd' }, 'exists');
  return h;
}

test('history - a known-good sequential history passes, with its final state', (t) => {
  const h = goodHistory();
  h.final('/k', { value: 'b', modRevision: 2 });
  const r = check(h);
  t.true(r.ok, r.text);
  t.is(r.stats.keys, 1);
});

test('history - concurrent ops pass when some order explains them', (t) => {
  const h = new History();
  op(h, 'c1', { op: 'create', key: '/k', value: 'a' }, 1);
  // c2's read overlaps c3's update: it may see either value.
  const u = h.invoke('c3', { op: 'update', key: '/k', value: 'b' });
  op(h, 'c2', { op: 'get', key: '/k' }, { value: 'b', rev: 2 });
  op(h, 'c4', { op: 'get', key: '/k' }, { value: 'b', rev: 2 });
  h.ok(u, { revision: 2 });
  op(h, 'c2', { op: 'delete', key: '/k', ifModRevision: 2 }, 3);
  op(h, 'c4', { op: 'get', key: '/k' }, 'not-found');
  h.final('/k', undefined);
  const r = check(h);
  t.true(r.ok, r.text);
});

test('history - a lost acknowledged write is reported', (t) => {
  const h = goodHistory();
  h.final('/k', { value: 'a', modRevision: 1 });
  const r = check(h);
  t.false(r.ok);
  t.is(r.lostWrites.length, 1, r.text);
  t.regex(r.lostWrites[0], /acknowledged write lost: c1 update "b" if rev=1 → ok rev 2 .* on key \/k: the key ends at an older revision 1/);
});

test('history - an acknowledged create missing at the end (absent, no delete) is a lost write', (t) => {
  const h = new History();
  op(h, 'c1', { op: 'create', key: '/k', value: 'a' }, 1);
  h.finalRange('/', []);
  const r = check(h);
  t.regex(r.lostWrites.join('\n'), /the key ends absent and no delete after revision 1/);
});

test('history - a stale read after an acknowledged write is not linearizable', (t) => {
  const h = new History();
  op(h, 'c1', { op: 'create', key: '/k', value: 'a' }, 1);
  op(h, 'c1', { op: 'update', key: '/k', value: 'b' }, 2);
  op(h, 'c2', { op: 'get', key: '/k' }, { value: 'a', rev: 1 });
  const r = check(h);
  t.false(r.ok);
  t.is(r.nonLinearizable.length, 1);
  t.is(r.nonLinearizable[0].key, '/k');
  t.regex(r.nonLinearizable[0].message, /key \/k: not linearizable[\s\S]*leaving the key "b" at rev 2; then none of these can take effect next:\n\s+c2 get → read "a" rev 1/);
});

test('history - two creates of one key both acknowledged are not linearizable', (t) => {
  const h = new History();
  const a = h.invoke('c1', { op: 'create', key: '/k', value: 'a' });
  const b = h.invoke('c2', { op: 'create', key: '/k', value: 'b' });
  h.ok(a, { revision: 1 });
  h.ok(b, { revision: 2 });
  const r = check(h);
  t.is(r.nonLinearizable.length, 1, r.text);
  t.regex(r.nonLinearizable[0].message, /create "b" → ok rev 2/);
});

test('history - a compare-and-set that succeeds against an overwritten revision is not linearizable', (t) => {
  const h = new History();
  op(h, 'c1', { op: 'create', key: '/k', value: 'a' }, 1);
  op(h, 'c1', { op: 'update', key: '/k', value: 'b' }, 2);
  op(h, 'c2', { op: 'update', key: '/k', value: 'c', ifModRevision: 1 }, 3);
  const r = check(h);
  t.is(r.nonLinearizable.length, 1, r.text);
  t.regex(r.nonLinearizable[0].message, /c2 update "c" if rev=1 → ok rev 3/);
});

test('history - revisions that go back after an acknowledged write, or repeat, are reported', (t) => {
  const h = new History();
  op(h, 'c1', { op: 'create', key: '/a', value: 1 }, 5);
  op(h, 'c2', { op: 'create', key: '/b', value: 1 }, 3);
  op(h, 'c2', { op: 'create', key: '/c', value: 1 }, 5);
  const r = check(h);
  t.false(r.ok);
  t.regex(r.nonMonotonic.join('\n'), /revision 3 of c2 create 1 → ok rev 3 .* is not above revision 5 of c1 create 1/);
  t.regex(r.nonMonotonic.join('\n'), /revision 5 was acknowledged to two writes/);
});

test('history - a read or a watch event with another value at an acknowledged revision is reported', (t) => {
  const h = new History();
  h.watchStart('w', { fromRevision: 0, keys: '/' });
  op(h, 'c1', { op: 'create', key: '/a', value: 'a' }, 1);
  op(h, 'c1', { op: 'create', key: '/b', value: 'b' }, 2);
  op(h, 'c2', { op: 'get', key: '/b' }, { value: 'a', rev: 1 });
  h.watched('w', '/a', 'put', 1, 'x');
  h.watched('w', '/b', 'put', 2, 'b');
  const r = check(h);
  t.regex(r.nonMonotonic.join('\n'), /c2 read \/b = "a" at revision 1, but that revision is a create of \/a = "a" \(acknowledged to c1\)/);
  t.regex(r.watchProblems.join('\n'), /event 1 \(put \/a at revision 1\) carries "x", but the write at that revision wrote "a"/);
});

/** /a = 1 at rev 1, /b = 2 at rev 2, /a deleted at rev 3 (all acknowledged), then a list by r1 that answers `revision` and `items`. */
function listHistory(revision: number, items: { key: string; modRevision: number; value?: unknown }[]): History {
  const h = new History();
  op(h, 'c1', { op: 'create', key: '/a', value: 1 }, 1);
  op(h, 'c1', { op: 'create', key: '/b', value: 2 }, 2);
  op(h, 'c1', { op: 'delete', key: '/a' }, 3);
  h.listOk(h.invokeList('r1', '/'), revision, items);
  return h;
}

test('history - a fresh list that is one snapshot passes', (t) => {
  t.true(check(listHistory(3, [{ key: '/b', modRevision: 2, value: 2 }])).ok);
});

test('history - a list older than a write acknowledged before it began is stale', (t) => {
  const r = check(listHistory(2, [{ key: '/a', modRevision: 1 }, { key: '/b', modRevision: 2 }]));
  t.regex(r.listProblems[0], /^r1 list \/ at revision 2 \[#6\.\.#7 .*\]: stale: revision 3 was acknowledged before it began, to c1 delete → ok rev 3/);
});

test('history - a list that is no snapshot (an old version, a missing key, a wrong value) is reported', (t) => {
  const h = new History();
  op(h, 'c1', { op: 'create', key: '/a', value: 1 }, 1);
  op(h, 'c1', { op: 'update', key: '/a', value: 2 }, 2);
  op(h, 'c1', { op: 'create', key: '/b', value: 3 }, 3);
  op(h, 'c1', { op: 'create', key: '/c', value: 4 }, 4);
  h.listOk(h.invokeList('r1', '/'), 4, [
    { key: '/a', modRevision: 1 },
    { key: '/c', modRevision: 4, value: 5 },
  ]);
  const r = check(h);
  t.deepEqual(
    r.listProblems.map((m) => m.replace(/^.*?\]: /, '')),
    [
      '/a is at revision 1, but it was written at revision 2 (acknowledged to c1) before the list\'s revision',
      '/b is missing, but it was written at revision 3 (acknowledged to c1) and not deleted by the list\'s revision',
      '/c has 5 at revision 4, but that write wrote 4 (acknowledged to c1)',
    ],
  );
});

/** Three acknowledged writes on /k (revisions 1..3) and a watcher from 0 that saw `revs` (all puts on /k). */
function watcherHistory(revs: number[]): History {
  const h = new History();
  h.watchStart('w1', { fromRevision: 0, keys: '/' });
  op(h, 'c1', { op: 'create', key: '/k', value: 1 }, 1);
  op(h, 'c1', { op: 'update', key: '/k', value: 2 }, 2);
  op(h, 'c1', { op: 'update', key: '/k', value: 3 }, 3);
  for (const rev of revs) h.watched('w1', '/k', rev === 1 ? 'ADDED' : 'MODIFIED', rev);
  h.watchEnd('w1', 3);
  return h;
}

test('history - a watcher that saw every revision once, in order, passes', (t) => {
  const r = check(watcherHistory([1, 2, 3]));
  t.true(r.ok, r.text);
});

test('history - a watcher gap is reported', (t) => {
  const r = check(watcherHistory([1, 3]));
  t.deepEqual(r.watchProblems, ['watcher w1 (prefix "/", from revision 0): missed 1 revision(s) of its keys up to 3: 2 (put /k, acknowledged to c1)']);
});

test('history - a watcher that stopped early misses the revisions after its last event', (t) => {
  const r = check(watcherHistory([1]));
  t.regex(r.watchProblems.join('\n'), /missed 2 revision\(s\) of its keys up to 3: 2 .*, 3 /);
});

test('history - a duplicate watch event is reported', (t) => {
  const r = check(watcherHistory([1, 2, 2, 3]));
  t.deepEqual(r.watchProblems, ['watcher w1 (prefix "/", from revision 0): event 3 (put /k at revision 2) is a duplicate of event 2']);
});

test('history - reordered watch events are reported', (t) => {
  const r = check(watcherHistory([1, 3, 2]));
  t.deepEqual(r.watchProblems, ['watcher w1 (prefix "/", from revision 0): event 3 (put /k at revision 2) came after revision 3: out of order']);
});

test('history - a watch event no write explains, or of the wrong type, is reported', (t) => {
  const h = watcherHistory([1, 2, 3]);
  h.watched('w1', '/k', 'DELETED', 3);
  h.watched('w1', '/other', 'ADDED', 9);
  const r = check(h);
  t.regex(r.watchProblems.join('\n'), /event 4 \(delete \/k at revision 3\) is a duplicate of event 3/);
  t.regex(r.watchProblems.join('\n'), /event 4 .* does not match the write at that revision: put \/k/);
  t.regex(r.watchProblems.join('\n'), /event 5 \(put \/other at revision 9\) matches no recorded write/);
});

test('history - a write with an unknown outcome that happened passes (seen by a read, a watcher and the final state)', (t) => {
  const h = new History();
  h.watchStart('w', { fromRevision: 0, keys: '/k' });
  op(h, 'c1', { op: 'create', key: '/k', value: 'a' }, 1);
  op(h, 'c1', { op: 'update', key: '/k', value: 'b', ifModRevision: 1 }, 'info');
  op(h, 'c2', { op: 'get', key: '/k' }, { value: 'b', rev: 2 });
  op(h, 'c2', { op: 'update', key: '/k', value: 'c', ifModRevision: 2 }, 3);
  h.watched('w', '/k', 'put', 1, 'a');
  h.watched('w', '/k', 'put', 2, 'b');
  h.watched('w', '/k', 'put', 3, 'c');
  h.final('/k', { value: 'c', modRevision: 3 });
  const r = check(h);
  t.true(r.ok, r.text);
});

test('history - a write with an unknown outcome that did not happen passes', (t) => {
  const h = new History();
  op(h, 'c1', { op: 'create', key: '/k', value: 'a' }, 1);
  op(h, 'c1', { op: 'update', key: '/k', value: 'b', ifModRevision: 1 }, 'info');
  op(h, 'c1', { op: 'delete', key: '/k', ifModRevision: 1 }, 'info');
  op(h, 'c2', { op: 'get', key: '/k' }, { value: 'a', rev: 1 });
  h.final('/k', { value: 'a', modRevision: 1 });
  const r = check(h);
  t.true(r.ok, r.text);
});

test('history - a delete with an unknown outcome that one watcher saw must be seen by the others', (t) => {
  const h = new History();
  h.watchStart('w1', { fromRevision: 0, keys: '/' });
  h.watchStart('w2', { fromRevision: 0, keys: '/' });
  op(h, 'c1', { op: 'create', key: '/k', value: 'a' }, 1);
  op(h, 'c1', { op: 'delete', key: '/k' }, 'info');
  op(h, 'c1', { op: 'create', key: '/k', value: 'b' }, 3);
  for (const [w, revs] of [['w1', [1, 2, 3]], ['w2', [1, 3]]] as const) {
    for (const rev of revs) h.watched(w, '/k', rev === 2 ? 'DELETED' : 'ADDED', rev);
  }
  h.final('/k', { value: 'b', modRevision: 3 });
  const r = check(h);
  t.deepEqual(r.watchProblems, [
    'watcher w2 (prefix "/", from revision 0): missed 1 revision(s) of its keys up to 3: 2 (delete /k, seen by watcher w1; a delete whose outcome was unknown)',
  ]);
  t.deepEqual([r.lostWrites, r.nonLinearizable, r.nonMonotonic], [[], [], []]);
});

test('history - an unknown outcome does not excuse a read of a value never written', (t) => {
  const h = new History();
  op(h, 'c1', { op: 'create', key: '/k', value: 'a' }, 1);
  op(h, 'c1', { op: 'update', key: '/k', value: 'b' }, 'info');
  op(h, 'c2', { op: 'get', key: '/k' }, { value: 'z', rev: 2 });
  t.is(check(h).nonLinearizable.length, 1);
});

const classify = test.macro({
  exec(t, err: unknown, expected: ReturnType<typeof classifyError>) {
    t.deepEqual(classifyError(err), expected);
  },
  title: (given) => `history - classifyError: ${given}`,
});
test('409 AlreadyExists is a definite exists', classify, new StatusError(409, 'AlreadyExists', 'x'), { definite: true, reason: 'exists' });
test('409 Conflict is a definite conflict', classify, new StatusError(409, 'Conflict', 'x'), { definite: true, reason: 'conflict' });
test('404 is a definite not-found', classify, new StatusError(404, 'NotFound', 'x'), { definite: true, reason: 'not-found' });
test('422 is definitely rejected', classify, new StatusError(422, 'Invalid', 'x'), { definite: true, reason: 'rejected' });
test('503 is unknown', classify, new StatusError(503, 'ServiceUnavailable', 'x'), { definite: false });
test('500 is unknown', classify, new StatusError(500, 'InternalError', 'x'), { definite: false });
test('a Status from the wire is read too', classify, new StatusError(409, 'Conflict', 'x').status, { definite: true, reason: 'conflict' });
test('a timeout is unknown', classify, new RequestTimeoutError('s', 5), { definite: false });
test('no responders is unknown', classify, new NoRespondersError('s'), { definite: false });
test('a connection lost after sending is unknown', classify, new ConnectionLostError('s'), { definite: false });
test('a request never sent is definitely rejected', classify, new ConnectionLostError('s', false), { definite: true, reason: 'rejected' });

test('history - call() records store results and thrown errors', async (t) => {
  const store = new MemoryStore();
  const h = new History();
  const create: HistoryOp = { op: 'create', key: '/k', value: { v: 1 } };
  t.true((await h.call('c1', create, () => store.txn(create))).ok);
  const again = await h.call('c1', create, () => store.txn(create));
  t.like(again, { ok: false, definite: true, reason: 'exists' });
  const read = await h.call('c2', { op: 'get', key: '/k' }, () => store.get('/k'));
  t.true(read.ok);
  const timedOut = await h.call('c3', { op: 'update', key: '/k', value: { v: 2 } }, () => Promise.reject(new RequestTimeoutError('s', 1)));
  t.like(timedOut, { ok: false, definite: false });
  t.deepEqual(
    h.ops.map((o) => o.outcome?.type),
    ['ok', 'fail', 'read', 'info'],
  );
  h.final('/k', store.get('/k'));
  t.true(check(h).ok, check(h).text);
});

test('history - a history saved as JSON checks the same when loaded again', (t) => {
  const h = watcherHistory([1, 3]);
  h.final('/k', { value: 2, modRevision: 2 });
  h.listOk(h.invokeList('r1', '/'), 3, [{ key: '/k', modRevision: 3 }]);
  const again = History.fromJSON(JSON.parse(JSON.stringify(h)));
  const [a, b] = [check(h), check(again)];
  t.false(a.ok);
  t.deepEqual(
    [b.lostWrites, b.watchProblems, b.listProblems, b.nonLinearizable.map((x) => x.key)],
    [a.lostWrites, a.watchProblems, a.listProblems, a.nonLinearizable.map((x) => x.key)],
  );
  t.is(a.lostWrites.length, 1);
  // A loaded history records on after what it holds.
  const id = again.invoke('c9', { op: 'get', key: '/k' });
  t.true(again.ops[id].call > Math.max(...h.ops.map((o) => o.ret ?? o.call)));
});
