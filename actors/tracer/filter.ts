// Trace filters (pure): by object (whole traces touching it), by trace id, by actor, by time window,
// with an optional focus on the object's own causal chain and a limit on the number of spans.
import { keyOf, noteKey, parentKey } from './keys.ts';
import type { Span, StateNote, Trace, TraceQuery } from './types.ts';

/** Returns a predicate on object references: exact, or any object the query is a prefix of. */
export function objectMatcher(object: string, exact = false): (o: string | undefined) => boolean {
  return exact ? (o) => o === object : (o) => o !== undefined && o.startsWith(object);
}

/** Returns true when a span concerns an object the predicate accepts. */
export const spanAbout = (s: Span, match: (o: string | undefined) => boolean) =>
  match(s.object) || (s.objects?.some(match) ?? false);

/** Returns true when an actor name (or prefix) names the sender or a receiver. */
export const spanTouches = (s: Span, actor: string) => s.from.startsWith(actor) || s.to.some((t) => t.startsWith(actor));

/** Returns the spans about the object, their causes up to the root, and their replies. */
function focusOn(spans: Span[], match: (o: string | undefined) => boolean): Span[] {
  const byKey = new Map(spans.map((s) => [keyOf(s), s]));
  const up = (s: Span) => {
    const p = parentKey(s);
    return p ? byKey.get(p) : undefined;
  };
  const keep = new Set<string>();
  for (const s of spans) {
    if (!spanAbout(s, match)) continue;
    for (let cur: Span | undefined = s; cur && !keep.has(keyOf(cur)); cur = up(cur)) keep.add(keyOf(cur));
  }
  for (const s of spans) {
    const p = s.reply ? up(s) : undefined;
    if (p && keep.has(keyOf(p)) && spanAbout(p, match)) keep.add(keyOf(s));
  }
  return spans.filter((s) => keep.has(keyOf(s)));
}

/** Returns the part of a trace a query asks for (all given fields must match). */
export function filterTrace(trace: Trace, q: TraceQuery): Trace {
  let spans = trace.spans;
  const match = q.object ? objectMatcher(q.object, q.exact) : undefined;
  if (q.traceId) spans = spans.filter((s) => s.traceId === q.traceId);
  if (match) {
    const touching = new Set(spans.filter((s) => spanAbout(s, match)).map((s) => s.traceId));
    spans = spans.filter((s) => touching.has(s.traceId));
    if (q.focus) spans = focusOn(spans, match);
  }
  if (q.actor) spans = spans.filter((s) => spanTouches(s, q.actor!));
  if (q.from !== undefined) spans = spans.filter((s) => s.sentAt >= q.from!);
  if (q.to !== undefined) spans = spans.filter((s) => s.sentAt <= q.to!);
  let truncated = trace.truncated ?? 0;
  if (q.limit !== undefined && spans.length > q.limit) {
    truncated += spans.length - q.limit;
    spans = spans.slice(spans.length - q.limit);
  }
  const out: Trace = { spans, notes: filterNotes(trace.notes, spans, q) };
  if (truncated) out.truncated = truncated;
  return out;
}

function filterNotes(notes: StateNote[], spans: Span[], q: TraceQuery): StateNote[] {
  let out = notes;
  if (q.object || q.traceId) {
    // A note belongs when the message being handled is kept (or, for a whole-trace query, its trace is).
    const ids = new Set(spans.map((s) => (q.focus ? keyOf(s) : s.traceId)));
    // Checked first, without building a key: most notes belong to other traces (a live view asks often).
    const traces = new Set(spans.map((s) => s.traceId));
    const match = q.object ? objectMatcher(q.object, q.exact) : undefined;
    const of = (n: StateNote) => (q.focus ? noteKey(n) : n.traceId);
    out = out.filter((n) => (n.traceId !== undefined && traces.has(n.traceId) && ids.has(of(n) ?? '')) || (match?.(n.object) ?? false));
  }
  if (q.actor) out = out.filter((n) => n.actor.startsWith(q.actor!));
  if (q.from !== undefined) out = out.filter((n) => n.at >= q.from!);
  if (q.to !== undefined) out = out.filter((n) => n.at <= q.to!);
  if (q.limit !== undefined && spans.length) out = out.filter((n) => n.at >= spans[0].sentAt);
  return out;
}

/** Returns spans in time order with every span after its parent (clocks of processes may tie or skew). */
export function causalOrder(spans: Span[]): Span[] {
  const present = new Set(spans.map(keyOf));
  const done = new Set<string>();
  const waiting = new Map<string, Span[]>();
  const out: Span[] = [];
  const emit = (s: Span) => {
    const stack = [s];
    while (stack.length) {
      const cur = stack.pop()!;
      out.push(cur);
      const k = keyOf(cur);
      done.add(k);
      const kids = waiting.get(k);
      if (kids) {
        waiting.delete(k);
        for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
      }
    }
  };
  for (const s of spans) {
    const p = parentKey(s);
    if (p && p !== keyOf(s) && present.has(p) && !done.has(p)) {
      const w = waiting.get(p);
      if (w) w.push(s);
      else waiting.set(p, [s]);
    } else emit(s);
  }
  // Left over only for malformed parent cycles: keep them, in their order.
  for (const s of spans) if (!done.has(keyOf(s))) emit(s);
  return out;
}
