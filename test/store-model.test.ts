// Model-based test: random op sequences on each backend against a Map + event list model.
import test from 'ava';
import fc from 'fast-check';
import { deepStrictEqual } from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactedError } from '../actors/apiserver/store/store.ts';
import type { KeyValue, Store, StoreEvent, TxnOp, TxnResult } from '../actors/apiserver/store/store.ts';
import { MemoryStore } from '../actors/apiserver/store/memory-store.ts';
import { FileStore } from '../actors/apiserver/store/file-store.ts';
import { JetStreamStore } from '../actors/apiserver/store/jetstream-store.ts';
import { freshStream, jetstreamUrl, settle, stopJetStreamServer } from './fixtures/store-helpers.ts';
import { etcdOpener } from './fixtures/etcd-backend.ts';
import { startEtcd } from './helpers/etcd.ts';

/** Throws msg unless cond (node:assert's ok() without a message re-parses the TS source, which can hang). */
function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}

/**
 * The trivially simple model: every event ever, the state as a Map, and the compacted revision. A write
 * takes the next revision; on a `sparse` store (jetstream: read barriers and rejected proposals take
 * stream sequences too) the store's revision when it is past the model's, so revisions only increase.
 */
class Model {
  events: StoreEvent[] = [];
  state = new Map<string, KeyValue>();
  compacted = 0;
  get revision() {
    return this.events.at(-1)?.revision ?? 0;
  }
  apply(op: TxnOp, got?: TxnResult): TxnResult {
    const cur = this.state.get(op.key);
    const rev = got?.ok && got.revision > this.revision ? got.revision : this.revision + 1;
    if (op.op === 'create') {
      if (cur) return { ok: false, reason: 'exists', current: cur };
      const kv = { key: op.key, value: op.value, createRevision: rev, modRevision: rev, version: 1 };
      this.state.set(op.key, kv);
      this.events.push({ type: 'put', revision: rev, kv });
      return { ok: true, revision: rev, kv };
    }
    if (!cur) return { ok: false, reason: 'not-found' };
    if (op.ifModRevision !== undefined && op.ifModRevision !== cur.modRevision) return { ok: false, reason: 'conflict', current: cur };
    if (op.op === 'delete') {
      this.state.delete(op.key);
      this.events.push({ type: 'delete', revision: rev, kv: { ...cur, modRevision: rev }, prev: cur });
      return { ok: true, revision: rev, prev: cur };
    }
    const kv = { ...cur, value: op.value, modRevision: rev, version: cur.version + 1 };
    this.state.set(op.key, kv);
    this.events.push({ type: 'put', revision: rev, kv, prev: cur });
    return { ok: true, revision: rev, kv, prev: cur };
  }
  /** Returns the sorted live keys at a revision, by replaying events from the start. */
  stateAt(rev: number): KeyValue[] {
    const m = new Map<string, KeyValue>();
    for (const ev of this.events) {
      if (ev.revision > rev) break;
      if (ev.type === 'put') m.set(ev.kv.key, ev.kv);
      else m.delete(ev.kv.key);
    }
    return [...m.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  }
}

const KEYS = ['/a/1', '/a/2', '/a/10', '/b/1', '/b/2'];
const PREFIXES = ['', '/a/', '/a/1', '/b/', '/c/'];
const key = fc.constantFrom(...KEYS);
const frac = fc.double({ min: 0, max: 1, noNaN: true });
const cas = fc.constantFrom('none', 'current', 'stale');
const opArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('create' as const), key, n: fc.nat(99) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('update' as const), key, n: fc.nat(99), cas }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), key, cas }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('compact' as const), at: frac }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('range' as const),
      prefix: fc.constantFrom(...PREFIXES),
      at: frac,
      limit: fc.nat(3),
      startAfter: fc.option(key, { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('watch' as const), prefix: fc.constantFrom(...PREFIXES), at: frac }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reopen' as const) }) },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

interface Watch {
  prefix: string;
  from: number;
  /** The last revision it can have seen (set when a reopen cancels it). */
  upTo: number;
  got: StoreEvent[];
  cancel: () => void;
}

/** Runs ops on a store and on the model; throws on the first difference. `reopen` ops close and reopen a durable store. */
async function run(open: () => Promise<Store>, ops: Op[], durable: boolean, sparse = false): Promise<void> {
  let s = await open();
  const m = new Model();
  const watches: Watch[] = [];
  const pick = (at: number) => m.compacted + Math.round(at * (m.revision - m.compacted));
  try {
    for (const op of ops) {
      if (op.t === 'create' || op.t === 'update' || op.t === 'delete') {
        const cur = m.state.get(op.key);
        const ifModRevision = op.t === 'create' || op.cas === 'none' ? undefined : op.cas === 'current' ? cur?.modRevision : 0;
        const tx: TxnOp =
          op.t === 'create'
            ? { op: 'create', key: op.key, value: { n: op.n } }
            : op.t === 'update'
              ? { op: 'update', key: op.key, value: { n: op.n }, ifModRevision }
              : { op: 'delete', key: op.key, ifModRevision };
        const got = await s.txn(tx);
        deepStrictEqual(got, m.apply(tx, sparse ? got : undefined));
      } else if (op.t === 'compact') {
        const at = pick(op.at);
        s.compact(at);
        m.compacted = Math.max(m.compacted, at);
      } else if (op.t === 'range') {
        const at = pick(op.at);
        const live = m.stateAt(at || m.revision).filter((kv) => kv.key.startsWith(op.prefix) && (op.startAfter === undefined || kv.key > op.startAfter));
        const limit = op.limit || Infinity;
        const want = { kvs: live.slice(0, limit), revision: at || m.revision, more: live.length > limit };
        deepStrictEqual(s.range(op.prefix, { revision: at, limit: op.limit, startAfter: op.startAfter }), want);
        if (m.compacted > 0) {
          let threw = false;
          try {
            s.range(op.prefix, { revision: m.compacted - 1 || -1 });
          } catch (err) {
            check(err instanceof CompactedError, `range below the compacted revision threw ${String(err)}`);
            threw = true;
          }
          check(threw, 'range below the compacted revision should throw');
        }
      } else if (op.t === 'watch') {
        const w: Watch = { prefix: op.prefix, from: pick(op.at), upTo: Infinity, got: [], cancel: () => {} };
        w.cancel = s.watch(w.prefix, w.from, (ev) => w.got.push(ev));
        watches.push(w);
      } else if (durable) {
        await settle();
        for (const w of watches) {
          w.cancel();
          w.upTo = Math.min(w.upTo, m.revision);
        }
        await s.close();
        s = await open();
        // Recovery may compact up to the snapshot it loaded, never below what was compacted.
        check(
          s.compactedRevision >= m.compacted && s.compactedRevision <= m.revision,
          `reopened with compactedRevision ${s.compactedRevision}, expected ${m.compacted}..${m.revision}`,
        );
        m.compacted = s.compactedRevision;
        deepStrictEqual(s.revision, m.revision);
        deepStrictEqual(s.range('').kvs, m.stateAt(m.revision));
      }
      deepStrictEqual([s.revision, s.compactedRevision], [m.revision, m.compacted]);
    }
    await settle();
    for (const w of watches) {
      deepStrictEqual(w.got, m.events.filter((ev) => ev.revision > w.from && ev.revision <= w.upTo && ev.kv.key.startsWith(w.prefix)));
    }
  } finally {
    await s.close();
  }
}

test('store - memory backend matches the model', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 80, size: 'max' }), (ops) => run(async () => new MemoryStore(), ops, false)),
    { numRuns: 300 },
  );
  t.pass();
});

test('store - file backend matches the model, across reopens and snapshots', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 60, size: 'max' }), fc.integer({ min: 3, max: 40 }), async (ops, every) => {
      const dir = await mkdtemp(join(tmpdir(), 'kubus-store-model-'));
      const warnings: string[] = [];
      try {
        await run(() => FileStore.open(dir, { snapshotEveryRecords: every, onWarn: (msg) => warnings.push(msg) }), ops, true);
        deepStrictEqual(warnings, []);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test.after.always(stopJetStreamServer);

test('store - jetstream backend matches the model, across reopens (rebuilt from the stream)', async (t) => {
  const servers = await jetstreamUrl();
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 60, size: 'max' }), async (ops) => {
      const stream = freshStream();
      const warnings: string[] = [];
      await run(() => JetStreamStore.open({ servers, stream, onWarn: (msg) => warnings.push(msg) }), ops, true, true);
      deepStrictEqual(warnings, []);
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('store - etcd backend matches the model, across reopens (reloaded from etcd)', async (t) => {
  const etcd = await startEtcd(t);
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 60, size: 'max' }), async (ops) => {
      const warnings: string[] = [];
      await run(etcdOpener(etcd.endpoints, warnings), ops, true);
      deepStrictEqual(warnings, []);
    }),
    { numRuns: 60 },
  );
  t.pass();
});
