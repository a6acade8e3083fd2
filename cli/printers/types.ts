// Shared shapes of the printers; imports nothing of ours.

/** How a table is printed: wide columns, a NAMESPACE column, and the time ages are measured against (ms). */
export interface TableOptions {
  wide: boolean;
  allNamespaces: boolean;
  now: number;
}

/** A column as the server-side printers define it; `wide` columns (priority 1) show only with -o wide. */
export interface ColumnDef {
  name: string;
  wide?: boolean;
}

/** Turns an object into the cells of the visible columns (wide ones only when opts.wide). */
export type CellsFn = (obj: unknown, opts: TableOptions) => string[];

/** The table printer of one resource. */
export interface KindPrinter {
  columns: ColumnDef[];
  cells: CellsFn;
}

/** Output formats of `get`. */
export type OutputFormat = 'table' | 'wide' | 'name' | 'json' | 'yaml';

/** A watch event as the API server sends it. */
export interface WatchEventLike {
  type: string;
  object: unknown;
}
