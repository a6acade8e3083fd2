// What client-go's EventCorrelator decides before an Event is written (tools/record/events_cache.go):
// similar Events about one object (same source, type and reason; from the 10th distinct message
// within 10 minutes on) are combined into one, and a token bucket per source and object (burst 25,
// then one per 5 minutes) drops the rest. A ReplicaSet creating 1,000 pods at once thus writes 25
// SuccessfulCreate Events, not 1,000, as upstream's controllers do. Pure: time is passed in.

/** Upstream's defaults (defaultAggregateMaxEvents, defaultAggregateIntervalInSeconds, defaultSpamBurst, defaultSpamQPS, maxLruCacheEntries). */
export const CORRELATOR_DEFAULTS = { maxSimilar: 10, similarWindowMs: 600_000, spamBurst: 25, spamPerMs: 1 / 300_000, maxEntries: 4096 };

/** Prefix of a combined Event's message (upstream's EventAggregatorByReasonMessageFunc). */
export const COMBINED = '(combined from similar events): ';

/** One Event to correlate: `object` names the involved object (kind, namespace, name, uid), `source` the reporter. */
export interface CorrelatedEvent {
  source: string;
  object: string;
  type: string;
  reason: string;
  message: string;
}

/** What to write: the cache key under which the Event's count is kept, and its message; or nothing (dropped as spam). */
export type Correlation = { skip: true } | { skip: false; key: string; message: string; combined: boolean };

interface Similar {
  messages: Set<string>;
  lastMs: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Combines similar Events and drops spam, per upstream's EventCorrelator. */
export class EventCorrelator {
  private readonly similar = new Map<string, Similar>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly o = CORRELATOR_DEFAULTS) {}

  /** Returns how to record `ev` at `nowMs`. */
  correlate(ev: CorrelatedEvent, nowMs: number): Correlation {
    const objectKey = `${ev.source}|${ev.object}`;
    const aggregateKey = `${objectKey}|${ev.type}|${ev.reason}`;
    let sim = recent(this.similar, aggregateKey);
    if (!sim || nowMs - sim.lastMs > this.o.similarWindowMs) {
      sim = { messages: new Set(), lastMs: nowMs };
      remember(this.similar, aggregateKey, sim, this.o.maxEntries);
    }
    sim.lastMs = nowMs;
    // As upstream: the message joins the set first; at maxSimilar distinct ones it is combined and one
    // message (here the oldest: a Set keeps insertion order) leaves, so the set stays at maxSimilar - 1.
    sim.messages.add(ev.message);
    const combined = sim.messages.size >= this.o.maxSimilar;
    if (combined) sim.messages.delete(sim.messages.values().next().value!);
    if (!this.take(objectKey, nowMs)) return { skip: true };
    return combined
      ? { skip: false, key: aggregateKey, message: COMBINED + ev.message, combined }
      : { skip: false, key: `${aggregateKey}|${ev.message}`, message: ev.message, combined };
  }

  /** Takes a token from the object's bucket (refilled at spamPerMs up to spamBurst); false when it is empty. */
  private take(key: string, nowMs: number): boolean {
    let b = recent(this.buckets, key);
    if (!b) {
      b = { tokens: this.o.spamBurst, atMs: nowMs };
      remember(this.buckets, key, b, this.o.maxEntries);
    }
    b.tokens = Math.min(this.o.spamBurst, b.tokens + (nowMs - b.atMs) * this.o.spamPerMs);
    b.atMs = nowMs;
    if (b.tokens < 1) return false;
    b.tokens--;
    return true;
  }
}

/** Returns a cache entry and makes it the most recently used (a Map iterates in insertion order). */
function recent<V>(m: Map<string, V>, key: string): V | undefined {
  const v = m.get(key);
  if (v !== undefined) {
    m.delete(key);
    m.set(key, v);
  }
  return v;
}

/** Adds an entry, forgetting the least recently used one past `max` (upstream's LRU caches of 4,096). */
function remember<V>(m: Map<string, V>, key: string, v: V, max: number): void {
  if (m.size >= max) m.delete(m.keys().next().value!);
  m.set(key, v);
}
