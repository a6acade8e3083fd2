// Tracing in a process: a feed taps the process's bus connection and the XState inspection of its
// hosts, summarises each record at once (bodies are never kept), and publishes batches on
// TRACE_SPANS (a locked connection: its identity's span subject) every ~100 ms for a recorder; over a
// cap per interval it drops and counts.
import type { InspectionEvent } from 'xstate';
import { RecordNormalizer } from '../actors/tracer/normalize.ts';
import { StateInspector } from '../actors/tracer/inspect.ts';
import { tracerActor, type TracerInput } from '../actors/tracer/tracer.actor.ts';
import { TRACER_ID, type DeliveredSummary, type FeedBatch, type SentSummary, type StateNote } from '../actors/tracer/types.ts';
import { TRACE_SPANS, traceSpans } from '../bus/subjects.ts';
import type { BusTap, DeliveredRecord, SentRecord } from '../bus/tap.ts';
import { runAsRoot } from '../bus/trace.ts';
import { silentLogger, type Bus, type Logger } from '../bus/types.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import type { Host } from './host.ts';
import { startNodes, type NodeProcess, type NodesOptions } from './node.ts';

export interface TraceFeedOptions {
  /** How often a batch goes out (default 100 ms). */
  intervalMs?: number;
  /** Records and notes kept per interval; the rest is dropped and counted (default 20,000, i.e. 200,000/s). */
  maxPerInterval?: number;
  /** Records per published message (keeps each under NATS's default 1 MB payload; default 2,000). */
  chunk?: number;
  log?: Logger;
}

/** A bus that can be tapped (NatsBus; MemoryBroker for a whole simulation). */
export type Tappable = { tap: BusTap | undefined };

/** Taps one bus connection (and hosts' inspection) and publishes what it saw on TRACE_SPANS. */
export class TraceFeed implements BusTap {
  private readonly normalizer = new RecordNormalizer();
  private readonly inspector = new StateInspector(() => Date.now());
  private records: Array<SentSummary | DeliveredSummary> = [];
  private notes: StateNote[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastDropWarn = 0;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly max: number;
  private readonly chunk: number;
  private readonly log: Logger;
  /** Batches published and records dropped over the feed's life. */
  readonly totals = { batches: 0, records: 0, notes: 0, dropped: 0 };

  constructor(
    private readonly bus: Bus,
    opts: TraceFeedOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 100;
    this.max = opts.maxPerInterval ?? 20_000;
    this.chunk = opts.chunk ?? 2_000;
    this.log = opts.log ?? silentLogger;
  }

  /** BusTap: a message this connection sent. */
  sent(r: SentRecord): void {
    if (!this.room()) return;
    const s = this.normalizer.sent(r);
    if (s) this.push(s);
  }

  /** BusTap: a message delivered on this connection. */
  delivered(r: DeliveredRecord): void {
    if (this.room()) this.push(this.normalizer.delivered(r));
  }

  /** Inspection hook for a Host: a note when an actor's state value changes. */
  inspect = (ev: InspectionEvent): void => {
    const n = this.inspector.inspect(ev);
    if (!n || !this.room()) return;
    if (n.actor === TRACER_ID) return;
    this.notes.push(n);
    this.arm();
  };

  private room(): boolean {
    if (this.stopped) return false;
    if (this.records.length + this.notes.length < this.max) return true;
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropWarn > 10_000) {
      this.lastDropWarn = now;
      this.log.warn({ maxPerInterval: this.max, intervalMs: this.intervalMs }, 'trace feed: over its cap; dropping spans (counted)');
    }
    return false;
  }

  private push(r: SentSummary | DeliveredSummary): void {
    this.records.push(r);
    this.arm();
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Publishes what was gathered since the last batch. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const records = this.records;
    const notes = this.notes;
    const dropped = this.dropped;
    if (!records.length && !notes.length && !dropped) return;
    this.records = [];
    this.notes = [];
    this.dropped = 0;
    const source = this.bus.name;
    // On a locked bus, behind this connection's identity (its permission pins it; the recorder keeps only its own actors' spans).
    const subject = this.bus.identity ? traceSpans(this.bus.identity) : TRACE_SPANS;
    runAsRoot(undefined, () => {
      try {
        for (let i = 0; i === 0 || i < records.length; i += this.chunk) {
          const batch: FeedBatch = { source, records: records.slice(i, i + this.chunk), notes: i === 0 ? notes : [], dropped: i === 0 ? dropped : 0 };
          this.bus.publish(subject, batch);
          this.totals.batches++;
        }
        this.totals.records += records.length;
        this.totals.notes += notes.length;
        this.totals.dropped += dropped;
      } catch (err) {
        this.log.warn({ err, records: records.length }, 'trace feed: could not publish a batch; dropped');
      }
    });
  }

  /** Publishes the last batch and stops recording. */
  stop(): void {
    this.flush();
    this.stopped = true;
  }
}

export interface TracingOptions {
  /** Also run a recorder (the tracer actor) in this process. */
  recorder?: boolean | TracerInput;
  feed?: TraceFeedOptions;
}

/** Turns tracing on for a process: a recorder first if asked, then a feed on its bus and its host. */
export async function startTracing(bus: Bus & Tappable, host: Host | undefined, opts: TracingOptions = {}): Promise<TraceFeed> {
  if (opts.recorder && host) {
    host.start(tracerActor, TRACER_ID, opts.recorder === true ? undefined : opts.recorder);
    await bus.flush(); // the recorder's subscription is live before anything is published
  }
  const feed = new TraceFeed(bus, opts.feed);
  bus.tap = feed;
  host?.inspect(feed.inspect);
  return feed;
}

/** Starts `kubus node`'s kubelets with tracing on: their connection is tapped before they start. */
export async function startTracedNodes(opts: NodesOptions, feedOpts: TraceFeedOptions = {}): Promise<NodeProcess> {
  const bus = await NatsBus.connect({ servers: opts.nats, name: `node/${opts.name}`, log: opts.log, credentials: opts.credentials });
  const feed = await startTracing(bus, undefined, { feed: { log: opts.log, ...feedOpts } });
  const nodes = await startNodes(opts, bus);
  nodes.host.inspect(feed.inspect);
  return {
    ...nodes,
    async stop() {
      await nodes.stop();
      feed.stop();
      await bus.drain().catch(() => bus.close());
    },
  };
}
