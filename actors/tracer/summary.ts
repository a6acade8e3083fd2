// Message summaries: what a message is (`create pods`, `reply 409 Conflict`, `watch MODIFIED`) and
// which object it concerns (`pod/default/web`), from its subject and body alone. Pure and
// deterministic: the recorder keeps these and drops the body.
import { resourceFor } from '../../api/resources.ts';
import {
  APISERVER_STATS,
  SCHEDULER_EXPLAIN,
  componentStatus,
  parseApiSubject,
  requestInbox,
  unwatchSubject,
  watchConnOf,
  watchEvents,
  watchHeartbeat,
  watchInbox,
} from '../../bus/subjects.ts';
import { MAX_OBJECTS } from './types.ts';

/** What the recorder keeps of a message. */
export interface Summary {
  kind: string;
  object?: string;
  objects?: string[];
  objectCount?: number;
  detail?: string;
  reply?: boolean;
  /** For a watch request: the subject its events will arrive on (names their receiver). */
  watch?: string;
}

type Obj = { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown; generateName?: unknown; resourceVersion?: unknown }; status?: unknown; spec?: unknown };
type Rec = Record<string, unknown>;

const WATCH_PREFIX = watchInbox('');
const INBOX_PREFIX = requestInbox('');
const STATUS_PREFIX = componentStatus('');
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
const cut = (s: string, n = 80) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Returns the lowercased kind of a resource name (`pods` → `pod`), or the name itself. */
export function kindOfResource(resource: string): string {
  return (resourceFor(resource)?.kind ?? resource).toLowerCase();
}

/** Returns `kind/namespace/name` (or `kind/name` when cluster-scoped). */
export const ref = (kind: string, namespace: string | undefined, name: string) =>
  namespace ? `${kind.toLowerCase()}/${namespace}/${name}` : `${kind.toLowerCase()}/${name}`;

/** Returns the reference of an object (`pod/default/web`), or undefined when it has no name. */
export function objectRef(o: unknown, fallbackKind?: string, fallbackNs?: string): string | undefined {
  if (!isRec(o)) return undefined;
  const ob = o as Obj;
  const m = isRec(ob.metadata) ? ob.metadata : undefined;
  const kind = str(ob.kind) ?? fallbackKind;
  const name = str(m?.name) ?? (str(m?.generateName) ? `${m!.generateName as string}*` : undefined);
  if (!kind || !name) return undefined;
  return ref(kind, str(m?.namespace) ?? fallbackNs, name);
}

/** Returns a short state of an object: a pod's phase and node, a node's Ready, an event's reason; with `rv`, its resourceVersion. */
export function objectDetail(o: unknown, rv = false): string | undefined {
  if (!isRec(o)) return undefined;
  const ob = o as Obj;
  const status = isRec(ob.status) ? ob.status : undefined;
  const spec = isRec(ob.spec) ? ob.spec : undefined;
  const meta = isRec(ob.metadata) ? (ob.metadata as Rec) : undefined;
  const conds = Array.isArray(status?.conditions) ? (status!.conditions as Rec[]) : [];
  const ready = conds.find((c) => isRec(c) && c.type === 'Ready')?.status;
  const parts: Array<string | undefined> = [];
  if (ob.kind === 'Pod' || str(status?.phase)) {
    parts.push(str(status?.phase), ready === 'True' ? 'Ready' : undefined, str(spec?.nodeName) ? `on ${spec!.nodeName as string}` : undefined);
    if (meta?.deletionTimestamp) parts.push('terminating');
  } else if (ob.kind === 'Node' && ready) parts.push(`Ready=${String(ready)}`);
  else if (ob.kind === 'Event') parts.push(str((o as Rec).reason));
  const state = parts.filter(Boolean).join(' ');
  const version = rv ? str(meta?.resourceVersion) : undefined;
  return [state || undefined, version ? `rv ${version}` : undefined].filter(Boolean).join(', ') || undefined;
}

function apiRequest(resource: string, verb: string, data: unknown): Summary {
  const kind = kindOfResource(resource);
  const s: Summary = { kind: `${verb} ${resource}` };
  if (!isRec(data)) return s;
  // A batch (api/batch.ts): its items' verb, count and first names.
  if (verb === 'batch' && Array.isArray(data.items)) return batchSummary(resource, data.verb, data.items);
  const ns = str(data.namespace);
  const body = isRec(data.body) ? data.body : undefined;
  if (verb === 'bind') {
    const name = str(data.name) ?? str((body?.metadata as Rec | undefined)?.name);
    if (name) s.object = ref(kind, ns ?? str((body?.metadata as Rec | undefined)?.namespace), name);
    const target = isRec(body?.target) ? str((body!.target as Rec).name) : undefined;
    if (target) s.detail = `to ${target}`;
    return s;
  }
  if (body) {
    s.object = objectRef(body, resourceFor(resource)?.kind ?? kind, ns);
    if (verb === 'update-status' || verb === 'patch-status' || body.kind === 'Event') s.detail = objectDetail(body);
  } else if (str(data.name)) s.object = ref(kind, ns, data.name as string);
  const opts = isRec(data.watch) ? data.watch : isRec(data.list) ? data.list : undefined;
  if (opts) {
    const sel = [str(opts.labelSelector), str(opts.fieldSelector)].filter(Boolean).join(',');
    const where = [ns ? `in ${ns}` : undefined, sel || undefined].filter(Boolean).join(' ');
    if (where) s.detail = where;
    if (verb === 'watch' && str(opts.conn) && str(opts.id)) s.watch = watchEvents(opts.conn as string, opts.id as string);
  }
  return s;
}

function batchSummary(resource: string, verb: unknown, items: unknown[]): Summary {
  const names = items.map((i) => (isRec(i) ? (str(i.name) ?? str((isRec(i.body) ? (i.body.metadata as Rec | undefined) : undefined)?.name)) : undefined) ?? '?');
  return { kind: `batch ${str(verb) ?? '?'} ${resource}`, detail: `${items.length} items: ${names.slice(0, 3).join(', ')}${items.length > 3 ? ', …' : ''}` };
}

function replySummary(data: unknown): Summary {
  const s: Summary = { kind: 'reply', reply: true };
  if (!isRec(data)) return s;
  if (data.kind === 'Status') {
    const code = typeof data.code === 'number' ? data.code : undefined;
    s.kind = [`reply`, code, data.status === 'Success' ? undefined : str(data.reason)].filter((x) => x !== undefined).join(' ');
    if (data.status !== 'Success' && str(data.message)) s.detail = cut(data.message as string);
    // The object is the request's (details name no namespace): the recorder takes it from there.
    return s;
  }
  if (data.kind === 'WatchStarted') return { ...s, kind: 'reply watching' };
  if (data.kind === 'BatchReply' && Array.isArray(data.items)) {
    const failed = data.items.filter((i) => isRec(i) && i.kind === 'Status' && i.status === 'Failure').length;
    return { ...s, kind: 'reply batch', detail: `${data.items.length} items${failed ? `, ${failed} failed` : ''}` };
  }
  if (Array.isArray(data.items)) return { ...s, kind: 'reply 200', detail: `${data.items.length} items` };
  if (Array.isArray(data.unknown)) return { ...s, kind: 'reply heartbeat' };
  if (typeof data.found === 'boolean' && str(data.name)) return { ...s, kind: 'reply explain', object: ref('pod', str(data.namespace), data.name as string) };
  if (str(data.error)) return { ...s, kind: 'reply error', detail: cut(data.error as string) };
  const o = objectRef(data);
  if (o) return { ...s, kind: 'reply 200', object: o, detail: objectDetail(data, true) };
  return s;
}

function watchBatch(data: unknown): Summary {
  const events = isRec(data) && Array.isArray(data.events) ? (data.events as Rec[]) : undefined;
  if (!events) return { kind: 'watch' };
  const types: string[] = [];
  const distinct = new Set<string>();
  let last: unknown;
  for (const ev of events) {
    if (!isRec(ev)) continue;
    const type = str(ev.type) ?? '?';
    if (!types.includes(type)) types.push(type);
    if (type === 'BOOKMARK' || type === 'ERROR') continue;
    const o = objectRef(ev.object);
    if (!o) continue;
    distinct.add(o);
    last = ev.object;
  }
  const s: Summary = { kind: `watch ${types.join(',') || 'empty'}` };
  const objects = [...distinct].slice(0, MAX_OBJECTS);
  if (objects.length) s.object = objects[0];
  if (distinct.size > 1) {
    s.objects = objects;
    s.objectCount = distinct.size;
  }
  const first = events[0];
  if (types.length === 1 && types[0] === 'ERROR' && isRec(first?.object)) {
    const st = first.object as Rec;
    s.detail = [st.code, str(st.reason)].filter((x) => x !== undefined).join(' ');
  } else {
    const parts = [events.length > 1 ? `${events.length} events` : undefined, distinct.size === 1 ? objectDetail(last, true) : undefined].filter(Boolean);
    if (parts.length) s.detail = parts.join(', ');
  }
  return s;
}

/** Returns the summary of a message from its subject and body (body undefined: what the subject says). */
export function summarize(subject: string, data: unknown): Summary {
  const api = parseApiSubject(subject);
  if (api) return apiRequest(api.resource, api.verb, data);
  if (subject.startsWith(INBOX_PREFIX)) return replySummary(data);
  if (subject.startsWith(WATCH_PREFIX)) {
    if (subject === watchHeartbeat(watchConnOf(subject))) {
      const n = isRec(data) && Array.isArray(data.watches) ? data.watches.length : undefined;
      return n === undefined ? { kind: 'watch heartbeat' } : { kind: 'watch heartbeat', detail: `${n} watches` };
    }
    return watchBatch(data);
  }
  if (subject === SCHEDULER_EXPLAIN) {
    const name = isRec(data) ? str(data.name) : undefined;
    return name ? { kind: 'explain pods', object: ref('pod', str((data as Rec).namespace) ?? 'default', name) } : { kind: 'explain pods' };
  }
  if (subject === APISERVER_STATS) return { kind: 'stats' };
  if (subject.startsWith(STATUS_PREFIX)) return { kind: `status ${subject.slice(STATUS_PREFIX.length)}` };
  const t = subject.split('.');
  if (t.length === 5 && subject === unwatchSubject(t[2], t[4])) return { kind: 'unwatch' };
  return { kind: subject };
}
