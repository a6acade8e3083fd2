// An API server on a MemoryBus for one test: real clock by default, or a virtual one.
import type { ExecutionContext } from 'ava';
import type { KubeObject } from '../../api/meta.ts';
import { StatusError } from '../../api/status.ts';
import { apiserverActor } from '../../actors/apiserver/apiserver.actor.ts';
import type { ApiServerTimings } from '../../actors/apiserver/apiserver.machine.ts';
import { MemoryStore, type Store } from '../../actors/apiserver/store/index.ts';
import { realClock, type VirtualClock } from '../../bus/clock.ts';
import { ApiClient } from '../../bus/client.ts';
import { MemoryBroker, type Faults } from '../../bus/memory-bus.ts';
import { seededRng } from '../../bus/random.ts';
import { silentLogger, type Logger } from '../../bus/types.ts';
import { Host, type HostedActor } from '../../runtime/host.ts';

export interface ApiEnv {
  broker: MemoryBroker;
  store: Store;
  host: Host;
  client: ApiClient;
  /** A second client on its own connection. */
  connect(name: string): ApiClient;
  /** A new "process": a Host on its own connection (same clock), stopped in teardown. */
  process(name: string): Host;
}

export interface ApiEnvOptions extends Partial<ApiServerTimings> {
  clock?: VirtualClock;
  store?: Store;
  log?: Logger;
  faults?: Faults;
  seed?: number;
}

/**
 * Resolves when the API server is serving; rejects when it failed to start. As runtime/control-plane.ts's
 * serving(), written here so that a test of the API server alone does not import the whole control plane
 * (every controller: some 450 modules more, ~0.8 s of CPU in each test worker that imports this helper).
 */
export function apiServing(api: HostedActor): Promise<void> {
  return api.waitFor((s) => s.matches?.('serving') || s.status === 'done').then(() => {
    if (api.snapshot()?.status === 'done') throw new Error('the API server failed to start (see the log above)');
  });
}

/** Starts an API server for this test; everything stops in teardown. */
export async function startApi(t: ExecutionContext, opts: ApiEnvOptions = {}): Promise<ApiEnv> {
  const clock = opts.clock ?? realClock;
  const seed = opts.seed ?? 1;
  const broker = new MemoryBroker({ clock, deterministic: !!opts.clock, rng: seededRng(seed), faults: opts.faults, log: opts.log });
  const store = opts.store ?? new MemoryStore();
  const host = new Host({ bus: broker.connect('control-plane'), clock, rng: seededRng(seed + 1), log: opts.log ?? silentLogger });
  const { heartbeatMs, bookmarkMs, compactMs } = opts;
  const api = host.start(apiserverActor, 'apiserver', { store, heartbeatMs, bookmarkMs, compactMs });
  const ready = apiServing(api);
  if (opts.clock) await opts.clock.runUntil(() => api.snapshot()?.matches('serving'));
  await ready;
  const buses = [broker.connect('client')];
  const hosts: Host[] = [];
  t.teardown(async () => {
    // Stopping may send messages (a leader releasing its Lease): on a virtual clock, time must move meanwhile.
    let stopped = false;
    const stopping = (async () => {
      for (const h of hosts.reverse()) await h.stopAll();
      for (const b of buses) await b.close();
      await host.stopAll();
    })().finally(() => (stopped = true));
    if (opts.clock) await opts.clock.runUntil(() => stopped, opts.clock.now() + 60_000);
    await stopping;
  });
  const process = (name: string) => {
    const bus = broker.connect(name);
    buses.push(bus);
    const h = new Host({ bus, clock, rng: seededRng(seed + 2 + hosts.length), log: opts.log ?? silentLogger });
    hosts.push(h);
    return h;
  };
  const connect = (name: string) => {
    const b = broker.connect(name);
    buses.push(b);
    return new ApiClient(b, { clock });
  };
  return { broker, store, host, client: new ApiClient(buses[0], { clock }), connect, process };
}

/** A minimal valid pod. */
export const pod = (name: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...extra },
});

/** Returns the StatusError a request fails with; fails the test (throws) when it succeeds or fails otherwise. */
export async function statusOf(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a Status error, got success');
}
