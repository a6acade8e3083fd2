// PV binder benchmark: --claims claims bound to as many static volumes by the persistentvolume
// controller alone (API server + binder in this process, MemoryBus, real clock). The volumes are
// made and Available first; then all claims are created at once and timed until the watch has seen
// every one Bound. Each bind is four API writes (volume claimRef, volume status, claim volumeName +
// annotations, claim status), as upstream's bind().
// Anchor (chosen by us, there is no upstream SLO for binding): kube-controller-manager's default
// client rate limit, --kube-api-qps 20, over upstream's 4 writes per bind = 5 claims/s.
// Run: npm run bench -- pv-binder [--runs 3] [--claims 1000]
import { persistentVolumeController } from '../actors/controllers/persistentvolume/persistentvolume.controller.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ApiClient } from '../bus/client.ts';
import { memoryCluster } from './memory-cluster.ts';
import { arg, median, report, type Figure } from './report.ts';

const RUNS = Number(arg('runs', '3'));
const CLAIMS = Number(arg('claims', '1000'));
const UPSTREAM_CLAIMS_PER_S = 20 / 4;
const log = (m: string) => console.log(`[pv-binder bench] ${m}`);

const volume = (i: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: `pv-${i}` },
  spec: { capacity: { storage: `${1 + (i % 10)}Gi` }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: `/data/pv-${i}` } },
});
const claim = (i: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: `claim-${i}`, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${1 + (i % 10)}Gi` } }, storageClassName: 'manual' },
});

/** Resolves once `n` objects of a resource were seen meeting `done`; returns when each was first seen so. */
async function watchUntil(client: ApiClient, resource: string, n: number, done: (o: KubeObject) => boolean) {
  const at = new Map<string, number>();
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const w = await client.watch(resource, resource === 'persistentvolumes' ? {} : { namespace: 'default' }, {
    event: (ev) => {
      const name = ev.object.metadata?.name;
      if (!name || at.has(name) || ev.type === 'DELETED' || !done(ev.object as KubeObject)) return;
      at.set(name, performance.now());
      if (at.size === n) finish();
    },
    end: () => {},
  });
  return { at, all, stop: () => w.stop() };
}

interface RunResult {
  rate: number;
  totalMs: number;
  p50: number;
  p99: number;
}

async function oneRun(claims: number, run: number): Promise<RunResult> {
  const { client, host, close } = await memoryCluster();
  try {
    const phase = (o: KubeObject) => (o.status as { phase?: string } | undefined)?.phase;
    const available = await watchUntil(client, 'persistentvolumes', claims, (o) => phase(o) === 'Available');
    const binder = host('controller-manager').start(persistentVolumeController, 'controller/persistentvolume-binder', undefined);
    await binder.waitFor((s) => s.matches?.('running'));
    await Promise.all(Array.from({ length: claims }, (_, i) => client.create('persistentvolumes', volume(i))));
    await available.all;
    available.stop();
    const bound = await watchUntil(client, 'persistentvolumeclaims', claims, (o) => phase(o) === 'Bound');
    const created = new Map<string, number>();
    const progress = setInterval(() => log(`  ... ${bound.at.size}/${claims} bound`), 2_000);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: claims }, (_, i) => client.create('persistentvolumeclaims', claim(i)).then(() => created.set(`claim-${i}`, performance.now()))));
    await bound.all;
    clearInterval(progress);
    bound.stop();
    const last = Math.max(...bound.at.values());
    const lat = [...bound.at].map(([n, t]) => t - (created.get(n) ?? t0)).sort((a, b) => a - b);
    const r = { rate: (claims * 1000) / (last - t0), totalMs: last - t0, p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] };
    log(`run ${run}: ${claims} claims bound in ${Math.round(r.totalMs)} ms (${Math.round(r.rate)} claims/s; create→Bound p50 ${Math.round(r.p50)} ms, p99 ${Math.round(r.p99)} ms)`);
    return r;
  } finally {
    await close();
  }
}

log(`${CLAIMS.toLocaleString('en-US')} claims onto as many static volumes, ${RUNS} runs`);
log('warm-up run (not counted)');
await oneRun(Math.min(CLAIMS, 200), 0);
const results: RunResult[] = [];
for (let r = 1; r <= RUNS; r++) results.push(await oneRun(CLAIMS, r));
const anchor = `upstream KCM --kube-api-qps 20 / 4 writes per bind = ${UPSTREAM_CLAIMS_PER_S} claims/s (our anchor, not an SLO)`;
const rate = median(results.map((x) => x.rate));
const figures: Figure[] = [
  { name: `time to bind ${CLAIMS.toLocaleString('en-US')} claims`, value: median(results.map((x) => x.totalMs)) / 1000, unit: 's', higherIsBetter: false, anchor: `upstream at that limit: ${(CLAIMS / UPSTREAM_CLAIMS_PER_S).toFixed(0)} s` },
  { name: 'claims bound/s', value: rate, unit: 'claims/s', higherIsBetter: true, anchor },
  { name: '  ratio to the anchor', value: rate / UPSTREAM_CLAIMS_PER_S, unit: 'x', higherIsBetter: true, anchor: 'claims/s ÷ 5' },
  { name: '  create → Bound p50', value: median(results.map((x) => x.p50)), unit: 'ms', higherIsBetter: false, anchor: 'all claims created at once' },
  { name: '  create → Bound p99', value: median(results.map((x) => x.p99)), unit: 'ms', higherIsBetter: false, anchor: 'all claims created at once' },
];
report(`PV binder: static binding (medians of ${RUNS} runs, MemoryBus, one worker)`, figures);
process.exit(0);
