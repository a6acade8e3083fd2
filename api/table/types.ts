// The shapes of server-side tables (meta.k8s.io Table, PartialObjectMetadata) and of one kind's columns.

/** A column of a Table, as upstream's TableColumnDefinition; priority 0 always shows, priority 1 with `-o wide`. */
export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

/** One cell: strings and integers (int64 on the wire), as upstream's printers emit them; null when a custom resource's column finds nothing (kubectl prints it blank). */
export type Cell = string | number | boolean | null;

/** How cells are computed: ages against `now` (ms); `wide` only undoes the legacy 16-byte clip of load-balancer IPs. */
export interface CellOptions {
  now: number;
  wide: boolean;
}

/** A row condition (metav1.TableRowCondition): pods that completed carry Completed=True. */
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The table columns of one resource: every column (wide ones too) and a function from object to one cell per column. */
export interface KindColumns {
  columns: readonly ColumnDefinition[];
  cells(obj: unknown, opts: CellOptions): Cell[];
  conditions?(obj: unknown): TableRowCondition[];
}

/** ListMeta of a Table or a PartialObjectMetadataList. */
export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** meta.k8s.io PartialObjectMetadata: an object's metadata only. */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: string;
  metadata: Record<string, unknown>;
}

/** meta.k8s.io PartialObjectMetadataList. */
export interface PartialObjectMetadataList {
  kind: 'PartialObjectMetadataList';
  apiVersion: string;
  metadata: ListMeta;
  items: PartialObjectMetadata[];
}

/** One row of a Table: its cells and, per includeObject, the object, its metadata, or null. */
export interface TableRow {
  cells: Cell[];
  conditions?: TableRowCondition[];
  object: unknown;
}

/** meta.k8s.io Table; columnDefinitions is null on watch events after the first, as upstream sends it. */
export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: ListMeta;
  columnDefinitions: ColumnDefinition[] | null;
  rows: TableRow[];
}

/** What a Table row carries besides its cells (the includeObject query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';
