// `npm run bench -- api --locked`: API create/get at concurrency 1 on a locked bus (nkey auth, subject
// permissions, TLS with the kubus CA; the client the admin identity, so every request is authorized)
// against an open one, in the same run, A/B interleaved in rounds so load changes hit both alike.
// With --audit too (`npm run bench -- api --locked --audit`): the locked side also audits every request at
// Metadata into a file (issue 15's "locked"), and a third side, locked with audit at RequestResponse, prices that level.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import { median, report, type Figure } from './report.ts';
import { Auditor } from '../api/audit-event.ts';
import { checkPolicy, type AuditLevel } from '../api/audit-policy.ts';
import { AuditLogWriter } from '../runtime/audit-log.ts';

interface Side {
  client: ApiClient;
  /** CPU time its nats-server has used so far (ms; undefined where /proc cannot tell). */
  natsCpu(): number | undefined;
  stop(): Promise<void>;
}

/** A process's user + system CPU time in ms from /proc/PID/stat (clock ticks of 10 ms), or undefined. */
function cpuOf(pid: number | undefined): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

/** A nats-server, an API server on it and a client: open (no credentials) or locked (`home`'s identities); auditing at `level` into `home`. */
async function side(home: string | undefined, level?: AuditLevel): Promise<Side> {
  const nats: NatsServer = await startNatsServer(home ? { config: lockedConfig(clusterIdentities(), [], home) } : {});
  const buses: Bus[] = [];
  const connect = async (name: string, credentials: BusCredentials | null) => {
    const b = await NatsBus.connect({ servers: nats.url, name, credentials });
    buses.push(b);
    return b;
  };
  const serverBus = await connect('control-plane', home ? ensureCredentials('apiserver', home) : null);
  const rng = cryptoRng();
  const writer = home && level ? new AuditLogWriter(join(home, `audit-${level}.log`)) : undefined;
  const policy = checkPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: level ?? 'None' }] });
  const audit = writer && new Auditor(policy, writer, () => realClock.now(), () => rng.uuid());
  const host = new Host({ bus: serverBus, clock: realClock, rng, log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore(), audit }));
  await serverBus.flush();
  const client = new ApiClient(await connect('client', home ? ensureCredentials('admin', home) : null));
  return {
    client,
    natsCpu: () => cpuOf(nats.pid),
    async stop() {
      await host.stopAll();
      for (const b of buses) await b.close();
      await nats.stop();
      await writer?.close();
    },
  };
}

/** Measures the sides in `rounds` interleaved rounds per run and prints p50/p99 and the locked/open ratios. */
export async function lockedBench(runs: number, ops: number, log: (m: string) => void, audit = false): Promise<boolean> {
  const home = mkdtempSync(join(tmpdir(), 'kubus-bench-lock-'));
  const names = audit ? (['open', 'locked', 'locked RequestResponse'] as const) : (['open', 'locked'] as const);
  const p50: Record<string, number[]> = {};
  const p99: Record<string, number[]> = {};
  // The nats-servers' CPU per call, by side: where the locked bus's cost goes (TLS, permissions, reply tracking).
  const natsUs: Record<string, { ms: number; calls: number }> = {};
  const push = (key: string, l: Latency) => {
    (p50[key] ??= []).push(l.p50);
    (p99[key] ??= []).push(l.p99);
  };
  try {
    for (let run = 1; run <= runs; run++) {
      log(`run ${run}: ${names.join(', ')}; A/B in rounds ...`);
      const sides: Record<string, Side> = {};
      try {
        sides.open = await side(undefined);
        sides.locked = await side(home, audit ? 'Metadata' : undefined);
        if (audit) sides['locked RequestResponse'] = await side(home, 'RequestResponse');
        for (const s of Object.values(sides)) await measure(500, 1, (i) => s.client.create('pods', benchPod(`warm-${i}`)));
        const rounds = 4;
        const per = Math.ceil(ops / rounds);
        for (let r = 0; r < rounds; r++) {
          // The order rotates each round.
          for (const who of [...names.slice(r % names.length), ...names.slice(0, r % names.length)]) {
            const c = sides[who].client;
            const cpu0 = sides[who].natsCpu();
            push(`create ${who}`, await measure(per, 1, (i) => c.create('pods', benchPod(`r${r}-${i}`))));
            push(`get ${who}`, await measure(per, 1, (i) => c.get('pods', `r${r}-${i}`, { namespace: 'default' })));
            const cpu1 = sides[who].natsCpu();
            const n = (natsUs[who] ??= { ms: 0, calls: 0 });
            if (cpu0 !== undefined && cpu1 !== undefined) (n.ms += cpu1 - cpu0), (n.calls += 2 * per);
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
  const locked = audit ? 'locked bus, audit Metadata' : 'locked bus';
  const figures: Figure[] = [
    { name: 'API create p50, open bus', value: m(p50['create open']), unit: 'ms', higherIsBetter: false },
    { name: `API create p50, ${locked}`, value: m(p50['create locked']), unit: 'ms', higherIsBetter: false },
    { name: 'API create p99, open bus', value: m(p99['create open']), unit: 'ms', higherIsBetter: false },
    { name: `API create p99, ${locked}`, value: m(p99['create locked']), unit: 'ms', higherIsBetter: false },
    { name: 'API create p50 locked/open', value: m(p50['create locked']) / m(p50['create open']), unit: 'x', budget: 1.3, higherIsBetter: false, anchor },
    { name: 'API create p99 locked/open', value: m(p99['create locked']) / m(p99['create open']), unit: 'x', higherIsBetter: false },
    { name: 'API get p50, open bus', value: m(p50['get open']), unit: 'ms', higherIsBetter: false },
    { name: `API get p50, ${locked}`, value: m(p50['get locked']), unit: 'ms', higherIsBetter: false },
    { name: 'API get p50 locked/open', value: m(p50['get locked']) / m(p50['get open']), unit: 'x', budget: 1.3, higherIsBetter: false, anchor },
  ];
  for (const who of ['open', 'locked']) {
    const n = natsUs[who];
    if (n?.calls) figures.push({ name: `nats-server CPU per call, ${who === 'open' ? 'open bus' : locked}`, value: (n.ms * 1000) / n.calls, unit: 'µs', higherIsBetter: false });
  }
  if (audit) {
    const rr = 'locked RequestResponse';
    figures.push(
      { name: 'API create p50, locked bus, audit RequestResponse', value: m(p50[`create ${rr}`]), unit: 'ms', higherIsBetter: false },
      { name: 'API create p99, locked bus, audit RequestResponse', value: m(p99[`create ${rr}`]), unit: 'ms', higherIsBetter: false },
      { name: 'API create p50 RequestResponse/Metadata (locked)', value: m(p50[`create ${rr}`]) / m(p50['create locked']), unit: 'x', higherIsBetter: false, anchor: 'the cost of RequestResponse audit' },
      { name: 'API create p50 locked RequestResponse/open', value: m(p50[`create ${rr}`]) / m(p50['create open']), unit: 'x', higherIsBetter: false },
    );
  }
  const what = audit ? 'nkeys, permissions, TLS, RBAC, audit Metadata; and audit RequestResponse' : 'nkeys, permissions, TLS; admin identity, RBAC';
  return report(`API over a locked bus (${what}) vs open (medians of ${runs} runs x 4 rounds, ${ops} ops each side)`, figures);
}
