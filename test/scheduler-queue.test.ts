// The scheduling queue (priority order, backoff, unschedulable pods and the events that release
// them) and the cache (assumed pods, confirmation, expiry, zone order). Pure: time is passed in.
import test from 'ava';
import { SchedulerCache } from '../actors/scheduler/cache.ts';
import { mayBecomeSchedulable, nodeChanges, type ClusterEvent } from '../actors/scheduler/hints.ts';
import { SchedulingQueue } from '../actors/scheduler/queue.ts';
import { clusterOf, info, mkNode, mkPod } from './helpers/scheduler.ts';

const newQueue = () =>
  new SchedulingQueue<ClusterEvent>({ backoff: { initialMs: 1_000, maxMs: 10_000, factor: 2 }, maxInUnschedulableMs: 300_000 }, mayBecomeSchedulable);
const popAll = (q: SchedulingQueue<ClusterEvent>) => {
  const out: string[] = [];
  for (let p = q.pop(); p; p = q.pop()) out.push(p.info.pod.metadata.name!);
  return out;
};

test('scheduler queue - pops by priority, then by time queued, then by arrival', (t) => {
  const q = newQueue();
  q.add(info(mkPod('low', { priority: 1 })), 0);
  q.add(info(mkPod('high', { priority: 100 })), 5);
  q.add(info(mkPod('mid-late', { priority: 10 })), 9);
  q.add(info(mkPod('mid-early', { priority: 10 })), 3);
  q.add(info(mkPod('mid-same', { priority: 10 })), 3);
  t.deepEqual(popAll(q), ['high', 'mid-early', 'mid-same', 'mid-late', 'low']);
});

test('scheduler queue - an unschedulable pod waits for an event that may help, then backs off 1 s, 2 s, 4 s … 10 s', (t) => {
  const q = newQueue();
  q.add(info(mkPod('p', { cpu: '2' })), 0);
  let now = 0;
  const fail = () => {
    const qp = q.pop()!;
    q.requeue(qp.key, { rejectedBy: new Set(['NodeResourcesFit']) }, now);
    return qp;
  };
  fail();
  t.is(q.where('default/p'), 'unschedulable');
  // A node too small does not help; a big enough one does, but the pod backs off first (1 s after the attempt).
  t.is(q.onEvent({ kind: 'NodeAdd', node: clusterOf([mkNode('tiny', { cpu: '1' })]).get('tiny')! }, 500), 0);
  t.is(q.onEvent({ kind: 'NodeAdd', node: clusterOf([mkNode('big', { cpu: '4' })]).get('big')! }, 500), 1);
  t.is(q.where('default/p'), 'backoff');
  q.flushBackoffCompleted(999);
  t.is(q.activeCount, 0);
  q.flushBackoffCompleted(1_000);
  t.is(q.activeCount, 1);
  const expiries: number[] = [];
  for (let i = 0; i < 6; i++) {
    now = 10_000 * (i + 1);
    const qp = fail();
    expiries.push(q.backoffExpiry(qp) - now);
    q.onEvent({ kind: 'AssignedPodDelete', pod: info(mkPod('gone', { nodeName: 'big' })) }, now);
    q.flushBackoffCompleted(now + 20_000);
    t.is(q.activeCount, 1);
  }
  t.deepEqual(expiries, [2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
});

test('scheduler queue - unschedulable pods are retried anyway after 5 minutes; errors go to backoff directly', (t) => {
  const q = newQueue();
  q.add(info(mkPod('a')), 0);
  q.add(info(mkPod('b')), 0);
  q.requeue(q.pop()!.key, { rejectedBy: new Set(['NodeAffinity']) }, 0);
  q.requeue(q.pop()!.key, {}, 0);
  t.like(q.counts(), { unschedulable: 1, backoff: 1 });
  q.flushBackoffCompleted(1_000);
  q.flushUnschedulableLeftover(299_000);
  t.like(q.counts(), { unschedulable: 1, active: 1 });
  q.flushUnschedulableLeftover(300_001);
  t.like(q.counts(), { unschedulable: 0, active: 2 });
});

test('scheduler queue - a spec change releases an unschedulable pod; gated pods wait for their gates to go', (t) => {
  const q = newQueue();
  q.add(info(mkPod('p')), 0);
  q.requeue(q.pop()!.key, { rejectedBy: new Set(['TaintToleration']) }, 0);
  q.update(info(mkPod('p', { tolerations: [{ operator: 'Exists' }] })), 5_000);
  t.is(q.where('default/p'), 'active');
  const gated = mkPod('g');
  gated.spec.schedulingGates = [{ name: 'wait' }];
  q.add(info(gated), 0);
  t.is(q.where('default/g'), 'gated');
  q.update(info(mkPod('g')), 1);
  t.is(q.where('default/g'), 'active');
  q.delete('default/g');
  t.is(q.where('default/g'), undefined);
});

test('scheduler hints - node updates: only scheduling-relevant changes count, and only if they help the rejecting plugin', (t) => {
  const n = mkNode('n', { labels: { zone: 'a' } });
  const beat = structuredClone(n);
  beat.status!.conditions = [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:10Z' }];
  t.is(nodeChanges(n, beat), undefined, 'a heartbeat is not an event');
  const relabelled = mkNode('n', { labels: { zone: 'b' } });
  t.like(nodeChanges(n, relabelled), { labels: true, taints: false, allocatable: false });
  const q = newQueue();
  q.add(info(mkPod('p', { nodeSelector: { zone: 'b' } })), 0);
  q.requeue(q.pop()!.key, { rejectedBy: new Set(['NodeAffinity']) }, 0);
  const c = clusterOf([n]);
  t.is(q.onEvent({ kind: 'NodeUpdate', node: c.get('n')!, changes: { allocatable: true, labels: false, taints: false, unschedulable: false, conditions: false } }, 60_000), 0);
  c.setNode(relabelled);
  t.is(q.onEvent({ kind: 'NodeUpdate', node: c.get('n')!, changes: nodeChanges(n, relabelled)! }, 60_000), 1);
});

test('scheduler cache - an assumed pod counts at once, is confirmed by the watch, and forgetting it then is a no-op', (t) => {
  const c = clusterOf([mkNode('n1', { cpu: '1' })]);
  const p = info(mkPod('p', { cpu: '600m' }));
  c.assume(p, 'n1');
  t.is(c.get('n1')!.requested.cpu, 600);
  t.true(c.isAssumed('default/p'));
  c.upsertBoundPod(mkPod('p', { cpu: '600m', nodeName: 'n1' }));
  t.false(c.isAssumed('default/p'));
  c.forget('default/p', 'n1');
  t.is(c.get('n1')!.requested.cpu, 600, 'still counted: the watch confirmed it');
  c.removePod('default/p');
  t.is(c.get('n1')!.requested.cpu, 0);
});

test('scheduler cache - a failed binding is forgotten; a pod bound elsewhere by someone else moves', (t) => {
  const c = clusterOf([mkNode('n1'), mkNode('n2')]);
  c.assume(info(mkPod('a', { cpu: '1' })), 'n1');
  c.forget('default/a', 'n1');
  t.is(c.get('n1')!.requested.cpu, 0);
  c.assume(info(mkPod('b', { cpu: '1' })), 'n1');
  c.upsertBoundPod(mkPod('b', { cpu: '1', nodeName: 'n2' }));
  c.forget('default/b', 'n1');
  t.deepEqual([c.get('n1')!.requested.cpu, c.get('n2')!.requested.cpu], [0, 1000]);
});

test('scheduler cache - an assumption expires ttl after its binding finished, never before', (t) => {
  const c = new SchedulerCache(30_000);
  c.setNode(mkNode('n1'));
  c.assume(info(mkPod('p', { cpu: '1' })), 'n1');
  t.deepEqual(c.cleanupExpired(1e12), [], 'binding still in flight: no deadline yet');
  c.finishBinding('default/p', 1_000);
  t.deepEqual(c.cleanupExpired(30_999), []);
  t.deepEqual(c.cleanupExpired(31_000), ['default/p']);
  t.is(c.get('n1')!.requested.cpu, 0);
});

test('scheduler cache - nodes are listed zone by zone, interleaved; a removed node keeps its pods until they go', (t) => {
  const z = (name: string, zone: string) => mkNode(name, { labels: { 'topology.kubernetes.io/zone': zone } });
  const c = clusterOf([z('a1', 'a'), z('a2', 'a'), z('a3', 'a'), z('b1', 'b'), z('c1', 'c'), z('c2', 'c')], [mkPod('p', { cpu: '1', nodeName: 'a2' })]);
  t.deepEqual(c.nodes().map((n) => n.name), ['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
  c.removeNode('a2');
  t.deepEqual(c.nodes().map((n) => n.name), ['a1', 'b1', 'c1', 'a3', 'c2']);
  t.is(c.get('a2'), undefined);
  c.setNode(z('a2', 'a'));
  t.is(c.get('a2')!.requested.cpu, 1000, 'the pod was remembered');
});
