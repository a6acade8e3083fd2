// Gateway benchmark: get and create over HTTP (keep-alive, as kubectl and client-go) beside the
// same calls over the bus, on one real nats-server, and a bare node:http echo as the floor of HTTP
// itself; latency at concurrency 1 (the budget is the added p50, DESIGN §8) and throughput at 64.
// Creates also over HTTPS with an admin's client certificate (issue 15's locked gateway), against plain HTTP.
// Run: npm run bench -- gateway [--runs N] [--ops N]
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
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
import { ADMIN, ensureCA, gatewayTls, issue } from '../runtime/pki.ts';
import { benchPod as pod, measure, type Latency as Result } from './latency.ts';
import { arg, median, report, type Figure } from './report.ts';

const RUNS = arg('runs', 3);
const OPS = arg('ops', 2000);
const log = (m: string) => console.log(`[gateway bench] ${m}`);


/** One HTTP call on a keep-alive connection; rejects on a status other than `want`. */
function http(agent: Agent, url: string, method: string, want: number, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = (url.startsWith('https:') ? httpsRequest : request)(url, { method, agent, headers: text ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } : {} }, (res) => {
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

/** A bare node:http server that answers every request with its body: the floor of HTTP itself. */
async function echoServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
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
  const pki = mkdtempSync(join(tmpdir(), 'kubus-bench-pki-'));
  const ca = ensureCA(pki);
  const gws = host.start(gatewayActor, 'gateway-https', { address: '127.0.0.1:0', tls: gatewayTls(ca) });
  await gws.waitFor((s) => s.matches('listening') || s.status === 'done');
  const secureBase = `${(gws.snapshot()?.context as { url: string }).url}/api/v1/namespaces/default/pods`;
  const secure = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: ca.cert, ...issue(ca, { ...ADMIN, usage: 'client' }) });
  const client = new ApiClient(await connect('client'));
  const one = new Agent({ keepAlive: true, maxSockets: 1 });
  const many = new Agent({ keepAlive: true, maxSockets: 64 });
  const echo = await echoServer();
  const out: Record<string, Result> = {};
  try {
    log(`run ${run}: warm-up ...`);
    await measure(300, 1, (i) => client.create('pods', pod(`warm-bus-${i}`)));
    await measure(300, 1, (i) => http(one, base, 'POST', 201, pod(`warm-http-${i}`)));
    await measure(300, 1, (i) => http(secure, secureBase, 'POST', 201, pod(`warm-https-${i}`)));
    log(`run ${run}: node:http echo ...`);
    out['echo c1'] = await measure(OPS, 1, () => http(one, echo.url, 'POST', 200, pod('echo')));
    out['echo c64'] = await measure(OPS * 4, 64, () => http(many, echo.url, 'POST', 200, pod('echo')));
    log(`run ${run}: create and get over the bus ...`);
    out['bus create'] = await measure(OPS, 1, (i) => client.create('pods', pod(`bus-${i}`)));
    out['bus get'] = await measure(OPS, 1, (i) => client.get('pods', `bus-${i}`, { namespace: 'default' }));
    out['bus create c64'] = await measure(OPS * 4, 64, (i) => client.create('pods', pod(`bus64-${i}`)));
    out['bus get c64'] = await measure(OPS * 4, 64, (i) => client.get('pods', `bus64-${i}`, { namespace: 'default' }));
    log(`run ${run}: create and get over HTTP ...`);
    out['http create'] = await measure(OPS, 1, (i) => http(one, base, 'POST', 201, pod(`http-${i}`)));
    out['http get'] = await measure(OPS, 1, (i) => http(one, `${base}/http-${i}`, 'GET', 200));
    // Plain and locked creates in alternating halves, so drift in the machine's load hits both alike.
    const halves: Result[][] = [[], []];
    for (let h = 0; h < 4; h++) {
      halves[0].push(await measure(OPS / 4, 1, (i) => http(one, base, 'POST', 201, pod(`plain-${h}-${i}`))));
      halves[1].push(await measure(OPS / 4, 1, (i) => http(secure, secureBase, 'POST', 201, pod(`tls-${h}-${i}`))));
    }
    const merged = (rs: Result[]) => ({ ...rs[0], p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) });
    out['plain create'] = merged(halves[0]);
    out['https create'] = merged(halves[1]);
    out['http create c64'] = await measure(OPS * 4, 64, (i) => http(many, base, 'POST', 201, pod(`http64-${i}`)));
    out['http get c64'] = await measure(OPS * 4, 64, (i) => http(many, `${base}/http64-${i}`, 'GET', 200));
  } finally {
    one.destroy();
    secure.destroy();
    rmSync(pki, { recursive: true, force: true });
    many.destroy();
    await echo.close();
    await host.stopAll();
    for (const b of buses) await b.close();
    await nats.stop();
  }
  return out;
}

const runs: Array<Record<string, Result>> = [];
for (let r = 1; r <= RUNS; r++) runs.push(await oneRun(r));
const med = (key: string, f: keyof Result) => median(runs.map((r) => r[key][f]));

const BUDGET = 'DESIGN §8: ≤ 0.3 ms p50 over the bus';
const figures: Figure[] = [
  { name: 'node:http echo p50', value: med('echo c1', 'p50'), unit: 'ms', higherIsBetter: false, anchor: 'floor of HTTP itself, same run' },
];
for (const verb of ['get', 'create']) {
  figures.push(
    { name: `bus ${verb} p50`, value: med(`bus ${verb}`, 'p50'), unit: 'ms', higherIsBetter: false, anchor: 'same run' },
    { name: `bus ${verb} p99`, value: med(`bus ${verb}`, 'p99'), unit: 'ms', higherIsBetter: false, anchor: 'same run' },
    { name: `HTTP ${verb} p50`, value: med(`http ${verb}`, 'p50'), unit: 'ms', higherIsBetter: false },
    { name: `HTTP ${verb} p99`, value: med(`http ${verb}`, 'p99'), unit: 'ms', higherIsBetter: false },
    { name: `HTTP ${verb} p50 added`, value: Math.max(0.001, med(`http ${verb}`, 'p50') - med(`bus ${verb}`, 'p50')), unit: 'ms', budget: 0.3, higherIsBetter: false, anchor: BUDGET },
  );
}
report(`Gateway at concurrency 1 (memory store, one nats-server; medians of ${RUNS} runs, ${OPS} ops each)`, figures);
report(`Gateway create, HTTPS + client certificate (RBAC as system:masters) against plain HTTP (trusted admin), alternating quarters of ${OPS} ops`, [
  { name: 'plain HTTP create p50', value: med('plain create', 'p50'), unit: 'ms', higherIsBetter: false, anchor: 'same run' },
  { name: 'plain HTTP create p99', value: med('plain create', 'p99'), unit: 'ms', higherIsBetter: false, anchor: 'same run' },
  { name: 'HTTPS create p50', value: med('https create', 'p50'), unit: 'ms', higherIsBetter: false },
  { name: 'HTTPS create p99', value: med('https create', 'p99'), unit: 'ms', higherIsBetter: false },
  { name: 'HTTPS / plain create p50', value: med('https create', 'p50') / med('plain create', 'p50'), unit: 'x', budget: 1.3, higherIsBetter: false, anchor: 'issue 15: ≤ 1.3x' },
]);
report(`Gateway throughput at concurrency 64 (${OPS * 4} ops each)`, [
  { name: 'node:http echo', value: med('echo c64', 'perSec'), unit: 'req/s', higherIsBetter: true, anchor: 'floor of HTTP itself, same run' },
  ...['get', 'create'].flatMap((verb): Figure[] => [
    { name: `bus ${verb}`, value: med(`bus ${verb} c64`, 'perSec'), unit: 'req/s', higherIsBetter: true, anchor: 'same run' },
    { name: `HTTP ${verb}`, value: med(`http ${verb} c64`, 'perSec'), unit: 'req/s', higherIsBetter: true },
  ]),
]);
