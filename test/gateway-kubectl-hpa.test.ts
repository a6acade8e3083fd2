// The real kubectl with HorizontalPodAutoscalers over the gateway: `kubectl autoscale` posts autoscaling/v1
// (stored as v2), `kubectl get hpa` shows it, a v1 GET of a v2-created HPA answers v1, and a v2 GET the v2 form.
import test from 'ava';
import { parse, stringify } from 'yaml';
import { startGateway, watchLines } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

const deployment = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'app:1' }] } } },
};

test('gateway kubectl hpa - autoscale posts autoscaling/v1; get shows it; v1 and v2 reads convert', async (t) => {
  const g = await startGateway(t);
  t.is((await g.kubectl(['apply', '-f', '-'], stringify(deployment))).code, 0);

  const made = await g.kubectl(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5']);
  t.is(made.code, 0, made.stderr);
  t.is(made.stdout, 'horizontalpodautoscaler.autoscaling/web autoscaled\n');
  const stored = await g.client.get<any>('horizontalpodautoscalers', 'web', { namespace: 'default' });
  t.is(stored.apiVersion, 'autoscaling/v2');
  t.deepEqual(stored.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);

  const get = await g.kubectl(['get', 'hpa']);
  t.is(get.code, 0, get.stderr);
  t.regex(get.stdout, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nweb\s+Deployment\/web\s+cpu: <unknown>\/50%\s+1\s+5\s+0\s+\d+s\n$/);

  const v2yaml = parse((await g.kubectl(['get', 'hpa', 'web', '-o', 'yaml'])).stdout);
  t.is(v2yaml.apiVersion, 'autoscaling/v2');
  // kubectl keeps the version of a full resource.version.group name (a short name would take the preferred one).
  const v1yaml = parse((await g.kubectl(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'yaml'])).stdout);
  t.is(v1yaml.apiVersion, 'autoscaling/v1');
  t.like(v1yaml.spec, { minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
  t.is(v1yaml.metadata.annotations, undefined, 'a CPU-only HPA needs no annotation in v1');

  // Created as v2 with a Pods metric: a v1 GET answers v1, the Pods metric in the alpha annotation.
  const other = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'qps', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3,
      metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }],
    },
  };
  t.is((await g.kubectl(['create', '-f', '-'], stringify(other))).code, 0);
  const raw = await g.kubectl(['get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/qps']);
  const asV1 = JSON.parse(raw.stdout);
  t.is(asV1.apiVersion, 'autoscaling/v1');
  t.is(asV1.spec.targetCPUUtilizationPercentage, undefined);
  t.deepEqual(JSON.parse(asV1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics']), [{ type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } }]);
  const list = JSON.parse((await g.kubectl(['get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers'])).stdout);
  t.is(list.apiVersion, 'autoscaling/v1');
  t.deepEqual(list.items.map((i: any) => i.apiVersion), ['autoscaling/v1', 'autoscaling/v1']);

  // A v1 PUT of that object keeps the v2 metric (folded back from the annotation).
  const put = await g.kubectl(['replace', '-f', '-'], JSON.stringify({ ...asV1, spec: { ...asV1.spec, maxReplicas: 4 } }));
  t.is(put.code, 0, put.stderr);
  const after = await g.client.get<any>('horizontalpodautoscalers', 'qps', { namespace: 'default' });
  t.is(after.spec.maxReplicas, 4);
  t.deepEqual(after.spec.metrics, other.spec.metrics);
  t.is(after.metadata.annotations, undefined);

  // Patches written against v1 apply to the object in v1: kubectl patch of the v1 resource, and a v1 manifest applied twice.
  const patched = await g.kubectl(['patch', 'horizontalpodautoscalers.v1.autoscaling', 'web', '--type=merge', '-p', '{"spec":{"targetCPUUtilizationPercentage":60}}']);
  t.is(patched.code, 0, patched.stderr);
  t.deepEqual((await g.client.get<any>('horizontalpodautoscalers', 'web', { namespace: 'default' })).spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
  const manifest = (percent: number) => stringify({
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'applied', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: percent },
  });
  t.is((await g.kubectl(['apply', '-f', '-'], manifest(30))).stdout, 'horizontalpodautoscaler.autoscaling/applied created\n');
  const again = await g.kubectl(['apply', '-f', '-'], manifest(40));
  t.is(again.stdout, 'horizontalpodautoscaler.autoscaling/applied configured\n', again.stderr);
  const applied = await g.client.get<any>('horizontalpodautoscalers', 'applied', { namespace: 'default' });
  t.is(applied.spec.metrics[0].resource.target.averageUtilization, 40);

  // Server-side apply of a v1 manifest: created, then changed by the same manager.
  const ssa = (percent: number) => manifest(percent).replace('name: applied', 'name: ssa');
  for (const percent of [20, 25]) {
    const serverSide = await g.kubectl(['apply', '--server-side', '-f', '-'], ssa(percent));
    t.is(serverSide.code, 0, serverSide.stderr);
    t.is((await g.client.get<any>('horizontalpodautoscalers', 'ssa', { namespace: 'default' })).spec.metrics[0].resource.target.averageUtilization, percent);
  }

  const explained = await g.kubectl(['explain', 'hpa.spec.targetCPUUtilizationPercentage', '--api-version=autoscaling/v1']);
  t.is(explained.code, 0, explained.stderr);
  t.regex(explained.stdout, /^GROUP:\s+autoscaling\nKIND:\s+HorizontalPodAutoscaler\nVERSION:\s+v1\n\nFIELD: targetCPUUtilizationPercentage <integer>\n/);
  t.regex((await g.kubectl(['explain', 'hpa.spec'])).stdout, /VERSION:\s+v2\n[\s\S]*metrics\t<\[\]MetricSpec>/);

  const groups = JSON.parse((await g.kubectl(['get', '--raw', '/apis/autoscaling'])).stdout);
  t.deepEqual(groups.versions.map((v: any) => v.groupVersion), ['autoscaling/v2', 'autoscaling/v1']);
  t.is(groups.preferredVersion.groupVersion, 'autoscaling/v2');
});

test('gateway kubectl hpa - a watch at autoscaling/v1 sends v1 objects', async (t) => {
  const g = await startGateway(t);
  const w = watchLines(t, g.url, '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers?watch=true&timeoutSeconds=10');
  await waitFor(async () => w.code() === 200, 'watch open', 5_000);
  await g.client.create('horizontalpodautoscalers', {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'w', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 2 },
  } as any);
  await waitFor(async () => w.lines.some((l) => l.type === 'ADDED'), 'ADDED event', 5_000);
  const added = w.lines.find((l) => l.type === 'ADDED');
  t.is(added.object.apiVersion, 'autoscaling/v1');
  t.is(added.object.spec.targetCPUUtilizationPercentage, 80, 'the v2 default metric, as v1 shows it');
});
