// httpGet and tcpSocket probes against a pod's IP, as upstream's kubelet prober runs them
// (pkg/probe/http, pkg/probe/tcp): for runtimes with real networks (containerd), whose pods the
// kubelet reaches itself. Outputs are upstream's texts, since they end up in the Unhealthy events.
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { ProbeHandler, ProbeOutcome } from './runtimes/runtime.ts';

/** The User-Agent upstream's prober sends (kube-probe/<major>.<minor>). */
export const PROBE_USER_AGENT = 'kube-probe/1.32';

/** Upstream reads at most this much of a probe's response body. */
const MAX_BODY = 10 * 1024;

/** Returns a Go-style dial error text: `dial tcp 10.0.0.5:80: connect: connection refused`. */
function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const why: Record<string, string> = { ECONNREFUSED: 'connect: connection refused', EHOSTUNREACH: 'connect: no route to host', ETIMEDOUT: 'i/o timeout', ENETUNREACH: 'connect: network is unreachable' };
  return `dial tcp ${host.includes(':') ? `[${host}]` : host}:${port}: ${why[err.code ?? ''] ?? err.message}`;
}

/** Resolves a probe's port: a number, or a named port of the container. */
export function probePort(port: number | string, named: Record<string, number>): number | string {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return named[port] ?? `port "${port}" not found`;
}

/** Runs an httpGet probe: success for a status in [200, 400). */
export function httpProbe(h: NonNullable<ProbeHandler['httpGet']> & { httpHeaders?: Array<{ name: string; value: string }> }, podIP: string, named: Record<string, number>, timeoutMs: number): Promise<ProbeOutcome> {
  const port = probePort(h.port, named);
  if (typeof port === 'string') return Promise.resolve({ result: 'failure', output: port });
  const host = h.host || podIP;
  const scheme = (h.scheme ?? 'HTTP').toLowerCase();
  const path = h.path ? (h.path.startsWith('/') ? h.path : `/${h.path}`) : '/';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  return new Promise((resolve) => {
    // The probe's own headers win over the defaults (a Host header included), as upstream.
    const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
    for (const { name, value } of h.httpHeaders ?? []) headers[name] = value;
    const opts = { method: 'GET', timeout: timeoutMs, headers, rejectUnauthorized: false };
    const req = (scheme === 'https' ? httpsRequest : request)(url, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk.slice(0, MAX_BODY - body.length);
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 400) resolve({ result: 'success', output: body });
        else resolve({ result: 'failure', output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (err) => resolve({ result: 'failure', output: `Get "${url}": ${err.message}` }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ result: 'failure', output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ result: 'failure', output: `Get "${url}": ${dialError(host, port, err)}` }));
    req.end();
  });
}

/** Runs a tcpSocket probe: success once a connection opens. */
export function tcpProbe(h: NonNullable<ProbeHandler['tcpSocket']>, podIP: string, named: Record<string, number>, timeoutMs: number): Promise<ProbeOutcome> {
  const port = probePort(h.port, named);
  if (typeof port === 'string') return Promise.resolve({ result: 'failure', output: port });
  const host = h.host || podIP;
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    sock.once('connect', () => {
      sock.destroy();
      resolve({ result: 'success', output: '' });
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve({ result: 'failure', output: `dial tcp ${host}:${port}: i/o timeout` });
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve({ result: 'failure', output: dialError(host, port, err) }));
  });
}
