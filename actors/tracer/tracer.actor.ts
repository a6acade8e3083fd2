// The trace recorder actor (kind "tracer"): collects the span batches that processes publish on
// TRACE_SPANS and answers TraceQuery requests on TRACE_QUERY with a Trace. Any process may run it.
import { TRACE_QUERY, TRACE_SPANS } from '../../bus/subjects.ts';
import { defineActor } from '../lib/actor.ts';
import { TraceRecorder } from './recorder.ts';
import { tracerMachine } from './tracer.machine.ts';
import type { FeedBatch, Trace, TraceQuery } from './types.ts';

export interface TracerInput {
  /** Spans kept (oldest dropped first); default 200,000. */
  capacity?: number;
  /** At most this many spans per reply (the latest; the reply says how many were left out); default 5,000. */
  maxReplySpans?: number;
  /** Receives the recorder (tests, or a process that renders traces itself). */
  onRecorder?: (r: TraceRecorder) => void;
}

/** Returns true for something shaped as a FeedBatch. */
const isBatch = (d: unknown): d is FeedBatch =>
  typeof d === 'object' && d !== null && Array.isArray((d as FeedBatch).records) && Array.isArray((d as FeedBatch).notes);

/** The trace recorder actor; run it with id TRACER_ID so its own replies are not recorded. */
export const tracerActor = defineActor<TracerInput | undefined>({
  kind: 'tracer',
  logic(deps, input) {
    const recorder = new TraceRecorder({ capacity: input?.capacity });
    input?.onRecorder?.(recorder);
    const maxReply = input?.maxReplySpans ?? 5_000;
    return tracerMachine.provide({
      actions: {
        record: (_, { msg }) => {
          if (!isBatch(msg.data)) return void deps.log.warn({ subject: msg.subject }, 'tracer: dropped a malformed span batch');
          try {
            recorder.ingest(msg.data);
          } catch (err) {
            deps.log.warn({ err, source: msg.data.source }, 'tracer: a span batch could not be recorded');
          }
        },
        answer: (_, { msg }) => {
          let reply: Trace | { error: string };
          try {
            const q = (msg.data ?? {}) as TraceQuery;
            reply = recorder.trace({ ...q, limit: Math.min(q.limit ?? maxReply, maxReply) });
          } catch (err) {
            deps.log.error({ err }, 'tracer: query failed');
            reply = { error: (err as Error).message };
          }
          deps.bus.respond(msg, reply);
        },
      },
    });
  },
  bindings: () => [
    { subject: TRACE_SPANS, event: (msg) => ({ type: 'spans.received', msg }) },
    { subject: TRACE_QUERY, event: (msg) => ({ type: 'query.received', msg }) },
  ],
});
