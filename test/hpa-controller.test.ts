// The HPA controller on the virtual clock, with a stand-in metrics server answering PodMetrics on
// the bus: it rescales the target's spec.replicas through the scale subresource every 15 s sync,
// writes status (replicas, currentMetrics, conditions with upstream's reasons) and events, and says
// why when it cannot (no metrics, a missing target).
import test, { type ExecutionContext } from 'ava';
import { hpaController } from '../actors/controllers/hpa/hpa.controller.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import { VirtualClock } from '../bus/clock.ts';
import { METRICS_QUERY } from '../bus/subjects.ts';
import { startApi, type ApiEnv } from './helpers/api.ts';
import { settle } from './helpers/wait.ts';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const NS = 'default';

interface Env {
  clock: VirtualClock;
  env: ApiEnv;
  /** Millicores each pod uses now (undefined: the metrics server has nothing). */
  usage: { milli?: number };
  hpa(): Promise<any>;
  replicas(): Promise<number>;
  events(reason: string): Promise<string[]>;
}

async function setup(t: ExecutionContext, pods: number): Promise<Env> {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = <R>(p: Promise<R>) => settle(clock, p);
  const usage: { milli?: number } = { milli: 100 };
  const names = Array.from({ length: pods }, (_, i) => `web-${i}`);
  // The stand-in metrics server: every pod at `usage.milli`.
  const bus = env.broker.connect('metrics');
  bus.subscribe(METRICS_QUERY, (msg) =>
    bus.respond(msg, {
      kind: 'PodMetricsList',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {},
      items: usage.milli === undefined ? [] : names.map((name) => ({ kind: 'PodMetrics', metadata: { name, namespace: NS }, timestamp: rfc3339(clock.now()), window: '15s', containers: [{ name: 'c', usage: { cpu: `${usage.milli}m`, memory: '10Mi' } }] })),
    }),
  );
  await run(env.client.create('deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS }, spec: { replicas: pods, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } } as KubeObject));
  for (const name of names) {
    const p = await run(env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '200m' } } }] } } as KubeObject));
    await run(env.client.updateStatus('pods', { ...p, status: { phase: 'Running', startTime: rfc3339(T0 - 3_600_000), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(T0 - 3_590_000) }] } } as KubeObject));
  }
  env.process('controller-manager').start(hpaController, 'controller/horizontalpodautoscaling', undefined);
  return {
    clock,
    env,
    usage,
    hpa: () => run(env.client.get<any>('horizontalpodautoscalers', 'web', { namespace: NS })),
    replicas: async () => (await run(env.client.get<any>('deployments', 'web', { namespace: NS }))).spec.replicas,
    events: async (reason: string) => (await run(env.client.list<any>('events', { namespace: NS }))).items.filter((e) => e.reason === reason).map((e) => e.message),
  };
}

const hpa = (spec: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: NS },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], ...spec },
  }) as KubeObject;

const cond = (h: any, type: string) => h.status?.conditions?.find((c: any) => c.type === type);

test('hpa controller - scales the Deployment up from its metrics and says so in status and an event', async (t) => {
  const s = await setup(t, 2);
  s.usage.milli = 200; // 100 % of request against 50 %: ratio 2 → 4
  await settle(s.clock, s.env.client.create('horizontalpodautoscalers', hpa()));
  await s.clock.advance(1000);
  t.is(await s.replicas(), 4);
  const h = await s.hpa();
  t.like(h.status, { currentReplicas: 2, desiredReplicas: 4 });
  t.deepEqual(h.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 100, averageValue: '200m' } } }]);
  t.like(cond(h, 'AbleToScale'), { status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 4' });
  t.like(cond(h, 'ScalingActive'), { status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
  t.like(cond(h, 'ScalingLimited'), { status: 'False', reason: 'DesiredWithinRange' });
  t.truthy(h.status.lastScaleTime);
  t.deepEqual(await s.events('SuccessfulRescale'), ['New size: 4; reason: cpu resource utilization (percentage of request) above target']);
  // The next sync is 15 s later: nothing before it.
  s.usage.milli = 400;
  await s.clock.advance(10_000);
  t.is(await s.replicas(), 4);
});

test('hpa controller - no metrics: ScalingActive False with upstream\'s reason and message, and nothing scaled', async (t) => {
  const s = await setup(t, 2);
  s.usage.milli = undefined;
  await settle(s.clock, s.env.client.create('horizontalpodautoscalers', hpa()));
  await s.clock.advance(1000);
  const h = await s.hpa();
  t.like(cond(h, 'ScalingActive'), {
    status: 'False',
    reason: 'FailedGetResourceMetric',
    message: 'the HPA was unable to compute the replica count: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
  });
  t.is(await s.replicas(), 2);
  t.deepEqual(await s.events('FailedComputeMetricsReplicas'), ['invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API']);
  // Metrics arrive: the next sync (15 s on) finds them.
  s.usage.milli = 50;
  await s.clock.advance(15_000);
  t.like(cond(await s.hpa(), 'ScalingActive'), { status: 'True', reason: 'ValidMetricFound' });
});

test('hpa controller - below minReplicas is raised at once; a missing target is FailedGetScale', async (t) => {
  const s = await setup(t, 1);
  await settle(s.clock, s.env.client.create('horizontalpodautoscalers', hpa({ minReplicas: 3 })));
  await s.clock.advance(1000);
  t.is(await s.replicas(), 3);
  t.deepEqual(await s.events('SuccessfulRescale'), ['New size: 3; reason: Current number of replicas below Spec.MinReplicas']);
  await settle(s.clock, s.env.client.delete('deployments', 'web', { namespace: NS }));
  await s.clock.advance(15_000);
  t.like(cond(await s.hpa(), 'AbleToScale'), { status: 'False', reason: 'FailedGetScale', message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found' });
});
