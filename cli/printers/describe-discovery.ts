// `kubectl describe` of discovery.k8s.io EndpointSlices (upstream describeEndpointSliceV1).
import { rec, recs, str } from '../../api/table/loose.ts';
import { describeEvents, DescribeWriter, printObjectMeta } from './describe-writer.ts';

const orUnset = (v: unknown, show: (v: unknown) => string = str): string => (v === undefined || v === null ? '<unset>' : show(v));

/** Returns `kubectl describe endpointslice` output. */
export function describeEndpointSlice(es: unknown, events: readonly unknown[], now: number): string {
  const o = rec(es);
  const m = rec(o.metadata);
  const w = new DescribeWriter();
  printObjectMeta(w, m);
  w.write(0, `AddressType:\t${str(o.addressType)}\n`);
  const ports = recs(o.ports);
  if (ports.length === 0) w.write(0, 'Ports: <unset>\n');
  else {
    w.write(0, 'Ports:\n');
    w.write(1, 'Name\tPort\tProtocol\n');
    w.write(1, '----\t----\t--------\n');
    for (const p of ports) w.write(1, `${str(p.name) || '<unset>'}\t${orUnset(p.port, String)}\t${str(p.protocol)}\n`);
  }
  const endpoints = recs(o.endpoints);
  if (endpoints.length === 0) w.write(0, 'Endpoints: <none>\n');
  else {
    w.write(0, 'Endpoints:\n');
    for (const ep of endpoints) {
      const addrs = Array.isArray(ep.addresses) ? ep.addresses.map(str).join(', ') : '';
      w.write(1, `- Addresses:\t${addrs || '<none>'}\n`);
      w.write(2, 'Conditions:\n');
      w.write(3, `Ready:\t${orUnset(rec(ep.conditions).ready, String)}\n`);
      w.write(2, `Hostname:\t${orUnset(ep.hostname)}\n`);
      if (ep.targetRef) w.write(2, `TargetRef:\t${str(rec(ep.targetRef).kind)}/${str(rec(ep.targetRef).name)}\n`);
      w.write(2, `NodeName:\t${orUnset(ep.nodeName)}\n`);
      w.write(2, `Zone:\t${orUnset(ep.zone)}\n`);
    }
  }
  describeEvents(w, events, now);
  return w.toString();
}
