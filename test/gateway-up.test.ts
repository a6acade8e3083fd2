// The gateway in real processes, secure by default: `kubus up` serves HTTPS with the kubus CA and writes
// an admin kubeconfig with everything embedded (never ~/.kube), `kubus kubeconfig` prints one, and
// `kubus control-plane --actors ...,gateway` serves HTTPS too; plain HTTP only behind --insecure-http,
// on loopback only.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { natsServer } from './helpers/nats.ts';
import { KUBECTL, runKubus, startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const tempDir = (t: { teardown(fn: () => void): void }) => {
  const d = mkdtempSync(join(tmpdir(), 'kubus-gw-up-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

const kubectl = (home: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(KUBECTL, ['--cache-dir', join(home, 'kubectl-cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

/** A GET over HTTPS trusting `ca` and presenting no client certificate: its status code. */
const anonymousGet = (url: string, ca: string) =>
  new Promise<number>((resolve, reject) => request(url, { ca }, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject).end());

const b64 = (s: string) => Buffer.from(s, 'base64').toString();

test('gateway up - kubus up serves HTTPS by default; its kubeconfig (CA, admin certificate and key embedded) is all kubectl needs', async (t) => {
  const home = tempDir(t);
  // HOME is the temp dir as well: nothing may appear under its .kube.
  const env = { KUBUS_HOME: home, HOME: home };
  const up = startKubus(t, ['up', '--memory', '--port', '0', '--nodes', '1', '--log-level', 'warn'], env);
  const [, url] = await up.waitFor(/Kubernetes API at (https:\/\/127\.0\.0\.1:\d+);/, 60_000);
  const [, path] = await up.waitFor(/^export KUBECONFIG=(\S+)$/m);
  t.is(path, join(home, 'kubeconfig'));
  t.true(existsSync(join(home, 'cluster.json')));
  const config = parse(readFileSync(path, 'utf8'));
  t.is(config['current-context'], 'kubus');
  const cluster = config.clusters[0].cluster;
  t.is(cluster.server, url);
  t.is(cluster['insecure-skip-tls-verify'], undefined);
  const ca = b64(cluster['certificate-authority-data']);
  t.is(ca, readFileSync(join(home, 'pki', 'ca.crt'), 'utf8'));
  const user = config.users[0].user;
  t.regex(b64(user['client-certificate-data']), /^-----BEGIN CERTIFICATE-----/);
  t.regex(b64(user['client-key-data']), /^-----BEGIN PRIVATE KEY-----/);
  // `kubus kubeconfig` issues another admin certificate for the same server and CA.
  const printed = parse((await runKubus(['kubeconfig'], { env })).stdout);
  t.deepEqual(printed.clusters, config.clusters);
  t.not(printed.users[0].user['client-certificate-data'], user['client-certificate-data']);
  await waitFor(async () => /^node-0\s/m.test((await kubectl(home, ['--kubeconfig', path, 'get', 'nodes'])).stdout), 'node-0 through kubectl', 20_000, 100);
  t.is(await anonymousGet(`${url}/api/v1/namespaces`, ca), 401, 'no credentials: 401');
  t.is((await fetch(url.replace('https:', 'http:') + '/version').catch(() => undefined))?.status, undefined, 'no plain-HTTP answer');
  t.false(existsSync(join(home, '.kube')), '~/.kube is never touched');
  up.child.kill('SIGINT');
  await up.waitFor(/stopped\./, 20_000);
  t.is(await up.exited, 0);
  t.false(existsSync(path), 'the kubeconfig goes with the cluster');
});

test('gateway up - kubus up --insecure-http: plain HTTP on 127.0.0.1, every caller the admin; the bus stays locked', async (t) => {
  const home = tempDir(t);
  const env = { KUBUS_HOME: home, HOME: home };
  const up = startKubus(t, ['up', '--insecure-http', '--memory', '--port', '0', '--nodes', '0'], env);
  const [, url] = await up.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/, 60_000);
  await up.waitFor(/plain HTTP without authentication/);
  const [, path] = await up.waitFor(/^export KUBECONFIG=(\S+)$/m);
  t.regex(readFileSync(path, 'utf8'), /insecure-skip-tls-verify: true/);
  t.regex((await kubectl(home, ['--kubeconfig', path, 'get', 'namespaces', '-o', 'name'])).stdout, /^namespace\/default$/m);
  t.is((await fetch(`${url}/api/v1/namespaces`)).status, 200);
  // --insecure-http opens the gateway only: the bus is locked all the same (its TLS is why the CA exists).
  t.true(existsSync(join(home, 'bus', 'admin.creds')));
  const user = await runKubus(['kubeconfig', '--user', 'vera'], { env });
  t.is(user.code, 1);
  t.regex(user.stderr, /plain HTTP \(--insecure-http\), where every caller is the admin/);
  up.child.kill('SIGINT');
  t.is(await up.exited, 0);
});

test('gateway up - kubus up/control-plane: --insecure-http refused off loopback and beside --https', async (t) => {
  const home = tempDir(t);
  const env = { env: { KUBUS_HOME: home } };
  const wide = await runKubus(['--nats', 'nats://127.0.0.1:1', 'control-plane', '--actors', 'gateway', '--insecure-http', '--http-address', '0.0.0.0:0'], env);
  t.is(wide.code, 1);
  t.regex(wide.stderr, /--insecure-http serves a loopback address only \(127\.0\.0\.1, ::1, localhost\), not 0\.0\.0\.0:0/);
  const both = await runKubus(['up', '--https', '--insecure-http', '--memory'], env);
  t.is(both.code, 1);
  t.regex(both.stderr, /--https and --insecure-http contradict each other/);
  const help = await runKubus(['up', '--help']);
  t.regex(help.stdout, /--insecure-http\s+serve the gateway as plain HTTP/);
  t.regex(help.stdout, /--https\s+HTTPS is the default/);
});

test('gateway up - kubus control-plane --actors apiserver,gateway serves HTTPS: 401 without credentials, kubectl with `kubus kubeconfig --server`', async (t) => {
  const nats = await natsServer(t);
  const home = tempDir(t);
  const env = { KUBUS_HOME: home };
  const cp = startKubus(t, ['--nats', nats.url, 'control-plane', '--actors', 'apiserver,gateway', '--http-address', '127.0.0.1:0', '--log-level', 'warn'], env);
  const [, url] = await cp.waitFor(/Kubernetes API at (https:\/\/127\.0\.0\.1:\d+);/, 60_000);
  await cp.waitFor(/bin\/kubus kubeconfig --server https:/);
  t.is(await anonymousGet(`${url}/version`, readFileSync(join(home, 'pki', 'ca.crt'), 'utf8')), 401);
  const printed = await runKubus(['kubeconfig', '--server', url], { env });
  t.is(printed.code, 0, printed.stderr);
  const config = join(home, 'admin.kubeconfig');
  writeFileSync(config, printed.stdout);
  t.regex((await kubectl(home, ['--kubeconfig', config, 'get', 'namespaces', '-o', 'name'])).stdout, /^namespace\/default$/m);
  const bad = await runKubus(['--nats', nats.url, 'control-plane', '--actors', 'gateway', '--http-address', url.replace('https://', '')], { env });
  t.is(bad.code, 1);
  t.regex(bad.stderr, /the HTTP gateway could not listen on 127\.0\.0\.1:\d+: listen EADDRINUSE/);
  await cp.kill('SIGTERM');
});

test('gateway up - kubus control-plane --insecure-http on loopback serves plain HTTP (kubectl --server)', async (t) => {
  const nats = await natsServer(t);
  const home = tempDir(t);
  const cp = startKubus(t, ['--nats', nats.url, 'control-plane', '--actors', 'apiserver,gateway', '--insecure-http', '--http-address', '127.0.0.1:0', '--log-level', 'warn'], { KUBUS_HOME: home });
  const [, url] = await cp.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/, 60_000);
  const version = (await (await fetch(`${url}/version`)).json()) as { gitVersion: string };
  t.regex(version.gitVersion, /kubus/);
  t.regex((await kubectl(home, ['--server', url, 'get', 'namespaces', '-o', 'name'])).stdout, /^namespace\/default$/m);
  await cp.kill('SIGTERM');
});
