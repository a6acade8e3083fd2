// The gateway's serving certificate names only loopback names and the address it was given (for every
// interface: the host's IPv4 it advertises); plain HTTP is served on loopback only.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayActor } from '../actors/gateway/gateway.actor.ts';
import { isLoopbackHost } from '../actors/gateway/server.ts';
import { hostIPv4 } from '../actors/lib/host-address.ts';
import { ensureCA, gatewaySans, gatewayTls } from '../runtime/pki.ts';
import { startApi } from './helpers/api.ts';

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

const cases: Array<[string | undefined, string[]]> = [
  [undefined, LOOPBACK],
  ['127.0.0.1', LOOPBACK],
  ['10.1.2.3', [...LOOPBACK, '10.1.2.3']],
  ['[fd00::5]', [...LOOPBACK, 'fd00::5']],
  ['gw.example', [...LOOPBACK, 'gw.example']],
  ['0.0.0.0', [...new Set([...LOOPBACK, hostIPv4()])]],
  ['::', [...new Set([...LOOPBACK, hostIPv4()])]],
];
for (const [host, sans] of cases)
  test(`gateway up certs - names for listen host ${host ?? '(none)'}`, (t) => {
    t.deepEqual(gatewaySans(host), sans);
  });

test('gateway up certs - the issued serving certificate holds exactly those names, for server auth only', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-sans-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tls = gatewayTls(ensureCA(join(dir, 'pki')), '10.1.2.3');
  const cert = new X509Certificate(tls.cert);
  t.is(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.1.2.3');
  t.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  t.true(cert.checkIssued(new X509Certificate(tls.ca)));
});

test('gateway up certs - loopback hosts', (t) => {
  for (const h of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1']) t.true(isLoopbackHost(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '127.0.0.1.example.com', '']) t.false(isLoopbackHost(h), h);
});

test('gateway up certs - the gateway actor refuses plain HTTP on a non-loopback address', async (t) => {
  const env = await startApi(t);
  const gw = env.process('gateway').start(gatewayActor, 'gateway', { address: '0.0.0.0:0' });
  await gw.waitFor((s) => s.matches('listening') || s.status === 'done');
  const ctx = gw.snapshot()?.context as { url?: string; error?: string };
  t.is(ctx.url, undefined);
  t.regex(String(ctx.error), /plain HTTP \(no authentication\) is served on a loopback address only/);
});
