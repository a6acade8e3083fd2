// `kubus control-plane --store etcd:URL` in a real process on a real etcd: kubectl's objects are in
// etcd under upstream's key layout (resourceVersion = etcd's mod_revision), and survive a restart.
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ETCD_INSTALL_HINT, hasEtcd, startEtcd } from './helpers/etcd.ts';
import { natsServer } from './helpers/nats.ts';
import { KUBECTL, startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const etcdTest = hasEtcd() ? test : test.skip;
if (!hasEtcd()) console.warn(ETCD_INSTALL_HINT);

const kubectl = (home: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(KUBECTL, ['--cache-dir', join(home, 'kubectl-cache'), ...args], { env: { PATH: process.env.PATH, HOME: home } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

/** Starts an etcd, a nats-server and a KUBUS_HOME for this test; `controlPlane()` starts a control plane (apiserver, gateway) on them. */
async function onEtcd(t: ExecutionContext) {
  const etcd = await startEtcd(t);
  const nats = await natsServer(t);
  const home = mkdtempSync(join(tmpdir(), 'kubus-etcd-e2e-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const controlPlane = () =>
    startKubus(
      t,
      ['--nats', nats.url, 'control-plane', '--actors', 'apiserver,gateway', '--insecure-http', '--http-address', '127.0.0.1:0', '--store', `etcd:${etcd.endpoints[0]}`, '--log-level', 'warn'],
      { KUBUS_HOME: home },
    );
  return { etcd, home, controlPlane };
}

etcdTest('etcd store e2e - kubectl objects land in etcd as /registry/<resource>/<namespace>/<name> JSON and survive a control-plane restart', async (t) => {
  const { etcd, home, controlPlane } = await onEtcd(t);
  const cp = controlPlane();
  const [, url] = await cp.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/, 30_000);
  const created = await kubectl(home, ['--server', url, 'create', 'configmap', 'settings', '--from-literal=mode=etcd']);
  t.is(created.code, 0, created.stderr);

  const [key, value] = etcd.etcdctl('get', '--prefix', '/registry/configmaps/default/').trim().split('\n');
  t.is(key, '/registry/configmaps/default/settings');
  const stored = JSON.parse(value) as { kind: string; metadata: { name: string; namespace: string }; data: Record<string, string> };
  t.like(stored, { kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'etcd' } });
  // Cluster-scoped objects have no namespace segment.
  t.regex(etcd.etcdctl('get', '--keys-only', '--prefix', '/registry/namespaces/'), /^\/registry\/namespaces\/default$/m);

  const got = await kubectl(home, ['--server', url, 'get', 'configmap', 'settings', '-o', 'jsonpath={.metadata.resourceVersion}']);
  const etcdKv = JSON.parse(etcd.etcdctl('get', '/registry/configmaps/default/settings', '-w', 'json')) as { kvs: { mod_revision: number }[] };
  t.is(got.stdout, String(etcdKv.kvs[0].mod_revision));

  await cp.kill('SIGTERM');
  const again = controlPlane();
  const [, url2] = await again.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/, 30_000);
  const back = await waitFor(async () => {
    const r = await kubectl(home, ['--server', url2, 'get', 'configmap', 'settings', '-o', 'jsonpath={.data.mode}']);
    return r.code === 0 && r.stdout;
  }, 'the ConfigMap through the restarted control plane', 20_000, 100);
  t.is(back, 'etcd');
  await again.kill('SIGTERM');
});

etcdTest('etcd store e2e - two control planes on one etcd serve at once: a write through one is read through the other, and the survivor serves on after a kill -9; a foreign value hides nothing', async (t) => {
  t.timeout(180_000);
  const { etcd, home, controlPlane } = await onEtcd(t);
  const a = controlPlane();
  const [, urlA] = await a.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/, 30_000);
  const b = controlPlane();
  const [, urlB] = await b.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/, 30_000);
  for (let i = 0; i < 5; i++) {
    const created = await kubectl(home, ['--server', i % 2 ? urlB : urlA, 'create', 'configmap', `cm-${i}`, `--from-literal=i=${i}`]);
    t.is(created.code, 0, created.stderr);
    // A consistent get through the other gateway sees the write at once (whichever replica answers).
    const got = await kubectl(home, ['--server', i % 2 ? urlA : urlB, 'get', 'configmap', `cm-${i}`, '-o', 'jsonpath={.data.i}']);
    t.is(got.stdout, String(i), got.stderr);
  }
  etcd.etcdctl('put', '/registry/configmaps/default/foreign', 'not json {');
  await a.kill('SIGKILL');
  const after = await waitFor(async () => {
    const r = await kubectl(home, ['--server', urlB, 'create', 'configmap', 'after-kill', '--from-literal=i=after']);
    return r.code === 0 ? r : undefined;
  }, 'a write through the surviving control plane', 30_000, 200);
  t.is(after.code, 0);
  const list = await kubectl(home, ['--server', urlB, 'get', 'configmaps', '-o', 'jsonpath={.items[*].metadata.name}']);
  t.is(list.code, 0, list.stderr);
  t.deepEqual(list.stdout.split(' ').filter((n) => n.startsWith('cm-') || n === 'after-kill').sort(), ['after-kill', 'cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4']);
  t.regex(b.output(), /\/registry\/configmaps\/default\/foreign.*not JSON/);
  await b.kill('SIGTERM');
});
