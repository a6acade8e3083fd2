// What the in-process controller benchmarks share: an API server on a MemoryBus (real clock), a
// client, and hosts ("processes") for the components under test, all stopped by close().
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';

export interface MemoryCluster {
  /** A client on its own connection, with a 60 s request timeout (bulk creates queue up). */
  client: ApiClient;
  /** Returns a new Host on its own connection. */
  host(name: string): Host;
  /** Stops every host (newest first), then closes every connection. */
  close(): Promise<void>;
}

/** Starts an API server with a MemoryStore and waits until it serves. */
export async function memoryCluster(): Promise<MemoryCluster> {
  const broker = new MemoryBroker({ clock: realClock });
  const buses: Bus[] = [];
  const hosts: Host[] = [];
  const connect = (name: string) => {
    const bus = broker.connect(name);
    buses.push(bus);
    return bus;
  };
  const host = (name: string) => {
    const h = new Host({ bus: connect(name), clock: realClock, rng: cryptoRng(), log: silentLogger });
    hosts.push(h);
    return h;
  };
  const close = async () => {
    for (const h of hosts.reverse()) await h.stopAll();
    for (const b of buses) await b.close();
  };
  try {
    await serving(host('control-plane').start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  } catch (err) {
    await close();
    throw err;
  }
  return { client: new ApiClient(connect('bench'), { timeoutMs: 60_000 }), host, close };
}
