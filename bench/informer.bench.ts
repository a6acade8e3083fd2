// Informer memory: the heap one informer's cache of N pods takes, without indexes and with the
// three indexes the controllers use (namespace, node name, controller uid). The pods are real
// API objects (created through an API server on a MemoryBus, bound to 100 nodes, owned by 10
// ReplicaSets), listed by one more informer each time (all kept alive); heap measured after a full GC.
// Run: npm run bench -- informer [--pods N] [--runs N]
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { controllerIndexers, namespaceIndexers, nodeNameIndexers } from '../bus/indexers.ts';
import { Informer } from '../bus/informer.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { arg, median, report } from './report.ts';

const PODS = arg('pods', 10_000);
const RUNS = arg('runs', 3);
const log = (m: string) => console.error(`[informer bench] ${m}`);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const broker = new MemoryBroker({ clock: realClock });
const host = new Host({ bus: broker.connect('control-plane'), clock: realClock, rng: cryptoRng(), log: silentLogger });
await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
const client = new ApiClient(broker.connect('bench'));

log(`creating ${PODS} pods ...`);
for (let i = 0; i < PODS; i += 100) {
  await Promise.all(
    Array.from({ length: Math.min(100, PODS - i) }, (_, j) => {
      const n = i + j;
      const rs = `web-${n % 10}`;
      return client.create('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${rs}-${n}`, namespace: 'default', labels: { app: 'web', 'pod-template-hash': rs }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `00000000-0000-0000-0000-00000000000${n % 10}`, controller: true, blockOwnerDeletion: true }] },
        spec: { nodeName: `node-${n % 100}`, containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
      });
    }),
  );
}

const kept: Informer[] = []; // every informer stays alive (and watching), so each delta is one more cache

/** Returns the bytes of heap one more informer of every pod takes (with or without indexes). */
async function measure(indexed: boolean): Promise<number> {
  const before = heap();
  const inf = new Informer(client, 'pods');
  if (indexed) inf.addIndexers({ ...namespaceIndexers, ...nodeNameIndexers, ...controllerIndexers });
  await inf.start();
  kept.push(inf);
  const after = heap();
  if (inf.list().length !== PODS) throw new Error(`informer holds ${inf.list().length} pods, not ${PODS}`);
  return after - before;
}

const plain: number[] = [];
const indexed: number[] = [];
for (let r = 1; r <= RUNS; r++) {
  plain.push(await measure(false));
  indexed.push(await measure(true));
  log(`run ${r}/${RUNS}: ${(plain.at(-1)! / 2 ** 20).toFixed(1)} MiB plain, ${(indexed.at(-1)! / 2 ** 20).toFixed(1)} MiB indexed`);
}
const per10k = (b: number) => (b / PODS) * 10_000 / 2 ** 20;
report(`Informer memory per 10,000 pods (median of ${RUNS}; ${PODS} pods cached)`, [
  { name: 'informer cache, no indexes', value: per10k(median(plain)), unit: 'MiB', higherIsBetter: false },
  { name: 'informer cache + namespace, node, controller indexes', value: per10k(median(indexed)), unit: 'MiB', higherIsBetter: false },
  { name: 'indexes alone', value: per10k(median(indexed) - median(plain)), unit: 'MiB', higherIsBetter: false, anchor: 'client-go keeps the same three indexes as sets of keys' },
]);
for (const inf of kept) inf.stop();
await host.stopAll();
process.exit(0);
