// The kubeconfig of a running cluster: context `kubus`, the gateway's plain-HTTP URL, no auth
// (TLS and credentials come with security). Written next to cluster.json; ~/.kube is never touched.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { kubusHome } from './connection.ts';

/** Returns where `kubus up` writes its kubeconfig. */
export const kubeconfigPath = () => join(kubusHome(), 'kubeconfig');

/** Returns the kubeconfig text for a gateway URL. */
export function kubeconfigFor(server: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // Plain HTTP, so nothing to verify; saying so lets @kubernetes/client-node connect (it refuses http otherwise).
    clusters: [{ name: 'kubus', cluster: { server, ...(server.startsWith('http:') ? { 'insecure-skip-tls-verify': true } : {}) } }],
    users: [{ name: 'kubus', user: {} }],
    contexts: [{ name: 'kubus', context: { cluster: 'kubus', user: 'kubus', namespace: 'default' } }],
    'current-context': 'kubus',
    preferences: {},
  });
}

/** Writes the kubeconfig for a gateway URL to `path` (default: next to cluster.json); returns the path. */
export function writeKubeconfig(server: string, path = kubeconfigPath()): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, kubeconfigFor(server), { mode: 0o600 });
  return path;
}
