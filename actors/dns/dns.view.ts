// The resolver's view of the cluster: the shared informers of services, endpoints, pods and
// namespaces, indexed by IP for reverse and pod lookups, and when any of them last changed.
import type { Endpoints } from '../../api/kinds/endpoints.ts';
import type { Namespace } from '../../api/kinds/namespace.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Service } from '../../api/kinds/service.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { SharedInformers } from '../../bus/informer-factory.ts';
import type { Informer } from '../../bus/informer.ts';
import type { DnsView } from './dns.records.ts';

const IP_INDEX = 'dns.ip';

/** Services by each cluster IP they hold (ExternalName and headless ones have none). */
const serviceIPs = (o: KubeObject) => {
  const spec = (o as Service).spec ?? {};
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  return ips.filter((ip) => ip !== 'None');
};
/** Endpoints by each ready address. */
const endpointIPs = (o: KubeObject) => [...new Set(((o as Endpoints).subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)))];
/** Pods by their IPs (hostNetwork pods too: CoreDNS answers for them as well). */
const podIPs = (o: KubeObject) => {
  const st = (o as Pod).status ?? {};
  const ips = (st.podIPs ?? []).map((x: { ip: string }) => x.ip);
  return [...new Set(st.podIP ? [st.podIP, ...ips] : ips)];
};

/** The informers the DNS server answers from, and a DnsView over them. */
export class InformerView implements DnsView {
  readonly services: Informer<Service>;
  readonly endpointsInf: Informer<Endpoints>;
  readonly pods: Informer<Pod>;
  readonly namespaces: Informer<Namespace>;
  /** When any cache last changed (ms on the actor's clock): the SOA serial, as CoreDNS's Modified(). */
  changedAt: number;

  constructor(informers: SharedInformers, now: () => number) {
    this.services = informers.get<Service>('services').addIndexers({ [IP_INDEX]: serviceIPs });
    this.endpointsInf = informers.get<Endpoints>('endpoints').addIndexers({ [IP_INDEX]: endpointIPs });
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
    return [this.services, this.endpointsInf, this.pods, this.namespaces] as Informer[];
  }

  /** Resolves once every cache holds its first full list. */
  synced(): Promise<void> {
    return Promise.all(this.all().map((i) => i.waitForSync())).then(() => {});
  }

  service(namespace: string, name: string) {
    return this.services.get(`${namespace}/${name}`);
  }
  endpoints(namespace: string, name: string) {
    return this.endpointsInf.get(`${namespace}/${name}`);
  }
  namespaceExists(name: string) {
    return !!this.namespaces.get(name);
  }
  servicesWithIP(ip: string) {
    return this.services.byIndex(IP_INDEX, ip);
  }
  endpointsWithIP(ip: string) {
    return this.endpointsInf.byIndex(IP_INDEX, ip);
  }
  podsWithIP(ip: string) {
    return this.pods.byIndex(IP_INDEX, ip);
  }
}
