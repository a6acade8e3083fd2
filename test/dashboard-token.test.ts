// The dashboard's token as `kubus up` mints it: a gateway that accepts the connection but never answers
// does not hold `kubus up` (and its cluster info) for ever: the token fails with a 504 saying what to do.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardTokenError, dashboardToken, dashboardUrl } from '../runtime/dashboard.ts';
import { ensureCA, gatewayTls, issue } from '../runtime/pki.ts';

test('dashboard token - a gateway that never answers fails the token in time, and so does dashboardUrl (kubus up then prints the bare URL)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-dash-token-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ca = ensureCA(dir);
  const tls = gatewayTls(ca);
  const held: Array<{ destroy(): void }> = [];
  const server = createServer({ cert: tls.cert, key: tls.key, ca: tls.ca }, (req) => held.push(req.socket)); // never answers
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    held.forEach((s) => s.destroy());
    server.close();
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const creds = { ca: ca.cert, ...issue(ca, { cn: 'kubus-admin', orgs: ['system:masters'], usage: 'client' }) };
  const started = Date.now();
  const err = await t.throwsAsync(dashboardToken(url, creds, 60, 500));
  t.true(err instanceof DashboardTokenError, String(err));
  t.is((err as DashboardTokenError).code, 504);
  t.regex(err!.message, /did not answer in time; mint one with kubectl create token kubus-dashboard/);
  t.true(Date.now() - started < 8_000, `${Date.now() - started} ms`);
  await t.throwsAsync(dashboardUrl(url, creds, 500), { instanceOf: DashboardTokenError });
});
