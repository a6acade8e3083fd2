// The dashboard's address as `kubus up` prints it. A browser has no client certificate, so on an HTTPS
// gateway the URL carries a bearer token in its fragment (never sent to the server; the page moves it to
// sessionStorage): a token of the ServiceAccount kube-system/kubus-dashboard, bound to cluster-admin,
// minted through the gateway's own API with the admin's certificate, as `kubectl create token` would.
import { request } from 'node:https';
import type { KubeconfigCredentials } from './kubeconfig.ts';

/** The dashboard's ServiceAccount (namespace kube-system) and ClusterRoleBinding name. */
export const DASHBOARD_ACCOUNT = 'kubus-dashboard';
/** How long a printed dashboard token lasts: a day (mint a new one with `kubectl create token`). */
export const DASHBOARD_TOKEN_SECONDS = 86_400;
/** How long making the token may take in all, so a gateway that does not answer does not hold up `kubus up`. */
export const DASHBOARD_TOKEN_TIMEOUT_MS = 10_000;

/** Thrown when the gateway refuses a step of making the dashboard's token. */
export class DashboardTokenError extends Error {
  override name = 'DashboardTokenError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Sends one JSON request to the gateway as the admin; resolves with the answer's code and body. */
function call(gatewayUrl: string, creds: KubeconfigCredentials, method: string, path: string, body: unknown, signal: AbortSignal): Promise<{ code: number; body: Record<string, unknown> }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, gatewayUrl), { method, signal, ca: creds.ca, cert: creds.cert, key: creds.key, headers: { 'Content-Type': 'application/json', 'Content-Length': data.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ code: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown> });
        } catch (err) {
          reject(err as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('error', (err) => reject(signal.aborted ? new DashboardTokenError(504, `${method} ${path}: the gateway did not answer in time; mint one with kubectl create token ${DASHBOARD_ACCOUNT} -n kube-system`) : err));
    req.end(data);
  });
}

/** Creates `body` at `path` unless it exists (409 is fine), else throws. */
async function ensure(gatewayUrl: string, creds: KubeconfigCredentials, path: string, body: unknown, signal: AbortSignal): Promise<void> {
  const r = await call(gatewayUrl, creds, 'POST', path, body, signal);
  if (r.code !== 201 && r.code !== 200 && r.code !== 409) throw new DashboardTokenError(r.code, `POST ${path}: ${String(r.body.message ?? r.code)}`);
}

/** Returns a bearer token for the dashboard: its ServiceAccount and cluster-admin binding made if missing, then a TokenRequest; throws DashboardTokenError (504) past `timeoutMs`. */
export async function dashboardToken(gatewayUrl: string, creds: KubeconfigCredentials, seconds = DASHBOARD_TOKEN_SECONDS, timeoutMs = DASHBOARD_TOKEN_TIMEOUT_MS): Promise<string> {
  const ns = 'kube-system';
  const signal = AbortSignal.timeout(timeoutMs);
  await ensure(gatewayUrl, creds, `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DASHBOARD_ACCOUNT, namespace: ns } }, signal);
  await ensure(gatewayUrl, creds, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: DASHBOARD_ACCOUNT },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: DASHBOARD_ACCOUNT, namespace: ns }],
  }, signal);
  const path = `/api/v1/namespaces/${ns}/serviceaccounts/${DASHBOARD_ACCOUNT}/token`;
  const r = await call(gatewayUrl, creds, 'POST', path, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: seconds } }, signal);
  const token = (r.body.status as { token?: string } | undefined)?.token;
  if (r.code !== 201 || !token) throw new DashboardTokenError(r.code, `POST ${path}: ${String(r.body.message ?? 'no token in the answer')}`);
  return token;
}

/** Returns the dashboard's URL: with a fresh token in its fragment on an HTTPS gateway (`creds` given), plain on an insecure one. */
export async function dashboardUrl(gatewayUrl: string, creds?: KubeconfigCredentials, timeoutMs = DASHBOARD_TOKEN_TIMEOUT_MS): Promise<string> {
  const base = `${gatewayUrl}/ui/`;
  return creds ? `${base}#token=${encodeURIComponent(await dashboardToken(gatewayUrl, creds, DASHBOARD_TOKEN_SECONDS, timeoutMs))}` : base;
}
