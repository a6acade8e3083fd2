// The resolver's view of the cluster: the shared informers of services, EndpointSlices, pods and
// namespaces, indexed by IP for reverse and pod lookups, and when any of them last changed.
import type { EndpointSlice } from '../../api/kinds/endpointslice.ts';
import type { Namespace } from '../../api/kinds/namespace.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Service } from '../../api/kinds/service.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { SharedInformers } from '../../bus/informer-factory.ts';
import type { Informer } from '../../bus/informer.ts';
import { SERVICE_NAME_INDEX, serviceNameIndexers } from '../../bus/indexers.ts';
import { isReady, type DnsView } from './dns.records.ts';

const IP_INDEX = 'dns.ip';

/** Services by each cluster IP they hold (ExternalName and headless ones have none). */
const serviceIPs = (o: KubeObject) => {
  const spec = (o as Service).spec ?? {};
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  return ips.filter((ip) => ip !== 'None');
};
/** EndpointSlices by each address of a ready endpoint. */
const sliceIPs = (o: KubeObject) => [...new Set(((o as EndpointSlice).endpoints ?? []).filter(isReady).flatMap((e) => e.addresses ?? []))];
/** Pods by their IPs (hostNetwork pods too: CoreDNS answers for them as well). */
const podIPs = (o: KubeObject) => {
  const st = (o as Pod).status ?? {};
  const ips = (st.podIPs ?? []).map((x: { ip: string }) => x.ip);
  return [...new Set(st.podIP ? [st.podIP, ...ips] : ips)];
};

/** The informers the DNS server answers from, and a DnsView over them. */
export class InformerView implements DnsView {
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;
  readonly pods: Informer<Pod>;
  readonly namespaces: Informer<Namespace>;
  /** When any cache last changed (ms on the actor's clock): the SOA serial, as CoreDNS's Modified(). */
  changedAt: number;

  constructor(informers: SharedInformers, now: () => number) {
    this.services = informers.get<Service>('services').addIndexers({ [IP_INDEX]: serviceIPs });
    this.slices = informers.get<EndpointSlice>('endpointslices').addIndexers({ [IP_INDEX]: sliceIPs, ...serviceNameIndexers });
    this.pods = informers.get<Pod>('pods').addIndexers({ [IP_INDEX]: podIPs });
    this.namespaces = informers.get<Namespace>('namespaces');
    this.changedAt = now();
    const touch = () => (this.changedAt = now());
    const handlers = { add: touch, update: touch, delete: touch };
    for (const inf of this.all()) inf.on(handlers);
    this.close = () => this.all().forEach((inf) => inf.off(handlers));
  }

  /** Stops following the caches (the informers are shared: they go on for the other actors). */
  readonly close: () => void;

  private all(): Informer[] {
    return [this.services, this.slices, this.pods, this.namespaces] as Informer[];
  }

  /** Resolves once every cache holds its first full list. */
  synced(): Promise<void> {
    return Promise.all(this.all().map((i) => i.waitForSync())).then(() => {});
  }

  service(namespace: string, name: string) {
    return this.services.get(`${namespace}/${name}`);
  }
  endpointSlices(namespace: string, name: string) {
    return this.slices.byIndex(SERVICE_NAME_INDEX, `${namespace}/${name}`);
  }
  namespaceExists(name: string) {
    return !!this.namespaces.get(name);
  }
  servicesWithIP(ip: string) {
    return this.services.byIndex(IP_INDEX, ip);
  }
  slicesWithIP(ip: string) {
    return this.slices.byIndex(IP_INDEX, ip);
  }
  podsWithIP(ip: string) {
    return this.pods.byIndex(IP_INDEX, ip);
  }
}
