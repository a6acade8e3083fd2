// autoscaling/v1 HorizontalPodAutoscaler conversion (api/kinds/autoscaling-v1.ts): the CPU target maps to a v2
// Resource metric and back, every other v2 field survives a v1 round trip through the alpha annotations, and
// the resource table serves v1 beside v2 with v2 as the storage version.
import test from 'ava';
import { CURRENT_METRICS_ANNOTATION, hpaFromV1, hpaToV1, METRICS_ANNOTATION } from '../api/kinds/autoscaling-v1.ts';
import type { KubeObject } from '../api/meta.ts';
import { inServedVersion, resourceFor, servedResources, servedVersionsOf } from '../api/resources.ts';

const v2 = (spec: Record<string, unknown>, status?: Record<string, unknown>, annotations?: Record<string, string>) =>
  ({
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, ...spec },
    ...(status ? { status } : {}),
  }) as unknown as KubeObject;

const cpu = (n: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });
const pods = { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } };

test('autoscaling v1 - targetCPUUtilizationPercentage becomes a cpu Utilization metric and back, no annotation needed', (t) => {
  const v1 = {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
  } as unknown as KubeObject;
  const stored = hpaFromV1(v1);
  t.deepEqual(stored, v2({ metrics: [cpu(50)] }));
  const back = hpaToV1(stored);
  t.deepEqual(back, v1);
  t.is(back.metadata.annotations, undefined);
});

test('autoscaling v1 - no CPU target leaves the metrics to the v2 defaults', (t) => {
  const stored = hpaFromV1({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'a' }, spec: { maxReplicas: 3 } } as unknown as KubeObject) as any;
  t.is(stored.apiVersion, 'autoscaling/v2');
  t.deepEqual(stored.spec, { maxReplicas: 3 });
});

test('autoscaling v1 - other metrics, current metrics, conditions and behavior survive a v1 round trip in annotations', (t) => {
  const behavior = { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 15 }] } };
  const current = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42, averageValue: '210m' } } }];
  const conditions = [{ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale' }];
  const status = { currentReplicas: 2, desiredReplicas: 3, currentMetrics: current, conditions };
  const original = v2({ metrics: [cpu(70), pods], behavior }, status, { team: 'a' });
  const v1 = hpaToV1(original) as any;
  t.is(v1.apiVersion, 'autoscaling/v1');
  t.deepEqual(v1.spec, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 });
  t.deepEqual(v1.status, { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 42 });
  // The annotations hold upstream's v1 (alpha) forms: flat metricName/targetAverageValue, currentAverageUtilization.
  t.deepEqual(JSON.parse(v1.metadata.annotations[METRICS_ANNOTATION]), [{ type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } }]);
  t.deepEqual(JSON.parse(v1.metadata.annotations[CURRENT_METRICS_ANNOTATION]), [{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 42, currentAverageValue: '210m' } }]);
  t.is(v1.metadata.annotations.team, 'a');
  // Back in v2 the annotation's metrics come first, then the CPU target (upstream's order).
  t.deepEqual(hpaFromV1(v1), v2({ metrics: [pods, cpu(70)], behavior }, status, { team: 'a' }));
});

test('autoscaling v1 - a CPU metric by raw value is not v1 percentage: it rides in the annotation', (t) => {
  const raw = { type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '500m' } } };
  const v1 = hpaToV1(v2({ metrics: [raw] })) as any;
  t.is(v1.spec.targetCPUUtilizationPercentage, undefined);
  t.deepEqual(JSON.parse(v1.metadata.annotations[METRICS_ANNOTATION]), [{ type: 'Resource', resource: { name: 'cpu', targetAverageValue: '500m' } }]);
  t.deepEqual((hpaFromV1(v1) as any).spec.metrics, [raw]);
});

test('autoscaling v1 - Object and External metrics round trip through their v1 forms', (t) => {
  const ref = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' };
  const object = { type: 'Object', object: { describedObject: ref, metric: { name: 'rps' }, target: { type: 'Value', value: '2k' } } };
  const external = { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '30' } } };
  const original = v2({ metrics: [object, external] });
  const v1 = hpaToV1(original) as any;
  t.deepEqual(JSON.parse(v1.metadata.annotations[METRICS_ANNOTATION]), [
    { type: 'Object', object: { target: ref, metricName: 'rps', targetValue: '2k' } },
    { type: 'External', external: { metricName: 'queue', metricSelector: { matchLabels: { q: 'jobs' } }, targetAverageValue: '30' } },
  ]);
  t.deepEqual(hpaFromV1(v1), original);
});

test('autoscaling v1 - served beside v2, v2 the storage version; inServedVersion converts objects and lists', (t) => {
  const served = servedResources().filter((d) => d.plural === 'horizontalpodautoscalers').map((d) => d.apiVersion);
  t.deepEqual(served, ['autoscaling/v2', 'autoscaling/v1']);
  const storage = resourceFor('hpa')!;
  t.is(storage.apiVersion, 'autoscaling/v2');
  const v1def = servedResources().find((d) => d.apiVersion === 'autoscaling/v1' && d.plural === 'horizontalpodautoscalers')!;
  t.deepEqual(servedVersionsOf(v1def).map((d) => d.apiVersion), ['autoscaling/v2', 'autoscaling/v1']);
  t.deepEqual(servedVersionsOf(storage).map((d) => d.apiVersion), ['autoscaling/v2', 'autoscaling/v1']);
  const asStored = v2({ metrics: [cpu(50)] });
  t.is(inServedVersion(storage, asStored), asStored, 'the storage version is served as stored');
  const list = inServedVersion(v1def, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscalerList', metadata: {}, items: [v2({ metrics: [cpu(50)] })] }) as any;
  t.is(list.apiVersion, 'autoscaling/v1');
  t.is(list.items[0].apiVersion, 'autoscaling/v1');
  t.is(list.items[0].spec.targetCPUUtilizationPercentage, 50);
});
