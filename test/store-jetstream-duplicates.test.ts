// The jetstream store's rule for a proposal stored twice (a publish retried after its ack timed out,
// which nats-server 2.9.10 may store again around a leader change): the later copy changes nothing,
// on the live feed and in a load alike, so a create that a delete followed is not created again by its
// own retry. The stream is a fake log here: nats-server deduplicates the copies a test could publish.
import test from 'ava';
import { storeSubjects } from '../bus/subjects.ts';
import { StreamCache } from '../actors/apiserver/store/jetstream-cache.ts';
import { load } from '../actors/apiserver/store/jetstream-recovery.ts';
import { MemoryStore } from '../actors/apiserver/store/memory-store.ts';
import { fakeLog, proposal } from './helpers/jetstream-fake-log.ts';

const STREAM = 'DUPS';
const prefix = storeSubjects(STREAM);

/** create k (A), delete k (B), then A's retry stored again. */
const stream = [proposal(STREAM, 1, 'A', 'k', 'create'), proposal(STREAM, 2, 'B', 'k', 'delete', 1), proposal(STREAM, 3, 'A', 'k', 'create')];

test('jetstream duplicates - a load takes a retried create stored after a delete as no change', async (t) => {
  const warnings: string[] = [];
  const { mem, lastSeq, rejected, dups } = await load(fakeLog(STREAM, stream).log, STREAM, prefix, (m) => warnings.push(m));
  t.is(lastSeq, 3);
  t.is(mem.get('k'), undefined, 'the second copy of the create did not bring the key back');
  t.deepEqual(rejected, [], 'a duplicate is no rejected proposal');
  t.is(dups.firstOf('A'), 1, "the writer's outcome is its first copy's");
  t.deepEqual(warnings, []);
});

test('jetstream duplicates - the live feed decides a retried copy as the load does, and its writer finds its first copy', async (t) => {
  const { log, deliver } = fakeLog(STREAM, []);
  const mem = new MemoryStore();
  const cache = new StreamCache(log, mem, 0, () => undefined);
  await cache.follow();
  for (const m of stream) deliver(m);
  t.is(cache.applied, 3);
  t.is(mem.get('k'), undefined);
  t.is(mem.revision, 2, 'the delete is the last change; the copy at 3 made none');
  t.is(cache.dups.firstOf('A'), 1);
  t.is(cache.ids.get(3), 'A', 'the copy is recorded at its sequence, so its writer does not take the cache for diverged');
  t.false(cache.rejections.has(3));
  await cache.stop(new Error('test over'));
});
