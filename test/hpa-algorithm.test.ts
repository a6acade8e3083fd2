// The HPA's pure parts against upstream's rules (replica_calculator.go, horizontal.go): the usage
// ratio and its 10 % tolerance, missing and unready pods, AverageValue targets, and the
// normalization: stabilization windows, behavior policies (Pods/Percent, Max/Min/Disabled), the
// v1 rate limit, min/max, each with upstream's condition reasons. Also the metrics server's CPU rate.
import test from 'ava';
import { normalizeDefault, normalizeWithBehavior, newMemory, scaleLimit, defaultedRules, storeScaleEvent } from '../actors/controllers/hpa/hpa.behavior.ts';
import { resourceReplicas, type PodMetric } from '../actors/controllers/hpa/hpa.replicas.ts';
import { computeReplicasForMetrics, HpaMetricError, type MetricSpec } from '../actors/controllers/hpa/hpa.compute.ts';
import { MetricsStore } from '../actors/metrics/metrics.store.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { cpuRate, usageOf } from '../api/metrics.ts';
import { rfc3339 } from '../api/names.ts';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const LONG_AGO = NOW - 3_600_000;

/** A Running, Ready pod started an hour ago, requesting `req` millicores. */
function pod(name: string, req = 1000, o: { phase?: string; ready?: boolean; startedAt?: number; deleting?: boolean } = {}): Pod {
  const started = o.startedAt ?? LONG_AGO;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(o.deleting ? { deletionTimestamp: rfc3339(NOW) } : {}) },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: `${req}m`, memory: '100Mi' } } }] },
    status: {
      phase: o.phase ?? 'Running',
      startTime: rfc3339(started),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: rfc3339(started + 1000) }],
    },
  } as Pod;
}

const metrics = (values: Record<string, number>): Map<string, PodMetric> => new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestamp: NOW - 5000, windowMs: 15_000 }]));
const cpu = (target: number) => ({ utilization: target });

test('hpa replicas - utilization: desired = ceil(ratio × ready pods); within 10 % nothing changes', (t) => {
  const pods = [pod('a'), pod('b'), pod('c')];
  const up = resourceReplicas(3, cpu(50), 'cpu', pods, metrics({ a: 900, b: 1000, c: 1100 }), NOW);
  t.deepEqual(up, { replicas: 6, utilization: 100, average: 1000 });
  t.is(resourceReplicas(3, cpu(50), 'cpu', pods, metrics({ a: 520, b: 520, c: 520 }), NOW).replicas, 3, '52 % of a 50 % target is within tolerance');
  t.is(resourceReplicas(3, cpu(50), 'cpu', pods, metrics({ a: 560, b: 560, c: 560 }), NOW).replicas, 4, '56 % is not: ceil(1.12 × 3)');
  t.is(resourceReplicas(5, cpu(50), 'cpu', [pod('a'), pod('b'), pod('c'), pod('d'), pod('e')], metrics({ a: 100, b: 100, c: 100, d: 100, e: 100 }), NOW).replicas, 1);
});

test('hpa replicas - missing metrics count as 100 % when scaling down and 0 % when scaling up', (t) => {
  const pods = [pod('a'), pod('b'), pod('c'), pod('d')];
  // 10 % on three; d missing → counted at its request: (300 + 1000) / 4000 = 32 % → ratio 0.65 → ceil(2.6).
  t.is(resourceReplicas(4, cpu(50), 'cpu', pods, metrics({ a: 100, b: 100, c: 100 }), NOW).replicas, 3);
  // 100 % on three; d missing → 0: 3000 / 4000 = 75 % → ratio 1.5 → 6.
  t.is(resourceReplicas(4, cpu(50), 'cpu', pods, metrics({ a: 1000, b: 1000, c: 1000 }), NOW).replicas, 6);
  // 40 % on three (ratio 0.8); d at 100 % makes it 55 % (ratio 1.1): the direction would flip, so nothing changes.
  t.is(resourceReplicas(4, cpu(50), 'cpu', pods, metrics({ a: 400, b: 400, c: 400 }), NOW).replicas, 4);
});

test('hpa replicas - usage exactly on target with pods missing metrics keeps the count', (t) => {
  const pods = [pod('a'), pod('b'), pod('c'), pod('d')];
  // a and b at 50 % of a 50 % target (ratio 1.0); c and d without metrics are left out, not counted as 0.
  t.is(resourceReplicas(4, cpu(50), 'cpu', pods, metrics({ a: 500, b: 500 }), NOW).replicas, 4);
  t.is(resourceReplicas(4, { averageValue: 500 }, 'cpu', pods, metrics({ a: 500, b: 500 }), NOW).replicas, 4, 'AverageValue too');
});

test('hpa replicas - a target above 100 % counts missing pods at the target when scaling down', (t) => {
  const pods = [pod('a'), pod('b'), pod('c'), pod('d')];
  // 100 % on three of a 200 % target (ratio 0.5); d counted at 200 %: 5000 / 4000 = 125 % → ratio 0.625 → ceil(2.5).
  t.is(resourceReplicas(4, cpu(200), 'cpu', pods, metrics({ a: 1000, b: 1000, c: 1000 }), NOW).replicas, 3);
});

test('hpa replicas - AverageValue truncates the average to whole milli-units before the ratio', (t) => {
  // (1 + 2) / 2 = 1.5m truncates to 1m: exactly on a 1m target, so 2 stays 2 (not ceil(1.5 × 2) = 3).
  t.deepEqual(resourceReplicas(2, { averageValue: 1 }, 'cpu', [pod('a'), pod('b')], metrics({ a: 1, b: 2 }), NOW), { replicas: 2, utilization: undefined, average: 1 });
});

test('hpa replicas - a request of 0 counts as missing', (t) => {
  const zero = { ...pod('a'), spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '0' } } }] } } as Pod;
  t.throws(() => resourceReplicas(1, cpu(50), 'cpu', [zero], metrics({ a: 1 }), NOW), { message: 'missing request for cpu in container c of Pod a' });
});

test('hpa replicas - unready and pending pods count as 0 when scaling up; deleting and failed pods are ignored', (t) => {
  const starting = pod('c', 1000, { ready: false, startedAt: NOW - 60_000 });
  // a and b at 100 %; c still starting (not Ready, inside the cpu initialization period): 2000 / 3000 = 66 % → ratio 1.33 → ceil(4).
  t.is(resourceReplicas(3, cpu(50), 'cpu', [pod('a'), pod('b'), starting], metrics({ a: 1000, b: 1000, c: 1000 }), NOW).replicas, 4);
  t.is(resourceReplicas(3, cpu(50), 'cpu', [pod('a'), pod('b'), pod('p', 1000, { phase: 'Pending' })], metrics({ a: 1000, b: 1000 }), NOW).replicas, 4);
  t.is(resourceReplicas(3, cpu(50), 'cpu', [pod('a'), pod('b'), pod('x', 1000, { deleting: true })], metrics({ a: 1000, b: 1000, x: 0 }), NOW).replicas, 4, 'the deleting pod is not counted at all');
  // Memory has no initialization period: a not-Ready pod's metric counts.
  t.is(resourceReplicas(2, cpu(50), 'memory', [pod('a'), pod('c', 1000, { ready: false, startedAt: NOW - 60_000 })].map((p) => ({ ...p, spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { memory: '1' } } }] } }) as Pod), metrics({ a: 1000, c: 1000 }), NOW).replicas, 4);
});

test('hpa replicas - AverageValue divides the pods\' average by the target; errors read as upstream\'s', (t) => {
  const pods = [pod('a'), pod('b'), pod('c')];
  t.deepEqual(resourceReplicas(3, { averageValue: 100 }, 'cpu', pods, metrics({ a: 300, b: 300, c: 300 }), NOW), { replicas: 9, utilization: undefined, average: 300 });
  t.throws(() => resourceReplicas(3, cpu(50), 'cpu', [], metrics({}), NOW), { message: 'no pods returned by selector while calculating replica count' });
  t.throws(() => resourceReplicas(1, cpu(50), 'cpu', [pod('a', 1000, { phase: 'Pending' })], metrics({ a: 1 }), NOW), { message: 'did not receive metrics for targeted pods (pods might be unready)' });
  const noRequest = { ...pod('a'), spec: { containers: [{ name: 'c', image: 'x' }] } } as Pod;
  t.throws(() => resourceReplicas(1, cpu(50), 'cpu', [noRequest], metrics({ a: 1 }), NOW), { message: 'missing request for cpu in container c of Pod a' });
});

test('hpa compute - the largest proposal wins; each failing metric is an HpaMetricError with upstream\'s reason and text', (t) => {
  const pods = [pod('a'), pod('b')];
  const specs = [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1' } } },
    { type: 'Pods', pods: {} },
  ] as unknown as MetricSpec[];
  const fetched = new Map<string, Map<string, PodMetric> | Error>([
    ['cpu', metrics({ a: 1000, b: 1000 })],
    ['memory', new Error('unable to get metrics for resource memory: no metrics returned from resource metrics API')],
  ]);
  const r = computeReplicasForMetrics(specs, fetched, pods, 2, NOW);
  t.is(r.best?.replicas, 4);
  t.is(r.best?.name, 'cpu resource utilization (percentage of request)');
  t.deepEqual(r.statuses, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 100, averageValue: '1' } } }]);
  t.true(r.errors.every((e) => e instanceof HpaMetricError));
  t.deepEqual(r.errors.map((e) => [e.reason, e.message]), [
    ['FailedGetResourceMetric', 'failed to get memory resource metric value: unable to get metrics for resource memory: no metrics returned from resource metrics API'],
    ['InvalidMetricSourceType', 'unsupported metric source type "Pods"'],
  ]);
});

test('hpa normalize - without behavior: at most max(2×, 4) up; the highest recommendation of 5 minutes down', (t) => {
  const mem = newMemory();
  t.like(normalizeDefault(mem, 2, 11, 1, 20, NOW), { replicas: 4, limited: { status: 'True', reason: 'ScaleUpLimit' } });
  t.like(normalizeDefault(mem, 4, 11, 1, 6, NOW + 15_000), { replicas: 6, limited: { status: 'True', reason: 'TooManyReplicas' } });
  t.like(normalizeDefault(mem, 6, 2, 1, 6, NOW + 60_000), { replicas: 6, able: { reason: 'ScaleDownStabilized' }, limited: { reason: 'TooManyReplicas' } }, 'the highest recent recommendation (11), capped at max');
  const later = normalizeDefault(mem, 6, 2, 1, 6, NOW + 15_000 + 300_001);
  t.like(later, { replicas: 2, able: { reason: 'ReadyForNewScale' }, limited: { status: 'False', reason: 'DesiredWithinRange' } });
  t.like(normalizeDefault(newMemory(), 3, 1, 2, 6, NOW), { replicas: 2, limited: { status: 'True', reason: 'TooFewReplicas' } });
});

test('hpa normalize - behavior: default policies (4 pods or 100 % per 15 s up), max and the down window', (t) => {
  const mem = newMemory();
  mem.recommendations.push({ replicas: 2, at: NOW - 60_000 });
  const up = normalizeWithBehavior({}, mem, 2, 11, 2, 6, NOW);
  t.like(up, { replicas: 6, able: { reason: 'ReadyForNewScale' }, limited: { status: 'True', reason: 'TooManyReplicas' } });
  storeScaleEvent({}, mem, 2, 6, NOW);
  const held = normalizeWithBehavior({}, mem, 6, 2, 2, 6, NOW + 120_000);
  t.like(held, { replicas: 6, able: { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' } });
  t.like(normalizeWithBehavior({}, mem, 6, 2, 2, 6, NOW + 300_001), { replicas: 2, able: { reason: 'ReadyForNewScale' } });
});

test('hpa normalize - policies: Pods per period counts the period\'s earlier changes; Percent down; Min and Disabled', (t) => {
  const slowUp = { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } };
  const mem = newMemory();
  t.like(normalizeWithBehavior(slowUp, mem, 2, 5, 1, 10, NOW), { replicas: 3, limited: { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' } });
  storeScaleEvent(slowUp, mem, 2, 3, NOW);
  t.is(normalizeWithBehavior(slowUp, mem, 3, 5, 1, 10, NOW + 15_000).replicas, 3, 'the period\'s one pod is used up');
  t.is(normalizeWithBehavior(slowUp, mem, 3, 5, 1, 10, NOW + 61_000).replicas, 4);

  const halfDown = { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } };
  t.like(normalizeWithBehavior(halfDown, newMemory(), 10, 1, 1, 10, NOW), { replicas: 5, limited: { reason: 'ScaleDownLimit' } });
  const disabled = { scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Disabled' } };
  t.is(normalizeWithBehavior(disabled, newMemory(), 5, 2, 1, 10, NOW).replicas, 5);
  const up = defaultedRules(undefined, true);
  t.is(scaleLimit(2, newMemory(), up, true, NOW), 6, 'Max: 2 + 4 pods beats 2 × 200 %');
  t.is(scaleLimit(2, newMemory(), { ...up, selectPolicy: 'Min' }, true, NOW), 4, 'Min: the smaller change');
  const upWindow = { scaleUp: { stabilizationWindowSeconds: 60 } };
  const m2 = newMemory();
  m2.recommendations.push({ replicas: 3, at: NOW - 30_000 });
  t.like(normalizeWithBehavior(upWindow, m2, 3, 6, 1, 10, NOW), { replicas: 3, able: { reason: 'ScaleUpStabilized' } });
});

test('metrics store - CPU rate over the window between two scrapes; a container started since is measured from its start', (t) => {
  t.deepEqual(cpuRate({ at: 0, startedAt: -5, cpuNs: 0, memoryBytes: 0 }, { at: 15_000, startedAt: -5, cpuNs: 3.75e9, memoryBytes: 0 }, 0), { nanoCores: 250e6, windowMs: 15_000 });
  t.is(cpuRate(undefined, { at: 15_000, startedAt: 10_000, cpuNs: 1e9, memoryBytes: 0 }, undefined), undefined, 'first scrape: no rate yet');
  t.deepEqual(cpuRate(undefined, { at: 15_000, startedAt: 10_000, cpuNs: 1e9, memoryBytes: 0 }, 0), { nanoCores: 200e6, windowMs: 5000 });
  t.deepEqual(usageOf(250e6, 64 * 1024 * 1024), { cpu: '250m', memory: '64Mi' });
  t.is(usageOf(123_456_789, 0).cpu, '123456789n', 'nanocores while not a whole number of millicores');

  const store = new MetricsStore();
  const batch = (at: number, cpuNs: number, pods = true) => [{ node: 'n1', at, cpuNs, memoryBytes: 10, pods: pods ? [{ namespace: 'd', name: 'p', uid: 'u', containers: [{ name: 'c', startedAt: -1, cpuNs, memoryBytes: 2048 }] }] : [] }];
  store.store(batch(0, 0));
  t.is(store.node('n1'), undefined);
  store.store(batch(15_000, 15e9));
  t.like(store.node('n1'), { window: '15s', value: { cpu: '1', memory: '10' } });
  t.deepEqual(store.pod('d', 'p')?.value, [{ name: 'c', usage: { cpu: '1', memory: '2Ki' } }]);
  store.store(batch(30_000, 30e9, false));
  t.is(store.pod('d', 'p'), undefined, 'a pod gone from the batch is forgotten');
});
