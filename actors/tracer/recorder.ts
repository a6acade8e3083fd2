// The trace recorder: a bus tap (a whole simulation's MemoryBroker) or the sink of the feeds of
// many processes. Keeps a bounded ring of spans and state notes and answers trace queries.
import type { InspectionEvent } from 'xstate';
import type { BusTap, DeliveredRecord, SentRecord } from '../../bus/tap.ts';
import { enrichSpans } from './enrich.ts';
import { causalOrder, filterTrace } from './filter.ts';
import { StateInspector } from './inspect.ts';
import { RecordNormalizer } from './normalize.ts';
import { SpanStore } from './span-store.ts';
import type { DeliveredSummary, FeedBatch, SentSummary, StateNote, Trace, TraceQuery } from './types.ts';

export interface TraceRecorderOptions {
  /** Spans kept (oldest dropped first); default 200,000. */
  capacity?: number;
  /** State notes kept; default a quarter of `capacity`. */
  noteCapacity?: number;
  /** Time of state notes made by `inspect` (the simulation's clock); default: the time of the last record. */
  now?: () => number;
}

/** What the recorder holds and has dropped. */
export interface RecorderStats {
  spans: number;
  notes: number;
  /** Spans and notes dropped by the ring. */
  evicted: number;
  /** Records and notes the feeds dropped before sending (over their rate cap). */
  droppedByFeeds: number;
}

/** Collects spans (from bus records or feed batches) and state notes; answers TraceQuery. */
export class TraceRecorder implements BusTap {
  private readonly store: SpanStore;
  private readonly normalizer = new RecordNormalizer();
  private readonly inspector: StateInspector;
  private notes: StateNote[] = [];
  private noteHead = 0;
  private readonly noteCapacity: number;
  private notesEvicted = 0;
  private droppedByFeeds = 0;
  private lastAt = 0;
  /** Notes made (on the default clock) before any message was recorded: dated with the first one. */
  private undated: StateNote[] = [];
  private readonly dated: boolean;

  constructor(opts: TraceRecorderOptions = {}) {
    const capacity = opts.capacity ?? 200_000;
    this.store = new SpanStore(capacity);
    this.noteCapacity = opts.noteCapacity ?? Math.max(1, Math.floor(capacity / 4));
    this.inspector = new StateInspector(opts.now ?? (() => this.lastAt));
    this.dated = opts.now !== undefined;
  }

  private seen(at: number): void {
    this.lastAt = at;
    if (!this.undated.length) return;
    for (const n of this.undated) n.at = at;
    this.undated = [];
  }

  /** BusTap: a message was sent. */
  sent(r: SentRecord): void {
    this.seen(r.at);
    const s = this.normalizer.sent(r);
    if (s) this.store.addSent(s);
  }

  /** BusTap: a message was delivered. */
  delivered(r: DeliveredRecord): void {
    this.seen(r.at);
    this.store.addDelivered(this.normalizer.delivered(r));
  }

  /** Records an already summarised send or delivery (from a process's feed). */
  record(r: SentSummary | DeliveredSummary): void {
    if (r.t === 's') this.store.addSent(r);
    else this.store.addDelivered(r);
  }

  /** Records a feed's batch. */
  ingest(batch: FeedBatch): void {
    for (const r of batch.records) this.record(r);
    for (const n of batch.notes) this.note(n);
    this.droppedByFeeds += batch.dropped;
  }

  /** Records a state change. */
  note(n: StateNote): void {
    if (this.notes.length < this.noteCapacity) this.notes.push(n);
    else {
      this.notes[this.noteHead] = n;
      this.noteHead = (this.noteHead + 1) % this.noteCapacity;
      this.notesEvicted++;
    }
  }

  /** XState inspection hook (HostEnv.inspect): a note when an actor's state value changes. */
  inspect = (ev: InspectionEvent): void => {
    const n = this.inspector.inspect(ev);
    if (!n) return;
    if (!this.dated && this.lastAt === 0) this.undated.push(n);
    this.note(n);
  };

  /** Returns the spans and notes a query asks for, in causal order. */
  trace(q: TraceQuery = {}): Trace {
    const traces = q.traceId ? [q.traceId] : q.object ? this.store.tracesOf(q.object, q.exact) : undefined;
    const spans = enrichSpans(causalOrder(this.store.spans(traces)));
    return filterTrace({ spans, notes: this.orderedNotes() }, q);
  }

  private orderedNotes(): StateNote[] {
    const n = this.notes;
    return this.noteHead === 0 ? n.slice() : [...n.slice(this.noteHead), ...n.slice(0, this.noteHead)];
  }

  /** Returns what is held and what was dropped. */
  stats(): RecorderStats {
    return { spans: this.store.size, notes: this.notes.length, evicted: this.store.evicted + this.notesEvicted, droppedByFeeds: this.droppedByFeeds };
  }

  /** Forgets every span and note. */
  clear(): void {
    this.store.clear();
    this.notes = [];
    this.noteHead = 0;
    this.notesEvicted = 0;
    this.droppedByFeeds = 0;
  }
}
