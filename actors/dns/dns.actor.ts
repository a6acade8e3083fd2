// The cluster DNS actor (an addon, as CoreDNS with its kubernetes plugin): answers cluster names
// over UDP and TCP from informers of services, EndpointSlices, pods and namespaces, forwards other
// names to the host's resolvers, and keeps the kube-dns Service and its Endpoints pointing at every
// live DNS server (each renews a Lease of its own; see dns.peers.ts).
import { fromCallback, fromPromise } from 'xstate';
import { defineActor } from '../lib/actor.ts';
import { hostIPv4 } from '../lib/host-address.ts';
import { DNS_CLUSTER_IP, DNS_NAMESPACE, DNS_SERVICE, type DnsBackend } from './dns.addon.ts';
import { ensureAddon, leaveAddon } from './dns.addon-sync.ts';
import { hostUpstreams, type Upstream } from './dns.forward.ts';
import { queryHandler, type DnsStats } from './dns.handler.ts';
import { DEFAULT_DNS_TIMINGS, dnsMachine, type DnsTimings, type Listening } from './dns.machine.ts';
import { DEFAULT_TTL, DEFAULT_ZONE } from './dns.records.ts';
import { startDnsServer } from './dns.server.ts';
import { InformerView } from './dns.view.ts';

/** What a process asks of its dns actor. */
export interface DnsInput extends Partial<DnsTimings> {
  /** IP:PORT to serve on (UDP and TCP); port 0 picks a free one (it is in the snapshot's context). */
  address: string;
  /** The IP the kube-dns Endpoints give (default: the listen IP, or the host's first non-loopback IPv4 for 0.0.0.0). */
  advertiseIP?: string;
  /** Cluster domain (default cluster.local). */
  zone?: string;
  ttl?: number;
  /** Where names outside the cluster go (default: /etc/resolv.conf's nameservers); [] refuses them. */
  upstreams?: Upstream[];
  /** Receives the server's counters once it runs (tests, the bench). */
  onStats?(stats: DnsStats): void;
}

/** Returns where the DNS server listens unless told: the host's own IPv4 (pods reach it; the world's other interfaces do not), any free port. */
export const defaultDnsAddress = () => `${hostIPv4()}:0`;

/** The cluster DNS actor's definition (one per control-plane process that runs `dns`). */
export const dnsActor = defineActor<DnsInput>({
  kind: 'dns',
  logic(deps, input) {
    const zone = (input.zone ?? DEFAULT_ZONE).replace(/\.$/, '').toLowerCase();
    const view = new InformerView(deps.informers, () => deps.clock.now());
    deps.onStop(() => view.close());
    let listening: Listening | undefined;
    // A server's Lease outlives three missed renewals (renewed each resync).
    const leaseDurationS = Math.max(1, Math.ceil((3 * (input.resyncMs ?? DEFAULT_DNS_TIMINGS.resyncMs)) / 1000));
    /** Returns where the Endpoints point for this server. */
    const backend = (at: Listening): DnsBackend => {
      const unspecified = at.host === '0.0.0.0' || at.host === '::';
      return { ip: input.advertiseIP ?? (unspecified ? hostIPv4() : at.host), port: at.port };
    };
    // Never forward to ourselves: not to our own address, nor to the kube-dns Service (a host using the cluster DNS).
    const upstreams = () => input.upstreams ?? hostUpstreams([...(listening ? [listening] : []), { host: DNS_CLUSTER_IP, port: 53 }]);
    const { handle, stats } = queryHandler({
      view,
      zone,
      ttl: input.ttl ?? DEFAULT_TTL,
      nameserverIP: DNS_CLUSTER_IP,
      serial: () => Math.floor(view.changedAt / 1000),
      upstreams,
      clock: deps.clock,
      log: deps.log,
    });
    input.onStats?.(stats);
    return dnsMachine.provide({
      actors: {
        sync: fromPromise(() => view.synced()),
        listen: fromPromise(async ({ input: i }: { input: { address: string } }) => {
          const server = await startDnsServer(i.address, handle, deps.log);
          deps.onStop(() => server.close());
          listening = { host: server.host, port: server.port };
          const self = backend(listening);
          // Runs before the server closes (stop hooks run last-first): the others drop us from the Endpoints at once.
          deps.onStop(() =>
            leaveAddon(deps.client, self, deps.clock.now()).catch((err: Error) => deps.log.warn({ err: err.message }, 'could not take this DNS server out of the kube-dns Endpoints')),
          );
          return listening;
        }),
        ensureAddon: fromPromise(({ input: at }: { input: Listening }) => ensureAddon(deps.client, backend(at), deps.clock.now(), leaseDurationS)),
        // Someone else changing or deleting the addon's objects makes the actor look again at once.
        watchAddon: fromCallback(({ sendBack }) => {
          const ours = (o: { metadata: { namespace?: string; name?: string } }) => o.metadata.namespace === DNS_NAMESPACE && o.metadata.name === DNS_SERVICE;
          const changed = (o: { metadata: { namespace?: string; name?: string } }) => ours(o) && sendBack({ type: 'addon.changed' });
          const h = { update: (_: unknown, o: { metadata: { namespace?: string; name?: string } }) => changed(o), delete: changed };
          // The resolver reads slices; the addon's own Endpoints are followed on a cache of kube-system's.
          const addonEndpoints = deps.informers.get('endpoints', { namespace: DNS_NAMESPACE });
          view.services.on(h);
          addonEndpoints.on(h);
          return () => {
            view.services.off(h);
            addonEndpoints.off(h);
          };
        }),
      },
      actions: {
        listening: (_, at) => deps.log.info({ address: `${at.host}:${at.port}`, zone }, 'cluster DNS serving'),
        failed: (_, { error }) => deps.log.error({ address: input.address, err: error }, 'cluster DNS could not listen'),
        addonFailed: (_, { error }) => deps.log.warn({ err: error }, `could not write the ${DNS_NAMESPACE}/${DNS_SERVICE} Service or Endpoints; retrying`),
      },
    });
  },
});
