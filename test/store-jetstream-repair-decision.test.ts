// The repair's decision (divergedReplicas in jetstream-repair.ts), without a cluster: a replica is dropped
// only when a majority of the whole group holds another message at the sequence than it does.
import test from 'ava';
import { divergedReplicas, metaLock, type ReplicaProbe } from '../actors/apiserver/store/jetstream-repair.ts';

const probe = (o: Record<string, string | undefined>): ReplicaProbe => new Map(Object.entries(o));

test('repair decision - the leader diverged: the two others agree, the leader is dropped', (t) => {
  t.deepEqual(divergedReplicas(['n0', 'n1', 'n2'], probe({ n0: 'a', n1: 'b', n2: 'b' })), { majority: 'b', diverged: ['n0'], agreeing: 2 });
});

test('repair decision - 1 against 1 with one replica unread: no majority, nothing dropped', (t) => {
  t.deepEqual(divergedReplicas(['n0', 'n1', 'n2'], probe({ n0: 'a', n1: 'b' })), { majority: undefined, diverged: [], agreeing: 0 });
  t.deepEqual(divergedReplicas(['n0', 'n1', 'n2'], probe({ n0: 'a', n1: 'b', n2: undefined })), { majority: undefined, diverged: [], agreeing: 0 });
});

test('repair decision - 2 of 2 agree: a majority, nothing dropped; 1 against 1 in a group of 2 is none', (t) => {
  t.deepEqual(divergedReplicas(['n0', 'n1'], probe({ n0: 'a', n1: 'a' })), { majority: 'a', diverged: [], agreeing: 2 });
  t.deepEqual(divergedReplicas(['n0', 'n1', 'n2'], probe({ n0: 'a', n1: 'a' })), { majority: 'a', diverged: [], agreeing: 2 });
  t.deepEqual(divergedReplicas(['n0', 'n1'], probe({ n0: 'a', n1: 'b' })), { majority: undefined, diverged: [], agreeing: 0 });
});

test('repair decision - a replica read without the message (not there yet) is not diverged', (t) => {
  t.deepEqual(divergedReplicas(['n0', 'n1', 'n2'], probe({ n0: 'a', n1: 'a', n2: undefined })), { majority: 'a', diverged: [], agreeing: 2 });
});

/** The meta bucket's compare-and-set, in memory. */
function fakeMeta() {
  let entry: { value: string; revision: number } | undefined;
  let rev = 0;
  return {
    getMetaEntry: async () => entry && { ...entry },
    casMeta: async (_key: string, value: string, revision: number) => {
      if ((entry?.revision ?? 0) !== revision) return false;
      entry = { value, revision: ++rev };
      return true;
    },
  };
}

test('repair lock - one holder at a time across API servers; released it is free; a stale one is taken over', async (t) => {
  const meta = fakeMeta();
  let now = 1_000_000;
  const a = metaLock(meta, 'a', () => now);
  const b = metaLock(meta, 'b', () => now);
  t.true(await a.take());
  t.false(await b.take(), 'held by a');
  await a.release();
  t.true(await b.take(), 'free after a released it');
  await a.release(); // not a's: b keeps it
  t.false(await a.take(), 'still held by b');
  now += 180_000; // b crashed holding it
  t.true(await a.take(), 'taken over once its time ran out');
});
