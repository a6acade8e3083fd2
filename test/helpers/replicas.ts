// Several API servers at once for one test: each replica a Host on its own bus connection with its
// own cache (a SharedMemoryBackend replica) of one shared store, as jetstream or etcd would be shared.
import type { ExecutionContext } from 'ava';
import { apiserverActor } from '../../actors/apiserver/apiserver.actor.ts';
import type { ApiServerStats } from '../../actors/apiserver/server.ts';
import { SharedMemoryBackend, type MemoryReplicaStore } from '../../actors/apiserver/store/shared-memory.ts';
import { realClock } from '../../bus/clock.ts';
import { seededRng } from '../../bus/random.ts';
import { APISERVER_STATS } from '../../bus/subjects.ts';
import { silentLogger, type Bus, type Logger } from '../../bus/types.ts';
import { Host } from '../../runtime/host.ts';
import { apiServing } from './api.ts';
import { waitFor } from './wait.ts';

export interface Replica {
  id: string;
  bus: Bus;
  host: Host;
  store: MemoryReplicaStore;
  alive: boolean;
}

export interface ReplicaSet {
  backend: SharedMemoryBackend;
  replicas: Replica[];
  /** Starts one more replica (a new one, or a restart of a killed one's id); resolves once it serves. */
  add(id: string): Promise<Replica>;
  /** Ends a replica as kill -9 would: its connection goes first (no goodbye to anyone), then its actors and cache. */
  kill(r: Replica): Promise<void>;
  /** Every live replica's stats (APISERVER_STATS is not a queue subject: each answers). */
  stats(via: Bus): Promise<ApiServerStats[]>;
}

export interface ReplicaOptions {
  n?: number;
  /** How late the shared store's change feed reaches each replica's cache. */
  feedDelayMs?: number;
  log?: Logger;
  /** Opens each replica's bus connection (a MemoryBroker's connect, or a NatsBus). */
  connect(name: string): Bus | Promise<Bus>;
}

/** Starts n API server replicas on one shared store, all serving before it returns; everything stops in teardown. */
export async function startReplicas(t: ExecutionContext, opts: ReplicaOptions): Promise<ReplicaSet> {
  const clock = realClock;
  const backend = new SharedMemoryBackend({ feedDelayMs: opts.feedDelayMs ?? 0, clock });
  const replicas: Replica[] = [];
  const add = async (id: string) => {
    const bus = await opts.connect(id);
    const host = new Host({ bus, clock, rng: seededRng(100 + replicas.length), log: opts.log ?? silentLogger });
    const store = backend.replica();
    const r: Replica = { id, bus, host, store, alive: true };
    replicas.push(r);
    await apiServing(host.start(apiserverActor, 'apiserver', { store, serverId: id, storeName: 'shared-memory' }));
    return r;
  };
  await Promise.all(Array.from({ length: opts.n ?? 3 }, (_, i) => add(`api-${i}`)));
  const kill = async (r: Replica) => {
    if (!r.alive) return;
    r.alive = false;
    await r.bus.close();
    await r.host.stopAll();
    await r.store.close();
  };
  t.teardown(async () => {
    for (const r of replicas) await kill(r);
  });
  let inboxes = 0;
  const stats = async (via: Bus) => {
    const got: ApiServerStats[] = [];
    const inbox = `test.stats.${via.id}.${++inboxes}`;
    const sub = via.subscribe(inbox, (msg) => void got.push(msg.data as ApiServerStats));
    try {
      await via.flush();
      via.publish(APISERVER_STATS, {}, { reply: inbox });
      const live = replicas.filter((r) => r.alive).length;
      await waitFor(() => got.length === live, 'stats from every live replica', 5_000);
      return got;
    } finally {
      sub.unsubscribe();
    }
  };
  return { backend, replicas, add, kill, stats };
}
