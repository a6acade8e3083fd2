// kubectl's generic describer for kinds without their own: Name, Namespace, Labels, Annotations, then every other field.
import { describeEvents, DescribeWriter, printObjectMeta } from './describe-writer.ts';
import { rec, str } from '../../api/table/loose.ts';

type Cls = 'lower' | 'upper' | 'digit' | 'other';
const cls = (ch: string): Cls => (/\p{Ll}/u.test(ch) ? 'lower' : /\p{Lu}/u.test(ch) ? 'upper' : /\p{Nd}/u.test(ch) ? 'digit' : 'other');

/** Returns camel-case words as fatih/camelcase splits them: "HTTPServerPort" → HTTP, Server, Port. */
export function splitCamel(s: string): string[] {
  const runs: string[][] = [];
  let last: Cls | undefined;
  for (const ch of s) {
    const c = cls(ch);
    if (c === last) runs[runs.length - 1].push(ch);
    else runs.push([ch]);
    last = c;
  }
  for (let i = 0; i < runs.length - 1; i++)
    if (cls(runs[i][0]) === 'upper' && cls(runs[i + 1][0]) === 'lower') runs[i + 1].unshift(runs[i].pop()!);
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}

const ACRONYMS = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);

/** Returns a field name as describe labels it: "apiVersion" → "API Version"; names with non-letters (but '-') stay as they are. */
export function smartLabel(field: string): string {
  if ([...field].some((ch) => !/\p{L}/u.test(ch) && ch !== '-')) return field;
  return splitCamel(field)
    .filter((p) => p !== '_')
    .map((p) => (ACRONYMS.has(p.toUpperCase()) ? p.toUpperCase() : p.replace(/(^|[^\p{L}])(\p{L})/gu, (_, a: string, b: string) => a + b.toUpperCase())))
    .join(' ');
}

// Go's %v of a JSON value.
function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  return String(v);
}

const SKIP = new Set(['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);

function printContent(w: DescribeWriter, level: number, content: Record<string, unknown>, prefix: string): void {
  for (const field of Object.keys(content).sort()) {
    const value = content[field];
    const path = `${prefix}.${field}`;
    if (SKIP.has(path)) continue;
    if (Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      for (const child of value) {
        if (typeof child === 'object' && child !== null && !Array.isArray(child)) printContent(w, level + 1, child as Record<string, unknown>, path);
        else w.write(level + 1, `${goValue(child)}\n`);
      }
    } else if (typeof value === 'object' && value !== null) {
      w.write(level, `${smartLabel(field)}:\n`);
      printContent(w, level + 1, value as Record<string, unknown>, path);
    } else w.write(level, `${smartLabel(field)}:\t${goValue(value)}\n`);
  }
}

/** Returns the generic description of any object, with its events. */
export function describeGeneric(obj: unknown, events: readonly unknown[], now: number): string {
  const o = rec(obj);
  const m = rec(o.metadata);
  const w = new DescribeWriter();
  printObjectMeta(w, m);
  printContent(w, 0, o, '');
  describeEvents(w, events, now);
  return w.toString();
}
