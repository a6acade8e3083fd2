// The gateway in real processes: `kubus up` serves it and writes a kubeconfig (never ~/.kube),
// `kubus kubeconfig` prints it, and `kubus control-plane --actors ...,gateway --http-address`.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsServer } from './helpers/nats.ts';
import { KUBECTL } from './helpers/gateway.ts';
import { runKubus, startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const tempDir = (t: { teardown(fn: () => void): void }) => {
  const d = mkdtempSync(join(tmpdir(), 'kubus-gw-up-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

const kubectl = (home: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(KUBECTL, ['--cache-dir', join(home, 'kubectl-cache'), ...args], { env: { PATH: process.env.PATH, HOME: home } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

test('gateway up - kubus up writes a kubeconfig next to cluster.json and prints export KUBECONFIG; kubectl reaches the cluster', async (t) => {
  const home = tempDir(t);
  // HOME is the temp dir as well: nothing may appear under its .kube.
  const env = { KUBUS_HOME: home, HOME: home };
  const up = startKubus(t, ['up', '--memory', '--port', '0', '--nodes', '1', '--log-level', 'warn'], env);
  const [, url] = await up.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/);
  const [, path] = await up.waitFor(/^export KUBECONFIG=(\S+)$/m);
  t.is(path, join(home, 'kubeconfig'));
  t.true(existsSync(join(home, 'cluster.json')));
  const config = readFileSync(path, 'utf8');
  t.regex(config, new RegExp(`server: ${url}\\n`));
  t.regex(config, /current-context: kubus/);
  const printed = await runKubus(['kubeconfig'], { env });
  t.is(printed.stdout, config);
  await waitFor(async () => /^node-0\s/m.test((await kubectl(home, ['--kubeconfig', path, 'get', 'nodes'])).stdout), 'node-0 through kubectl', 20_000, 100);
  t.false(existsSync(join(home, '.kube')), '~/.kube is never touched');
  up.child.kill('SIGINT');
  await up.waitFor(/stopped\./, 20_000);
  t.is(await up.exited, 0);
  t.false(existsSync(path), 'the kubeconfig goes with the cluster');
});

test('gateway up - kubus control-plane --actors apiserver,gateway --http-address serves the API there', async (t) => {
  const nats = await natsServer(t);
  const home = tempDir(t);
  const cp = startKubus(t, ['--nats', nats.url, 'control-plane', '--actors', 'apiserver,gateway', '--http-address', '127.0.0.1:0', '--log-level', 'warn'], { KUBUS_HOME: home });
  const [, url] = await cp.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/);
  const version = (await (await fetch(`${url}/version`)).json()) as { gitVersion: string };
  t.regex(version.gitVersion, /kubus/);
  const ns = await kubectl(home, ['--server', url, 'get', 'namespaces', '-o', 'name']);
  t.regex(ns.stdout, /^namespace\/default$/m);
  const bad = await runKubus(['--nats', nats.url, 'control-plane', '--actors', 'gateway', '--http-address', url.replace('http://', '')], { env: { KUBUS_HOME: home } });
  t.is(bad.code, 1);
  t.regex(bad.stderr, /the HTTP gateway could not listen on 127\.0\.0\.1:\d+: listen EADDRINUSE/);
  await cp.kill('SIGTERM');
});
