// kubectl describe's PrefixWriter over a tabwriter (minwidth 0, padding 2) and the shared multi-line field printers.
import { since, timeOf } from './duration.ts';
import { byString, int, rec, recs, str, strMap, type Obj } from '../../api/table/loose.ts';
import { DESCRIBE_TABWRITER, TabWriter } from './tabwriter.ts';

// printers.WriteEscaped: terminal escape characters are shown, never sent.
const escape = (s: string): string => s.replaceAll('\x1b', '^[').replaceAll('\r', '\\r');

/** Writes text at indentation levels of two spaces; '\t' separates aligned cells; flush() ends a run of alignment. */
export class DescribeWriter {
  private readonly tw = new TabWriter(DESCRIBE_TABWRITER);
  private out = '';

  /** Writes text indented by `level` × 2 spaces. */
  write(level: number, text: string): void {
    this.tw.write(escape('  '.repeat(level) + text));
  }

  /** Writes text and a newline with no indentation (WriteLine). */
  line(text: string): void {
    this.tw.write(escape(`${text}\n`));
  }

  /** Lays out everything written so far; later lines align on their own. */
  flush(): void {
    this.out += this.tw.flush();
  }

  /** Returns the whole output. */
  toString(): string {
    this.flush();
    return this.out;
  }
}

/** Returns s, or `<none>` when empty. */
export const orNone = (s: string): string => (s === '' ? '<none>' : s);

/** Prints `Title:\tk=v` with further labels on their own lines, sorted; `<none>` when there are none. */
export function printLabels(w: DescribeWriter, title: string, labels: unknown, initialIndent = '', innerIndent = '\t'): void {
  w.write(0, `${initialIndent}${title}:${innerIndent}`);
  const m = strMap(labels);
  const keys = Object.keys(m).sort(byString);
  if (keys.length === 0) return w.line('<none>');
  keys.forEach((k, i) => {
    if (i !== 0) w.write(0, `${initialIndent}${innerIndent}`);
    w.write(0, `${k}=${m[k]}\n`);
  });
}

/** Prints the Name, Namespace, Labels and Annotations lines most describers start with. */
export function printObjectMeta(w: DescribeWriter, meta: Obj): void {
  w.write(0, `Name:\t${str(meta.name)}\n`);
  w.write(0, `Namespace:\t${str(meta.namespace)}\n`);
  printLabels(w, 'Labels', meta.labels);
  printAnnotations(w, 'Annotations', meta.annotations);
}

const MAX_ANNOTATION_LEN = 140;
const SKIPPED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);
const shorten = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}...` : s);

/** Prints annotations as `key: value`, long or multi-line values below their key; last-applied-configuration is skipped. */
export function printAnnotations(w: DescribeWriter, title: string, annotations: unknown): void {
  w.write(0, `${title}:\t`);
  const m = strMap(annotations);
  const keys = Object.keys(m)
    .filter((k) => !SKIPPED_ANNOTATIONS.has(k))
    .sort(byString);
  if (keys.length === 0) return w.line('<none>');
  keys.forEach((k, i) => {
    if (i !== 0) w.write(0, '\t');
    const value = m[k].endsWith('\n') ? m[k].slice(0, -1) : m[k];
    if (value.length + k.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(0, `${k}:\n`);
      for (const s of value.split('\n')) w.write(0, `\t  ${shorten(s, MAX_ANNOTATION_LEN - 2)}\n`);
    } else w.write(0, `${k}: ${value}\n`);
  });
}

/** Returns a taint as Taint.ToString: "key=value:Effect", "key:Effect", "key=value:" or "key". */
export function taintString(t: Obj): string {
  const [key, value, effect] = [str(t.key), str(t.value), str(t.effect)];
  if (!effect) return value ? `${key}=${value}:` : key;
  return value ? `${key}=${value}:${effect}` : `${key}:${effect}`;
}

/** Prints taints sorted by effect then key, one per line. */
export function printTaints(w: DescribeWriter, title: string, taints: unknown): void {
  w.write(0, `${title}:\t`);
  const list = recs(taints);
  if (list.length === 0) return w.line('<none>');
  const key = (t: Obj) => `${str(t.effect)},${str(t.key)}`;
  [...list]
    .sort((a, b) => byString(key(a), key(b)))
    .forEach((t, i) => {
      if (i !== 0) w.write(0, '\t');
      w.write(0, `${taintString(t)}\n`);
    });
}

/** Prints tolerations sorted by key: "key=value:Effect op=Exists for 300s". */
export function printTolerations(w: DescribeWriter, title: string, tolerations: unknown, initialIndent = ''): void {
  w.write(0, `${initialIndent}${title}:\t`);
  const list = recs(tolerations);
  if (list.length === 0) return w.line('<none>');
  [...list]
    .sort((a, b) => byString(str(a.key), str(b.key)))
    .forEach((t, i) => {
      if (i !== 0) w.write(0, `${initialIndent}\t`);
      let s = str(t.key);
      if (str(t.value)) s += `=${str(t.value)}`;
      if (str(t.effect)) s += `:${str(t.effect)}`;
      if (t.operator === 'Exists' && !str(t.value)) s += str(t.key) || str(t.effect) ? ' op=Exists' : 'op=Exists';
      if (t.tolerationSeconds != null) s += ` for ${int(t.tolerationSeconds)}s`;
      w.write(0, `${s}\n`);
    });
}

// SortableEvents orders by the series' last observation, else lastTimestamp, else eventTime.
const eventTime = (e: Obj): number => timeOf(rec(e.series).lastObservedTime) ?? timeOf(e.lastTimestamp) ?? timeOf(e.eventTime) ?? -Infinity;

/** Prints the Events table (Type, Reason, Age, From, Message) oldest first, or `Events:\t<none>`. */
export function describeEvents(w: DescribeWriter, events: readonly unknown[], now: number): void {
  const list = events.map(rec);
  if (list.length === 0) return w.write(0, 'Events:\t<none>\n');
  w.flush();
  const sorted = list.map((e, i) => ({ e, i })).sort((a, b) => eventTime(a.e) - eventTime(b.e) || a.i - b.i);
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const { e } of sorted) {
    const first = timeOf(e.eventTime) !== undefined ? since(e.eventTime, now) : since(e.firstTimestamp, now);
    let interval = first;
    if (e.series != null) interval = `${since(rec(e.series).lastObservedTime, now)} (x${int(rec(e.series).count)} over ${first})`;
    else if (int(e.count) > 1) interval = `${since(e.lastTimestamp, now)} (x${int(e.count)} over ${first})`;
    const source = str(rec(e.source).component) || str(e.reportingController);
    w.write(1, `${str(e.type)}\t${str(e.reason)}\t${interval}\t${source}\t${str(e.message).trim()}\n`);
  }
}

/** Returns the controller of an object as "Kind/name", or '' when it has none. */
export function controlledBy(obj: unknown): string {
  const ref = recs(rec(rec(obj).metadata).ownerReferences).find((r) => r.controller === true);
  return ref ? `${str(ref.kind)}/${str(ref.name)}` : '';
}
