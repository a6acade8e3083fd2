// Turns the bus's raw send and delivery records into summaries at once (the body is dropped), and
// names the receiver of watch events: the actor that asked for the watch.
import type { DeliveredRecord, SentRecord } from '../../bus/tap.ts';
import { summarize } from './summary.ts';
import { TRACER_ID, type DeliveredSummary, type SentSummary } from './types.ts';

/** Watch subjects and pending request inboxes remembered (oldest forgotten first). */
const MAX_WATCHES = 100_000;
const MAX_PENDING = 10_000;

/** Remembers key → value in a Map bounded to `max` entries (oldest dropped). */
function remember(m: Map<string, string>, key: string, value: string, max: number): void {
  m.delete(key);
  m.set(key, value);
  if (m.size > max) m.delete(m.keys().next().value!);
}

/** Summarises records of one bus (a process's connection, or a whole simulation). */
export class RecordNormalizer {
  private readonly watchers = new Map<string, string>();
  /** Reply subject of a request in flight → the actor that asked (MemoryBus names only the connection). */
  private readonly pending = new Map<string, string>();

  /** Returns the summary of a send, or undefined for the recorder's own replies. */
  sent(r: SentRecord): SentSummary | undefined {
    if (r.from === TRACER_ID) return undefined;
    const s = summarize(r.subject, r.data);
    if (s.watch && r.from) remember(this.watchers, s.watch, r.from, MAX_WATCHES);
    if (r.reply && r.from) remember(this.pending, r.reply, r.from, MAX_PENDING);
    const out: SentSummary = { t: 's', traceId: r.traceId, spanId: r.spanId, from: r.from, subject: r.subject, kind: s.kind, at: r.at };
    if (r.parentSpanId) out.parentSpanId = r.parentSpanId;
    if (s.object) out.object = s.object;
    if (s.objects) out.objects = s.objects;
    if (s.objectCount) out.objectCount = s.objectCount;
    if (s.detail) out.detail = s.detail;
    if (s.reply) out.reply = true;
    return out;
  }

  /** Returns the summary of a delivery; the receiver is the actor, else the watch's owner, else the connection. */
  delivered(r: DeliveredRecord): DeliveredSummary {
    let to = r.to ?? this.watchers.get(r.subject);
    if (to === undefined) {
      to = this.pending.get(r.subject);
      if (to !== undefined) this.pending.delete(r.subject);
      else to = r.conn;
    }
    const out: DeliveredSummary = { t: 'd', traceId: r.traceId, spanId: r.spanId, to, subject: r.subject, at: r.at };
    const from = (r as DeliveredRecord & { from?: string }).from;
    if (from) out.from = from;
    return out;
  }
}
