// The subject trie and subject checks (NATS rules: `*` one token, `>` the rest; literal subjects have no wildcards).
import test from 'ava';
import { checkSubject, Sublist } from '../bus/sublist.ts';

const literals: Array<[string, boolean]> = [
  ['a', true],
  ['api.v1.pods', true],
  ['_INBOX.conn_ab12.17', true],
  ['', false],
  ['.a', false],
  ['a.', false],
  ['a..b', false],
  ['a.*.b', false],
  ['a.>', false],
  ['a b', false],
  ['a\tb', false],
  ['a\u00a0b', false], // unicode whitespace, as /\s/
  ['a.*b.>c', true], // wildcards only count as whole tokens
  ['é.ü', true],
];

test('bus sublist - literal subjects: no empty token, no wildcard token, no whitespace', (t) => {
  for (const [subject, ok] of literals) {
    if (ok) t.notThrows(() => checkSubject(subject, false), JSON.stringify(subject));
    else t.throws(() => checkSubject(subject, false), { message: /invalid subject/ }, JSON.stringify(subject));
  }
});

test('bus sublist - patterns take `*` anywhere and `>` last only', (t) => {
  for (const p of ['a.*', '*.b.>', '>', 'a.*.c']) t.notThrows(() => checkSubject(p, true), p);
  for (const p of ['', 'a.>.b', 'a..b', 'a .b']) t.throws(() => checkSubject(p, true), undefined, p);
});

test('bus sublist - match finds exact, `*` and `>` subscriptions, and forgets removed ones', (t) => {
  const s = new Sublist<string>();
  for (const p of ['a.b.c', 'a.*.c', 'a.>', '*.b.*', 'x.y']) s.insert(p, p);
  t.deepEqual([...s.match('a.b.c')].sort(), ['*.b.*', 'a.*.c', 'a.>', 'a.b.c']);
  t.deepEqual([...s.match('a.q.c')].sort(), ['a.*.c', 'a.>']);
  t.deepEqual(s.match('a'), []);
  t.deepEqual(s.match('x.y'), ['x.y']);
  s.remove('a.>', 'a.>');
  s.remove('a.b.c', 'a.b.c');
  t.deepEqual([...s.match('a.b.c')].sort(), ['*.b.*', 'a.*.c']);
});

test('bus sublist - a remembered match follows every insert and remove', (t) => {
  const s = new Sublist<string>();
  s.insert('a.b', 'one');
  t.deepEqual(s.match('a.b'), ['one']);
  t.is(s.match('a.b'), s.match('a.b'), 'a subject seen before is answered from the cache');
  s.insert('a.*', 'two');
  t.deepEqual([...s.match('a.b')].sort(), ['one', 'two'], 'an insert is seen at once');
  s.remove('a.b', 'one');
  t.deepEqual(s.match('a.b'), ['two'], 'a remove is seen at once');
});

test('bus sublist - replies are matched by their inbox, unless a subscription names one reply subject', (t) => {
  const s = new Sublist<string>();
  s.insert('_INBOX.c1.*', 'c1');
  s.insert('_INBOX.c2.*', 'c2');
  s.insert('_INBOX.>', 'all');
  t.deepEqual(s.match('_INBOX.c1.1'), ['all', 'c1']);
  t.is(s.match('_INBOX.c1.2'), s.match('_INBOX.c1.3'), 'one match for every request of an inbox');
  t.deepEqual(s.match('_INBOX.c2.9'), ['all', 'c2']);
  s.insert('_INBOX.c1.5', 'five');
  t.deepEqual(s.match('_INBOX.c1.5'), ['all', 'five', 'c1'], 'a subscription to one reply subject is found');
  t.deepEqual(s.match('_INBOX.c1.6'), ['all', 'c1'], 'and only for that subject');
  t.deepEqual(s.match('_INBOX.c1.5'), ['all', 'five', 'c1']);
  s.remove('_INBOX.c1.*', 'c1');
  t.deepEqual(s.match('_INBOX.c1.7'), ['all']);
});
