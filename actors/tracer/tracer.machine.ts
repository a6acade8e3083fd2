// The trace recorder's machine: it records what the feeds send and answers queries. Pure: the
// recorder itself and the replies are effects given by tracer.actor.ts.
import { assign, setup } from 'xstate';
import type { BusMessage } from '../../bus/types.ts';

/** Events of the recorder: a feed's batch arrived, a query arrived. */
export type TracerEvent = { type: 'spans.received'; msg: BusMessage } | { type: 'query.received'; msg: BusMessage };

/** Counters kept in the machine context (inspection, tests). */
export interface TracerStats {
  batches: number;
  queries: number;
}

/** The recorder's pure lifecycle; `record` and `answer` are provided by tracer.actor.ts. */
export const tracerMachine = setup({
  types: {
    context: {} as TracerStats,
    events: {} as TracerEvent,
  },
  actions: {
    record: (_, _params: { msg: BusMessage }) => {},
    answer: (_, _params: { msg: BusMessage }) => {},
  },
}).createMachine({
  id: 'tracer',
  context: { batches: 0, queries: 0 },
  initial: 'recording',
  states: {
    recording: {
      on: {
        'spans.received': {
          actions: [{ type: 'record', params: ({ event }) => ({ msg: event.msg }) }, assign({ batches: ({ context }) => context.batches + 1 })],
        },
        'query.received': {
          actions: [{ type: 'answer', params: ({ event }) => ({ msg: event.msg }) }, assign({ queries: ({ context }) => context.queries + 1 })],
        },
      },
    },
  },
});
