// The dashboard's cost in headless Chromium (issue 16's figures): `kubus up` with N sim nodes and a
// Deployment of 1,000 pods; the overview's first paint and the time until it counts all pods (it draws the first 200 rows); then
// the page's main-thread CPU while the pods change at 100/s (annotation patches over HTTPS), from the
// DevTools Performance metrics (TaskDuration over wall time). `npm run bench -- dashboard [--pods 1000]
// [--rate 100] [--seconds 10] [--nodes 12]`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const PODS = arg('pods', 1000);
const RATE = arg('rate', 100);
const SECONDS = arg('seconds', 10);
const NODES = arg('nodes', Math.ceil(PODS / 100) + 2);
const ROOT = join(import.meta.dirname, '..');

const home = mkdtempSync(join(tmpdir(), 'kubus-dash-bench-'));
const up = spawn(join(ROOT, 'bin', 'kubus'), ['up', '--memory', '--port', '0', '--http-port', '0', '--nodes', String(NODES), '--log-level', 'warn'], { env: { ...process.env, KUBUS_HOME: home, HOME: home }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
let out = '';
up.stdout.on('data', (d) => (out += d));
const stop = () => {
  try {
    process.kill(-up.pid!, 'SIGINT');
  } catch {}
};
process.on('exit', () => {
  stop();
  rmSync(home, { recursive: true, force: true });
});

async function until<T>(cond: () => T | undefined | Promise<T | undefined>, what: string, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const link: string = await until(() => /^Dashboard .*: (https:\S+)$/m.exec(out)?.[1] ?? '', 'kubus up', 120_000);
const origin = new URL(link).origin;
const token = decodeURIComponent(/#token=(.+)$/.exec(link)![1]);
const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: readFileSync(join(home, 'pki', 'ca.crt')) });

/** One JSON request to the gateway with the dashboard's token; resolves with the status code and body. */
function call(method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ code: number; body: any }> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { method, agent, headers: { Authorization: `Bearer ${token}`, 'Content-Type': type, ...(data ? { 'Content-Length': data.length } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ code: res.statusCode!, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const labels = { app: 'bench' };
await call('POST', '/apis/apps/v1/namespaces/default/deployments', {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bench' },
  spec: { replicas: PODS, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: '1m', memory: '1Mi' } } }] } } },
});
const running = () => call('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dbench').then((r) => (r.body.items as any[]).filter((p) => p.status?.phase === 'Running').map((p) => p.metadata.name as string));
const names: string[] = await until(async () => { const n = await running(); return n.length >= PODS ? n : undefined; }, `${PODS} pods Running`, 600_000);
console.log(`${PODS} pods Running on ${NODES} sim nodes`);
// Let the cluster settle (status writes, endpoints) so the page is measured, not the pods' startup.
await new Promise((r) => setTimeout(r, 10_000));

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });
const page = await context.newPage();
await page.goto(link);
const pods = PODS + 0;
await page.waitForFunction(`document.querySelector('#pods .count')?.textContent === '${pods}' && document.querySelectorAll('#pods tbody tr').length > 0`, undefined, { timeout: 120_000, polling: 50 });
const loaded = await page.evaluate(() => performance.now());
const fcp = Number(await page.evaluate(`performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? NaN`));
console.log(`overview with ${PODS} pods: first contentful paint ${fcp.toFixed(0)} ms, all ${PODS} pods counted and the first rows drawn ${loaded.toFixed(0)} ms after navigation`);

const cdp = await context.newCDPSession(page);
await cdp.send('Performance.enable');
const metric = async (name: string) => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0);
const t0 = performance.now();
const busy0 = await metric('TaskDuration');
const script0 = await metric('ScriptDuration');
let sent = 0;
let failed = 0;
const interval = 1000 / RATE;
while (performance.now() - t0 < SECONDS * 1000) {
  const due = Math.floor((performance.now() - t0) / interval);
  while (sent < due) {
    const name = names[sent % names.length];
    sent++;
    void call('PATCH', `/api/v1/namespaces/default/pods/${name}`, { metadata: { annotations: { 'bench.kubus.io/tick': String(sent) } } }, 'application/merge-patch+json').then((r) => r.code !== 200 && failed++, () => failed++);
  }
  await new Promise((r) => setTimeout(r, 5));
}
const wall = (performance.now() - t0) / 1000;
const busy = (await metric('TaskDuration')) - busy0;
const script = (await metric('ScriptDuration')) - script0;
console.log(`live updates: ${sent} pod patches in ${wall.toFixed(1)} s (${(sent / wall).toFixed(0)}/s, ${failed} failed); page main thread busy ${(100 * busy / wall).toFixed(1)}% of a core (script ${(100 * script / wall).toFixed(1)}%)`);
await browser.close();
agent.destroy();
stop();
process.exit(0);
