// The web service end to end, as issue 11's "Done when" tries it and the README walks through it:
// `kubus up --runtime containerd --nodes 2` with real containerds, CNI, kube-proxy (nftables) and
// cluster DNS; examples/web.yaml (3 busybox httpd replicas serving an index.html from a ConfigMap
// volume, their Service) and examples/web-job.yaml (a Job that fetches the page by the Service's
// DNS name). The whole cluster runs in a network namespace of the test's own (the processes join
// it with nsenter, the network only, so containerd still sees the host's cgroups and mounts):
// bridges, veths, routes and nft tables never touch the host's namespace and go with it.
import test, { type ExecutionContext } from 'ava';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { cleanUpNode } from './helpers/containerd-node.ts';
import { KUBECTL, ROOT } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const run = promisify(execFile);
const KUBUS = join(ROOT, 'bin', 'kubus');
/** The nodes' address in the namespace (its own, so any private address does): the InternalIP, and where kube-dns answers. */
const NODE_IP = '192.168.77.1';

/** A namespace with loopback and a veth pair (the kernel here has no dummy links) carrying NODE_IP; deleted in teardown. */
async function netns(t: ExecutionContext, name: string): Promise<void> {
  await run('ip', ['netns', 'add', name]);
  t.teardown(() => run('ip', ['netns', 'del', name]).catch(() => {}));
  const ip = (...args: string[]) => run('ip', ['-n', name, ...args]);
  await ip('link', 'set', 'lo', 'up');
  await ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
  await ip('addr', 'add', `${NODE_IP}/24`, 'dev', 'eth0');
  await ip('link', 'set', 'eth0', 'up');
  await ip('link', 'set', 'eth1', 'up');
}

/** The README's walkthrough: a ConfigMap with the page, the Deployment, its Service; then the Job. */
const WEB = join(ROOT, 'examples', 'web.yaml');
const FETCH = join(ROOT, 'examples', 'web-job.yaml');
const httpd = (parseAllDocuments(readFileSync(WEB, 'utf8')).map((d) => d.toJSON()).find((d) => d.kind === 'Deployment') as { spec: { template: { spec: { containers: object[] } } } }).spec.template.spec.containers[0];
/** A pod the Service selects, serving its name; its readiness probe asks for /healthz, which only a `healthy` one has at first. */
const probed = (name: string, healthy: boolean) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'web' } },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [
      {
        ...httpd,
        command: ['sh', '-c', `mkdir -p /w && echo ${name} > /w/index.html && ${healthy ? 'echo ok > /w/healthz && ' : ''}exec httpd -f -v -p 8080 -h /w`],
        readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
        volumeMounts: [],
      },
    ],
  },
});
const job = (name: string, script: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'default' },
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'wget', image: 'busybox', imagePullPolicy: 'Never', command: ['sh', '-c', script] }] } } },
});

test('e2e web - kubus up --runtime containerd --nodes 2 in a netns: 3 httpd replicas behind a Service, a Job fetches the page by its DNS name; a pod never ready, and one that stops being ready, are left out of the endpoints and get no traffic', async (t) => {
  const started = Date.now();
  const ns = `w3e${process.pid}`;
  await netns(t, ns);
  const home = mkdtempSync(join(tmpdir(), 'kubus-e2e-web-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const prefix = `web${process.pid}`;
  const nodes = [`${prefix}-0`, `${prefix}-1`];
  // Registered before the cluster, so it runs after the cluster's own stop (or its kill).
  t.teardown(() => nodes.forEach(cleanUpNode));
  const env = { ...process.env, KUBUS_HOME: home, HOME: home };
  const inNs = ['nsenter', `--net=/run/netns/${ns}`];

  const up = spawn(inNs[0], [...inNs.slice(1), process.execPath, KUBUS, 'up', '--runtime', 'containerd', '--nodes', '2', '--node-prefix', prefix, '--memory', '--port', '0', '--log-level', 'warn'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  up.stdout.on('data', (d: Buffer) => (out += d.toString()));
  up.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
  t.teardown(async () => {
    if (up.exitCode !== null || up.signalCode !== null) return;
    // Ctrl-C: the nodes stop their pod sandboxes (CNI DEL) and containerds; killed if it hangs.
    up.kill('SIGINT');
    const timer = setTimeout(() => up.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  });
  const [, url, dns] = await waitFor(() => {
    if (up.exitCode !== null) throw new Error(`kubus up exited: ${out}`);
    return /Kubernetes API at (https:\/\/127\.0\.0\.1:\d+); cluster DNS at (\S+);.* 2 containerd node\(s\)/.exec(out);
  }, 'kubus up', 60_000, 100).catch((err: Error) => Promise.reject(new Error(`${err.message}\n${out}`)));
  const upMs = Date.now() - started;
  t.true(dns.startsWith(`${NODE_IP}:`), `the cluster DNS answers where pods reach it: ${dns}`);

  // kubectl as a user would: the admin kubeconfig kubus up wrote (HTTPS, CA and client certificate embedded).
  const kubeconfig = join(home, 'kubeconfig');
  t.regex(readFileSync(kubeconfig, 'utf8'), new RegExp(`server: ${url}\n`));
  /** kubectl in the namespace: its stdout; a failure rejects with its stderr only when `strict` (polls retry). */
  const kubectl = async (args: string[], strict = false) => {
    const r = run(inNs[0], [...inNs.slice(1), KUBECTL, '--kubeconfig', kubeconfig, '--cache-dir', join(home, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 30_000 });
    return (await (strict ? r : r.catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' })))).stdout;
  };
  // No image import: a node's containerd starts with busybox (and pause) imported.
  /** `kubus ARGS` in the namespace, on this cluster (KUBUS_HOME's connection info). */
  const kubus = (args: string[]) => run(inNs[0], [...inNs.slice(1), process.execPath, KUBUS, ...args], { cwd: ROOT, env, timeout: 30_000 });
  /** Applies a manifest file (or objects, written to one): every object in it created. */
  const apply = async (name: string, docs: object[] | string) => {
    const file = typeof docs === 'string' ? docs : join(home, `${name}.yaml`);
    if (typeof docs !== 'string') writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
    const count = parseAllDocuments(readFileSync(file, 'utf8')).length;
    t.is((await kubectl(['apply', '-f', file], true)).match(/ created$/gm)?.length, count);
  };
  const applied = Date.now();
  await apply('web', WEB);
  await apply('probed', [probed('sick', false), probed('tired', true)]);
  const ready = async () => (await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}'])).trim().split(' ');
  await waitFor(async () => (await ready()).filter((p) => p.startsWith('web-') && p.endsWith('=True')).length === 3, '3 web replicas Ready', 45_000, 200);
  const readyMs = Date.now() - applied;

  // The Service's endpoints: the ready pods; the sick one (running, with its IP) listed not ready.
  const ipOf = async (pod: string) => (await kubectl(['get', 'pod', pod, '-o', 'jsonpath={.status.podIP}'], true)).trim();
  const endpoints = async () => JSON.parse((await kubectl(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[0]}'])) || '{}') as { addresses?: Array<{ ip: string }>; notReadyAddresses?: Array<{ ip: string }> };
  const ips = (list?: Array<{ ip: string }>) => (list ?? []).map((a) => a.ip).sort();
  await waitFor(async () => ((s) => s.addresses?.length === 4 && s.notReadyAddresses?.length === 1)(await endpoints()), 'four ready endpoints and one not', 20_000, 200);
  const [sickIP, tiredIP] = [await ipOf('sick'), await ipOf('tired')];
  t.deepEqual(ips((await endpoints()).notReadyAddresses), [sickIP], 'the sick pod is not ready');
  t.true(ips((await endpoints()).addresses).includes(tiredIP), 'the tired pod is, at first');
  // The tired pod loses its health page: after 3 failed probes (upstream's failureThreshold) it leaves the ready addresses.
  const unready = Date.now();
  await kubectl(['exec', 'tired', '--', 'rm', '/w/healthz'], true);
  await waitFor(async () => ips((await endpoints()).notReadyAddresses).length === 2, 'the tired pod not ready', 20_000, 200);
  const unreadyMs = Date.now() - unready;
  const subset = await endpoints();
  t.deepEqual(ips(subset.notReadyAddresses), [sickIP, tiredIP].sort());
  t.is(subset.addresses?.length, 3);
  // Pod IPs come from their node's CIDR (the node IPAM controller's /24s).
  const cidrs = Object.fromEntries((await kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR} {end}'])).trim().split(' ').map((kv) => kv.split('=')));
  const pods = (await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.nodeName}={.status.podIP} {end}'])).trim().split(' ').map((s) => s.split('='));
  t.is(pods.length, 5);
  for (const [pod, node, ip] of pods) t.is(`${ip.split('.').slice(0, 3).join('.')}.0/24`, cidrs[node], `${pod}'s IP ${ip} is of ${node}'s CIDR`);

  // The Job: by the Service's DNS name (the pod's resolv.conf search path, kube-dns's VIP, the Service's VIP).
  const jobStarted = Date.now();
  await apply('fetch', FETCH);
  await waitFor(async () => (await kubectl(['get', 'job', 'fetch', '-o', 'jsonpath={.status.succeeded}'])) === '1', 'the Job completes', 30_000, 200);
  t.is(await kubectl(['get', 'job', 'fetch', '-o', 'jsonpath={.status.failed}']), '', 'at its first try');
  const jobMs = Date.now() - jobStarted;
  t.is(await kubectl(['logs', 'job/fetch']), '<h1>hello from kubus</h1>\n', 'the page, from the ConfigMap');
  t.is((await kubus(['logs', 'job/fetch'])).stdout, '<h1>hello from kubus</h1>\n', 'kubus logs too');
  // The pods' resolv.conf: the cluster DNS, upstream's search path and ndots.
  const resolv = (await kubus(['exec', 'tired', '--', 'cat', '/etc/resolv.conf'])).stdout;
  t.regex(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m);
  t.regex(resolv, /^nameserver 10\.96\.0\.10$/m);
  t.regex(resolv, /^options ndots:5$/m);

  // 30 requests by the short name reach neither pod out of the endpoints, though both serve when asked directly.
  const script = `ip -4 -o addr show eth0; for i in $(seq 30); do wget -qO- http://web/ || echo failed; done; wget -qO- http://${sickIP}:8080/; wget -qO- http://${tiredIP}:8080/`;
  await apply('spread', [job('spread', script)]);
  await waitFor(async () => (await kubectl(['get', 'job', 'spread', '-o', 'jsonpath={.status.succeeded}'])) === '1', 'the spread Job completes', 30_000, 200);
  const lines = (await kubectl(['logs', 'job/spread'])).trim().split('\n');
  const client = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(lines.shift() ?? '')?.[1];
  t.deepEqual(lines.splice(30), ['sick', 'tired'], 'both serve by their IPs');
  t.true(lines.every((l) => l === '<h1>hello from kubus</h1>'), lines.join('\n'));
  // httpd -v logs each request's client: the Job's pod reached every replica (on both nodes), and the two others once each (directly).
  const served = async (pod: string) => (await kubectl(['logs', pod], true)).split('\n').filter((l) => l.startsWith(`[::ffff:${client}]:`)).length; // it listens on IPv6 too
  const hits = Object.fromEntries(await Promise.all(pods.map(async ([pod]) => [pod, await served(pod)] as const)));
  t.like(hits, { sick: 1, tired: 1 }, JSON.stringify(hits));
  const replicas = pods.filter(([pod]) => pod.startsWith('web-')).map(([pod]) => hits[pod]);
  t.true(replicas.every((n) => n > 0), JSON.stringify(hits));
  t.is(replicas.reduce((a, b) => a + b, 0), 30);

  t.log(`kubus up: ${upMs} ms; apply → 3 replicas Ready: ${readyMs} ms; Job create → complete: ${jobMs} ms; probe failing → out of the endpoints: ${unreadyMs} ms; whole test so far: ${Date.now() - started} ms`);
  up.kill('SIGINT');
  t.is(await exited, 0, out);
});
