// Reads the kubus CA certificate without making one (for components that only publish it).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pkiDir } from './pki.ts';

/**
 * Returns the kubus CA certificate (PEM) under KUBUS_HOME, or "" when there is none (a cluster
 * without one, e.g. simulations: kube-root-ca.crt then holds an empty ca.crt).
 */
export function localCaCert(dir = pkiDir()): string {
  const path = join(dir, 'ca.crt');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
