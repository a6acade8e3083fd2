// `npm run bench -- api --locked`: API create/get at concurrency 1 on a locked bus (nkey auth, subject
// permissions, TLS with the kubus CA; the client the admin identity, so every request is authorized)
// against an open one, in the same run, A/B interleaved in rounds so load changes hit both alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus, type BusCredentials } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../runtime/bus-auth.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { benchPod, measure, type Latency } from './latency.ts';
import { median, report } from './report.ts';

interface Side {
  client: ApiClient;
  stop(): Promise<void>;
}

/** A nats-server, an API server on it and a client: open (no credentials) or locked (`home`'s identities). */
async function side(home: string | undefined): Promise<Side> {
  const nats: NatsServer = await startNatsServer(home ? { config: lockedConfig(clusterIdentities(), [], home) } : {});
  const buses: Bus[] = [];
  const connect = async (name: string, credentials: BusCredentials | null) => {
    const b = await NatsBus.connect({ servers: nats.url, name, credentials });
    buses.push(b);
    return b;
  };
  const serverBus = await connect('control-plane', home ? ensureCredentials('apiserver', home) : null);
  const host = new Host({ bus: serverBus, clock: realClock, rng: cryptoRng(), log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  await serverBus.flush();
  const client = new ApiClient(await connect('client', home ? ensureCredentials('admin', home) : null));
  return {
    client,
    async stop() {
      await host.stopAll();
      for (const b of buses) await b.close();
      await nats.stop();
    },
  };
}

/** Measures both sides in `rounds` interleaved rounds per run and prints p50/p99 and the locked/open ratios. */
export async function lockedBench(runs: number, ops: number, log: (m: string) => void): Promise<boolean> {
  const home = mkdtempSync(join(tmpdir(), 'kubus-bench-lock-'));
  const keys = ['create open', 'create locked', 'get open', 'get locked'] as const;
  const p50: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  const p99: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  try {
    for (let run = 1; run <= runs; run++) {
      log(`run ${run}: open and locked bus, A/B in rounds ...`);
      const sides = { open: await side(undefined), locked: await side(home) };
      try {
        for (const s of Object.values(sides)) await measure(500, 1, (i) => s.client.create('pods', benchPod(`warm-${i}`)));
        const rounds = 4;
        const per = Math.ceil(ops / rounds);
        for (let r = 0; r < rounds; r++) {
          for (const who of r % 2 ? (['locked', 'open'] as const) : (['open', 'locked'] as const)) {
            const c = sides[who].client;
            const created: Latency = await measure(per, 1, (i) => c.create('pods', benchPod(`r${r}-${i}`)));
            const got: Latency = await measure(per, 1, (i) => c.get('pods', `r${r}-${i}`, { namespace: 'default' }));
            p50[`create ${who}`].push(created.p50);
            p99[`create ${who}`].push(created.p99);
            p50[`get ${who}`].push(got.p50);
            p99[`get ${who}`].push(got.p99);
          }
        }
      } finally {
        for (const s of Object.values(sides)) await s.stop();
      }
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const m = (xs: number[]) => median(xs);
  const anchor = 'DESIGN §8: security on, API p50 ≤ 1.3x the open bus';
  return report(`API over a locked bus (nkeys, permissions, TLS; admin identity, RBAC) vs open (medians of ${runs} runs x 4 rounds, ${ops} ops each side)`, [
    { name: 'API create p50, open bus', value: m(p50['create open']), unit: 'ms', higherIsBetter: false },
    { name: 'API create p50, locked bus', value: m(p50['create locked']), unit: 'ms', higherIsBetter: false },
    { name: 'API create p99, open bus', value: m(p99['create open']), unit: 'ms', higherIsBetter: false },
    { name: 'API create p99, locked bus', value: m(p99['create locked']), unit: 'ms', higherIsBetter: false },
    { name: 'API create p50 locked/open', value: m(p50['create locked']) / m(p50['create open']), unit: 'x', budget: 1.3, higherIsBetter: false, anchor },
    { name: 'API create p99 locked/open', value: m(p99['create locked']) / m(p99['create open']), unit: 'x', higherIsBetter: false },
    { name: 'API get p50, open bus', value: m(p50['get open']), unit: 'ms', higherIsBetter: false },
    { name: 'API get p50, locked bus', value: m(p50['get locked']), unit: 'ms', higherIsBetter: false },
    { name: 'API get p50 locked/open', value: m(p50['get locked']) / m(p50['get open']), unit: 'x', budget: 1.3, higherIsBetter: false, anchor },
  ]);
}
