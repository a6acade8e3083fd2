// Cluster DNS benchmark: Service A lookups over UDP against the dns actor answering from its
// informer caches of 1,000 Services (API server on a MemoryBus in this process; the load, UDP
// clients with one question in flight each, in a process of its own). Queries/s and p99 at
// concurrency 16 and 64, medians of runs.
// Run: npm run bench -- dns [--services N] [--ops N] [--runs N]
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as dnsPacket from 'dns-packet';
import { createSocket } from 'node:dgram';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { dnsActor } from '../actors/dns/dns.actor.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { arg, median, report, type Figure } from './report.ts';

const SERVICES = arg('services', 1000);
const OPS = arg('ops', 20_000);
const RUNS = arg('runs', 3);
const log = (m: string) => console.error(`[dns bench] ${m}`);

interface LoadResult {
  perSec: number;
  p50: number;
  p99: number;
  answered: number;
  lost: number;
  wrong: number;
}

/** Runs the load process once; resolves with what it measured. */
function load(port: number, conc: number): Promise<LoadResult> {
  const script = fileURLToPath(new URL('./dns-load.ts', import.meta.url));
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', script, String(port), String(conc), String(OPS), String(SERVICES)], (err, stdout, stderr) =>
      err ? reject(new Error(`dns-load: ${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult),
    ),
  );
}

/** Resolves when `name` has an A record (the informer has caught up). */
async function resolvable(port: number, name: string): Promise<void> {
  const sock = createSocket('udp4');
  try {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 500);
        sock.once('message', (m) => (clearTimeout(timer), resolve(m)));
        sock.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ name, type: 'A' }] }), port, '127.0.0.1');
      });
      if (reply && dnsPacket.decode(reply).answers?.length) return;
      await new Promise((r) => setTimeout(r, 100)); // polling a condition with a deadline
    }
    throw new Error(`${name} never resolved`);
  } finally {
    sock.close();
  }
}

const broker = new MemoryBroker({ clock: realClock });
const host = new Host({ bus: broker.connect('control-plane'), clock: realClock, rng: cryptoRng(), log: silentLogger });
await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
const client = new ApiClient(broker.connect('bench'));
const dnsHost = new Host({ bus: broker.connect('dns'), clock: realClock, rng: cryptoRng(), log: silentLogger });
const dns = dnsHost.start(dnsActor, 'dns', { address: '127.0.0.1:0', upstreams: [] });
await dns.waitFor((s) => s.matches?.('serving') || s.status === 'done');
const port = (dns.snapshot()?.context as { port?: number }).port;
if (!port) throw new Error('the dns actor did not start');

log(`creating ${SERVICES} Services ...`);
for (let i = 0; i < SERVICES; i += 100)
  await Promise.all(
    Array.from({ length: Math.min(100, SERVICES - i) }, (_, j) =>
      client.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i + j}`, namespace: 'default' }, spec: { selector: { app: `a${i + j}` }, ports: [{ name: 'http', port: 80 }] } }),
    ),
  );
await resolvable(port, `svc-${SERVICES - 1}.default.svc.cluster.local`);

const figures: Figure[] = [];
for (const conc of [16, 64]) {
  const runs: LoadResult[] = [];
  for (let r = 0; r < RUNS; r++) {
    const res = await load(port, conc);
    log(`c=${conc} run ${r + 1}: ${Math.round(res.perSec)} q/s, p50 ${res.p50.toFixed(3)} ms, p99 ${res.p99.toFixed(3)} ms, lost ${res.lost}, wrong ${res.wrong}`);
    if (res.wrong) throw new Error(`${res.wrong} answers were not one A record`);
    runs.push(res);
  }
  figures.push(
    { name: `Service A over UDP, c=${conc}`, value: median(runs.map((x) => x.perSec)), unit: 'q/s', higherIsBetter: true },
    { name: `Service A over UDP p99, c=${conc}`, value: median(runs.map((x) => x.p99)), unit: 'ms', higherIsBetter: false },
    { name: `lost (no reply in 1 s), c=${conc}`, value: median(runs.map((x) => x.lost)), unit: 'queries', higherIsBetter: false },
  );
}
report(`Cluster DNS: A lookups of ${SERVICES} Services over UDP (medians of ${RUNS} runs of ${OPS} queries; load in its own process)`, figures);
await dnsHost.stopAll();
await host.stopAll();
process.exit(0);
