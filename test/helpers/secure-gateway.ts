// An API server and the gateway over HTTPS with a fresh kubus CA in a temp dir, with kubeconfigs
// (client certificates) for any user, kubectl, and a GET that trusts the CA.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { Auditor } from '../../api/audit-event.ts';
import { gatewayActor } from '../../actors/gateway/gateway.actor.ts';
import type { ClusterLogSource } from '../../actors/gateway/ui-logs.ts';
import { kubeconfigFor } from '../../runtime/kubeconfig.ts';
import { ensureCA, gatewayTls, issue, type KeyPair } from '../../runtime/pki.ts';
import { startApi } from './api.ts';
import { KUBECTL } from './proc.ts';

/** An API server and an HTTPS gateway (auditing into `opts.audit` when given) with a fresh CA; `kubeconfig(user, groups)` writes one with a client certificate. */
export async function secureGateway(t: ExecutionContext, opts: { audit?: Auditor; clusterLogs?: ClusterLogSource } = {}) {
  const env = await startApi(t);
  const dir = mkdtempSync(join(tmpdir(), 'kubus-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ca = ensureCA(join(dir, 'pki'));
  const gw = env.process('gateway').start(gatewayActor, 'gateway', { address: '127.0.0.1:0', tls: gatewayTls(ca, '127.0.0.1'), audit: opts.audit, clusterLogs: opts.clusterLogs });
  await gw.waitFor((s) => s.matches('listening') || s.status === 'done');
  const url = gw.snapshot()?.context.url as string;
  const kubeconfig = (user: string, groups: string[] = []) => {
    const path = join(dir, `${user}.kubeconfig`);
    writeFileSync(path, kubeconfigFor(url, { ca: ca.cert, ...issue(ca, { cn: user, orgs: groups, usage: 'client' }) }));
    return path;
  };
  const kubectl = (config: string, args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(KUBECTL, ['--kubeconfig', config, '--cache-dir', join(dir, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: dir }, timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
  /** A GET over HTTPS that trusts the CA, with optional headers and client certificate. */
  const get = (path: string, opts: { headers?: Record<string, string>; client?: KeyPair } = {}) =>
    new Promise<{ code: number; body: any }>((resolve, reject) => {
      const req = request(url + path, { ca: ca.cert, headers: opts.headers, ...opts.client }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ code: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject).end();
    });
  return { env, dir, ca, url, kubeconfig, kubectl, get };
}
