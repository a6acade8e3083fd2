// The history checker's search: large random histories from a simulated atomic register (they must pass, within
// seconds), one stale read among them (it must be found), agreement with an exhaustive search, and its budget.
import test from 'ava';
import fc from 'fast-check';
import { stringify } from 'safe-stable-stringify';
import { seededRng } from '../bus/random.ts';
import { History, check, type RecordedOp } from './helpers/history.ts';
import { describeOp } from './helpers/linearizable.ts';
import { randomHistory } from './fixtures/history-sim.ts';

test('history - a search over budget says unknown instead of hanging', (t) => {
  const h = new History();
  // 14 concurrent blind writes then reads: a wide search; 50 steps are not enough.
  const ids = Array.from({ length: 14 }, (_, i) => h.invoke(`c${i}`, { op: 'update', key: '/k', value: i }));
  ids.forEach((id, i) => h.ok(id, { revision: 100 - i }));
  const r = check(h, { maxStepsPerKey: 50, initial: { '/k': { value: 'x', modRevision: 1 } } });
  t.false(r.ok);
  t.is(r.unknown.length, 1, r.text);
  t.regex(r.unknown[0].message, /key \/k: unknown \(search budget exceeded \(steps\) after 50 steps over 14 ops/);
});

test('history - 5 keys × 2,000 random concurrent ops from an atomic register pass, within seconds', (t) => {
  const { h } = randomHistory(seededRng(13));
  const r = check(h);
  t.log(r.text.split('\n')[0]);
  t.true(r.ok, r.text);
  t.is(r.stats.ops, 10_005);
  t.true(r.stats.ms < 20_000, `checked in ${r.stats.ms} ms`);
});

test('history - one stale read among 10,000 random ops is found', (t) => {
  const { h, flip } = randomHistory(seededRng(7));
  flip();
  const r = check(h);
  t.log(r.text.split('\n')[0]);
  t.is(r.nonLinearizable.length, 1, r.text);
});

/** Exhaustive reference: tries every order that respects real time (open ops may be left out), on a plain sequential register. */
function bruteForce(h: History): boolean {
  type S = { e: boolean; v?: string; r?: number };
  const canon = (v: unknown) => stringify(v) ?? 'undefined';
  const ops = h.ops.filter((x) => !(x.outcome?.type === 'fail' && x.outcome.reason === 'rejected'));
  // Where reads and watchers saw the value of a write left open at one revision no acknowledged write has, that was its revision.
  const seen = new Map<string, Set<number>>();
  const saw = (v: unknown, r: number) => seen.set(canon(v), (seen.get(canon(v)) ?? new Set()).add(r));
  for (const o of ops) if (o.outcome?.type === 'read' && o.outcome.kv) saw(o.outcome.kv.value, o.outcome.kv.modRevision);
  for (const w of h.watchers.values()) for (const e of w.events) if (e.value !== undefined) saw(e.value, e.revision);
  const acked = new Set(ops.flatMap((o) => (o.outcome?.type === 'ok' ? [o.outcome.revision] : [])));
  const seenAt = new Map([...seen].flatMap(([v, rs]) => (rs.size === 1 && !acked.has([...rs][0]) ? [[v, [...rs][0]] as const] : [])));
  const steps = (s: S, o: RecordedOp): S[] => {
    const out = o.outcome;
    const open = !out || out.type === 'info';
    const x = o.op;
    if (x.op === 'get') {
      if (open) return [s];
      if ((out.type === 'fail' && out.reason === 'not-found') || (out.type === 'read' && !out.kv)) return s.e ? [] : [s];
      if (out.type !== 'read' || !out.kv || !s.e || s.v !== canon(out.kv.value)) return [];
      return s.r === undefined || s.r === out.kv.modRevision ? [{ ...s, r: out.kv.modRevision }] : [];
    }
    const cas = x.op === 'create' ? undefined : x.ifModRevision;
    const can = x.op === 'create' ? !s.e : s.e && (cas === undefined || s.r === undefined || s.r === cas);
    const canConflict = x.op !== 'create' && (cas === undefined || !s.e || s.r === undefined || s.r !== cas);
    const rev = out?.type === 'ok' ? out.revision : x.op !== 'delete' ? seenAt.get(canon(x.value)) : undefined;
    const after: S = x.op === 'delete' ? { e: false } : { e: true, v: canon(x.value), ...(rev !== undefined ? { r: rev } : {}) };
    const newer = rev === undefined || s.r === undefined || rev > s.r;
    if (open) return can && newer ? [s, after] : [s];
    if (out.type === 'ok') return can && newer ? [after] : [];
    if (out.type !== 'fail') return [];
    if (out.reason === 'exists') return x.op === 'create' && s.e ? [s] : [];
    if (out.reason === 'not-found') return x.op !== 'create' && !s.e ? [s] : [];
    if (out.reason === 'conflict') return canConflict ? [s] : [];
    return [s];
  };
  const go = (s: S, rest: RecordedOp[]): boolean => {
    if (rest.every((o) => o.ret === undefined)) return true;
    return rest.some(
      (a) =>
        !rest.some((b) => b !== a && b.ret !== undefined && b.ret < a.call) &&
        steps(s, a).some((n) => go(n, rest.filter((o) => o !== a))),
    );
  };
  return go({ e: false }, ops);
}

const RUNS = 400;

test('history - the search agrees with an exhaustive one on small random histories, linearizable or mutated', (t) => {
  let failing = 0;
  fc.assert(
    fc.property(fc.integer(), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 1000 }), (seed, mutation, pick) => {
      const { h } = randomHistory(seededRng(seed), { keys: 1, clients: 3, opsPerKey: 7, infoRate: 0.2 });
      const done = h.ops.filter((o) => o.outcome && o.outcome.type !== 'info' && o.client !== 'final');
      const o = done[pick % Math.max(1, done.length)];
      const writes = h.ops.filter((w) => w.outcome?.type === 'ok');
      const other = writes[pick % Math.max(1, writes.length)];
      // Mutations: none (0, 1), a read of another write's value and revision, a read of nothing, a made-up revision, a flipped failure, a failure made ok.
      if (o && mutation === 2 && other && other.op.op !== 'get' && other.op.op !== 'delete' && o.op.op === 'get') {
        o.outcome = { type: 'read', kv: { value: other.op.value, modRevision: (other.outcome as { revision: number }).revision } };
      } else if (o && mutation === 3 && o.op.op === 'get') o.outcome = { type: 'read', kv: undefined };
      else if (o && mutation === 4 && o.outcome?.type === 'ok') o.outcome = { type: 'ok', revision: o.outcome.revision + 1 };
      else if (o && mutation === 5 && o.outcome?.type === 'fail') o.outcome = { type: 'fail', reason: o.outcome.reason === 'conflict' ? 'not-found' : 'conflict' };
      else if (o && mutation === 6 && o.outcome?.type === 'fail' && o.op.op !== 'get') o.outcome = { type: 'ok', revision: 1000 };
      const r = check(h);
      const expected = bruteForce(h);
      if (!expected) failing++;
      if (r.unknown.length === 0 && (r.nonLinearizable.length === 0) === expected) return true;
      throw new Error(`exhaustive search says ${expected ? 'linearizable' : 'not linearizable'}, check():\n${r.text}\n${h.ops.map((x) => describeOp(x)).join('\n')}`);
    }),
    { numRuns: RUNS, seed: 13, includeErrorInReport: true },
  );
  t.log(`${failing} of ${RUNS} histories were not linearizable`);
  t.true(failing > RUNS / 20 && failing < RUNS / 2, `${failing} failing: both kinds must be tried`);
});

const manyUnknown = test.macro({
  exec(t, watch: boolean) {
    const { h } = randomHistory(seededRng(5), { keys: 1, clients: 10, opsPerKey: 2000, infoRate: 0.1, watch });
    const open = h.ops.filter((o) => o.outcome?.type === 'info').length;
    const r = check(h);
    t.log(`${open} ops with unknown outcomes; ${r.text.split('\n')[0]}`);
    t.true(open > 100);
    t.true(r.ok, r.text);
  },
  title: (given) => `history - 2,000 ops on one key with 10% unknown outcomes (applied or not) pass within seconds, ${given}`,
});
test('their revisions learnt from a watcher', manyUnknown, true);
test('their revisions learnt only from reads', manyUnknown, false);
