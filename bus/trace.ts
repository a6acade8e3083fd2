// Trace context: W3C traceparent headers and the span of the message being handled.
import { AsyncLocalStorage } from 'node:async_hooks';

export const TRACEPARENT = 'traceparent';
export const ACTOR_HEADER = 'kubus-actor';

export interface SpanContext {
  traceId: string; // 32 hex
  spanId: string; // 16 hex
}

/** What is being handled right now: the message's span and the actor handling it. */
export interface HandlingContext {
  span?: SpanContext;
  actor?: string;
}

/** Where the context of the message being handled is kept. */
interface Carrier {
  getStore(): HandlingContext | undefined;
  run<T>(ctx: HandlingContext, fn: () => T): T;
}

const acrossAwaits = new AsyncLocalStorage<HandlingContext>();
let held: HandlingContext | undefined;
/** The context of the synchronous part of a handler only: after an await, none. */
const synchronous: Carrier = {
  getStore: () => held,
  run(ctx, fn) {
    const outer = held;
    held = ctx;
    try {
      return fn();
    } finally {
      held = outer;
    }
  },
};
let storage: Carrier = acrossAwaits;

/**
 * Whether the context follows awaits (the default) or stops at a handler's first await, for a process
 * that records no trace (`kubus scenario run` without --trace). AsyncLocalStorage turns on Node 20's
 * promise hooks for every promise in the process: ~20 % of a simulation's CPU. Without them, what a
 * handler sends after an await starts a trace of its own and names the connection as its sender;
 * nothing else reads either.
 */
export function followAwaits(on: boolean): void {
  if (on === (storage === acrossAwaits)) return;
  storage = on ? acrossAwaits : synchronous;
  if (!on) acrossAwaits.disable();
}

/** Returns the context of the message being handled (follows awaits), if any. */
export const currentContext = (): HandlingContext | undefined => storage.getStore();

/** Runs fn as the handling of a message: what it publishes (even after awaits) is a child of `span`. */
export function runHandling<T>(ctx: HandlingContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** Runs fn outside any message: what it publishes starts a new trace (periodic loops use this). */
export function runAsRoot<T>(actor: string | undefined, fn: () => T): T {
  return storage.run({ actor }, fn);
}

const TP = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
let lastHeader = '';
let lastSpan: SpanContext | undefined;

/** Returns the span context of a traceparent header, or undefined when malformed. */
export function parseTraceparent(header: string | undefined): SpanContext | undefined {
  if (!header) return undefined;
  // A message reaching several subscribers is parsed once.
  if (header === lastHeader) return lastSpan;
  lastHeader = header;
  lastSpan = TP.test(header) ? { traceId: header.slice(3, 35), spanId: header.slice(36, 52) } : undefined;
  return lastSpan;
}

/** Returns the traceparent header of a span context (sampled). */
export function formatTraceparent(ctx: SpanContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-01`;
}

/** Outgoing headers, and the span they carry when this stamping made it (undefined: the caller's own traceparent, kept). */
export interface Stamped {
  headers: Record<string, string>;
  span?: SpanContext;
}

/** Returns outgoing headers: `base` plus a traceparent that is a child of the current span, and the sender. */
export function stampHeaders(base: Record<string, string> | undefined, hex: (bytes: number) => string, sender: string) {
  return stamp(base, hex, sender).headers;
}

/** stampHeaders, and the span it made: an in-process receiver reads it instead of parsing the header again. */
export function stamp(base: Record<string, string> | undefined, hex: (bytes: number) => string, sender: string): Stamped {
  const ctx = storage.getStore();
  if (!base) {
    // The common case in one literal (one shape): no copy, one look at the context.
    const span = { traceId: ctx?.span?.traceId ?? hex(16), spanId: hex(8) };
    return { headers: { traceparent: formatTraceparent(span), 'kubus-actor': ctx?.actor ?? sender }, span };
  }
  // Built key by key (base's keys in their order, then the two of ours), as `{ ...base }` plus two
  // keyed stores would: the spread of a reply's headers and its stores were ~3 % of a steady hour.
  // Own keys only, as the spread; an own `__proto__` key (JSON.parse makes one) would set the copy's
  // prototype when stored, so such headers are spread.
  const keys = Object.keys(base);
  const spread = keys.includes('__proto__');
  const h: Record<string, string> = spread ? { ...base } : {};
  let hasParent = false;
  let hasActor = false;
  for (const k of keys) {
    const v = base[k];
    if (!spread) h[k] = v;
    if (k === TRACEPARENT) hasParent = !!v;
    else if (k === ACTOR_HEADER) hasActor = !!v;
  }
  let span: SpanContext | undefined;
  if (!hasParent) {
    span = { traceId: ctx?.span?.traceId ?? hex(16), spanId: hex(8) };
    h.traceparent = formatTraceparent(span);
  }
  if (!hasActor) h['kubus-actor'] = ctx?.actor ?? sender;
  return span ? { headers: h, span } : { headers: h };
}
