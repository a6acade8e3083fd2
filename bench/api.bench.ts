// API benchmark: create and get over a real nats-server (latency at concurrency 1, throughput and
// latency at 64), beside raw NATS request/reply measured in the same run as the floor (DESIGN §8).
// Run: npm run bench -- api [--runs N] [--ops N]; with --locked: the locked bus against the open one (api-locked.ts);
// with --audit: audit at Metadata and RequestResponse against none (api-audit.ts); with both, the
// locked bus with audit at Metadata and at RequestResponse against the open one (api-locked.ts).
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { startNatsServer } from '../runtime/nats-server.ts';
import { benchPod, measure, type Latency } from './latency.ts';
import { arg, median, report, type Figure } from './report.ts';
import { lockedBench } from './api-locked.ts';
import { auditBench } from './api-audit.ts';

const RUNS = arg('runs', 3);
const OPS = arg('ops', 3000);
const log = (m: string) => console.log(`[api bench] ${m}`);


/** A client acting as a user bound to the default `edit` ClusterRole in `default` (a RoleBinding). */
async function boundUser(admin: ApiClient): Promise<ApiClient> {
  const rbac = 'rbac.authorization.k8s.io';
  const binding = { apiVersion: `${rbac}/v1`, kind: 'RoleBinding', metadata: { name: 'bench-edit', namespace: 'default' }, roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'edit' }, subjects: [{ apiGroup: rbac, kind: 'User', name: 'bench-user' }] };
  await admin.create('rolebindings', binding as never);
  return admin.as({ username: 'bench-user' });
}

async function oneRun(run: number): Promise<Record<string, Latency>> {
  const nats = await startNatsServer();
  const buses: Bus[] = [];
  const connect = async (name: string) => {
    const b = await NatsBus.connect({ servers: nats.url, name });
    buses.push(b);
    return b;
  };
  const serverBus = await connect('control-plane');
  const host = new Host({ bus: serverBus, clock: realClock, rng: cryptoRng(), log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  await serverBus.flush();
  const echoBus = await connect('echo');
  echoBus.subscribe('bench.echo', (m) => echoBus.respond(m, m.data));
  await echoBus.flush();
  const clientBus = await connect('client');
  const client = new ApiClient(clientBus);
  const body = benchPod('x');
  const out: Record<string, Latency> = {};
  try {
    log(`run ${run}: raw NATS request/reply ...`);
    await measure(500, 1, () => clientBus.request('bench.echo', body)); // warm-up
    out['nats c1'] = await measure(OPS, 1, () => clientBus.request('bench.echo', body));
    out['nats c64'] = await measure(OPS * 4, 64, () => clientBus.request('bench.echo', body));
    log(`run ${run}: API create/get at concurrency 1 ...`);
    await measure(500, 1, (i) => client.create('pods', benchPod(`warm-${run}-${i}`)));
    out['create c1'] = await measure(OPS, 1, (i) => client.create('pods', benchPod(`a-${i}`)));
    out['get c1'] = await measure(OPS, 1, (i) => client.get('pods', `a-${i % OPS}`, { namespace: 'default' }));
    // The same requests as a user the API server authorizes (RBAC: bound to `edit` in the namespace),
    // A/B interleaved in rounds (the order flips each round) so load changes hit both alike.
    const user = await boundUser(client);
    const rounds = 4;
    const per = Math.ceil(OPS / rounds);
    // get reads what the same round's create wrote under the same tag.
    const ops: Record<string, (c: ApiClient, tag: string) => (i: number) => Promise<unknown>> = {
      create: (c, tag) => (i) => c.create('pods', benchPod(`${tag}-${i}`)),
      get: (c, tag) => (i) => c.get('pods', `${tag}-${i}`, { namespace: 'default' }),
    };
    for (const [key, as] of Object.entries(ops)) {
      const p50s: Record<string, number[]> = { none: [], user: [] };
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 ? (['user', 'none'] as const) : (['none', 'user'] as const);
        for (const who of order) {
          p50s[who].push((await measure(per, 1, as(who === 'user' ? user : client, `ab-${who}-${r}`))).p50);
        }
      }
      out[`${key} c1 ab`] = { p50: median(p50s.none) } as Latency;
      out[`${key} c1 user`] = { p50: median(p50s.user) } as Latency;
    }
    log(`run ${run}: API create/get at concurrency 64 ...`);
    out['create c64'] = await measure(OPS * 4, 64, (i) => client.create('pods', benchPod(`b-${i}`)));
    out['get c64'] = await measure(OPS * 4, 64, (i) => client.get('pods', `b-${i}`, { namespace: 'default' }));
  } finally {
    await host.stopAll();
    for (const b of buses) await b.close();
    await nats.stop();
  }
  return out;
}

if (process.argv.includes('--locked')) {
  // With --audit too: locked + audit Metadata and locked + RequestResponse against open, in one run.
  await lockedBench(RUNS, OPS, log, process.argv.includes('--audit'));
  process.exit(0);
}
if (process.argv.includes('--audit')) {
  await auditBench(RUNS, OPS, log);
  process.exit(0);
}
const runs: Array<Record<string, Latency>> = [];
for (let r = 1; r <= RUNS; r++) runs.push(await oneRun(r));
const med = (key: string, f: keyof Latency) => median(runs.map((r) => r[key][f]));

const SLO = 'Kubernetes API mutating-call SLO p99 ≤ 1 s';
const figures: Figure[] = [
  { name: 'raw NATS req/reply p50 (c=1)', value: med('nats c1', 'p50'), unit: 'ms', higherIsBetter: false, anchor: 'floor, same run' },
  { name: 'raw NATS req/reply p99 (c=1)', value: med('nats c1', 'p99'), unit: 'ms', higherIsBetter: false, anchor: 'floor, same run' },
  { name: 'raw NATS req/reply (c=64)', value: med('nats c64', 'perSec'), unit: 'req/s', higherIsBetter: true, anchor: 'floor, same run' },
  { name: 'API create p50 (c=1)', value: med('create c1', 'p50'), unit: 'ms', budget: 0.5, higherIsBetter: false, anchor: SLO },
  { name: 'API create p99 (c=1)', value: med('create c1', 'p99'), unit: 'ms', budget: 5, higherIsBetter: false, anchor: SLO },
  { name: 'API get p50 (c=1)', value: med('get c1', 'p50'), unit: 'ms', budget: 0.5, higherIsBetter: false },
  { name: 'API get p99 (c=1)', value: med('get c1', 'p99'), unit: 'ms', budget: 5, higherIsBetter: false },
  { name: 'API create p50 (c=1), A/B: no user', value: med('create c1 ab', 'p50'), unit: 'ms', higherIsBetter: false, anchor: 'interleaved with the next' },
  { name: 'API create p50 (c=1), A/B: an RBAC user', value: med('create c1 user', 'p50'), unit: 'ms', higherIsBetter: false, anchor: 'authorized (RoleBinding to edit)' },
  { name: 'API get p50 (c=1), A/B: no user', value: med('get c1 ab', 'p50'), unit: 'ms', higherIsBetter: false, anchor: 'interleaved with the next' },
  { name: 'API get p50 (c=1), A/B: an RBAC user', value: med('get c1 user', 'p50'), unit: 'ms', higherIsBetter: false, anchor: 'authorized (RoleBinding to edit)' },
  { name: 'API create throughput (c=64)', value: med('create c64', 'perSec'), unit: 'ops/s', higherIsBetter: true },
  { name: 'API create p99 (c=64)', value: med('create c64', 'p99'), unit: 'ms', higherIsBetter: false, anchor: SLO },
  { name: 'API get throughput (c=64)', value: med('get c64', 'perSec'), unit: 'ops/s', higherIsBetter: true },
  { name: 'API get p99 (c=64)', value: med('get c64', 'p99'), unit: 'ms', higherIsBetter: false },
];
report(`API over NATS (memory store; medians of ${RUNS} runs, ${OPS} ops at c=1, ${OPS * 4} at c=64)`, figures);
