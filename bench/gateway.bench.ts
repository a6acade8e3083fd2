// Gateway benchmark: get and create over HTTP (keep-alive, as kubectl and client-go) beside the
// same calls over the bus, on one real nats-server; the budget is the added p50 (DESIGN §5).
// Run: npm run bench -- gateway [--runs N] [--ops N]
import { Agent, request } from 'node:http';
import hdr from 'hdr-histogram-js';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { gatewayActor } from '../actors/gateway/gateway.actor.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { startNatsServer } from '../runtime/nats-server.ts';
import { arg, median, report, type Figure } from './report.ts';

const RUNS = arg('runs', 3);
const OPS = arg('ops', 2000);
const log = (m: string) => console.log(`[gateway bench] ${m}`);

interface Result {
  p50: number; // ms
  p99: number; // ms
}

/** Runs `ops` calls one after another; returns latency percentiles. */
async function measure(ops: number, op: (i: number) => Promise<unknown>): Promise<Result> {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  for (let i = 0; i < ops; i++) {
    const t0 = performance.now();
    await op(i);
    h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
  }
  const r = { p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000 };
  h.destroy();
  return r;
}

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'bench' } },
  spec: { containers: [{ name: 'main', image: 'registry.example/app:1.0', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
});

/** One HTTP call on a keep-alive connection; rejects on a status other than `want`. */
function http(agent: Agent, url: string, method: string, want: number, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, agent, headers: text ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        if (res.statusCode === want) resolve(out);
        else reject(new Error(`${method} ${url}: ${res.statusCode} ${JSON.stringify(out)}`));
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

async function oneRun(run: number): Promise<Record<string, Result>> {
  const nats = await startNatsServer();
  const buses: Bus[] = [];
  const connect = async (name: string) => {
    const b = await NatsBus.connect({ servers: nats.url, name });
    buses.push(b);
    return b;
  };
  const host = new Host({ bus: await connect('control-plane'), clock: realClock, rng: cryptoRng(), log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  const gw = host.start(gatewayActor, 'gateway', { address: '127.0.0.1:0' });
  await gw.waitFor((s) => s.matches('listening') || s.status === 'done');
  const base = `${(gw.snapshot()?.context as { url: string }).url}/api/v1/namespaces/default/pods`;
  const client = new ApiClient(await connect('client'));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: Record<string, Result> = {};
  try {
    log(`run ${run}: warm-up ...`);
    await measure(300, (i) => client.create('pods', pod(`warm-bus-${i}`)));
    await measure(300, (i) => http(agent, base, 'POST', 201, pod(`warm-http-${i}`)));
    log(`run ${run}: create and get over the bus ...`);
    out['bus create'] = await measure(OPS, (i) => client.create('pods', pod(`bus-${i}`)));
    out['bus get'] = await measure(OPS, (i) => client.get('pods', `bus-${i}`, { namespace: 'default' }));
    log(`run ${run}: create and get over HTTP ...`);
    out['http create'] = await measure(OPS, (i) => http(agent, base, 'POST', 201, pod(`http-${i}`)));
    out['http get'] = await measure(OPS, (i) => http(agent, `${base}/http-${i}`, 'GET', 200));
  } finally {
    agent.destroy();
    await host.stopAll();
    for (const b of buses) await b.close();
    await nats.stop();
  }
  return out;
}

const runs: Array<Record<string, Result>> = [];
for (let r = 1; r <= RUNS; r++) runs.push(await oneRun(r));
const med = (key: string, f: keyof Result) => median(runs.map((r) => r[key][f]));

const BUDGET = 'DESIGN §5: ≤ 0.3 ms p50 over the bus';
const figures: Figure[] = [];
for (const verb of ['get', 'create']) {
  figures.push(
    { name: `bus ${verb} p50`, value: med(`bus ${verb}`, 'p50'), unit: 'ms', higherIsBetter: false, anchor: 'same run' },
    { name: `bus ${verb} p99`, value: med(`bus ${verb}`, 'p99'), unit: 'ms', higherIsBetter: false, anchor: 'same run' },
    { name: `HTTP ${verb} p50`, value: med(`http ${verb}`, 'p50'), unit: 'ms', higherIsBetter: false },
    { name: `HTTP ${verb} p99`, value: med(`http ${verb}`, 'p99'), unit: 'ms', higherIsBetter: false },
    { name: `HTTP ${verb} p50 added`, value: Math.max(0.001, med(`http ${verb}`, 'p50') - med(`bus ${verb}`, 'p50')), unit: 'ms', budget: 0.3, higherIsBetter: false, anchor: BUDGET },
  );
}
report(`Gateway: HTTP beside the bus (memory store, one nats-server; medians of ${RUNS} runs, ${OPS} ops each, concurrency 1)`, figures);
