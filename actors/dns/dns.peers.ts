// Several dns actors may serve one cluster. Each keeps a Lease of its own in kube-system
// (labelled k8s-app=kube-dns, holder = its IP:PORT), and the kube-dns Endpoints list every
// server whose Lease is live: upstream's lease endpoint reconciler, which keeps the `kubernetes`
// Service's Endpoints for several API servers the same way.
import type { Lease } from '../../api/kinds/lease.ts';
import { rfc3339Micro } from '../../api/names.ts';
import { isNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { DNS_NAMESPACE, DNS_SERVICE, type DnsBackend } from './dns.addon.ts';

/** The label selecting the servers' Leases. */
export const PEER_SELECTOR = 'k8s-app=kube-dns';

/** Returns the name of a server's Lease (stable for an address, so a restarted server takes its own back). */
export const peerLeaseName = (b: DnsBackend) => `${DNS_SERVICE}-${b.ip.replace(/[.:]/g, '-')}-${b.port}`;

/** Returns a server's address from its Lease's holder (`IP:PORT`, `[v6]:PORT`), or undefined. */
export function peerOf(lease: Lease): DnsBackend | undefined {
  const holder = lease.spec?.holderIdentity ?? '';
  const i = holder.lastIndexOf(':');
  const port = Number(holder.slice(i + 1));
  const ip = holder.slice(0, i).replace(/^\[|\]$/g, '');
  return i > 0 && ip && Number.isInteger(port) && port > 0 ? { ip, port } : undefined;
}

/** Returns the servers whose Leases are live at `now`, sorted, and the Leases that ran out. Pure. */
export function livePeers(leases: Lease[], now: number): { live: DnsBackend[]; expired: Lease[] } {
  const live: DnsBackend[] = [];
  const expired: Lease[] = [];
  for (const l of leases) {
    const peer = peerOf(l);
    const renewed = Date.parse(l.spec?.renewTime ?? '');
    const until = renewed + (l.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (peer && until > now) live.push(peer);
    else expired.push(l);
  }
  live.sort((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port);
  return { live, expired };
}

/** Creates or renews this server's Lease. */
export async function renewPeer(client: ApiClient, self: DnsBackend, now: number, durationS: number): Promise<void> {
  const name = peerLeaseName(self);
  const spec = { holderIdentity: self.ip.includes(':') ? `[${self.ip}]:${self.port}` : `${self.ip}:${self.port}`, leaseDurationSeconds: durationS, renewTime: rfc3339Micro(now) };
  const cur = await client.get<Lease>('leases', name, { namespace: DNS_NAMESPACE }).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  if (cur) await client.update('leases', { ...cur, spec: { ...cur.spec, ...spec } });
  else
    await client.create('leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: DNS_NAMESPACE, labels: { 'k8s-app': 'kube-dns' } },
      spec: { ...spec, acquireTime: spec.renewTime },
    });
}

/** Returns the servers with live Leases (this one included) after deleting the Leases that ran out. */
export async function peers(client: ApiClient, self: DnsBackend, now: number): Promise<DnsBackend[]> {
  const list = await client.list<Lease>('leases', { namespace: DNS_NAMESPACE, labelSelector: PEER_SELECTOR });
  const { live, expired } = livePeers(list.items, now);
  for (const l of expired)
    await client.delete('leases', l.metadata.name!, { namespace: DNS_NAMESPACE }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  if (!live.some((p) => p.ip === self.ip && p.port === self.port)) live.push(self);
  return live;
}

/** Deletes this server's Lease (when it stops: the others drop it from the Endpoints at once). */
export async function dropPeer(client: ApiClient, self: DnsBackend): Promise<void> {
  await client.delete('leases', peerLeaseName(self), { namespace: DNS_NAMESPACE }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
}
