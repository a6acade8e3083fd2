// The controller framework: level-based reconciles from shared caches, one key at a time,
// retries with backoff on the virtual clock.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { defineController } from '../actors/lib/controller.ts';
import { WorkQueue } from '../actors/lib/workqueue.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';

test('workqueue - a key is queued once, never handed out twice at once, and re-queued if added meanwhile', (t) => {
  const q = new WorkQueue(new VirtualClock(0));
  q.add('a');
  q.add('a');
  q.add('b');
  t.is(q.length, 2);
  let got: string[] = [];
  q.next((k) => got.push(k));
  t.deepEqual(got, ['a']);
  q.add('a'); // changed while being processed
  q.next((k) => got.push(k));
  t.deepEqual(got, ['a', 'b'], 'a is not handed out again while processing');
  q.done('a');
  got = [];
  q.next((k) => got.push(k));
  t.deepEqual(got, ['a'], 'and comes back once done');
});

test('workqueue - failures back off as client-go: 5 ms, 10 ms, 20 ms ... until forgotten', async (t) => {
  const clock = new VirtualClock(0);
  const q = new WorkQueue(clock);
  const at: number[] = [];
  const take = () => q.next((k) => (at.push(clock.now()), q.done(k)));
  for (let i = 0; i < 3; i++) {
    const from = clock.now();
    q.addRateLimited('x');
    take();
    await clock.advance(1_000);
    at[i] -= from;
  }
  t.deepEqual(at, [5, 10, 20]);
  t.is(q.retries('x'), 3);
  q.forget('x');
  const from = clock.now();
  q.addRateLimited('x');
  take();
  await clock.advance(1_000);
  t.is(at[3] - from, 5, 'reset after forget');
});

test('controller - reconciles from current state, collapses bursts, and retries failures with backoff', async (t) => {
  const clock = new VirtualClock(0);
  const env = await startApi(t, { clock });
  const seen: string[] = [];
  let failNext = 1;
  const echo = defineController({
    name: 'echo',
    watches: [{ resource: 'configmaps' }],
    async reconcile(key, ctx) {
      const cm = ctx.cache('configmaps').get(key);
      const data = (cm?.data as Record<string, string> | undefined)?.v;
      seen.push(`${key}=${data ?? 'gone'}`);
      await new Promise<void>((r) => ctx.deps.clock.setTimeout(() => r(), 5)); // a reconcile takes a while
      if (data === 'boom' && failNext-- > 0) throw new Error('transient');
    },
  });
  const cm = env.process('controller-manager');
  cm.start(echo, 'controller/echo', undefined);
  const write = async (v: string) => {
    const p = env.client.patch('configmaps', 'c', { data: { v } }, { namespace: 'default' });
    await clock.advance(1);
    await p;
  };
  const c = env.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { v: '0' } } as KubeObject);
  await clock.advance(10);
  await c;
  await clock.advance(10);
  t.deepEqual(seen, ['default/c=0']);
  // A burst of changes: the reconcile sees the latest state, not every step.
  const burst = Promise.all(['1', '2', '3'].map((v) => env.client.patch('configmaps', 'c', { data: { v } }, { namespace: 'default' })));
  await clock.advance(10);
  await burst;
  await clock.advance(10);
  t.is(seen.at(-1), 'default/c=3');
  t.deepEqual(seen, ['default/c=0', 'default/c=1', 'default/c=3'], 'changes made during a reconcile collapse into one more');
  // A failure is retried after the first backoff step (5 ms, client-go's default).
  const before = seen.length;
  await write('boom');
  t.is(seen.length, before + 1);
  await clock.advance(4);
  t.is(seen.length, before + 1, 'not before the backoff');
  await clock.advance(10);
  t.is(seen.length, before + 2, 'retried after 5 ms and the reconcile itself');
});

test('controller - updateKeys decides what an update wakes (upstream filters updates that cannot matter)', async (t) => {
  const clock = new VirtualClock(0);
  const env = await startApi(t, { clock });
  const seen: string[] = [];
  const ctl = defineController({
    name: 'filtered',
    watches: [{ resource: 'configmaps', updateKeys: (old, now) => ((old.data as { v: string }).v === (now.data as { v: string }).v ? [] : [`default/${now.metadata.name}`]) }],
    async reconcile(key) {
      seen.push(key);
    },
  });
  env.process('controller-manager').start(ctl, 'controller/filtered', undefined);
  const step = async (p: Promise<unknown>) => {
    await clock.advance(10);
    await p;
    await clock.advance(10);
  };
  await step(env.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { v: '0' } } as KubeObject));
  t.deepEqual(seen, ['default/c'], 'adds use the default key');
  await step(env.client.patch('configmaps', 'c', { metadata: { labels: { x: 'y' } } }, { namespace: 'default' }));
  t.deepEqual(seen, ['default/c'], 'an update that changes nothing that matters wakes nothing');
  await step(env.client.patch('configmaps', 'c', { data: { v: '1' } }, { namespace: 'default' }));
  t.deepEqual(seen, ['default/c', 'default/c']);
});
