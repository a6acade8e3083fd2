import test from 'ava';
import { SchedulerCache } from '../actors/scheduler/cache.ts';
import { info, mkNode, mkPod } from './helpers/scheduler.ts';

const bound = (name: string, node: string) => mkPod(name, { cpu: '1', nodeName: node });

test('scheduler cache - expiry drops only assumptions still unconfirmed: a confirmed, forgotten or re-assumed pod keeps counting', (t) => {
  const c = new SchedulerCache(30_000);
  c.setNode(mkNode('n1'));
  for (const p of ['a', 'b', 'c', 'd']) c.assume(info(mkPod(p, { cpu: '1' })), 'n1');
  for (const p of ['a', 'b', 'c', 'd']) c.finishBinding(`default/${p}`, 1_000);
  c.upsertBoundPod(bound('a', 'n1')); // confirmed by the watch
  c.forget('default/b', 'n1'); // binding failed after all
  c.forget('default/c', 'n1');
  c.assume(info(mkPod('c', { cpu: '1' })), 'n1'); // assumed again, binding in flight
  t.deepEqual(c.cleanupExpired(31_000), ['default/d']);
  t.is(c.get('n1')!.requested.cpu, 2000, 'a (bound) and c (assumed again) still count');
  t.deepEqual(c.cleanupExpired(1e12), [], 'c has no deadline until its binding finishes');
  c.finishBinding('default/c', 50_000);
  t.deepEqual(c.cleanupExpired(80_000), ['default/c']);
  t.is(c.get('n1')!.requested.cpu, 1000);
});

test('scheduler cache - several expired assumptions go in one cleanup, in the order their bindings finished', (t) => {
  const c = new SchedulerCache(10);
  c.setNode(mkNode('n1'));
  for (const p of ['x', 'y', 'z']) c.assume(info(mkPod(p, { cpu: '1' })), 'n1');
  c.finishBinding('default/z', 1);
  c.finishBinding('default/x', 2);
  c.finishBinding('default/y', 3);
  t.deepEqual(c.cleanupExpired(12), ['default/z', 'default/x']);
  t.deepEqual(c.cleanupExpired(13), ['default/y']);
  t.is(c.get('n1')!.requested.cpu, 0);
});
