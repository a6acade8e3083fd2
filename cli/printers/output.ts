// `kubectl get -o name|json|yaml|wide` and watch output (`get -w`), as pure functions of objects and time.
import { stringify } from 'yaml';
import { rec, str } from '../../api/table/loose.ts';
import { resourceKind } from './resources.ts';
import { renderTable, tableFor, tableText } from './table.ts';
import { GET_TABWRITER, TabWriter } from './tabwriter.ts';
import type { OutputFormat, TableOptions, WatchEventLike } from './types.ts';

/** Options of formatOutput; `wide` is implied by the 'wide' format. */
export type OutputOptions = Omit<TableOptions, 'wide'> & { wide?: boolean };

/** Returns kubectl's List wrapper around items. */
export const listOf = (items: unknown[]): Record<string, unknown> => ({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } });

/** Returns `kind[.group]/name` as `-o name` prints it ("pod/web-1", "deployment.apps/web"). */
export function nameOf(resource: string, obj: unknown): string {
  const o = rec(obj);
  const known = resourceKind(resource);
  const apiVersion = str(o.apiVersion);
  const group = apiVersion ? (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '') : (known?.group ?? '');
  const kind = (str(o.kind) || known?.kind || resource).toLowerCase();
  return `${group ? `${kind}.${group}` : kind}/${str(rec(o.metadata).name)}`;
}

// Unstructured objects are maps, so Go's encoders print keys sorted.
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
  return out;
}

/** Returns JSON as kubectl prints it: keys sorted, 4-space indent, <>& escaped as Go's encoder does, trailing newline. */
export function toJson(value: unknown): string {
  const s = JSON.stringify(sortKeys(value), null, 4) ?? 'null';
  return `${s.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** Returns YAML as kubectl prints it (sigs.k8s.io/yaml): keys sorted, sequences not indented, YAML 1.1 quoting. */
export function toYaml(value: unknown): string {
  return stringify(sortKeys(value), { version: '1.1', indentSeq: false, sortMapEntries: true });
}

/** Returns `kubectl get` output for one object or a list of them in a format; a list prints nothing in table form when empty. */
export function formatOutput(resource: string, input: unknown, format: OutputFormat, opts: OutputOptions): string {
  const items = Array.isArray(input) ? input : [input];
  switch (format) {
    case 'name':
      return items.map((o) => `${nameOf(resource, o)}\n`).join('');
    case 'json':
      return toJson(Array.isArray(input) ? listOf(input) : input);
    case 'yaml':
      return toYaml(Array.isArray(input) ? listOf(input) : input);
    default: {
      if (items.length === 0) return '';
      const t = tableFor(resource, { ...opts, wide: format === 'wide' || opts.wide === true });
      return renderTable(t.headers, items.map((o) => t.row(o)));
    }
  }
}

/** Prints `kubectl get -w`: the header once, each flush aligned with widths remembered from earlier ones. */
export interface WatchPrinter {
  /** Returns the initial list (one flush), with the header if nothing was printed yet. */
  list(objs: unknown[]): string;
  /** Returns the line of one watch event (one flush). */
  event(ev: WatchEventLike): string;
}

const EVENT_TYPES: Record<string, string> = { ADDED: 'ADDED   ', MODIFIED: 'MODIFIED', DELETED: 'DELETED ', ERROR: 'ERROR   ' };

/** Returns a watch printer for a resource; with outputWatchEvents each row starts with the EVENT type, the list's as ADDED. */
export function watchPrinter(resource: string, opts: TableOptions & { outputWatchEvents?: boolean }): WatchPrinter {
  const w = new TabWriter(GET_TABWRITER);
  const t = tableFor(resource, opts);
  let headerDone = false;
  const print = (rows: { type: string; object: unknown }[]): string => {
    if (rows.length === 0) return '';
    const headers = opts.outputWatchEvents ? ['EVENT', ...t.headers] : t.headers;
    const cells = rows.map((r) => (opts.outputWatchEvents ? [EVENT_TYPES[r.type] ?? r.type, ...t.row(r.object)] : t.row(r.object)));
    w.write(tableText(headerDone ? undefined : headers, cells));
    headerDone = true;
    return w.flush();
  };
  return {
    list: (objs) => print(objs.map((object) => ({ type: 'ADDED', object }))),
    event: (ev) => print([ev]),
  };
}
