// `kubus up --https` in real processes: the kubus CA made once under KUBUS_HOME (key 0600), the gateway
// over HTTPS, the written kubeconfig enough for kubectl, `kubus kubeconfig --user --group` issuing others;
// `kubus control-plane --https` the same for its gateway.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { parse } from 'yaml';
import { kubeconfigFor } from '../runtime/kubeconfig.ts';
import { ADMIN, ensureCA, issue } from '../runtime/pki.ts';
import { natsServer } from './helpers/nats.ts';
import { KUBECTL, runKubus, startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const kubectl = (home: string, config: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(KUBECTL, ['--kubeconfig', config, '--cache-dir', join(home, 'kubectl-cache'), ...args], { env: { PATH: process.env.PATH, HOME: home } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })));

test('gateway tls up - kubus up --https: kubectl through the written kubeconfig; kubus kubeconfig --user issues a user RBAC then limits', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-tls-up-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const env = { KUBUS_HOME: home, HOME: home };
  const up = startKubus(t, ['up', '--https', '--memory', '--port', '0', '--nodes', '1', '--log-level', 'warn'], env);
  const [, url] = await up.waitFor(/Kubernetes API at (https:\/\/127\.0\.0\.1:\d+);/);
  const [, path] = await up.waitFor(/^export KUBECONFIG=(\S+)$/m);
  t.is(statSync(join(home, 'pki', 'ca.key')).mode & 0o777, 0o600);
  const user = parse(readFileSync(path, 'utf8')).users[0].user;
  t.regex(Buffer.from(user['client-certificate-data'], 'base64').toString(), /^-----BEGIN CERTIFICATE-----/);
  await waitFor(async () => /^node-0\s/m.test((await kubectl(home, path, ['get', 'nodes'])).stdout), 'node-0 through kubectl over HTTPS', 20_000, 100);
  t.is((await fetch(`${url}/version`).catch(() => undefined))?.status, undefined, 'no answer without trusting the CA');

  const vera = await runKubus(['kubeconfig', '--user', 'vera', '--group', 'readers'], { env });
  t.is(vera.code, 0, vera.stderr);
  const veraPath = join(home, 'vera.kubeconfig');
  writeFileSync(veraPath, vera.stdout);
  const denied = await kubectl(home, veraPath, ['get', 'configmaps']);
  t.is(denied.code, 1);
  t.regex(denied.stderr, /configmaps is forbidden: User "vera" cannot list resource "configmaps" in API group "" in the namespace "default"/);
  t.is((await kubectl(home, path, ['create', 'rolebinding', 'readers', '--clusterrole=view', '--group=readers'])).code, 0);
  await waitFor(async () => (await kubectl(home, veraPath, ['get', 'configmaps'])).code === 0, 'vera reads through her group', 10_000, 100);
  up.child.kill('SIGINT');
  await up.waitFor(/stopped\./, 20_000);
  t.is(await up.exited, 0);
});

test('gateway tls up - kubus control-plane --https: its gateway answers 401 without credentials, kubectl with an issued admin certificate', async (t) => {
  const nats = await natsServer(t);
  const home = mkdtempSync(join(tmpdir(), 'kubus-tls-cp-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const cp = startKubus(t, ['--nats', nats.url, 'control-plane', '--actors', 'apiserver,gateway', '--http-address', '127.0.0.1:0', '--https', '--log-level', 'warn'], { KUBUS_HOME: home });
  const [, url] = await cp.waitFor(/Kubernetes API at (https:\/\/127\.0\.0\.1:\d+);/);
  const ca = ensureCA(join(home, 'pki'), false);
  const code = await new Promise<number>((resolve, reject) => request(`${url}/api/v1/namespaces`, { ca: ca.cert }, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject).end());
  t.is(code, 401);
  const config = join(home, 'admin.kubeconfig');
  writeFileSync(config, kubeconfigFor(url, { ca: ca.cert, ...issue(ca, { ...ADMIN, usage: 'client' }) }));
  t.regex((await kubectl(home, config, ['get', 'namespaces', '-o', 'name'])).stdout, /^namespace\/default$/m);
  await cp.kill('SIGTERM');
});
