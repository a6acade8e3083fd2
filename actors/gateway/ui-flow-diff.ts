// What a flow's stream sends on each poll: the spans that are new or changed since the last answer
// (a delivery added a receiver, the send arrived after its delivery) and the new state notes. Pure.
// The span shape is the trace recorder's wire format (actors/tracer/types.ts), repeated here as
// only the fields the diff reads: an actor never imports another's folder.

/** A span as the recorder sends it (other fields pass through untouched). */
export interface WireSpan {
  traceId: string;
  spanId: string;
  subject: string;
  from: string;
  to: string[];
  kind: string;
  sentAt: number;
  deliveredAt?: number;
  detail?: string;
  [more: string]: unknown;
}

/** A state note as the recorder sends it. */
export interface WireNote {
  actor: string;
  at: number;
  state: string;
  event: string;
  child?: string;
  spanId?: string;
  [more: string]: unknown;
}

/** Spans and notes to send (each span whole: the page replaces the one of the same key). */
export interface FlowChange {
  spans: WireSpan[];
  notes: WireNote[];
}

/** Returns the key the page files a span under (ids repeat across subjects when seeded generators do). */
export const wireKey = (s: WireSpan) => `${s.traceId}/${s.spanId}/${s.subject}`;

const signature = (s: WireSpan) => `${s.from}|${s.to.join(',')}|${s.kind}|${s.sentAt}|${s.deliveredAt ?? ''}|${s.detail ?? ''}`;
const noteKey = (n: WireNote) => `${n.actor}|${n.child ?? ''}|${n.at}|${n.state}|${n.spanId ?? ''}`;

/** Remembers what a stream sent; `update` returns only what is new or changed. */
export class FlowDiff {
  private readonly spans = new Map<string, string>();
  private readonly notes = new Set<string>();

  update(spans: WireSpan[], notes: WireNote[]): FlowChange {
    const out: FlowChange = { spans: [], notes: [] };
    for (const s of spans) {
      const k = wireKey(s);
      const sig = signature(s);
      if (this.spans.get(k) === sig) continue;
      this.spans.set(k, sig);
      out.spans.push(s);
    }
    for (const n of notes) {
      const k = noteKey(n);
      if (this.notes.has(k)) continue;
      this.notes.add(k);
      out.notes.push(n);
    }
    return out;
  }
}
