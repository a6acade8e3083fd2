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
  object?: string;
  objects?: string[];
  objectCount?: number;
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

/** Remembers what the last answer held; `update` returns only what is new or changed since. */
export class FlowDiff {
  private spans = new Map<string, string>();
  private notes = new Set<string>();

  /** Returns what `spans` and `notes` (an answer: the recorder's current window) add or change; remembers only them, so memory follows the window, not the stream's life. */
  update(spans: WireSpan[], notes: WireNote[]): FlowChange {
    const out: FlowChange = { spans: [], notes: [] };
    const nextSpans = new Map<string, string>();
    const nextNotes = new Set<string>();
    for (const s of spans) {
      const k = wireKey(s);
      const sig = signature(s);
      if (this.spans.get(k) !== sig && nextSpans.get(k) !== sig) out.spans.push(s);
      nextSpans.set(k, sig);
    }
    for (const n of notes) {
      const k = noteKey(n);
      if (!this.notes.has(k) && !nextNotes.has(k)) out.notes.push(n);
      nextNotes.add(k);
    }
    this.spans = nextSpans;
    this.notes = nextNotes;
    return out;
  }

  /** Returns how many span and note keys are remembered (for tests). */
  get size(): number {
    return this.spans.size + this.notes.size;
  }
}

/** True when object ref `ref` (`kind/ns/name` or `kind/name`) is in `namespace` (undefined: cluster-scoped). */
const inScope = (ref: string, namespace: string | undefined) => {
  const parts = ref.split('/');
  return namespace ? parts.length === 3 && parts[1] === namespace : parts.length === 2;
};

/**
 * Returns `s` naming only objects in the flow target's namespace (cluster-scoped objects for a cluster-scoped
 * target): a watch batch lists up to 32 objects of any namespace, and the caller may only get the target.
 */
export function scopeSpan(s: WireSpan, namespace: string | undefined): WireSpan {
  const objects = s.objects;
  const objectOk = s.object === undefined || inScope(s.object, namespace);
  if (objectOk && (!objects || objects.every((o) => inScope(o, namespace)))) return s;
  const out: WireSpan = { ...s };
  delete out.objects;
  delete out.objectCount;
  delete out.object;
  const kept = (objects ?? (s.object !== undefined ? [s.object] : [])).filter((o) => inScope(o, namespace));
  if (kept.length) out.object = kept[0];
  if (kept.length > 1) {
    out.objects = kept;
    out.objectCount = kept.length;
  }
  return out;
}
