// Table columns of resource quotas and limit ranges, column for column as printers.go (v1.32).
import { canonicalQuantity } from '../quantity.ts';
import { AGE, AGE_DATE, ageOf, col, meta, NAME, nameOf } from './column.ts';
import { rec, str } from './loose.ts';
import type { KindColumns } from './types.ts';

/** Returns a quantity as upstream's Quantity.String() prints it ("0" when absent, the text itself when it does not parse). */
export function quantityText(v: unknown): string {
  if (v === undefined || v === null) return '0';
  try {
    return canonicalQuantity(v as string | number);
  } catch {
    return str(v);
  }
}

/** Returns the REQUEST and LIMIT cells: `name: used/hard` for status.hard's resources, limits.* in the second, sorted by name. */
export function quotaCells(quota: unknown): [string, string] {
  const status = rec(rec(quota).status);
  const hard = rec(status.hard);
  const used = rec(status.used);
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const parts = name.split('.');
    (parts.length > 1 && parts[0] === 'limits' ? limit : request).push(`${name}: ${quantityText(used[name])}/${quantityText(hard[name])}`);
  }
  return [request.join(', '), limit.join(', ')];
}

const resourcequotas: KindColumns = {
  columns: [
    NAME,
    AGE,
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  cells: (o, { now }) => [nameOf(o), ageOf(o, now), ...quotaCells(o)],
};

const limitranges: KindColumns = {
  columns: [NAME, col('Created At', 'date', AGE_DATE.description)],
  cells: (o) => [nameOf(o), str(meta(o).creationTimestamp)],
};

/** Table columns of the quota kinds, by plural resource name. */
export const quotaColumns: Record<string, KindColumns> = { resourcequotas, limitranges };
