// Service addresses across API server replicas on the real jetstream backend (three JetStreamStores on
// one stream of a real nats-server with JetStream): Services created at once through every replica
// get distinct cluster IPs and node ports, and the store holds exactly one reservation per address.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { IP_PREFIX, NODE_PORT_PREFIX } from '../actors/apiserver/service-reservations.ts';
import { JetStreamStore } from '../actors/apiserver/store/jetstream-store.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { freshStream, jetstreamUrl, stopJetStreamServer } from './fixtures/store-helpers.ts';

test.after.always(stopJetStreamServer);

type Svc = KubeObject & { spec: { clusterIP: string; ports: Array<{ nodePort: number }> } };

test('replicas on jetstream - 90 NodePort Services created at once through 3 replicas get distinct cluster IPs and node ports', async (t) => {
  const servers = await jetstreamUrl();
  const stream = freshStream();
  const clients: ApiClient[] = [];
  const stores: JetStreamStore[] = [];
  t.teardown(async () => {
    for (const s of stores) await s.close();
  });
  const starting = [];
  for (let i = 0; i < 3; i++) {
    const store = await JetStreamStore.open({ servers, stream, onWarn: () => {} });
    stores.push(store);
    const broker = new MemoryBroker({ clock: realClock });
    const host = new Host({ bus: broker.connect(`api-${i}`), clock: realClock, rng: seededRng(20 + i), log: silentLogger });
    t.teardown(() => host.stopAll());
    starting.push(serving(host.start(apiserverActor, 'apiserver', { store, serverId: `api-${i}` })));
    clients.push(new ApiClient(broker.connect(`client-${i}`), { clock: realClock }));
  }
  await Promise.all(starting);
  const svc = (i: number): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, namespace: 'default' },
    spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80, protocol: 'TCP' }] },
  });
  const made = await Promise.all(Array.from({ length: 90 }, (_, i) => clients[i % 3].create<Svc>('services', svc(i))));
  t.is(new Set(made.map((s) => s.spec.clusterIP)).size, 90);
  t.is(new Set(made.map((s) => s.spec.ports[0].nodePort)).size, 90);
  await stores[0].sync!();
  t.is(stores[0].range(IP_PREFIX).kvs.length, 91, 'one IPAddress per Service and the kubernetes Service');
  t.is(stores[0].range(NODE_PORT_PREFIX).kvs.length, 90);
});
