// Pod startup on real nodes (containerd, CNI pods, kube-proxy nftables), and what an idle node
// process costs. Inside a network namespace of its own: a nats-server, a control plane process and
// two `kubus node --runtime containerd` processes; busybox is preloaded (a local image: no pulls).
// Per run, `--pods` pods are created at `--qps` and watched over HTTP: create → Running (all
// containers started, as upstream's pod startup SLI, observed by watch) and create → Ready (an
// httpGet readiness probe on the pod IP passes). After the last run, 10 pods stay on the first node
// and its node process (kubelet + kube-proxy) is sampled idle: RSS and CPU over `--idle` seconds.
// `--host-network` runs hostNetwork pods instead (no CNI, no probe).
// Run: npm run bench -- pod-startup [--pods 100] [--runs 3] [--qps 10] [--idle 30] [--host-network]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer } from '../runtime/nats-server.ts';
import { cleanUpNode } from '../test/helpers/containerd-node.ts';
import { api, inOwnNetns, kubus, percentile, usage, watch, type Kubus } from './real-nodes.ts';
import { arg, median, report, type Figure } from './report.ts';

const NODE_IP = '192.168.79.1';
inOwnNetns('pod-startup bench', NODE_IP);

const PODS = arg('pods', 100);
const RUNS = arg('runs', 3);
const QPS = arg('qps', 10);
const IDLE_S = arg('idle', 30);
const HOST_NETWORK = process.argv.includes('--host-network');
const IDLE_PODS = 10;
const log = (m: string) => console.log(`[pod-startup bench] ${m}`);
const NS = '/api/v1/namespaces/default/pods';

/** A busybox pod: httpd on 8080, Ready by its httpGet probe (hostNetwork: a sleep, no probe). */
const benchPod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'startup' } },
  spec: {
    terminationGracePeriodSeconds: 1,
    ...(HOST_NETWORK
      ? { hostNetwork: true, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] }
      : {
          containers: [
            {
              name: 'c',
              image: 'busybox',
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
              readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
            },
          ],
        }),
  },
});

interface Seen {
  created: number;
  running?: number;
  ready?: number;
  node?: string;
}

/** Creates PODS pods at QPS; resolves with each one's times once all are Ready. */
async function oneRun(base: string, run: number): Promise<Map<string, Seen>> {
  const seen = new Map<string, Seen>();
  const stop = watch(base, `${NS}?labelSelector=bench%3Dstartup`, (type, pod) => {
    const s = seen.get(pod.metadata.name);
    if (!s || type === 'DELETED') return;
    const now = Date.now();
    s.node = pod.spec.nodeName;
    const statuses = pod.status?.containerStatuses ?? [];
    if (!s.running && pod.status?.phase === 'Running' && statuses.length && statuses.every((c: { state?: { running?: unknown } }) => c.state?.running)) s.running = now;
    if (!s.ready && pod.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')) s.ready = now;
  });
  try {
    const t0 = Date.now();
    for (let i = 0; i < PODS; i++) {
      const due = t0 + (i * 1000) / QPS;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const name = `p${run}-${i}`;
      seen.set(name, { created: Date.now() });
      await api(base, 'POST', NS, benchPod(name));
    }
    const deadline = Date.now() + 300_000;
    while ([...seen.values()].some((s) => !s.ready)) {
      if (Date.now() > deadline) throw new Error(`run ${run}: ${[...seen.values()].filter((s) => !s.ready).length} pods not Ready after 5 min`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return seen;
  } finally {
    stop();
  }
}

/** Deletes the benchmark's pods except `keep`, and waits until they are gone. */
async function deletePods(base: string, keep: Set<string>): Promise<void> {
  const list = await api(base, 'GET', `${NS}?labelSelector=bench%3Dstartup`);
  const names: string[] = list.items.map((p: { metadata: { name: string } }) => p.metadata.name).filter((n: string) => !keep.has(n));
  await Promise.all(names.map((n) => api(base, 'DELETE', `${NS}/${n}?gracePeriodSeconds=1`)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const left = (await api(base, 'GET', `${NS}?labelSelector=bench%3Dstartup`)).items.length;
    if (left === keep.size) return;
    if (Date.now() > deadline) throw new Error(`${left - keep.size} pods still there 2 min after their deletion`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'kubus-bench-startup-'));
  const names = [`bs${process.pid}-0`, `bs${process.pid}-1`];
  const procs: Kubus[] = [];
  const nats = await startNatsServer();
  try {
    const env = { KUBUS_HOME: home };
    const cp = kubus(['--nats', nats.url, 'control-plane', '--actors', 'apiserver,scheduler,controller-manager,gateway', '--http-address', '127.0.0.1:0', '--log-level', 'warn'], env);
    procs.push(cp);
    const [, base] = await cp.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/, 60_000);
    for (const name of names) {
      const node = kubus(['--nats', nats.url, 'node', '--name', name, '--runtime', 'containerd', '--proxy', 'nftables', '--log-level', 'warn'], env);
      procs.push(node);
      await node.waitFor(/node\(s\) .* running/, 90_000);
    }
    const deadline = Date.now() + 60_000;
    while (!(await api(base, 'GET', '/api/v1/nodes')).items.every((n: { spec: { podCIDR?: string } }) => HOST_NETWORK || n.spec.podCIDR)) {
      if (Date.now() > deadline) throw new Error('the nodes got no pod CIDR');
      await new Promise((r) => setTimeout(r, 200));
    }
    // Warm-up: a pod per node, so the measured runs find each node's network set up (containerd picks up a new CNI config within a moment).
    await Promise.all(names.map((n) => api(base, 'POST', NS, { ...benchPod(`warm-${n}`), spec: { ...benchPod('').spec, nodeName: n } })));
    const ready = async (n: string) => (await api(base, 'GET', `${NS}/warm-${n}`)).status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
    const warmBy = Date.now() + 120_000;
    while (!(await Promise.all(names.map(ready))).every(Boolean)) {
      if (Date.now() > warmBy) throw new Error('the warm-up pods are not Ready after 2 min');
      await new Promise((r) => setTimeout(r, 200));
    }
    await deletePods(base, new Set());
    log(`2 nodes up (${HOST_NETWORK ? 'hostNetwork pods' : 'CNI pods, readiness by httpGet'}); ${RUNS} run(s) of ${PODS} pods at ${QPS}/s`);
    const runs: Array<{ running: number[]; ready: number[] }> = [];
    let last = new Map<string, Seen>();
    for (let r = 0; r < RUNS; r++) {
      last = await oneRun(base, r);
      const all = [...last.values()];
      const running = all.map((s) => s.running! - s.created);
      const ready = all.map((s) => s.ready! - s.created);
      runs.push({ running, ready });
      const perNode = names.map((n) => all.filter((s) => s.node === n).length).join('/');
      log(`run ${r + 1}: Running p50 ${percentile(running, 50)} ms p99 ${percentile(running, 99)} ms; Ready p50 ${percentile(ready, 50)} ms p99 ${percentile(ready, 99)} ms; pods per node ${perNode}`);
      const keep = r === RUNS - 1 ? new Set([...last].filter(([, s]) => s.node === names[0]).slice(0, IDLE_PODS).map(([n]) => n)) : new Set<string>();
      await deletePods(base, keep);
    }
    // Idle: 10 pods on the first node; its node process sampled after a settling period.
    log(`idle: ${IDLE_PODS} pods on ${names[0]}, settling 10 s, then sampling ${IDLE_S} s`);
    await new Promise((r) => setTimeout(r, 10_000));
    const pids = [procs[1].child.pid!, procs[2].child.pid!];
    const before = pids.map(usage);
    const rss: number[][] = pids.map(() => []);
    const t0 = Date.now();
    while (Date.now() - t0 < IDLE_S * 1000) {
      pids.forEach((p, i) => rss[i].push(usage(p).rssBytes));
      await new Promise((r) => setTimeout(r, 1000));
    }
    const secs = (Date.now() - t0) / 1000;
    const cpu = pids.map((p, i) => (usage(p).cpuMs - before[i].cpuMs) / 10 / secs);
    const mb = (xs: number[]) => median(xs) / 2 ** 20;
    const m = (k: 'running' | 'ready', p: number) => median(runs.map((x) => percentile(x[k], p)));
    const figures: Figure[] = [
      { name: `create → Running p50 (${PODS} pods, 2 nodes)`, value: m('running', 50), unit: 'ms', higherIsBetter: false },
      { name: 'create → Running p99', value: m('running', 99), unit: 'ms', budget: 5000, higherIsBetter: false, anchor: 'upstream pod startup SLO p99 ≤ 5 s (no pulls)' },
      { name: `create → Ready p50${HOST_NETWORK ? '' : ' (httpGet probe)'}`, value: m('ready', 50), unit: 'ms', higherIsBetter: false },
      { name: 'create → Ready p99', value: m('ready', 99), unit: 'ms', higherIsBetter: false },
      { name: `idle node process RSS, ${IDLE_PODS} pods`, value: mb(rss[0]), unit: 'MiB', higherIsBetter: false, anchor: 'kubelet + kube-proxy in one process' },
      { name: `idle node process CPU, ${IDLE_PODS} pods`, value: cpu[0], unit: '% core', higherIsBetter: false },
      { name: 'idle node process RSS, 0 pods', value: mb(rss[1]), unit: 'MiB', higherIsBetter: false },
      { name: 'idle node process CPU, 0 pods', value: cpu[1], unit: '% core', higherIsBetter: false },
    ];
    report(`Pod startup on containerd (median of ${RUNS} run(s)) and an idle node process`, figures);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await nats.stop();
    names.forEach(cleanUpNode);
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
