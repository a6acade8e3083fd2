// Table columns of discovery.k8s.io EndpointSlices, as printers.go printEndpointSlice (v1.32).
import { AGE, ageOf, col, NAME, nameOf } from './column.ts';
import { rec, recs, str } from './loose.ts';
import type { KindColumns } from './types.ts';

/** Returns up to three items joined by ',' then " + N more...", or <unset> for none (upstream listWithMoreString). */
function listWithMore(items: string[]): string {
  const ret = items.slice(0, 3).join(',');
  if (items.length > 3) return `${ret} + ${items.length - 3} more...`;
  return ret || '<unset>';
}

/** Returns a slice's PORTS cell: port numbers (a name when the number is unset, else "*"). */
export const formatDiscoveryPorts = (ports: unknown): string =>
  listWithMore(recs(ports).map((p) => (typeof p.port === 'number' ? String(p.port) : typeof p.name === 'string' ? p.name : '*')));

/** Returns a slice's ENDPOINTS cell: its addresses, every endpoint's in turn. */
export const formatDiscoveryEndpoints = (endpoints: unknown): string => listWithMore(recs(endpoints).flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(str) : [])));

const endpointslices: KindColumns = {
  columns: [
    NAME,
    col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation.'),
    col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name.'),
    col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.'),
    AGE,
  ],
  cells: (o, { now }) => [nameOf(o), str(rec(o).addressType), formatDiscoveryPorts(rec(o).ports), formatDiscoveryEndpoints(rec(o).endpoints), ageOf(o, now)],
};

/** Table columns of the discovery.k8s.io kinds, by plural resource name. */
export const discoveryColumns: Record<string, KindColumns> = { endpointslices };
