// Observing what crosses a bus, for the trace recorder: every message sent (a span, child of the
// message being handled) and every delivery of it to an actor.
import { isClusterLogSubject, isTraceSubject } from './subjects.ts';
import { ACTOR_HEADER, currentContext, parseTraceparent, TRACEPARENT } from './trace.ts';

export interface SentRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** The sending actor (or the connection's name). */
  from: string;
  subject: string;
  /** The message body as sent (the recorder summarises it; it must not keep it). */
  data: unknown;
  /** Set when this is a request: replies go there. */
  reply?: string;
  at: number;
}

export interface DeliveredRecord {
  traceId: string;
  spanId: string;
  /** The receiving actor (undefined: a plain subscriber, e.g. a CLI). */
  to?: string;
  /** The receiving connection. */
  conn: string;
  subject: string;
  at: number;
}

/** Receives send and delivery records; must be cheap and never throw. */
export interface BusTap {
  sent(r: SentRecord): void;
  delivered(r: DeliveredRecord): void;
}

/** Subjects never recorded: the recorder's own traffic, and shipped container logs (volume, not flow). */
export const untapped = (subject: string) => isTraceSubject(subject) || isClusterLogSubject(subject);

/** Returns the record of a message being sent with these (already stamped) headers. */
export function sentRecord(headers: Record<string, string>, subject: string, data: unknown, reply: string | undefined, at: number): SentRecord | undefined {
  const span = parseTraceparent(headers[TRACEPARENT]);
  if (!span) return undefined;
  const r: SentRecord = { traceId: span.traceId, spanId: span.spanId, from: headers[ACTOR_HEADER] ?? '', subject, data, at };
  const parent = currentContext()?.span?.spanId;
  if (parent) r.parentSpanId = parent;
  if (reply) r.reply = reply;
  return r;
}

/** Returns the record of a delivery, or undefined when the message carries no trace context. */
export function deliveredRecord(headers: Record<string, string>, subject: string, conn: string, to: string | undefined, at: number): DeliveredRecord | undefined {
  const span = parseTraceparent(headers[TRACEPARENT]);
  if (!span) return undefined;
  const r: DeliveredRecord = { traceId: span.traceId, spanId: span.spanId, conn, subject, at };
  if (to) r.to = to;
  return r;
}
