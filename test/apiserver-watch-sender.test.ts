// The API server's watch sender: busy watches batch their events (10 ms; for Leases a second, or a fortieth of a shorter lease,
// at most LEASE_BATCH_MAX a message), quiet ones send at once, and bookmarks do not make a watch busy.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { WatchBatch } from '../api/protocol.ts';
import { resourceFor } from '../api/resources.ts';
import { LEASE_BATCH_MAX, LEASE_BATCH_MS, WatchSender, type ServerWatch } from '../actors/apiserver/watch-sender.ts';
import { VirtualClock, settle } from '../bus/clock.ts';
import { silentLogger, type Bus } from '../bus/types.ts';

function setup() {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const sent: { at: number; types: string[] }[] = [];
  const bus = { publish: (_subject: string, batch: WatchBatch) => sent.push({ at: clock.now() - t0, types: batch.events.map((e) => e.type) }) } as unknown as Bus;
  const sender = new WatchSender({ bus, clock, log: silentLogger, root: { actor: 'test' } });
  const watch = (plural: string): ServerWatch => ({
    conn: 'c',
    id: plural,
    subject: `kubus.watch.c.${plural}`,
    def: resourceFor(plural)!,
    prefix: '',
    filter: () => true,
    bookmarks: true,
    seq: 0,
    pending: [],
    misses: 0,
    sentAt: -Infinity,
    sentSeq: 0,
  }) as unknown as ServerWatch;
  const obj = (kind: string) => ({ apiVersion: 'v1', kind, metadata: { name: 'x' } }) as KubeObject;
  return { clock, sent, sender, watch, obj };
}

test('a Lease watch sends its first event at once, then collects the next ones for a second', async (t) => {
  const { clock, sent, sender, watch, obj } = setup();
  const w = watch('leases');
  sender.push(w, 'MODIFIED', obj('Lease'));
  await settle();
  t.deepEqual(sent, [{ at: 0, types: ['MODIFIED'] }]);
  for (let i = 0; i < 5; i++) {
    await clock.advance(100);
    sender.push(w, 'MODIFIED', obj('Lease'));
  }
  await clock.advance(LEASE_BATCH_MS);
  t.deepEqual(sent, [
    { at: 0, types: ['MODIFIED'] },
    { at: LEASE_BATCH_MS, types: Array(5).fill('MODIFIED') },
  ]);
});

test('a Lease batch goes as soon as it holds LEASE_BATCH_MAX events', async (t) => {
  const { clock, sent, sender, watch, obj } = setup();
  const w = watch('leases');
  sender.push(w, 'MODIFIED', obj('Lease'));
  await settle();
  await clock.advance(1);
  for (let i = 0; i < 2 * LEASE_BATCH_MAX + 5; i++) sender.push(w, 'MODIFIED', obj('Lease'));
  t.deepEqual(sent.map((s) => [s.at, s.types.length]), [[0, 1], [1, LEASE_BATCH_MAX], [1, LEASE_BATCH_MAX]]);
  await clock.advance(2 * LEASE_BATCH_MS);
  t.deepEqual(sent.map((s) => [s.at, s.types.length]), [[0, 1], [1, LEASE_BATCH_MAX], [1, LEASE_BATCH_MAX], [1 + LEASE_BATCH_MS, 5]]);
});

test('other watches batch for 10 ms, and a bookmark does not delay the next change', async (t) => {
  const { clock, sent, sender, watch, obj } = setup();
  const pods = watch('pods');
  sender.push(pods, 'ADDED', obj('Pod'));
  await settle();
  await clock.advance(2);
  sender.push(pods, 'MODIFIED', obj('Pod'));
  await clock.advance(20);
  t.deepEqual(sent, [
    { at: 0, types: ['ADDED'] },
    { at: 10, types: ['MODIFIED'] },
  ]);
  const leases = watch('leases');
  sender.push(leases, 'BOOKMARK', obj('Lease'));
  await settle();
  await clock.advance(5);
  sender.push(leases, 'MODIFIED', obj('Lease'));
  await settle();
  t.deepEqual(sent.slice(2), [
    { at: 22, types: ['BOOKMARK'] },
    { at: 27, types: ['MODIFIED'] },
  ]);
});

test('a short Lease batches for a fortieth of its duration: 50 ms for a 2 s lease, not a second', async (t) => {
  const { clock, sent, sender, watch } = setup();
  const w = watch('leases');
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n' }, spec: { leaseDurationSeconds: 2 } } as unknown as KubeObject;
  sender.push(w, 'MODIFIED', lease);
  await settle();
  await clock.advance(10);
  sender.push(w, 'MODIFIED', lease);
  await clock.advance(39);
  t.is(sent.length, 1, 'the second renewal waits out the batch');
  await clock.advance(1);
  t.deepEqual(sent, [
    { at: 0, types: ['MODIFIED'] },
    { at: 50, types: ['MODIFIED'] },
  ]);
});
