// The live bus view's numbers: messages per second per subject group and per actor, over a short
// sliding window of whole seconds, and each actor's current XState state, from the feeds' batches
// (every record a feed sent, before the recorder's sampling). Pure: time is passed in.
import { subjectGroup } from '../../bus/subjects.ts';
import type { FeedBatch, StateNote } from './types.ts';

/** Seconds the rates are averaged over (default). */
export const RATE_WINDOW_S = 5;
/** Subject groups and actors counted at most (the rest are summed under `other`). */
const MAX_KEYS = 2_000;
/** Child actors (pod workers ...) whose last state is kept, in all (oldest forgotten). */
const MAX_CHILDREN = 20_000;

/** One row of rates: a subject group or an actor. */
export interface RateRow {
  name: string;
  /** Messages per second over the window (sent for subjects; sent by an actor). */
  rate: number;
  /** Deliveries per second to the actor (actors only). */
  received?: number;
  /** Messages since the recorder started. */
  total: number;
}

/** An actor's current state, from its last state note. */
export interface ActorState {
  actor: string;
  /** Every active leaf (`running.lease.healthy, running.sync.idle`). */
  state: string;
  event: string;
  at: number;
  /** Its children's current states, counted (`Running: 3`), when it has any. */
  children?: Record<string, number>;
}

/** What TRACE_BUS answers. */
export interface BusSnapshot {
  at: number;
  windowSeconds: number;
  subjects: RateRow[];
  actors: RateRow[];
  states: ActorState[];
}

/** Counts per key in one-second buckets (at most `window` + 1 of them), with a running total. */
class Counter {
  readonly totals = new Map<string, number>();
  /** second → key → count. */
  private readonly buckets = new Map<number, Map<string, number>>();

  constructor(private readonly window: number) {}

  /** Counts one message in `second`; a new second drops the buckets older than the window (no snapshot may come for hours). */
  add(key: string, second: number): void {
    const k = this.totals.has(key) || this.totals.size < MAX_KEYS ? key : 'other';
    this.totals.set(k, (this.totals.get(k) ?? 0) + 1);
    let b = this.buckets.get(second);
    if (!b) {
      for (const s of this.buckets.keys()) if (s < second - this.window) this.buckets.delete(s);
      this.buckets.set(second, (b = new Map()));
    }
    b.set(k, (b.get(k) ?? 0) + 1);
  }

  /** Returns how many one-second buckets are held (for tests). */
  get bucketCount(): number {
    return this.buckets.size;
  }

  /** Returns key → count per second over the `window` whole seconds before `second`, dropping older buckets. */
  rates(second: number, window: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const [s, b] of this.buckets) {
      if (s < second - window) {
        this.buckets.delete(s);
        continue;
      }
      if (s >= second) continue; // the current second is not over
      for (const [k, n] of b) out.set(k, (out.get(k) ?? 0) + n / window);
    }
    return out;
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Rates per subject group and per actor, and actors' states, fed by FeedBatches. */
export class BusStats {
  private readonly subjects: Counter;
  private readonly sent: Counter;
  private readonly received: Counter;
  private readonly states = new Map<string, StateNote>();
  private readonly children = new Map<string, { actor: string; state: string }>();

  constructor(private readonly windowSeconds = RATE_WINDOW_S) {
    this.subjects = new Counter(windowSeconds);
    this.sent = new Counter(windowSeconds);
    this.received = new Counter(windowSeconds);
  }

  /** Returns the one-second buckets held by all counters (for tests: bounded by 3 × (window + 1)). */
  get bucketCount(): number {
    return this.subjects.bucketCount + this.sent.bucketCount + this.received.bucketCount;
  }

  /** Counts a batch's records (at `now`, the recorder's clock, so processes' clock skew does not matter) and keeps its notes' states. */
  ingest(batch: FeedBatch, now: number): void {
    const second = Math.floor(now / 1000);
    for (const r of batch.records) {
      if (r.t === 's') {
        this.subjects.add(subjectGroup(r.subject), second);
        if (r.from) this.sent.add(r.from, second);
      } else this.received.add(r.to, second);
    }
    for (const n of batch.notes) this.note(n);
  }

  /** Keeps an actor's (or a child's) latest state; a stopped child is forgotten. */
  note(n: StateNote): void {
    if (!n.child) {
      const prev = this.states.get(n.actor);
      if (!prev || prev.at <= n.at) this.states.set(n.actor, n);
      return;
    }
    const key = `${n.actor}/${n.child}`;
    this.children.delete(key);
    if (n.stopped) return;
    this.children.set(key, { actor: n.actor, state: n.value ?? n.state });
    if (this.children.size > MAX_CHILDREN) this.children.delete(this.children.keys().next().value!);
  }

  /** Returns the rates over the last whole seconds and every actor's state. */
  snapshot(now: number): BusSnapshot {
    const second = Math.floor(now / 1000);
    const w = this.windowSeconds;
    const subj = this.subjects.rates(second, w);
    const sent = this.sent.rates(second, w);
    const recv = this.received.rates(second, w);
    const subjects = [...this.subjects.totals].map(([name, total]) => ({ name, rate: round(subj.get(name) ?? 0), total }));
    const names = new Set([...this.sent.totals.keys(), ...this.received.totals.keys()]);
    const actors = [...names].map((name) => ({
      name,
      rate: round(sent.get(name) ?? 0),
      received: round(recv.get(name) ?? 0),
      total: (this.sent.totals.get(name) ?? 0) + (this.received.totals.get(name) ?? 0),
    }));
    const byRate = (a: RateRow, b: RateRow) => b.rate + (b.received ?? 0) - (a.rate + (a.received ?? 0)) || b.total - a.total || a.name.localeCompare(b.name);
    const kids = new Map<string, Record<string, number>>();
    for (const c of this.children.values()) {
      const k = kids.get(c.actor) ?? {};
      k[c.state] = (k[c.state] ?? 0) + 1;
      kids.set(c.actor, k);
    }
    const states: ActorState[] = [...this.states.values()].map((n) => {
      const s: ActorState = { actor: n.actor, state: n.value ?? n.state, event: n.event, at: n.at };
      const k = kids.get(n.actor);
      if (k) s.children = k;
      return s;
    });
    for (const [actor, k] of kids) if (!this.states.has(actor)) states.push({ actor, state: '', event: '', at: 0, children: k });
    states.sort((a, b) => a.actor.localeCompare(b.actor));
    return { at: now, windowSeconds: w, subjects: subjects.sort(byRate), actors: actors.sort(byRate), states };
  }
}
