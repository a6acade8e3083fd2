// Table columns of custom resources from their CRD's additionalPrinterColumns: Name, then each column's
// JSONPath value typed as upstream's tableconvertor does (dates as ages, mismatched types as null).
import { JSONPath } from 'jsonpath-plus';
import type { PrinterColumn } from '../resource.ts';
import { humanDuration, timeOf } from './age.ts';
import { NAME, nameOf } from './column.ts';
import type { Cell, ColumnDefinition, KindColumns } from './types.ts';

/** Returns the first value a kubectl-style JSONPath (`.spec.replicas`, `.status.conditions[?(@.type=="Ready")].status`) finds, or undefined. */
export function firstResult(obj: unknown, path: string): unknown {
  const p = path.trim().replace(/^\{(.*)\}$/, '$1');
  const expr = p.startsWith('$') ? p : `$${p.startsWith('.') || p.startsWith('[') ? '' : '.'}${p}`;
  try {
    const found = JSONPath({ path: expr, json: obj as object, wrap: true, eval: 'safe' }) as unknown[];
    return found.length ? found[0] : undefined;
  } catch {
    // A path the library cannot parse prints as an empty cell, as a failing column does upstream.
    return undefined;
  }
}

/** Returns a value as kubectl's JSONPath printer writes it: strings bare, objects and arrays as JSON. */
const printed = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Returns the cell of one column for a found value (upstream's cellForJSONValue); null when absent or of another type. */
export function cellFor(type: string, v: unknown, now: number): Cell {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date': {
      if (typeof v !== 'string') return null;
      const t = timeOf(v);
      return t === undefined ? '<invalid>' : humanDuration(now - t);
    }
    default:
      return printed(v);
  }
}

const columnType = (t: string): ColumnDefinition['type'] => (['integer', 'number', 'boolean', 'date'].includes(t) ? (t as ColumnDefinition['type']) : 'string');

/** Returns the columns of a custom resource with printer columns: NAME, then each column (priority > 0 only with -o wide). */
export function customColumns(printerColumns: readonly PrinterColumn[]): KindColumns {
  const columns: ColumnDefinition[] = [
    NAME,
    ...printerColumns.map((c) => ({ name: c.name, type: columnType(c.type), format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
  ];
  return {
    columns,
    cells: (o, { now }) => [nameOf(o), ...printerColumns.map((c) => cellFor(c.type, firstResult(o, c.jsonPath), now))],
  };
}
