// Several dns actors may serve one cluster. Each keeps a Lease of its own in kube-system
// (labelled k8s-app=kube-dns, holder = its IP:PORT), and the kube-dns Endpoints list every
// server whose Lease is live: upstream's lease endpoint reconciler, which keeps the `kubernetes`
// Service's Endpoints for several API servers the same way (actors/lib/peer-leases.ts).
import type { ApiClient } from '../../bus/client.ts';
import * as lib from '../lib/peer-leases.ts';
import { DNS_NAMESPACE, DNS_SERVICE, type DnsBackend } from './dns.addon.ts';

/** Where the DNS servers' Leases live. */
const GROUP: lib.PeerGroup = { namespace: DNS_NAMESPACE, prefix: DNS_SERVICE, label: ['k8s-app', 'kube-dns'] };

/** The label selecting the servers' Leases. */
export const PEER_SELECTOR = 'k8s-app=kube-dns';

export const { peerOf, livePeers } = lib;
/** Returns the name of a server's Lease. */
export const peerLeaseName = (b: DnsBackend) => lib.peerLeaseName(GROUP, b);
/** Creates or renews this server's Lease. */
export const renewPeer = (client: ApiClient, self: DnsBackend, now: number, durationS: number) => lib.renewPeer(client, GROUP, self, now, durationS);
/** Returns the servers with live Leases (this one included) after deleting the Leases that ran out. */
export const peers = (client: ApiClient, self: DnsBackend, now: number) => lib.peers(client, GROUP, self, now);
/** Deletes this server's Lease. */
export const dropPeer = (client: ApiClient, self: DnsBackend) => lib.dropPeer(client, GROUP, self);
