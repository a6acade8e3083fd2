// The kubeconfig of a running cluster: context `kubus`, the gateway's URL and, over HTTPS, the kubus
// CA and a client certificate embedded (the -data fields: the file alone is enough). Written next to
// cluster.json; ~/.kube is never touched.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { kubusHome } from './connection.ts';

/** Returns where `kubus up` writes its kubeconfig. */
export const kubeconfigPath = () => join(kubusHome(), 'kubeconfig');

/** PEMs a kubeconfig embeds: the CA that signed the gateway's certificate, and the user's client certificate and key. */
export interface KubeconfigCredentials {
  ca: string;
  cert: string;
  key: string;
}

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

/** Returns the kubeconfig text for a gateway URL (with `creds` for an HTTPS one). */
export function kubeconfigFor(server: string, creds?: KubeconfigCredentials): string {
  // Plain HTTP has nothing to verify; saying so lets @kubernetes/client-node connect (it refuses http otherwise).
  const tls = creds ? { 'certificate-authority-data': b64(creds.ca) } : server.startsWith('http:') ? { 'insecure-skip-tls-verify': true } : {};
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubus', cluster: { server, ...tls } }],
    users: [{ name: 'kubus', user: creds ? { 'client-certificate-data': b64(creds.cert), 'client-key-data': b64(creds.key) } : {} }],
    contexts: [{ name: 'kubus', context: { cluster: 'kubus', user: 'kubus', namespace: 'default' } }],
    'current-context': 'kubus',
    preferences: {},
  });
}

/** Writes the kubeconfig for a gateway URL to `path` (default: next to cluster.json); returns the path. */
export function writeKubeconfig(server: string, path = kubeconfigPath(), creds?: KubeconfigCredentials): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, kubeconfigFor(server, creds), { mode: 0o600 });
  return path;
}
