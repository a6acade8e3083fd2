// The scheduler's reused arrays (feasible nodes, scores): a cycle with them decides as one without.
import test from 'ava';
import { findFeasibleNodes, prepareFilters } from '../actors/scheduler/filtering.ts';
import { prioritize, type ScoreBuffers } from '../actors/scheduler/scheduler.logic.ts';
import type { NodeInfo } from '../actors/scheduler/types.ts';
import { clusterOf, info, mkNode, mkPod } from './helpers/scheduler.ts';

const nodes = Array.from({ length: 12 }, (_, i) => mkNode(`n${i}`, { cpu: String(2 + (i % 5)), memory: `${4 + (i % 3)}Gi` }));
const existing = [mkPod('e1', { cpu: '1', memory: '1Gi', nodeName: 'n1' }), mkPod('e2', { cpu: '3', memory: '2Gi', nodeName: 'n4' })];

test('scheduler buffers - reused feasible and score arrays give the fresh arrays’ results, as the feasible count shrinks and grows', (t) => {
  const view = clusterOf(nodes, existing);
  const all = view.nodes();
  const into: NodeInfo[] = [];
  const buf: ScoreBuffers = { totals: [], scores: [] };
  for (const [cpu, limit, start] of [['1', 12, 0], ['4', 3, 5], ['5', 12, 2], ['1', 7, 9], ['2', 12, 11]] as const) {
    const pod = info(mkPod(`p${cpu}-${limit}`, { cpu, memory: '1Gi' }));
    const prepared = prepareFilters(pod, view);
    const fresh = findFeasibleNodes(pod, all, prepared, start, limit);
    const reused = findFeasibleNodes(pod, all, prepared, start, limit, undefined, into);
    t.is(reused.feasible, into);
    t.deepEqual(reused.feasible.map((n) => n.name), fresh.feasible.map((n) => n.name));
    t.is(reused.processed, fresh.processed);
    const want = prioritize(pod, fresh.feasible, view).totals;
    const got = prioritize(pod, reused.feasible, view, false, undefined, buf).totals;
    t.deepEqual([...got], want);
    t.is(got, buf.totals, 'the totals are the buffer');
  }
  t.true(into.length > 0);
});

test('scheduler buffers - with detail, each plugin keeps its own scores', (t) => {
  const view = clusterOf(nodes, existing);
  const pod = info(mkPod('p', { cpu: '1', memory: '1Gi' }));
  const buf: ScoreBuffers = { totals: [], scores: [] };
  const r = prioritize(pod, view.nodes(), view, true, undefined, buf);
  const kept = r.plugins.filter((p) => p.scores).map((p) => p.scores);
  t.true(kept.length > 1);
  t.is(new Set(kept).size, kept.length, 'one array per plugin');
  t.not(r.totals, buf.totals);
});
