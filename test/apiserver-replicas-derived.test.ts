// What each API server replica derives from a shared store stays right when several serve it: Service
// cluster IPs and node ports are exclusive across replicas and freed for reuse; a CRD written
// anywhere is served by every replica within the feed's lag, and stops being served once deleted.
// Each replica sits on its own MemoryBroker with its own client, so a request reaches the replica chosen.
import test, { type ExecutionContext } from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { resourceFor } from '../api/resources.ts';
import { isNotFound } from '../api/status.ts';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { ESTABLISH_AFTER_MS } from '../actors/apiserver/crds.ts';
import { IP_PREFIX, NODE_PORT_PREFIX } from '../actors/apiserver/service-reservations.ts';
import { SharedMemoryBackend, type MemoryReplicaStore } from '../actors/apiserver/store/shared-memory.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host, type HostedActor } from '../runtime/host.ts';
import { widget, widgetCrd } from './fixtures/crd-widget.ts';
import { waitFor } from './helpers/wait.ts';

/** Starts n replicas on one shared store (feed lag `feedDelayMs`), one broker and client each; all stop in teardown. */
async function replicas(t: ExecutionContext, n: number, feedDelayMs: number) {
  const backend = new SharedMemoryBackend({ feedDelayMs, clock: realClock });
  const started: Array<{ host: Host; store: MemoryReplicaStore; api: HostedActor; bus: Bus; client: ApiClient }> = [];
  for (let i = 0; i < n; i++) {
    const broker = new MemoryBroker({ clock: realClock });
    const host = new Host({ bus: broker.connect(`api-${i}`), clock: realClock, rng: seededRng(10 + i), log: silentLogger });
    const store = backend.replica();
    const api = host.start(apiserverActor, 'apiserver', { store, serverId: `api-${i}` });
    const bus = broker.connect(`client-${i}`);
    started.push({ host, store, api, bus, client: new ApiClient(bus, { clock: realClock }) });
  }
  t.teardown(async () => {
    for (const r of started) {
      await r.bus.close();
      await r.host.stopAll();
      await r.store.close();
    }
  });
  await Promise.all(started.map((r) => serving(r.api)));
  return { backend, clients: started.map((r) => r.client) };
}

const service = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { type: 'NodePort', selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }], ...extra },
});

type Svc = KubeObject & { spec: { clusterIP: string; ports: Array<{ nodePort: number }> } };
const keysUnder = (backend: SharedMemoryBackend, prefix: string) => backend.data.range(prefix).kvs.length;

test('replicas - 200 Services created at once through 3 replicas get distinct cluster IPs and node ports; deleting frees them for reuse', async (t) => {
  const { backend, clients } = await replicas(t, 3, 5);
  const names = Array.from({ length: 200 }, (_, i) => `svc-${i}`);
  const made = await Promise.all(names.map((n, i) => clients[i % 3].create<Svc>('services', service(n))));
  const ips = new Set(made.map((s) => s.spec.clusterIP));
  const ports = new Set(made.map((s) => s.spec.ports[0].nodePort));
  t.is(ips.size, 200, 'every Service has its own cluster IP');
  t.is(ports.size, 200, 'every Service has its own node port');
  t.false(ips.has('10.96.0.1'), 'the kubernetes Service keeps its address');
  // The store holds exactly what is in use: one IPAddress per Service (+ kubernetes), one key per node port.
  t.is(keysUnder(backend, IP_PREFIX), 201);
  t.is(keysUnder(backend, NODE_PORT_PREFIX), 200);

  await Promise.all(names.map((n, i) => clients[(i + 1) % 3].delete('services', n, { namespace: 'default' })));
  await waitFor(() => keysUnder(backend, IP_PREFIX) === 1 && keysUnder(backend, NODE_PORT_PREFIX) === 0, 'the addresses to be released', 5_000);
  // Asked for by name through another replica than the one that held them: free again.
  const again = await Promise.all(
    made.map((s, i) =>
      clients[(i + 2) % 3].create<Svc>('services', service(`again-${i}`, { clusterIP: s.spec.clusterIP, ports: [{ port: 80, protocol: 'TCP', nodePort: s.spec.ports[0].nodePort }] })),
    ),
  );
  t.deepEqual(new Set(again.map((s) => s.spec.clusterIP)), ips);
  t.deepEqual(new Set(again.map((s) => s.spec.ports[0].nodePort)), ports);
});

test('replicas - an address asked for by name through two replicas at once goes to one Service; the other gets 422', async (t) => {
  const { clients } = await replicas(t, 2, 20);
  const results = await Promise.allSettled([
    clients[0].create<Svc>('services', service('one', { clusterIP: '10.96.5.5' })),
    clients[1].create<Svc>('services', service('two', { clusterIP: '10.96.5.5' })),
  ]);
  t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  t.is(refused.reason.status?.code, 422);
  t.regex(refused.reason.message, /provided IP is already allocated/);
});

// Serial: the resource table is the process's, shared by the replicas here and by other tests' CRDs.
test.serial('replicas - a CRD created through one replica is served by another; one deleted elsewhere stops being served', async (t) => {
  const { backend, clients } = await replicas(t, 2, 10);
  const [a, b] = clients;
  await a.create('customresourcedefinitions', widgetCrd() as KubeObject);
  await waitFor(() => b.create('widgets', widget('through-b') as KubeObject), 'replica B to serve widgets', 5_000);
  t.truthy(await a.get('widgets', 'through-b', { namespace: 'default' }));

  // Deleted by an API server elsewhere (another process's replica: a write straight to the shared data).
  const key = '/registry/customresourcedefinitions/widgets.example.com';
  const kv = backend.data.get(key)!;
  t.true((await backend.data.txn({ op: 'delete', key, ifModRevision: kv.modRevision })).ok);
  await waitFor(() => resourceFor('widgets') === undefined, 'the replicas to stop serving widgets', 5_000);
  t.true(isNotFound(await b.create('widgets', widget('after') as KubeObject).catch((e) => e)));

  // Created elsewhere, already established: served here without any write through these replicas.
  backend.data.txn({ op: 'create', key, value: kv.value });
  await waitFor(() => b.create('widgets', widget('again') as KubeObject), 'the replicas to serve widgets again', 5_000);
  t.is(resourceFor('widgets')?.plural, 'widgets');
  await backend.data.txn({ op: 'delete', key });
  await waitFor(() => resourceFor('widgets') === undefined, 'widgets to go', 5_000);

  // Written, but its API server died before establishing it: a replica does, after ESTABLISH_AFTER_MS, once.
  const { status: _, ...unestablished } = kv.value as KubeObject;
  const written = await backend.data.txn({ op: 'create', key, value: unestablished });
  await waitFor(() => b.create('widgets', widget('late') as KubeObject), 'a replica to establish the CRD', ESTABLISH_AFTER_MS + 5_000, 50);
  const now = backend.data.get(key)!;
  t.like(now, { version: 2 }, 'one status write, not one per replica');
  t.true(now.modRevision > (written.ok ? written.revision : Infinity));
  t.truthy((now.value as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions?.find((c) => c.type === 'Established' && c.status === 'True'));
  await backend.data.txn({ op: 'delete', key });
  await waitFor(() => resourceFor('widgets') === undefined, 'widgets to go before the next test', 5_000);
});
