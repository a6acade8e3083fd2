// The node's own resolv.conf (the kubelet's --resolv-conf), read once at start as upstream's
// kubelet does: the base of dnsPolicy Default pods and the tail of ClusterFirst search paths.
import { readFileSync } from 'node:fs';
import type { Logger } from '../../bus/types.ts';
import { parseResolvConf, type CriDnsConfig } from './dns-config.ts';

/** Returns the parsed file, or undefined for '' (no host DNS) or a file that cannot be read (logged). */
export function readHostResolvConf(path: string, log: Logger): CriDnsConfig | undefined {
  if (!path) return undefined;
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch (err) {
    log.warn({ path, err: (err as Error).message }, 'cannot read the host resolv.conf; pods with dnsPolicy Default get the local resolver');
    return undefined;
  }
}
