// The trace recorder actor (kind "tracer"): collects the span batches that processes publish on
// TRACE_SPANS and answers TraceQuery requests on TRACE_QUERY with a Trace, and the bus view's rates
// and actors' states on TRACE_BUS. Any process may run it.
// A callback actor: it has no lifecycle, only three kinds of message, each handled as it comes.
import { fromCallback } from 'xstate';
import { spanPublisher, TRACE_BUS, TRACE_QUERY, TRACE_SPANS, TRACE_SPANS_OF_ANY } from '../../bus/subjects.ts';
import type { BusMessage } from '../../bus/types.ts';
import { defineActor } from '../lib/actor.ts';
import { BusStats } from './bus-stats.ts';
import { TraceRecorder } from './recorder.ts';
import { ownedBatch } from './span-owner.ts';
import { DEFAULT_SAMPLE_THRESHOLD, samplingText } from './sampling.ts';
import type { FeedBatch, Trace, TraceQuery } from './types.ts';

export interface TracerInput {
  /** Spans kept (oldest dropped first); default 200,000. */
  capacity?: number;
  /** Held spans past which whole traces are sampled (1 in 2, then 4 ...; logged at warn); default and at most `capacity`. */
  sampleAbove?: number;
  /** At most this many spans per reply (the latest; the reply says how many were left out); default 5,000. */
  maxReplySpans?: number;
  /** Receives the recorder (tests, or a process that renders traces itself). */
  onRecorder?: (r: TraceRecorder) => void;
}

/** Events of the recorder: a feed's batch arrived, a query arrived, a bus view's query arrived. */
export type TracerEvent =
  | { type: 'spans.received'; msg: BusMessage }
  | { type: 'query.received'; msg: BusMessage }
  | { type: 'bus.queried'; msg: BusMessage };

/** Returns true for something shaped as a FeedBatch. */
const isBatch = (d: unknown): d is FeedBatch =>
  typeof d === 'object' && d !== null && Array.isArray((d as FeedBatch).records) && Array.isArray((d as FeedBatch).notes);

/** The trace recorder actor; run it with id TRACER_ID so its own replies are not recorded. */
export const tracerActor = defineActor<TracerInput | undefined>({
  kind: 'tracer',
  logic(deps, input) {
    const recorder = new TraceRecorder({
      capacity: input?.capacity,
      sampleAbove: input?.sampleAbove ?? input?.capacity ?? DEFAULT_SAMPLE_THRESHOLD,
      onSampling: (s) => deps.log.warn({ rate: s.rate, threshold: s.threshold, off: s.off, dropped: s.dropped }, `tracer: ${samplingText(s)}`),
    });
    input?.onRecorder?.(recorder);
    const stats = new BusStats();
    const maxReply = input?.maxReplySpans ?? 5_000;
    const record = (received: BusMessage) => {
      if (!isBatch(received.data)) return void deps.log.warn({ subject: received.subject }, 'tracer: dropped a malformed span batch');
      // On a locked bus every feed publishes behind its identity's token: a batch without one is no one's.
      const publisher = spanPublisher(received.subject);
      if (publisher === undefined && deps.bus.identity) return void deps.log.warn({ subject: received.subject }, 'tracer: dropped a span batch without its identity');
      const { batch, refused } = ownedBatch(received.data, publisher);
      if (refused) deps.log.warn({ source: batch.source, refused }, 'tracer: dropped spans of actors the publishing identity does not run');
      const msg = { ...received, data: batch };
      try {
        stats.ingest(msg.data, deps.clock.now());
        recorder.ingest(msg.data);
      } catch (err) {
        deps.log.warn({ err, source: msg.data.source }, 'tracer: a span batch could not be recorded');
      }
    };
    const answer = (msg: BusMessage) => {
      let reply: Trace | { error: string };
      try {
        const q = (msg.data ?? {}) as TraceQuery;
        reply = recorder.trace({ ...q, limit: Math.min(q.limit ?? maxReply, maxReply) });
      } catch (err) {
        deps.log.error({ err }, 'tracer: query failed');
        reply = { error: (err as Error).message };
      }
      deps.bus.respond(msg, reply);
    };
    return fromCallback<TracerEvent>(({ receive }) => {
      receive((ev) => {
        if (ev.type === 'spans.received') record(ev.msg);
        else if (ev.type === 'query.received') answer(ev.msg);
        else deps.bus.respond(ev.msg, stats.snapshot(deps.clock.now()));
      });
    });
  },
  bindings: () => [
    { subject: TRACE_SPANS, event: (msg) => ({ type: 'spans.received', msg }) },
    { subject: TRACE_SPANS_OF_ANY, event: (msg) => ({ type: 'spans.received', msg }) },
    { subject: TRACE_QUERY, event: (msg) => ({ type: 'query.received', msg }) },
    { subject: TRACE_BUS, event: (msg) => ({ type: 'bus.queried', msg }) },
  ],
});
