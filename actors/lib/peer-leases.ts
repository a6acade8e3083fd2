// Servers that announce themselves through Leases (upstream's lease endpoint reconciler): each
// keeps a Lease of its own in a namespace, labelled for its kind, holder = its IP:PORT, renewed
// periodically; the live Leases say which servers to list in a Service's endpoints. Used by the
// cluster DNS (kube-dns) and the HTTP gateway (the `kubernetes` Service).
import type { Lease } from '../../api/kinds/lease.ts';
import { rfc3339Micro } from '../../api/names.ts';
import { isNotFound, unlessNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';

/** One server: the address others reach it at, and its port. */
export interface Peer {
  ip: string;
  port: number;
}

/** Where a kind of server keeps its Leases: namespace, name prefix, and the one label that selects them. */
export interface PeerGroup {
  namespace: string;
  prefix: string;
  label: [string, string];
}

/** Returns the name of a server's Lease (stable for an address, so a restarted server takes its own back). */
export const peerLeaseName = (g: PeerGroup, p: Peer) => `${g.prefix}-${p.ip.replace(/[.:]/g, '-')}-${p.port}`;

/** Returns a server's address from its Lease's holder (`IP:PORT`, `[v6]:PORT`), or undefined. */
export function peerOf(lease: Lease): Peer | undefined {
  const holder = lease.spec?.holderIdentity ?? '';
  const i = holder.lastIndexOf(':');
  const port = Number(holder.slice(i + 1));
  const ip = holder.slice(0, i).replace(/^\[|\]$/g, '');
  return i > 0 && ip && Number.isInteger(port) && port > 0 ? { ip, port } : undefined;
}

/** Returns the servers whose Leases are live at `now`, sorted, and the Leases that ran out. Pure. */
export function livePeers(leases: Lease[], now: number): { live: Peer[]; expired: Lease[] } {
  const live: Peer[] = [];
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

const getLease = (client: ApiClient, g: PeerGroup, name: string) => unlessNotFound(client.get<Lease>('leases', name, { namespace: g.namespace }));

/** Creates or renews this server's Lease. */
export async function renewPeer(client: ApiClient, g: PeerGroup, self: Peer, now: number, durationS: number): Promise<void> {
  const name = peerLeaseName(g, self);
  const spec = { holderIdentity: self.ip.includes(':') ? `[${self.ip}]:${self.port}` : `${self.ip}:${self.port}`, leaseDurationSeconds: durationS, renewTime: rfc3339Micro(now) };
  const cur = await getLease(client, g, name);
  if (cur) await client.update('leases', { ...cur, spec: { ...cur.spec, ...spec } });
  else
    await client.create('leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: g.namespace, labels: { [g.label[0]]: g.label[1] } },
      spec: { ...spec, acquireTime: spec.renewTime },
    });
}

/** Returns the servers with live Leases (this one included) after deleting the Leases that ran out. */
export async function peers(client: ApiClient, g: PeerGroup, self: Peer, now: number): Promise<Peer[]> {
  const list = await client.list<Lease>('leases', { namespace: g.namespace, labelSelector: `${g.label[0]}=${g.label[1]}` });
  const { live, expired } = livePeers(list.items, now);
  for (const l of expired)
    await client.delete('leases', l.metadata.name!, { namespace: g.namespace }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  if (!live.some((p) => p.ip === self.ip && p.port === self.port)) live.push(self);
  return live;
}

/** Deletes this server's Lease (when it stops: the others drop it from the endpoints at once). */
export async function dropPeer(client: ApiClient, g: PeerGroup, self: Peer): Promise<void> {
  await client.delete('leases', peerLeaseName(g, self), { namespace: g.namespace }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
}
