// The scheduler's cheap paths at scale: a bound pod's status moving on (Pending → Running) changes
// nothing it counts, so its node is left alone (anything that matters still re-counts); hundreds of
// tied nodes cost one random draw.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import { sameLabels } from '../actors/scheduler/pod-info.ts';
import { selectHost } from '../actors/scheduler/scheduler.logic.ts';
import { seededRng, type Rng } from '../bus/random.ts';
import { clusterOf, info, mkNode, mkPod } from './helpers/scheduler.ts';

const withStatus = (p: Pod, phase: string): Pod => ({ ...p, status: { phase, conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }] } });

test('scheduler cache - a confirmed pod whose phase moves on keeps its counts and node untouched; its PodInfo sees the new status', (t) => {
  const c = clusterOf([mkNode('n1'), mkNode('n2')]);
  const p = mkPod('p', { cpu: '1', memory: '1Gi', nodeName: 'n1' });
  const first = c.upsertBoundPod(withStatus(p, 'Pending'));
  const ni = c.get('n1')!;
  const generation = ni.generation;
  const again = c.upsertBoundPod(withStatus(p, 'Running'));
  t.is(again, first, 'the same PodInfo, not a copy');
  t.is(again.pod.status?.phase, 'Running');
  t.is(ni.pods.get('default/p'), again);
  t.is(ni.generation, generation, 'nothing re-counted');
  t.deepEqual([ni.requested.cpu, ni.requested.memory, ni.pods.size], [1000, 1024 ** 3, 1]);
  t.deepEqual(c.stats(), { nodes: 2, pods: 1, assumed: 0 });
});

test('scheduler cache - what does matter still re-counts: labels, deletion, a terminal phase, a move, a confirmation of an assumption', (t) => {
  const c = clusterOf([mkNode('n1'), mkNode('n2')]);
  const p = mkPod('p', { cpu: '1', nodeName: 'n1', labels: { app: 'a' } });
  const first = c.upsertBoundPod(withStatus(p, 'Running'));
  const relabelled = c.upsertBoundPod(withStatus({ ...p, metadata: { ...p.metadata, labels: { app: 'b' } } }, 'Running'));
  t.not(relabelled, first);
  t.deepEqual(relabelled.labels, { app: 'b' });
  const deleting = c.upsertBoundPod(withStatus({ ...p, metadata: { ...p.metadata, labels: { app: 'b' }, deletionTimestamp: '2026-01-01T00:00:00Z' } }, 'Running'));
  t.true(deleting.terminating);
  c.upsertBoundPod(withStatus({ ...p, spec: { ...p.spec, nodeName: 'n2' } }, 'Running'));
  t.deepEqual([c.get('n1')!.requested.cpu, c.get('n2')!.requested.cpu], [0, 1000], 'moved to n2');
  const room = (n: string) => [c.get(n)!.roomCpu, c.get(n)!.roomMemory, c.get(n)!.roomPods];
  t.deepEqual([room('n1'), room('n2')], [[4000, 8 * 1024 ** 3, 110], [3000, 8 * 1024 ** 3, 109]], 'the room left follows every change');
  c.upsertBoundPod(withStatus({ ...p, spec: { ...p.spec, nodeName: 'n2' } }, 'Succeeded'));
  t.deepEqual([c.get('n2')!.requested.cpu, c.stats().pods], [0, 0], 'a finished pod frees its node');
  const q = mkPod('q', { cpu: '1' });
  c.assume(info(q), 'n1');
  t.true(c.isAssumed('default/q'));
  c.upsertBoundPod(withStatus({ ...q, spec: { ...q.spec, nodeName: 'n1' } }, 'Pending'));
  t.false(c.isAssumed('default/q'), 'the watch confirmed the assumption');
  t.is(c.get('n1')!.requested.cpu, 1000, 'counted once');
});

test('scheduler cache - label sets compare by content, in any key order', (t) => {
  t.true(sameLabels({ a: '1', b: '2' }, { b: '2', a: '1' }));
  t.true(sameLabels(undefined, {}));
  t.false(sameLabels({ a: '1' }, { a: '1', b: '2' }));
  t.false(sameLabels({ a: '1', b: '2' }, { a: '1' }));
  t.false(sameLabels({ a: '1' }, { a: '2' }));
});

test('scheduler selectHost - hundreds of tied nodes cost one draw, and every tied node can win', (t) => {
  const base = seededRng(3);
  const draws: number[] = [];
  const rng: Rng = { ...base, int: (n) => (draws.push(n), base.int(n)) };
  const totals = Array.from({ length: 500 }, (_, i) => (i % 5 === 0 ? 300 : 290));
  const won = new Set<number>();
  for (let i = 0; i < 5_000; i++) won.add(selectHost(totals, rng));
  t.is(draws.length, 5_000, 'one draw per cycle');
  t.true(draws.every((n) => n === 100));
  t.true([...won].every((i) => i % 5 === 0), 'only the best');
  t.true(won.size > 95, `nearly all 100 tied nodes won at least once in 5,000 draws (${won.size})`);
  t.is(selectHost([1, 7, 3], rng), 1);
  t.is(draws.length, 5_000, 'no draw without a tie');
});
