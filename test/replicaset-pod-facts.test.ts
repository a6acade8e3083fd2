// The ReplicaSet controller's per-pod facts (active, Ready, since when): remembered for frozen pods
// only, so a pod changed in place (an unfrozen cache) is read again, and a new frozen version is new.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import { calculateStatus, podFacts } from '../actors/controllers/replicaset/replicaset.reconcile.ts';
import type { ReplicaSet } from '../api/kinds/replicaset.ts';
import { deepFreeze } from '../bus/freeze.ts';

const pod = (ready: boolean, deleting = false): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels: { app: 'web' }, ...(deleting ? { deletionTimestamp: '2026-12-06T00:00:00Z' } : {}) },
  spec: { containers: [] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-12-06T00:00:00Z' }] },
});

test('pod facts - read from the pod: active, Ready and since when', (t) => {
  const f = podFacts(deepFreeze(pod(true)));
  t.deepEqual(f, { active: true, ready: true, readySince: Date.parse('2026-12-06T00:00:00Z') });
  t.false(podFacts(deepFreeze(pod(true, true))).active, 'a pod being deleted is not active');
});

test('pod facts - a frozen pod is read once; a new version is read again', (t) => {
  const a = deepFreeze(pod(false));
  t.is(podFacts(a), podFacts(a), 'the same object for the same frozen pod');
  t.true(podFacts(deepFreeze(pod(true))).ready);
});

test('pod facts - a pod that is not frozen is read every time (it may change in place)', (t) => {
  const p = pod(false);
  t.false(podFacts(p).ready);
  p.status!.conditions![0]!.status = 'True';
  t.true(podFacts(p).ready);
});

test('pod facts - calculateStatus counts from them as before: ready, available after minReadySeconds, fully labeled', (t) => {
  const rs = { metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 3, minReadySeconds: 10, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } } } } } as unknown as ReplicaSet;
  const pods = [deepFreeze(pod(true)), deepFreeze(pod(true)), deepFreeze(pod(false))];
  const since = Date.parse('2026-12-06T00:00:00Z');
  const early = calculateStatus(rs, pods, undefined, since + 5_000);
  t.like(early, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2 });
  t.is(early.availableReplicas, undefined, 'ready for 5 s of 10: none available yet');
  t.is(calculateStatus(rs, pods, undefined, since + 10_000).availableReplicas, 2);
});
