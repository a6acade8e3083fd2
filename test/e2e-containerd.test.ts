// `kubus node --runtime containerd` as a real process: it starts its own containerd, joins a control
// plane over a real nats-server, and runs a hostNetwork busybox pod (no CNI needed) whose logs,
// exec and deletion go through CRI. Root (CI runs as root; scripts/ensure.mjs installs containerd).
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { RUNTIME_DOWN_THRESHOLD_MS, RUNTIME_HEALTH_PERIOD_MS } from '../actors/kubelet/runtime-health.ts';
import { cgroupDirs } from '../actors/kubelet/runtimes/cri/cri-cgroups.ts';
import { NODE_STATE_DIR } from '../runtime/node-cri.ts';
import { containerdPaths } from '../runtime/containerd-config.ts';
import { CriClient } from '../actors/kubelet/runtimes/cri/cri-client.ts';
import { silentLogger } from '../bus/types.ts';
import { startContainerd } from '../runtime/containerd.ts';
import { natsServer } from './helpers/nats.ts';
import { KUBECTL, startKubus } from './helpers/proc.ts';
import { cleanUpNode, freePort, removeCgroupTree, startContainerdCluster } from './helpers/containerd-node.ts';
import { waitFor } from './helpers/wait.ts';

/** The pid of the containerd whose config lies under `dir`. */
function containerdPid(dir: string): number | undefined {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (argv[0].endsWith('containerd') && argv.includes(`${dir}/config.toml`)) return Number(e);
    } catch {
      // gone
    }
  }
  return undefined;
}

test('e2e containerd - a node process runs hostNetwork busybox pods through CRI: Running, kubectl logs and exec, deleted; an httpd Ready by its httpGet probe; one exiting 3 fails with its code; no CNI config: node NotReady with the upstream network message, a pod-network pod waits (NetworkNotReady), a conflist makes it Ready; containerd killed and restarted at once: still Ready; not answering for 30 s: NotReady, then Ready', async (t) => {
  const { home, name, node, kubectl } = await startContainerdCluster(t, 'cri-e2e', 'apiserver,scheduler,gateway');
  await waitFor(async () => (await kubectl(['get', 'node', name, '-o', 'jsonpath={.status.nodeInfo.containerRuntimeVersion}'])).stdout.startsWith('containerd://'), 'the node reports containerd', 30_000, 200);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'echo', namespace: 'default' },
    spec: {
      nodeName: name,
      hostNetwork: true,
      terminationGracePeriodSeconds: 2,
      containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['sh', '-c', 'echo hello from containerd; exec sleep 3600'] }],
    },
  };
  writeFileSync(join(home, 'pod.yaml'), stringify(pod));
  t.is((await kubectl(['create', '-f', join(home, 'pod.yaml')])).code, 0);
  await waitFor(async () => (await kubectl(['get', 'pod', 'echo', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'pod echo Running', 60_000, 200);
  const id = (await kubectl(['get', 'pod', 'echo', '-o', 'jsonpath={.status.containerStatuses[0].containerID}'])).stdout;
  t.regex(id, /^containerd:\/\/[0-9a-f]{64}$/);
  await waitFor(async () => (await kubectl(['logs', 'echo'])).stdout === 'hello from containerd\n', 'the log line over kubectl logs', 20_000, 200);
  const exec = await kubectl(['exec', 'echo', '--', 'sh', '-c', 'echo $((6*7))']);
  t.is(exec.stdout, '42\n', exec.stderr);
  t.is((await kubectl(['delete', 'pod', 'echo', '--wait=true', '--timeout=30s'])).code, 0);

  // busybox httpd on the node's network, Ready once the kubelet's httpGet probe reaches the pod IP.
  const port = await freePort();
  const script = `mkdir -p /www && echo ready > /www/index.html && exec httpd -f -p ${port} -h /www`;
  const web = { ...pod, metadata: { name: 'web', namespace: 'default' }, spec: { ...pod.spec, containers: [{ ...pod.spec.containers[0], command: ['sh', '-c', script], readinessProbe: { httpGet: { path: '/', port }, periodSeconds: 1 } }] } };
  writeFileSync(join(home, 'web.yaml'), stringify(web));
  t.is((await kubectl(['create', '-f', join(home, 'web.yaml')])).code, 0);
  await waitFor(async () => (await kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True', 'pod web Ready', 30_000, 200);
  t.is((await kubectl(['delete', 'pod', 'web', '--wait=true', '--timeout=30s'])).code, 0);

  // A container that exits on its own: the relist finds it, the pod fails with its exit code.
  const crash = { ...pod, metadata: { name: 'crash', namespace: 'default' }, spec: { ...pod.spec, restartPolicy: 'Never', containers: [{ ...pod.spec.containers[0], command: ['sh', '-c', 'echo bye; exit 3'] }] } };
  writeFileSync(join(home, 'crash.yaml'), stringify(crash));
  t.is((await kubectl(['create', '-f', join(home, 'crash.yaml')])).code, 0);
  await waitFor(async () => (await kubectl(['get', 'pod', 'crash', '-o', 'jsonpath={.status.phase}'])).stdout === 'Failed', 'pod crash Failed', 30_000, 200);
  const term = JSON.parse((await kubectl(['get', 'pod', 'crash', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated}'])).stdout);
  t.like(term, { exitCode: 3, reason: 'Error' });
  t.is((await kubectl(['logs', 'crash'])).stdout, 'bye\n');

  // Killed: its supervisor has it back within a second, well within upstream's 30 s without an
  // answer that makes a runtime down, so the node stays Ready through the health checks that follow.
  const ready = async () => JSON.parse((await kubectl(['get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")]}'])).stdout || '{}');
  // No pod CIDR here (no controller manager), so no CNI config: the runtime's network is not ready,
  // nor the node; a pod that needs the pod network waits for it (its sandbox is not even tried).
  t.like(await ready(), { status: 'False', reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized' });
  writeFileSync(join(home, 'waits.yaml'), stringify({ ...pod, metadata: { name: 'waits', namespace: 'default' }, spec: { ...pod.spec, hostNetwork: false } }));
  t.is((await kubectl(['create', '-f', join(home, 'waits.yaml')])).code, 0);
  const waitEvents = async () => (JSON.parse((await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=waits', '-o', 'json'])).stdout || '{"items":[]}') as { items: Array<{ reason: string; message: string }> }).items;
  await waitFor(async () => (await waitEvents()).some((e) => e.reason === 'NetworkNotReady'), 'a NetworkNotReady event', 30_000, 200);
  t.is((await waitEvents()).find((e) => e.reason === 'NetworkNotReady')!.message, 'network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized');
  t.false((await waitEvents()).some((e) => e.reason === 'FailedCreatePodSandBox'), 'no sandbox was tried');
  t.is((await kubectl(['delete', 'pod', 'waits', '--wait=true', '--timeout=30s'])).code, 0);
  // A loopback-only conflist (nothing made on the host) makes the network ready.
  writeFileSync(join(containerdPaths(join(NODE_STATE_DIR, name)).cni, '99-loopback.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'lo-only', plugins: [{ type: 'loopback' }] }));
  await waitFor(async () => (await ready()).status === 'True', 'node Ready (its pod network ready)', 30_000, 200);
  const killed = containerdPid(`${NODE_STATE_DIR}/${name}`)!;
  process.kill(killed, 'SIGKILL');
  const restarted = await waitFor(() => ((p) => p !== undefined && p !== killed && p)(containerdPid(`${NODE_STATE_DIR}/${name}`)), 'containerd started again', 10_000, 50);
  const watchedUntil = Date.now() + 2 * RUNTIME_HEALTH_PERIOD_MS + 1_000;
  const states = new Set<string>();
  // Sampled every 250 ms (a kubectl run each, back to back before): the condition changes only when the
  // kubelet writes node status after a health check (every RUNTIME_HEALTH_PERIOD_MS), so no flap is shorter.
  while (Date.now() < watchedUntil) {
    states.add((await ready()).status);
    await new Promise((r) => setTimeout(r, 250));
  }
  t.deepEqual([...states], ['True'], `Ready throughout two health checks after the kill (containerd back as pid ${restarted})`);

  // containerd frozen (it does not answer, as when it is down): after 30 s without an answer the
  // node goes NotReady with upstream's message, and Ready once it answers again.
  const pid = containerdPid(`${NODE_STATE_DIR}/${name}`)!;
  process.kill(pid, 'SIGSTOP');
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone
    }
  });
  const frozen = Date.now();
  // Polled every second (the check below is a lower bound on when, which later polls cannot break).
  await waitFor(async () => (await ready()).status === 'False', 'node NotReady', RUNTIME_DOWN_THRESHOLD_MS + 15_000, 1_000);
  const notReadyAfter = Date.now() - frozen;
  t.true(notReadyAfter >= RUNTIME_DOWN_THRESHOLD_MS - RUNTIME_HEALTH_PERIOD_MS, `NotReady ${notReadyAfter} ms after the freeze, not before the threshold`);
  t.like(await ready(), { reason: 'KubeletNotReady', message: 'container runtime is down' });
  process.kill(pid, 'SIGCONT');
  await waitFor(async () => (await ready()).status === 'True', 'node Ready again', 30_000, 200);

  await node.kill('SIGTERM');
  await waitFor(() => !existsSync(`${NODE_STATE_DIR}/${name}`), 'the node process removed its containerd dir', 30_000, 100);
});

test('e2e containerd - kubus up --runtime containerd --nodes 2: two real nodes, a pod runs, kubectl top shows real usage, Ctrl-C removes their containerds', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-e2e-up-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  t.teardown(() => ['node-0', 'node-1'].forEach(cleanUpNode));
  const up = startKubus(t, ['up', '--runtime', 'containerd', '--nodes', '2', '--memory', '--port', '0', '--log-level', 'warn'], { KUBUS_HOME: home, HOME: home });
  await up.waitFor(/Kubernetes API at https:\/\/127\.0\.0\.1:\d+;.* 2 containerd node\(s\)/, 90_000);
  // The admin kubeconfig it printed: HTTPS, with the CA and a client certificate embedded.
  const [, kubeconfig] = await up.waitFor(/^export KUBECONFIG=(\S+)$/m);
  const kubectl = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(home, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const runtimes = async () => (await kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.nodeInfo.containerRuntimeVersion} {end}'])).stdout.trim();
  await waitFor(async () => /^node-0=containerd:\/\/\S+ node-1=containerd:\/\/\S+$/.test(await runtimes()), 'two containerd nodes', 30_000, 200);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hi', namespace: 'default' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['sh', '-c', 'echo hi; exec sleep 3600'] }] } };
  writeFileSync(join(home, 'hi.yaml'), stringify(pod));
  t.is((await kubectl(['create', '-f', join(home, 'hi.yaml')])).code, 0);
  await waitFor(async () => (await kubectl(['logs', 'hi'])).stdout === 'hi\n', 'the pod runs and logs', 60_000, 200);
  // kubectl top on real containers: the metrics server's figures come from CRI ListContainerStats,
  // two 15 s scrapes apart; a busy loop capped at 300m by its cgroup shows about that.
  const busy = { ...pod, metadata: { name: 'busy', namespace: 'default' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['sh', '-c', 'while :; do :; done'], resources: { limits: { cpu: '300m' } } }] } };
  writeFileSync(join(home, 'busy.yaml'), stringify(busy));
  t.is((await kubectl(['create', '-f', join(home, 'busy.yaml')])).code, 0);
  const top = async () => (await kubectl(['top', 'pods', '--no-headers'])).stdout;
  const usage = await waitFor(async () => {
    const m = /^busy\s+(\d+)m\s+(\d+)Mi\s*$/m.exec(await top());
    return m && Number(m[1]) >= 100 ? { cpu: Number(m[1]), memoryMi: Number(m[2]) } : undefined;
  }, 'kubectl top pods to show the busy pod using CPU', 90_000, 1000);
  t.log(`kubectl top pods: busy ${usage.cpu}m CPU (limit 300m), ${usage.memoryMi}Mi`);
  t.true(usage.cpu <= 400, `a 300m limit caps the busy loop near 300m, not ${usage.cpu}m`);
  t.regex(await top(), /^hi\s+\d+m\s+\d+Mi\s*$/m, 'the idle pod has figures too');
  t.regex((await kubectl(['top', 'nodes', '--no-headers'])).stdout, /^node-\d\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*$/m);
  up.child.kill('SIGINT');
  await up.waitFor(/stopped\./, 60_000);
  t.is(await up.exited, 0);
  t.false(existsSync(`${NODE_STATE_DIR}/node-0`) || existsSync(`${NODE_STATE_DIR}/node-1`), 'their containerds are gone');
});

test('e2e containerd - a node process killed -9 and started again adopts its running container (same id, no restart)', async (t) => {
  const nats = await natsServer(t);
  const home = mkdtempSync(join(tmpdir(), 'kubus-e2e-adopt-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const env = { KUBUS_HOME: home };
  const name = `cri-adopt-${process.pid}`;
  // A containerd of the test's own, so it outlives the node processes.
  const containerd = await startContainerd({ dir: join(home, 'ctd'), log: silentLogger, nodes: [name] });
  t.teardown(() => containerd.stop());
  for (const cg of cgroupDirs(`/kubus/${name}`)) t.teardown(() => removeCgroupTree(cg));
  // Not a test of security: the gateway's plain-HTTP loopback mode.
  const cp = startKubus(t, ['--nats', nats.url, 'control-plane', '--actors', 'apiserver,gateway', '--insecure-http', '--http-address', '127.0.0.1:0', '--log-level', 'warn'], env);
  const [, url] = await cp.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/);
  const nodeArgs = ['--nats', nats.url, 'node', '--name', name, '--runtime', 'containerd', '--cri-endpoint', containerd.endpoint, '--proxy', 'none', '--log-level', 'warn'];
  const first = startKubus(t, nodeArgs, env);
  await first.waitFor(/node\(s\) .* running/, 60_000);
  const kubectl = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(KUBECTL, ['--server', url, '--cache-dir', join(home, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'keep', namespace: 'default' }, spec: { nodeName: name, hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } };
  writeFileSync(join(home, 'keep.yaml'), stringify(pod));
  t.is((await kubectl(['create', '-f', join(home, 'keep.yaml')])).code, 0);
  const status = async () => JSON.parse((await kubectl(['get', 'pod', 'keep', '-o', 'jsonpath={.status.containerStatuses[0]}'])).stdout || '{}');
  await waitFor(async () => (await status()).ready === true, 'pod keep ready', 60_000, 200);
  const before = await status();
  await first.kill('SIGKILL');
  const second = startKubus(t, nodeArgs, env);
  await second.waitFor(/node\(s\) .* running/, 60_000);
  // The new kubelet writes the pod's status once it has adopted it: a fresh heartbeat of the same container.
  const cri = new CriClient(containerd.endpoint, { deadlineMs: 10_000 });
  t.teardown(() => cri.close());
  const containers = async () => (await cri.runtime.listContainers({ filter: { labelSelector: { 'io.kubernetes.pod.name': 'keep' } } })).containers;
  await waitFor(async () => (await kubectl(['get', 'pod', 'keep', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True', 'pod keep Ready after the restart', 30_000, 200);
  const after = await status();
  t.is(after.containerID, before.containerID, 'the same container');
  t.is(after.restartCount, 0);
  t.like(after.state, { running: { startedAt: before.state.running.startedAt } });
  t.is((await containers()).length, 1, 'no second container in the runtime');
  t.is((await kubectl(['delete', 'pod', 'keep', '--wait=true', '--timeout=30s'])).code, 0);
  await waitFor(async () => (await containers()).length === 0, 'its container removed with the pod', 30_000, 200);
});
