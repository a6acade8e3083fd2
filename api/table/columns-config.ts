// Table columns of config maps, secrets, service accounts, events and leases, column for column as printers.go (v1.32).
import { since, timeOf } from './age.ts';
import { AGE, ageOf, col, NAME, nameOf, wideCol } from './column.ts';
import { arr, int, rec, str } from './loose.ts';
import type { KindColumns } from './types.ts';

const count = (v: unknown): number => Object.keys(rec(v)).length;

const configmaps: KindColumns = {
  columns: [NAME, col('Data', 'string', 'Data contains the configuration data.'), AGE],
  cells: (o, { now }) => [nameOf(o), count(rec(o).data) + count(rec(o).binaryData), ageOf(o, now)],
};

const secrets: KindColumns = {
  columns: [NAME, col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'string', 'Data contains the secret data.'), AGE],
  cells: (o, { now }) => [nameOf(o), str(rec(o).type), count(rec(o).data), ageOf(o, now)],
};

const serviceaccounts: KindColumns = {
  columns: [NAME, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
  cells: (o, { now }) => [nameOf(o), arr(rec(o).secrets).length, ageOf(o, now)],
};

/** Returns an event's SOURCE cell: component (or reportingController), then ", host" (or reportingInstance). */
export function eventSource(ev: unknown): string {
  const e = rec(ev);
  const component = str(rec(e.source).component) || str(e.reportingController);
  const instance = str(rec(e.source).host) || str(e.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

const events: KindColumns = {
  columns: [
    col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'string', 'The object that this event is about.'),
    wideCol('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].'),
    wideCol('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.'),
    col('Message', 'string', 'A human-readable description of the status of this operation.'),
    wideCol('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
    wideCol('Count', 'string', 'The number of times this event has occurred.'),
    { ...NAME, priority: 1 },
  ],
  cells: (o, { now }) => {
    const e = rec(o);
    const first = timeOf(e.firstTimestamp) !== undefined ? since(e.firstTimestamp, now) : since(e.eventTime, now);
    let last = timeOf(e.lastTimestamp) !== undefined ? since(e.lastTimestamp, now) : first;
    let n = int(e.count);
    if (e.series != null) {
      last = since(rec(e.series).lastObservedTime, now);
      n = int(rec(e.series).count);
    } else if (n === 0) n = 1; // Singleton events of the new API carry no count.
    const inv = rec(e.involvedObject);
    const kind = str(inv.kind).toLowerCase();
    const target = str(inv.name) ? `${kind}/${str(inv.name)}` : kind;
    return [last, str(e.type), str(e.reason), target, str(inv.fieldPath), eventSource(e), str(e.message).trim(), first, n, nameOf(o)];
  },
};

const leases: KindColumns = {
  columns: [NAME, col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), AGE],
  cells: (o, { now }) => [nameOf(o), str(rec(rec(o).spec).holderIdentity), ageOf(o, now)],
};

/** Table columns of config maps, secrets, service accounts, events and leases, by plural resource name. */
export const configColumns: Record<string, KindColumns> = { configmaps, secrets, serviceaccounts, events, leases };
