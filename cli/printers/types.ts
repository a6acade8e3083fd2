// Shared shapes of the printers; imports nothing of ours.

/** How a table is printed: wide columns, a NAMESPACE column, and the time ages are measured against (ms). */
export interface TableOptions {
  wide: boolean;
  allNamespaces: boolean;
  now: number;
}

/** Output formats of `get`. */
export type OutputFormat = 'table' | 'wide' | 'name' | 'json' | 'yaml';

/** A watch event as the API server sends it. */
export interface WatchEventLike {
  type: string;
  object: unknown;
}
