// `kubus explain pod`: the scheduler's reply rendered as a table (the command's printer).
import test from 'ava';
import type { ExplainReply } from '../actors/scheduler/explain.ts';
import { SCHEDULER_EXPLAIN } from '../bus/subjects.ts';
import { renderExplain } from '../cli/commands/explain.ts';
import { mkNode, mkPod, schedEnv } from './helpers/scheduler.ts';

test('scheduler explain - the table shows each node, its filter verdict, weighted scores and total', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('tainted', { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] }));
  await s.createNode(mkNode('busy', { cpu: '4' }));
  await s.createNode(mkNode('free', { cpu: '4' }));
  await s.createPod(mkPod('filler', { cpu: '3', nodeName: 'busy' }));
  s.startScheduler();
  await s.createPod(mkPod('web', { cpu: '500m', memory: '1Gi' }));
  await s.clock.advance(2_000);
  const reply = (await s.run(s.env.client.bus.request<ExplainReply>(SCHEDULER_EXPLAIN, { namespace: 'default', name: 'web' }))).data;
  const text = renderExplain(reply);
  t.log(text);
  const lines = text.split('\n');
  t.is(lines[0], 'Pod default/web is bound to free.');
  t.is(lines[1], 'Last decision (2026-11-23T10:00:00Z): free, best of 2 feasible node(s) after checking 3.');
  t.regex(text, /^NODE\s+FILTERS\s+TAINTS\(x3\)\s+LEAST-ALLOCATED\(x1\)\s+BALANCED\(x1\)\s+TOTAL$/m);
  t.regex(text, /^free \*\s+passed\s+300\s+\d+\s+\d+\s+\d+$/m);
  t.regex(text, /^tainted\s+TaintToleration: node\(s\) had untolerated taint \{dedicated: x\}\s+-\s+-\s+-\s+-$/m);
  t.regex(text, /Not scored \(nothing to score for this pod\): NodeAffinity, PodTopologySpread, InterPodAffinity\.\n$/);
});

test('scheduler explain - a pending pod shows why, now and at its last attempt', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('n1', { cpu: '1' }));
  s.startScheduler();
  await s.createPod(mkPod('huge', { cpu: '8' }));
  await s.clock.advance(2_000);
  const reply = (await s.run(s.env.client.bus.request<ExplainReply>(SCHEDULER_EXPLAIN, { namespace: 'default', name: 'huge' }))).data;
  const lines = renderExplain(reply).split('\n');
  const msg = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
  t.deepEqual(lines.slice(0, 3), ['Pod default/huge is pending.', `Last attempt (2026-11-23T10:00:00Z): unschedulable: ${msg}`, `Now: ${msg}`]);
  t.regex(lines[5], /^n1\s+NodeResourcesFit: Insufficient cpu/);
});
