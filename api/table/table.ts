// Server-side output forms (meta.k8s.io Table, PartialObjectMetadata, PartialObjectMetadataList) as pure functions of objects and `now`.
import type { PrinterColumn } from '../resource.ts';
import { columnsFor, columnsOf } from './columns.ts';
import { rec, str } from './loose.ts';
import type { IncludeObject, ListMeta, PartialObjectMetadata, PartialObjectMetadataList, Table, TableRow } from './types.ts';

/** Which resource's columns: its plural name, or a ResourceDef-like { plural, group, printerColumns } (a custom resource's columns). */
export type TableResource = string | { plural: string; group?: string; printerColumns?: readonly PrinterColumn[] };

/** The meta.k8s.io version a client asked for; both are served, as upstream does. */
export type MetaVersion = 'v1' | 'v1beta1';

/** Options of toTable: ages against `now` (ms); includeObject as the query parameter (default Metadata); noHeaders for watch events after the first. */
export interface ToTableOptions {
  now: number;
  includeObject?: IncludeObject;
  noHeaders?: boolean;
  version?: MetaVersion;
}

/** Returns true for a list (an object with an `items` array). */
export const isList = (v: unknown): boolean => Array.isArray(rec(v).items);

/** Returns a list's ListMeta with only the fields that are set (upstream's omitempty). */
export function listMetaOf(list: unknown): ListMeta {
  const m = rec(rec(list).metadata);
  const out: ListMeta = {};
  if (str(m.resourceVersion)) out.resourceVersion = str(m.resourceVersion);
  if (str(m.continue)) out.continue = str(m.continue);
  if (typeof m.remainingItemCount === 'number') out.remainingItemCount = m.remainingItemCount;
  return out;
}

/** Returns an object's metadata as meta.k8s.io PartialObjectMetadata (the metadata object is shared, not copied). */
export function toPartialObjectMetadata(obj: unknown, version: MetaVersion = 'v1'): PartialObjectMetadata {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: rec(rec(obj).metadata) };
}

/** Returns a list (`items` plus list metadata) as a PartialObjectMetadataList. */
export function toPartialObjectMetadataList(list: unknown, version: MetaVersion = 'v1'): PartialObjectMetadataList {
  const items = Array.isArray(rec(list).items) ? (rec(list).items as unknown[]) : [];
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMetaOf(list),
    items: items.map((o) => toPartialObjectMetadata(o, version)),
  };
}

const rowObject = (o: unknown, include: IncludeObject, version: MetaVersion): unknown => {
  if (include === 'None') return null;
  return include === 'Object' ? o : toPartialObjectMetadata(o, version);
};

/** Returns a Table of one object or of a list (or of an array of objects), with every column (wide ones at priority 1), as upstream's server-side printing. */
export function toTable(source: unknown, resource: TableResource, opts: ToTableOptions): Table {
  const version = opts.version ?? 'v1';
  const include = opts.includeObject ?? 'Metadata';
  const kind = typeof resource === 'string' ? columnsFor(resource) : columnsOf(resource);
  let items: unknown[];
  let metadata: ListMeta;
  if (Array.isArray(source)) [items, metadata] = [source, {}];
  else if (isList(source)) [items, metadata] = [rec(source).items as unknown[], listMetaOf(source)];
  else {
    const rv = str(rec(rec(source).metadata).resourceVersion);
    [items, metadata] = [[source], rv ? { resourceVersion: rv } : {}];
  }
  // The server prints wide (GenerateOptions{Wide: true}); clients choose columns by priority.
  const cellOpts = { now: opts.now, wide: true };
  const rows = items.map((o): TableRow => {
    const conditions = kind.conditions?.(o) ?? [];
    // Key order as upstream writes a row: cells, conditions (only when set), object.
    return { cells: kind.cells(o, cellOpts), ...(conditions.length > 0 ? { conditions } : {}), object: rowObject(o, include, version) };
  });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata,
    columnDefinitions: opts.noHeaders ? null : kind.columns.map((c) => ({ ...c })),
    rows,
  };
}
