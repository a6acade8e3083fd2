// Structural sharing between the versions of a key in the memory store: unchanged parts are held once.
import test from 'ava';
import { MemoryStore } from '../actors/apiserver/store/memory-store.ts';
import { shareUnchanged } from '../actors/apiserver/store/share-versions.ts';

type Pod = { metadata: { name: string; labels: Record<string, string> }; spec: { containers: { name: string }[] }; status: { phase: string; conditions: { type: string; status: string }[] } };

const pod = (phase: string, ready: string): Pod => ({
  metadata: { name: 'p', labels: { app: 'a' } },
  spec: { containers: [{ name: 'c' }] },
  status: { phase, conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: ready }] },
});

test('shareUnchanged - equal parts become the previous version\'s, changed ones stay; the value is still equal to what was written', (t) => {
  const prev = pod('Pending', 'False');
  const next = pod('Running', 'True');
  const out = shareUnchanged(next, prev) as Pod;
  t.is(out, next);
  t.deepEqual(out, pod('Running', 'True'));
  t.is(out.spec, prev.spec);
  t.is(out.metadata, prev.metadata);
  t.is(out.status.conditions[0], prev.status.conditions[0]);
  t.not(out.status.conditions[1], prev.status.conditions[1]);
  t.not(out.status, prev.status);
});

test('shareUnchanged - a whole equal value is the previous one; key order, extra keys and non-plain values keep it apart', (t) => {
  const prev = pod('Running', 'True');
  t.is(shareUnchanged(pod('Running', 'True'), prev), prev);
  const reordered = { b: 1, a: 1 };
  t.is(shareUnchanged(reordered, { a: 1, b: 1 }), reordered, 'keys in another order are another encoding');
  const extra = { a: 1, b: undefined };
  t.is(shareUnchanged(extra, { a: 1 }), extra);
  const bytes = { data: new Uint8Array([1]) };
  const prevBytes = { data: new Uint8Array([1]) };
  t.is((shareUnchanged(bytes, prevBytes) as typeof bytes).data, bytes.data, 'bytes are not compared');
  const frozen = Object.freeze({ spec: { a: 1 }, x: 2 });
  t.is(shareUnchanged(frozen, { spec: { a: 1 }, x: 3 }), frozen, 'a frozen part is left as it is');
});

test('memory store - an update shares the unchanged parts with the version before, which history still holds as it was', async (t) => {
  const store = new MemoryStore();
  const first = await store.txn({ op: 'create', key: '/registry/pods/default/p', value: pod('Pending', 'False') });
  await store.txn({ op: 'update', key: '/registry/pods/default/p', value: pod('Running', 'True') });
  const [created, updated] = store.history('/registry/pods/', 0, store.revision).map((e) => e.kv.value as Pod);
  t.is(created as unknown, first.ok ? first.kv?.value : undefined);
  t.is(updated.spec, created.spec);
  t.is(updated.status.conditions[0], created.status.conditions[0]);
  t.deepEqual(created, pod('Pending', 'False'));
  t.deepEqual(updated, pod('Running', 'True'));
  t.deepEqual(store.get('/registry/pods/default/p')!.value, pod('Running', 'True'));
});
