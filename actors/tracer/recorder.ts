// The trace recorder: a bus tap (a whole simulation's MemoryBroker) or the sink of the feeds of
// many processes. Keeps a bounded ring of spans and state notes and answers trace queries.
import type { InspectionEvent } from 'xstate';
import type { BusTap, DeliveredRecord, SentRecord } from '../../bus/tap.ts';
import { enrichSpans } from './enrich.ts';
import { causalOrder, filterTrace } from './filter.ts';
import { StateInspector } from './inspect.ts';
import { RecordNormalizer } from './normalize.ts';
import { TraceSampler } from './sampling.ts';
import { SpanStore } from './span-store.ts';
import type { DeliveredSummary, FeedBatch, SentSummary, StateNote, Trace, TraceQuery, TraceSampling } from './types.ts';

export interface TraceRecorderOptions {
  /** Spans kept (oldest dropped first); default 200,000. */
  capacity?: number;
  /** State notes kept; default a quarter of `capacity`. */
  noteCapacity?: number;
  /** Time of state notes made by `inspect` (the simulation's clock); default: the time of the last record. */
  now?: () => number;
  /** Held spans past which whole traces are sampled (see sampling.ts), at most `capacity`; default: never (the ring alone drops, counted). */
  sampleAbove?: number;
  /** The sparsest sampling (1 in this many traces); reaching the threshold there switches recording off. Default 1,024. */
  maxSampleRate?: number;
  /** Told once per change of the sampling (a power-of-two halving, or off); the caller prints or logs it. */
  onSampling?: (s: TraceSampling) => void;
}

/** What the recorder holds and has dropped. */
export interface RecorderStats {
  spans: number;
  notes: number;
  /** Spans and notes dropped by the ring. */
  evicted: number;
  /** Records and notes the feeds dropped before sending (over their rate cap). */
  droppedByFeeds: number;
  /** How the run is being sampled, once it is. */
  sampling?: TraceSampling;
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
  private sampler: TraceSampler;
  private readonly onSampling?: (s: TraceSampling) => void;

  constructor(opts: TraceRecorderOptions = {}) {
    const capacity = opts.capacity ?? 200_000;
    this.store = new SpanStore(capacity);
    this.sampler = new TraceSampler(opts.sampleAbove === undefined ? Infinity : Math.min(opts.sampleAbove, capacity), opts.maxSampleRate);
    this.onSampling = opts.onSampling;
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
    if (!this.sampler.keeps(r.traceId)) return this.sampler.skip();
    const s = this.normalizer.sent(r);
    if (s) this.store.addSent(s);
    this.checkSize();
  }

  /** BusTap: a message was delivered. */
  delivered(r: DeliveredRecord): void {
    this.seen(r.at);
    if (!this.sampler.keeps(r.traceId)) return;
    this.store.addDelivered(this.normalizer.delivered(r));
    this.checkSize();
  }

  /** Records an already summarised send or delivery (from a process's feed). */
  record(r: SentSummary | DeliveredSummary): void {
    if (!this.sampler.keeps(r.traceId)) return r.t === 's' ? this.sampler.skip() : undefined;
    if (r.t === 's') this.store.addSent(r);
    else this.store.addDelivered(r);
    this.checkSize();
  }

  /** Samples more sparsely (or switches off) each time the held spans reach the threshold; says so. */
  private checkSize(): void {
    if (this.store.size < this.sampler.threshold) return;
    while (this.store.size >= this.sampler.threshold && !this.sampler.off) {
      this.sampler.escalate();
      const keep = (t: string) => this.sampler.keeps(t);
      // Switched off: what is held stays; otherwise held traces no longer sampled go, notes too.
      if (!this.sampler.off) {
        this.sampler.dropped += this.store.retain(keep);
        this.notes = this.orderedNotes().filter((n) => !n.traceId || keep(n.traceId));
        this.noteHead = 0;
      }
      this.onSampling?.(this.sampler.state()!);
    }
  }

  /** Records a feed's batch. */
  ingest(batch: FeedBatch): void {
    for (const r of batch.records) this.record(r);
    for (const n of batch.notes) this.note(n);
    this.droppedByFeeds += batch.dropped;
  }

  /** Records a state change (unless it belongs to a trace the sampling leaves out). */
  note(n: StateNote): void {
    if (n.traceId && !this.sampler.keeps(n.traceId)) return;
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
    const t = filterTrace({ spans, notes: this.orderedNotes() }, q);
    const sampling = this.sampler.state();
    return sampling ? { ...t, sampling } : t;
  }

  private orderedNotes(): StateNote[] {
    const n = this.notes;
    return this.noteHead === 0 ? n.slice() : [...n.slice(this.noteHead), ...n.slice(0, this.noteHead)];
  }

  /** Returns what is held and what was dropped. */
  stats(): RecorderStats {
    const sampling = this.sampler.state();
    return { spans: this.store.size, notes: this.notes.length, evicted: this.store.evicted + this.notesEvicted, droppedByFeeds: this.droppedByFeeds, ...(sampling ? { sampling } : {}) };
  }

  /** Forgets every span and note. */
  clear(): void {
    this.store.clear();
    this.notes = [];
    this.noteHead = 0;
    this.notesEvicted = 0;
    this.droppedByFeeds = 0;
    this.sampler = new TraceSampler(this.sampler.threshold, this.sampler.maxRate);
  }
}
