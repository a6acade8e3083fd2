// EndpointSlice controller benchmark (API server + the controller in this process, MemoryBus, real
// clock): a Service selecting --pods Running pods on 10 nodes, all Ready before the controller
// starts; timed (1) from the controller's start until the Service's slices list every pod as a
// ready endpoint (--pods / 100 slices), then (2) --flips single-pod readiness changes, one at a
// time, each from the pod status write until a slice shows it.
// Anchor (ours: upstream has no SLO here): the controller's --endpoint-updates-batch-period 0 and
// the programming-latency SLI of the network SIG, "p99 ≤ 30 s from a pod change to its endpoints".
// Run: npm run bench -- endpointslice [--runs 3] [--pods 1000] [--flips 50]
import { endpointSliceController } from '../actors/controllers/endpointslice/endpointslice.controller.ts';
import type { EndpointSlice } from '../api/kinds/endpointslice.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import type { ApiClient } from '../bus/client.ts';
import { memoryCluster } from './memory-cluster.ts';
import { arg, median, report, type Figure } from './report.ts';

const RUNS = arg('runs', 3);
const PODS = arg('pods', 1000);
const FLIPS = arg('flips', 50);
const NS = 'default';
const log = (m: string) => console.log(`[endpointslice bench] ${m}`);

const ip = (i: number) => `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/** Writes a pod's status as its kubelet would: Running at its IP, Ready or not. */
async function setStatus(client: ApiClient, pod: Pod, i: number, ready: boolean): Promise<Pod> {
  const conditions = [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: rfc3339(Date.now()) }];
  return client.updateStatus<Pod>('pods', { ...pod, status: { phase: 'Running', conditions, podIP: ip(i), podIPs: [{ ip: ip(i) }] } } as unknown as KubeObject);
}

/** Returns the ready endpoint addresses of the Service's slices. */
async function readyAddresses(client: ApiClient): Promise<Set<string>> {
  const list = await client.list<EndpointSlice>('endpointslices', { namespace: NS, labelSelector: 'kubernetes.io/service-name=web' });
  return new Set(list.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).map((e) => e.addresses[0])));
}

/** Polls (every 2 ms) until `cond` holds; returns when it first did. */
async function until(cond: () => Promise<boolean>, what: string, limitMs = 120_000): Promise<number> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now();
}

interface RunResult {
  syncMs: number;
  slices: number;
  flipP50: number;
  flipP99: number;
}

async function oneRun(pods: number, flips: number, run: number): Promise<RunResult> {
  const { client, host, close } = await memoryCluster();
  try {
    for (let n = 0; n < 10; n++) await client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: `n${n}`, labels: { 'topology.kubernetes.io/zone': `z${n % 3}` } } });
    await client.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    const made: Pod[] = [];
    for (let i = 0; i < pods; i += 100)
      made.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(100, pods - i) }, async (_, k) => {
            const n = i + k;
            const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${n}`, namespace: NS, labels: { app: 'web' } }, spec: { nodeName: `n${n % 10}`, containers: [{ name: 'c', image: 'i' }] } };
            return setStatus(client, await client.create<Pod>('pods', body as KubeObject), n, true);
          }),
        )),
      );
    const t0 = performance.now();
    host('controller-manager').start(endpointSliceController, 'controller/endpointslice', undefined);
    const synced = await until(async () => (await readyAddresses(client)).size === pods, `${pods} ready endpoints`);
    const slices = (await client.list('endpointslices', { namespace: NS })).items.length;
    const lat: number[] = [];
    for (let f = 0; f < flips; f++) {
      const i = (f * 7919) % pods;
      const ready = f % 2 === 1; // odd flips restore readiness the even ones took away
      const pod = await client.get<Pod>('pods', `web-${i}`, { namespace: NS });
      const start = performance.now();
      await setStatus(client, pod, i, ready);
      lat.push((await until(async () => (await readyAddresses(client)).has(ip(i)) === ready, `flip ${f}`)) - start);
    }
    lat.sort((a, b) => a - b);
    const r = { syncMs: synced - t0, slices, flipP50: lat[Math.floor(lat.length / 2)] ?? 0, flipP99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] ?? 0 };
    log(`run ${run}: ${pods} endpoints in ${slices} slices ${Math.round(r.syncMs)} ms after the start; readiness flip → slice p50 ${r.flipP50.toFixed(1)} ms, p99 ${r.flipP99.toFixed(1)} ms`);
    return r;
  } finally {
    await close();
  }
}

log(`${PODS.toLocaleString('en-US')} ready pods behind one Service, ${FLIPS} readiness flips, ${RUNS} runs`);
log('warm-up run (not counted)');
await oneRun(Math.min(PODS, 200), 10, 0);
const results: RunResult[] = [];
for (let r = 1; r <= RUNS; r++) results.push(await oneRun(PODS, FLIPS, r));
const figures: Figure[] = [
  { name: `controller start → ${PODS.toLocaleString('en-US')} endpoints in slices`, value: median(results.map((x) => x.syncMs)), unit: 'ms', higherIsBetter: false, anchor: `${results[0].slices} slices of ≤ 100 (upstream's default)` },
  { name: 'pod readiness change → slice, p50', value: median(results.map((x) => x.flipP50)), unit: 'ms', higherIsBetter: false, anchor: 'one change at a time' },
  { name: 'pod readiness change → slice, p99', value: median(results.map((x) => x.flipP99)), unit: 'ms', budget: 30_000, higherIsBetter: false, anchor: 'SIG network programming-latency SLI: p99 ≤ 30 s' },
];
report(`EndpointSlice controller (medians of ${RUNS} runs, MemoryBus)`, figures);
process.exit(0);
