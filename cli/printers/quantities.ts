// Resource quantities as describe prints and sums them (resource.Quantity String/Add, kubectl's PodRequestsAndLimits).
import { addQuantities, formatQuantity, parseQuantity, type Quantity } from '../../api/quantity.ts';
import { byString, rec, recs, type Obj } from '../../api/table/loose.ts';

/** A resource list of parsed quantities. */
export type Resources = Map<string, Quantity>;

const ZERO: Quantity = { nanos: 0n, format: 'DecimalSI' };

/** Returns a quantity or undefined when malformed. */
export function quantity(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return parseQuantity(v);
  } catch {
    return undefined;
  }
}

/** Returns a quantity's canonical string ("1000m" → "1"); a malformed value as it is. */
export const quantityString = (v: unknown): string => {
  const q = quantity(v);
  return q ? formatQuantity(q) : typeof v === 'string' ? v : String(v ?? '');
};

/** Returns the quantity of a resource in a list, zero when absent, as string. */
export const totalString = (r: Resources, name: string): string => formatQuantity(r.get(name) ?? ZERO);

/** Returns a resource list field parsed (malformed entries skipped). */
export function resources(list: unknown): Resources {
  const out: Resources = new Map();
  for (const [k, v] of Object.entries(rec(list))) {
    const q = quantity(v);
    if (q) out.set(k, q);
  }
  return out;
}

/** Adds b into a (a keeps its format where it had the resource). */
export function addInto(a: Resources, b: Resources): void {
  for (const [k, q] of b) a.set(k, a.has(k) ? addQuantities(a.get(k)!, q) : { ...q });
}

function maxInto(a: Resources, b: Resources): void {
  for (const [k, q] of b) if (!a.has(k) || q.nanos > a.get(k)!.nanos) a.set(k, { ...q });
}

function podTotals(pod: unknown, field: 'requests' | 'limits'): Resources {
  const spec = rec(rec(pod).spec);
  const of = (c: Obj) => resources(rec(rec(c.resources)[field]));
  const total: Resources = new Map();
  for (const c of recs(spec.containers)) addInto(total, of(c));
  const sidecars: Resources = new Map();
  const initMax: Resources = new Map();
  for (const c of recs(spec.initContainers)) {
    let r = of(c);
    if (c.restartPolicy === 'Always') {
      addInto(total, r);
      addInto(sidecars, r);
      r = sidecars;
    } else {
      const tmp: Resources = new Map();
      addInto(tmp, r);
      addInto(tmp, sidecars);
      r = tmp;
    }
    maxInto(initMax, r);
  }
  maxInto(total, initMax);
  const overhead = resources(spec.overhead);
  if (field === 'requests') addInto(total, overhead);
  else for (const [k, q] of overhead) if (total.has(k)) total.set(k, addQuantities(total.get(k)!, q));
  return total;
}

/** Returns a pod's effective requests and limits (max of app sum and each init container, sidecars added, overhead). */
export const podRequestsAndLimits = (pod: unknown): { requests: Resources; limits: Resources } => ({
  requests: podTotals(pod, 'requests'),
  limits: podTotals(pod, 'limits'),
});

const ceilDiv = (n: bigint, d: bigint): bigint => (n > 0n ? (n + d - 1n) / d : n / d);
/** Returns Quantity.MilliValue (rounded up). */
export const milli = (q: Quantity | undefined): bigint => (q ? ceilDiv(q.nanos, 1_000_000n) : 0n);
/** Returns Quantity.Value (rounded up). */
export const whole = (q: Quantity | undefined): bigint => (q ? ceilDiv(q.nanos, 1_000_000_000n) : 0n);

/** Returns int64(a / b * 100) as describe prints percentages; 0 when b is 0. */
export const percent = (a: bigint, b: bigint): number => (b === 0n ? 0 : Math.trunc((Number(a) / Number(b)) * 100));

/** Returns resource names sorted as SortableResourceNames. */
export const sortedNames = (list: unknown): string[] => Object.keys(rec(list)).sort(byString);
