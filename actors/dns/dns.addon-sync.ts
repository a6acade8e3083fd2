// The dns actor's writes of the addon: renew its own Lease, read who else serves, then bring the
// kube-dns Service and Endpoints in line (dns.addon.ts plans); on stop, leave them.
import type { Endpoints } from '../../api/kinds/endpoints.ts';
import type { Service } from '../../api/kinds/service.ts';
import type { KubeObject } from '../../api/meta.ts';
import { isNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { DNS_NAMESPACE, DNS_SERVICE, planAddon, type DnsBackend } from './dns.addon.ts';
import { dropPeer, peers, renewPeer } from './dns.peers.ts';

/** Returns the addon object of `resource`, or undefined when there is none. */
const read = <T extends KubeObject>(client: ApiClient, resource: string) =>
  client.get<T>(resource, DNS_SERVICE, { namespace: DNS_NAMESPACE }).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });

/** Writes what `planAddon` says for these servers; resolves with the number of writes. */
async function apply(client: ApiClient, servers: DnsBackend[]): Promise<number> {
  const [svc, ep] = await Promise.all([read<Service>(client, 'services'), read<Endpoints>(client, 'endpoints')]);
  const steps = planAddon(servers, svc, ep);
  for (const s of steps) {
    if (s.verb === 'create') await client.create(s.resource, s.object);
    else await client.update(s.resource, s.object);
  }
  return steps.length;
}

/** Renews this server's Lease, then makes the Service and Endpoints list every live server; resolves with the addon writes. */
export async function ensureAddon(client: ApiClient, self: DnsBackend, now: number, leaseDurationS: number): Promise<number> {
  await renewPeer(client, self, now, leaseDurationS);
  return apply(client, await peers(client, self, now));
}

/** Drops this server: its Lease, and its address from the Endpoints (the others keep theirs). */
export async function leaveAddon(client: ApiClient, self: DnsBackend, now: number): Promise<void> {
  await dropPeer(client, self);
  const others = (await peers(client, self, now)).filter((p) => p.ip !== self.ip || p.port !== self.port);
  await apply(client, others);
}
