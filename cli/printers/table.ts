// `kubectl get` tables: columns per resource (api/table), NAMESPACE with -A, wide columns with -o wide, tabwriter alignment.
import { resourceFor } from '../../api/resources.ts';
import { columnsFor, columnsOf } from '../../api/table/columns.ts';
import { rec, str } from '../../api/table/loose.ts';
import type { Cell, KindColumns } from '../../api/table/types.ts';
import { normalizeResource } from './resources.ts';
import { GET_TABWRITER, TabWriter } from './tabwriter.ts';
import type { TableOptions } from './types.ts';

/** A resource's table: upper-case headers and a function from object to cells (both with NAMESPACE first under -A). */
export interface Table {
  headers: string[];
  row(obj: unknown): string[];
}

/** Returns the columns of a resource (plural, singular or short name): a custom resource's printer columns; NAME AGE for anything unknown. */
export function printerFor(resource: string): KindColumns {
  const def = resourceFor(resource);
  return def?.custom ? columnsOf(def) : columnsFor(normalizeResource(resource));
}

// kubectl prints a typed cell with %v (integers as decimal), and nothing for a null one (a printer column that found nothing).
const cellText = (c: Cell): string => (c === null ? '' : typeof c === 'string' ? c : String(c));

/** Returns the table of a resource as `kubectl get` v1.32 prints it: priority-0 columns, and priority-1 ones with -o wide. */
export function tableFor(resource: string, opts: TableOptions): Table {
  const p = printerFor(resource);
  const shown = p.columns.map((c) => opts.wide || c.priority === 0);
  const headers = p.columns.filter((_, i) => shown[i]).map((c) => c.name.toUpperCase());
  if (opts.allNamespaces) headers.unshift('NAMESPACE');
  return {
    headers,
    row: (obj) => {
      const cells = p.cells(obj, { now: opts.now, wide: opts.wide })
        .filter((_, i) => shown[i])
        .map(cellText);
      return opts.allNamespaces ? [str(rec(rec(obj).metadata).namespace), ...cells] : cells;
    },
  };
}

/** Returns a cell as the table printer writes it: cut at the first line break (then "..."), ESC shown as "^[". */
export function sanitizeCell(cell: string): string {
  const br = cell.search(/[\f\n\r]/);
  const text = br >= 0 ? `${cell.slice(0, br)}...` : cell;
  return text.replaceAll('\x1b', '^[').replaceAll('\t', ' ');
}

/** Returns tab-joined lines (header first) of a table, before alignment. */
export const tableText = (headers: string[] | undefined, rows: string[][]): string =>
  [...(headers ? [headers.join('\t')] : []), ...rows.map((r) => r.map(sanitizeCell).join('\t'))].map((l) => `${l}\n`).join('');

/** Returns a table aligned as kubectl aligns it (3 spaces between columns, min width 6, last column unpadded). */
export function renderTable(headers: string[], rows: string[][]): string {
  const w = new TabWriter(GET_TABWRITER);
  w.write(tableText(headers, rows));
  return w.flush();
}

/** Returns kubectl's message (on stderr) for an empty list: "No resources found in <ns> namespace." or "No resources found". */
export const noResourcesMessage = (namespace?: string): string =>
  namespace ? `No resources found in ${namespace} namespace.` : 'No resources found';
