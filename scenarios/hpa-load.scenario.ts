// Load rises and falls and the replicas follow: a HorizontalPodAutoscaler (autoscaling/v2, cpu
// 50 % of request) on a Deployment of 2. The "load balancer" below spreads a total CPU load over
// the running pods through their `sim.kubus.io/cpu-usage` annotations; the kubelets integrate it,
// the metrics server scrapes every 15 s, the HPA syncs every 15 s. Up goes at once (to 6, the
// maximum); down waits out the 300 s stabilization window, as upstream. Unscaled (timeScale 1): the
// metrics server's and the HPA's periods are upstream's in `--real` mode too.
import type { Deployment } from '../api/kinds/deployment.ts';
import type { HorizontalPodAutoscaler } from '../api/kinds/autoscaling.ts';
import type { KubeObject } from '../api/meta.ts';
import { scenario, type ScenarioApi } from './dsl.ts';
import { deployment } from './objects.ts';

const hpa: KubeObject = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 2,
    maxReplicas: 6,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
  },
} as KubeObject;

const USAGE = 'sim.kubus.io/cpu-usage';

/** Spreads `totalMilli` evenly over the running pods of web, patching those whose share changed. */
async function balance(s: ScenarioApi, totalMilli: number): Promise<void> {
  const pods = s.pods({ labels: 'app=web' }).running().alive().items();
  if (!pods.length) return;
  const share = `${Math.round(totalMilli / pods.length)}m`;
  for (const p of pods) if (p.metadata.annotations?.[USAGE] !== share) await s.patch('pod', p.metadata.name!, { metadata: { annotations: { [USAGE]: share } } });
}

/** Holds a total load for `seconds`, rebalancing every 5 s (as a load balancer would when pods come and go). */
async function hold(s: ScenarioApi, totalMilli: number, seconds: number, until?: () => boolean): Promise<number> {
  const start = s.now();
  for (let t = 0; t < seconds; t += 5) {
    await balance(s, totalMilli);
    if (until?.()) break;
    await s.advance('5s', { quiet: true });
  }
  return (s.now() - start) / 1000;
}

export default scenario('hpa follows load', { nodes: 3, timeScale: 1, tags: ['autoscaling', 'metrics'], description: 'an HPA scales a Deployment from 2 to 6 as cpu load rises, and back to 2 after the 5-minute window' }, async (s) => {
  const replicas = () => s.get<Deployment>('deployment', 'web')?.spec?.replicas ?? 0;
  type Status = { currentMetrics?: Array<{ resource?: { current?: { averageUtilization?: number } } }>; conditions?: Array<{ type: string; status: string; reason: string }> };
  // The runner does not watch HPAs: read through the API.
  const status = async () => ((await s.api.get<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'web', { namespace: 'default' })).status ?? {}) as Status;
  const utilization = async () => (await status()).currentMetrics?.[0]?.resource?.current?.averageUtilization;
  s.always('replicas stay within 2..6', () => ({ ok: replicas() === 0 || (replicas() >= 2 && replicas() <= 6), seen: `${replicas()}` }));

  s.step('a Deployment of 2 requesting 200m cpu each, an HPA at 50 % of request, light load (150m in all)');
  await s.apply(deployment('web', 2, { requests: { cpu: '200m', memory: '64Mi' }, annotations: { 'sim.kubus.io/memory-usage': '48Mi' } }));
  await s.apply(hpa);
  await s.until('2 pods running', () => s.pods({ labels: 'app=web' }).running().count() === 2, { within: '30s' });
  await hold(s, 150, 120);
  await s.expect('the HPA found its metric (ScalingActive, ValidMetricFound)', async () => {
    const c = (await status()).conditions?.find((x) => x.type === 'ScalingActive');
    return { ok: c?.status === 'True' && c.reason === 'ValidMetricFound', seen: c ? `${c.status} ${c.reason}` : 'no condition' };
  });
  await s.expect('light load: 2 replicas, utilization 37 %', async () => {
    const u = await utilization();
    return { ok: replicas() === 2 && u === 37, seen: `${replicas()} replicas, ${u} %` };
  });

  s.step('load rises to 1100m: 275 % of request on 2 pods');
  const up = await hold(s, 1100, 180, () => replicas() === 6);
  s.metric('scale-up to 6 after the load rose', up, 's');
  await s.expect('6 replicas within a minute', () => ({ ok: replicas() === 6 && up <= 60, seen: `${replicas()} replicas after ${up} s` }));
  await s.expect('a SuccessfulRescale event says why', () => {
    const e = s.events({ reason: 'SuccessfulRescale' }).items().map((x) => (x as KubeObject & { message?: string }).message);
    return { ok: e.includes('New size: 6; reason: cpu resource utilization (percentage of request) above target'), seen: e.join(' | ') };
  });
  await hold(s, 1100, 60);
  await s.expect('under load, 6 pods running and the HPA settled at 91 % (1100m over 6 × 200m)', async () => {
    const u = await utilization();
    const n = s.pods({ labels: 'app=web' }).running().alive().count();
    return { ok: n === 6 && u === 91, seen: `${n} running, ${u} %` };
  });

  s.step('load falls back to 150m');
  const down = await hold(s, 150, 480, () => replicas() === 2);
  s.metric('scale-down to 2 after the load fell', down, 's');
  await s.expect('no scale-down inside the 300 s window, back to 2 within a minute after it', () => ({ ok: replicas() === 2 && down >= 300 && down <= 360, seen: `${replicas()} replicas after ${down} s` }));
  await s.expect('the scale-down event says all metrics below target', () => {
    const e = s.events({ reason: 'SuccessfulRescale' }).items().map((x) => (x as KubeObject & { message?: string }).message);
    return { ok: e.includes('New size: 2; reason: All metrics below target'), seen: e.join(' | ') };
  });
});
