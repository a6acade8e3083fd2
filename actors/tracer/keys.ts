// Span keys: a span is named by its trace and span ids together (span ids repeat across traces
// when two connections draw from equal seeded generators).
import type { Span, StateNote } from './types.ts';

/** Returns the key of a span id within a trace. */
export const spanKey = (traceId: string, spanId: string) => `${traceId}/${spanId}`;

/** Returns the key of a span. */
export const keyOf = (s: { traceId: string; spanId: string }) => spanKey(s.traceId, s.spanId);

/** Returns the key of a span's parent (in the same trace), if it has one. */
export const parentKey = (s: Span) => (s.parentSpanId ? spanKey(s.traceId, s.parentSpanId) : undefined);

/** Returns the key of the span a state note was handling, if any. */
export const noteKey = (n: StateNote) => (n.spanId && n.traceId ? spanKey(n.traceId, n.spanId) : undefined);
