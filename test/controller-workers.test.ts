// Several workers per controller (upstream's --concurrent-*-syncs): keys are reconciled in
// parallel, never one key in two workers at once, and every change is seen by a later reconcile.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { defineController } from '../actors/lib/controller.ts';
import { VirtualClock } from '../bus/clock.ts';
import { seededRng } from '../bus/random.ts';
import { startApi } from './helpers/api.ts';

const cm = (name: string, v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } });

for (const workers of [1, 5]) {
  test(`controller workers - ${workers} worker(s): never one key twice at once, ${workers > 1 ? 'keys in parallel, ' : ''}the last state always reconciled`, async (t) => {
    const clock = new VirtualClock(0);
    const env = await startApi(t, { clock });
    const rng = seededRng(7);
    const inFlight = new Set<string>();
    const overlaps: string[] = [];
    let most = 0;
    const lastSeen = new Map<string, string>();
    const ctl = defineController({
      name: 'slow',
      workers,
      watches: [{ resource: 'configmaps' }],
      async reconcile(key, ctx) {
        if (inFlight.has(key)) overlaps.push(key);
        inFlight.add(key);
        most = Math.max(most, inFlight.size);
        const v = (ctx.cache('configmaps').get(key)?.data as { v?: string } | undefined)?.v;
        await new Promise<void>((r) => ctx.deps.clock.setTimeout(() => r(), 1 + rng.int(20))); // a reconcile takes a while
        lastSeen.set(key, v ?? 'gone');
        inFlight.delete(key);
      },
    });
    env.process('controller-manager').start(ctl, 'controller/slow', undefined);
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const writes = [];
    for (const n of names) writes.push(env.client.create('configmaps', cm(n, '0')));
    let created = false;
    void Promise.all(writes).finally(() => (created = true));
    await clock.runUntil(() => created);
    // 300 updates in bursts of three on the six keys while reconciles are running.
    for (let i = 1; i <= 300; i += 3) {
      const burst = [0, 1, 2].map((j) => env.client.patch('configmaps', names[rng.int(names.length)], { data: { v: String(i + j) } }, { namespace: 'default' }));
      let done = false;
      void Promise.all(burst).finally(() => (done = true));
      await clock.runUntil(() => done);
    }
    await clock.advance(5_000);
    t.deepEqual(overlaps, [], 'no key was reconciled by two workers at once');
    if (workers > 1) t.true(most > 1, `several keys were reconciled at once (at most ${most})`);
    else t.is(most, 1);
    const listing = env.client.list('configmaps', { namespace: 'default' });
    await clock.advance(10);
    const truth = await listing;
    for (const o of truth.items) t.is(lastSeen.get(`default/${o.metadata.name}`), (o.data as { v: string }).v, `${o.metadata.name}: the last reconcile saw the last write`);
  });
}
