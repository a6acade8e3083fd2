// The recorder's memory: spans assembled from send and delivery summaries (in any order), in a
// bounded ring (oldest dropped first) with indexes by trace and by object.
import { spanKey } from './keys.ts';
import { summarize } from './summary.ts';
import type { DeliveredSummary, SentSummary, Span } from './types.ts';

interface Entry {
  span: Span;
  /** Arrival order: ties on time are broken by it, so output is deterministic. */
  seq: number;
  /** True once the send itself was recorded (a delivery may come first). */
  sent: boolean;
}

/** Returns the objects a span is about (indexed for `trace({object})`). */
export const objectsOf = (s: Span): string[] => s.objects ?? (s.object ? [s.object] : []);

/** Spans by id, bounded, with indexes; what TraceRecorder queries. */
export class SpanStore {
  private readonly entries = new Map<string, Entry>();
  private readonly byTrace = new Map<string, Set<string>>();
  private readonly byObject = new Map<string, Map<string, number>>();
  private seq = 0;
  /** Spans dropped because the ring was full. */
  evicted = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** Records a send: fills the span a delivery may have opened, or opens it. */
  addSent(r: SentSummary): void {
    let e = this.find(r.traceId, r.spanId, r.subject);
    if (e?.sent) return;
    if (!e) e = this.open(r.traceId, r.spanId, r.subject, r.at);
    else this.unindexObjects(e.span);
    const s = e.span;
    e.sent = true;
    s.from = r.from;
    s.kind = r.kind;
    s.sentAt = r.at;
    if (r.parentSpanId) s.parentSpanId = r.parentSpanId;
    if (r.object) s.object = r.object;
    if (r.objects) s.objects = r.objects;
    if (r.objectCount) s.objectCount = r.objectCount;
    if (r.detail) s.detail = r.detail;
    if (r.reply) s.reply = true;
    this.indexObjects(s);
  }

  /** Records a delivery: adds its receiver to the span (opened from the subject if its send is not known yet). */
  addDelivered(r: DeliveredSummary): void {
    let e = this.find(r.traceId, r.spanId, r.subject);
    if (!e) {
      e = this.open(r.traceId, r.spanId, r.subject, r.at);
      const sum = summarize(r.subject, undefined);
      e.span.kind = sum.kind;
      if (sum.reply) e.span.reply = true;
    }
    const s = e.span;
    if (!e.sent && r.from && !s.from) s.from = r.from;
    if (!s.to.includes(r.to)) s.to.push(r.to);
    if (s.deliveredAt === undefined || r.at < s.deliveredAt) s.deliveredAt = r.at;
  }

  /** Returns the span of these ids and subject (ids alone may repeat when seeded generators do). */
  private find(traceId: string, spanId: string, subject: string): Entry | undefined {
    const key = spanKey(traceId, spanId);
    const e = this.entries.get(key);
    return !e || e.span.subject === subject ? e : this.entries.get(`${key}|${subject}`);
  }

  private open(traceId: string, spanId: string, subject: string, at: number): Entry {
    const e: Entry = { span: { traceId, spanId, from: '', to: [], subject, kind: '', sentAt: at }, seq: this.seq++, sent: false };
    let key = spanKey(traceId, spanId);
    if (this.entries.has(key)) key = `${key}|${subject}`;
    this.entries.set(key, e);
    let t = this.byTrace.get(traceId);
    if (!t) this.byTrace.set(traceId, (t = new Set()));
    t.add(key);
    while (this.entries.size > this.capacity) this.evictOldest();
    return e;
  }

  private evictOldest(): void {
    const [id, e] = this.entries.entries().next().value!;
    this.entries.delete(id);
    this.evicted++;
    const t = this.byTrace.get(e.span.traceId);
    t?.delete(id);
    if (t?.size === 0) this.byTrace.delete(e.span.traceId);
    this.unindexObjects(e.span);
  }

  /** Drops every span of the traces `keep` refuses (whole traces, for sampling); returns how many spans went. */
  retain(keep: (traceId: string) => boolean): number {
    let removed = 0;
    for (const [traceId, ids] of this.byTrace) {
      if (keep(traceId)) continue;
      for (const id of ids) {
        const e = this.entries.get(id)!;
        this.entries.delete(id);
        this.unindexObjects(e.span);
        removed++;
      }
      this.byTrace.delete(traceId);
    }
    return removed;
  }

  private indexObjects(s: Span): void {
    for (const o of objectsOf(s)) {
      let m = this.byObject.get(o);
      if (!m) this.byObject.set(o, (m = new Map()));
      m.set(s.traceId, (m.get(s.traceId) ?? 0) + 1);
    }
  }

  private unindexObjects(s: Span): void {
    for (const o of objectsOf(s)) {
      const m = this.byObject.get(o);
      if (!m) continue;
      const n = (m.get(s.traceId) ?? 0) - 1;
      if (n > 0) m.set(s.traceId, n);
      else m.delete(s.traceId);
      if (m.size === 0) this.byObject.delete(o);
    }
  }

  /** Returns the ids of the traces touching an object (exactly, or any object it is a prefix of). */
  tracesOf(object: string, exact = false): Set<string> {
    const out = new Set<string>();
    const add = (m: Map<string, number> | undefined) => m?.forEach((_, t) => out.add(t));
    if (exact) add(this.byObject.get(object));
    else for (const [o, m] of this.byObject) if (o.startsWith(object)) add(m);
    return out;
  }

  /** Returns the spans of some traces (all spans when `traces` is undefined), oldest first. */
  spans(traces?: Iterable<string>): Span[] {
    let es: Entry[];
    if (!traces) es = [...this.entries.values()];
    else {
      es = [];
      for (const t of traces) for (const id of this.byTrace.get(t) ?? []) es.push(this.entries.get(id)!);
    }
    es.sort((a, b) => a.span.sentAt - b.span.sentAt || a.seq - b.seq);
    return es.map((e) => e.span);
  }

  clear(): void {
    this.entries.clear();
    this.byTrace.clear();
    this.byObject.clear();
    this.evicted = 0;
  }
}
