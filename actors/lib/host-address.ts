// The host's own address, for servers that listen on every interface but must say where they are.
import { networkInterfaces } from 'node:os';

/** Returns the host's first non-loopback IPv4 address, else 127.0.0.1. */
export function hostIPv4(): string {
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}
