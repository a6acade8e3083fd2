// The Endpoints a Service with a selector should have, from its pods (upstream
// endpoints_controller.go syncService, without the API calls). Pure.
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints } from '../../../api/kinds/endpoints.ts';
import { isPodReady } from '../../../api/kinds/pod-helpers.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { Service } from '../../../api/kinds/service.ts';
import { ipFamily } from '../../../api/validation/strings.ts';
import { sameLabels } from '../../../api/selectors.ts';
import { repackSubsets } from './repack-subsets.ts';
import { findPort, podIPs, shouldPodBeInEndpoints, shouldSetHostname } from '../shared/endpoint-pods.ts';
import { semanticEqual } from '../shared/semantic-equal.ts';
import { LAST_CHANGE_TRIGGER_TIME, rfc3339Nano } from '../shared/trigger-time.ts';

/** Label upstream puts on the Endpoints of a headless service. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** Annotation set when the Endpoints were truncated to MAX_CAPACITY addresses. */
export const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
/** Most addresses one Endpoints object holds; beyond, it is truncated and annotated (upstream maxCapacity). */
export const MAX_CAPACITY = 1000;

/** Returns the pod's address for this service (the IP of the service's family), or undefined when it has none. */
export function podAddress(svc: Service, pod: Pod): EndpointAddress | undefined {
  const s = svc.spec;
  let v6: boolean;
  if (s.ipFamilies?.length) v6 = s.ipFamilies[0] === 'IPv6';
  else if (s.clusterIP && s.clusterIP !== 'None') v6 = ipFamily(s.clusterIP) === 6;
  else v6 = ipFamily(pod.status?.podIP ?? '') === 6;
  const ip = podIPs(pod).find((x) => (ipFamily(x) === 6) === v6);
  if (!ip) return undefined;
  const addr: EndpointAddress = { ip };
  if (pod.spec.nodeName) addr.nodeName = pod.spec.nodeName;
  addr.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec.hostname;
  return addr;
}

/** Returns the subsets of a service's Endpoints, with counts of ready and not-ready entries. */
export function desiredSubsets(svc: Service, pods: Pod[]): { subsets: EndpointSubset[]; ready: number; notReady: number } {
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const subsets: EndpointSubset[] = [];
  let ready = 0;
  let notReady = 0;
  const add = (pod: Pod, addr: EndpointAddress, port?: EndpointPort) => {
    const ports = port ? [port] : [];
    if (publishNotReady || isPodReady(pod)) {
      subsets.push({ addresses: [addr], ports });
      ready++;
    } else {
      subsets.push({ notReadyAddresses: [addr], ports });
      notReady++;
    }
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const addr = podAddress(svc, pod);
    if (!addr) continue;
    const ports = svc.spec.ports ?? [];
    // A headless service may have no ports: its addresses are listed alone.
    if (ports.length === 0) {
      if (svc.spec.clusterIP === 'None') add(pod, addr);
      continue;
    }
    for (const sp of ports) {
      const num = findPort(pod, sp);
      if (num === undefined) continue;
      const epp: EndpointPort = { port: num, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) epp.name = sp.name;
      if (sp.appProtocol) epp.appProtocol = sp.appProtocol;
      add(pod, addr, epp);
    }
  }
  return { subsets: repackSubsets(subsets), ready, notReady };
}

/** Returns the subsets cut to MAX_CAPACITY addresses, ready ones first, each subset in proportion (upstream truncateEndpoints); undefined when under capacity. */
export function truncateSubsets(subsets: EndpointSubset[]): EndpointSubset[] | undefined {
  const totalReady = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const totalNotReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  if (totalReady + totalNotReady <= MAX_CAPACITY) return undefined;
  const truncateReady = totalReady > MAX_CAPACITY;
  const max = truncateReady ? MAX_CAPACITY : MAX_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  return subsets.map((s) => {
    const inSubset = (truncateReady ? s.addresses : s.notReadyAddresses)?.length ?? 0;
    const toAdd = Math.min(Math.ceil((inSubset / numTotal) * max), canBeAdded);
    const out = { ...s };
    if (truncateReady) {
      out.addresses = (s.addresses ?? []).slice(0, toAdd);
      out.notReadyAddresses = [];
      canBeAdded -= out.addresses.length;
    } else {
      out.notReadyAddresses = (s.notReadyAddresses ?? []).slice(0, toAdd);
      canBeAdded -= out.notReadyAddresses.length;
    }
    return out;
  });
}

const sameSubsets = (a: EndpointSubset[] | undefined, b: EndpointSubset[]) => semanticEqual(a ?? [], b);

/** Returns whether the over-capacity annotation is right for these subsets (upstream capacityAnnotationSetCorrectly). */
function capacityAnnotationOk(ep: Endpoints): boolean {
  const n = (ep.subsets ?? []).reduce((k, s) => k + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  return n <= MAX_CAPACITY && !(OVER_CAPACITY in (ep.metadata.annotations ?? {}));
}

/** The write (if any) that brings a service's Endpoints up to date. */
export type EndpointsPlan = { type: 'none' } | { type: 'create' | 'update'; endpoints: Endpoints };

/** Returns the write (if any) that makes `current` the Endpoints of `svc` with these subsets; `triggerTime` 0 clears the annotation. */
export function planEndpoints(svc: Service, current: Endpoints | undefined, subsets: EndpointSubset[], triggerTime: number): EndpointsPlan {
  if (current) {
    const { [HEADLESS_LABEL]: _headless, ...compare } = current.metadata.labels ?? {};
    if (sameSubsets(current.subsets, subsets) && sameLabels(compare, svc.metadata.labels) && capacityAnnotationOk(current)) return { type: 'none' };
  }
  const base: Endpoints = current
    ? structuredClone(current)
    : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace } };
  const annotations = { ...(base.metadata.annotations ?? {}) };
  if (triggerTime > 0) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  const truncated = truncateSubsets(subsets);
  if (truncated) annotations[OVER_CAPACITY] = 'truncated';
  else delete annotations[OVER_CAPACITY];
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (!svc.spec.clusterIP || svc.spec.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  const metadata = { ...base.metadata };
  if (Object.keys(labels).length) metadata.labels = labels;
  else delete metadata.labels;
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { type: current ? 'update' : 'create', endpoints: { ...base, metadata, subsets: truncated ?? subsets } };
}
