// The API server's lifecycle: starting (bootstrap; requests refused) → serving (requests answered
// by the `requests` actor it invokes, watch heartbeats, bookmarks, compaction on timers) → failed.
// Pure: effects are provided by apiserver.actor.ts.
import { fromCallback, fromPromise, setup } from 'xstate';
import type { BusMessage } from '../../bus/types.ts';

export interface ApiServerTimings {
  /** Watch heartbeats to each client connection. */
  heartbeatMs: number;
  /** BOOKMARK events to watches that asked for them (upstream: about once a minute). */
  bookmarkMs: number;
  /** History kept before compaction (upstream: 5 minutes). */
  compactMs: number;
}

export const DEFAULT_TIMINGS: ApiServerTimings = { heartbeatMs: 10_000, bookmarkMs: 60_000, compactMs: 5 * 60_000 };

/** Returns the timings asked for, with upstream defaults for the rest. */
export const timingsOf = (input: Partial<ApiServerTimings>): ApiServerTimings => ({
  heartbeatMs: input.heartbeatMs ?? DEFAULT_TIMINGS.heartbeatMs,
  bookmarkMs: input.bookmarkMs ?? DEFAULT_TIMINGS.bookmarkMs,
  compactMs: input.compactMs ?? DEFAULT_TIMINGS.compactMs,
});

/** An API request: the `requests` actor takes it while serving, the machine refuses it otherwise. */
export type ApiRequested = { type: 'api.requested'; msg: BusMessage };

/** systemId of the actor that answers requests while serving (the binding of API requests sends to it). */
export const REQUESTS_ACTOR = 'requests';

export type ApiServerEvent =
  | ApiRequested
  | { type: 'watch.stop.requested'; msg: BusMessage }
  | { type: 'stats.requested'; msg: BusMessage };

export const apiserverMachine = setup({
  types: {
    context: {} as ApiServerTimings & { error?: string },
    input: {} as Partial<ApiServerTimings>,
    events: {} as ApiServerEvent,
  },
  actions: {
    refuse: (_, _params: { msg: BusMessage; why: string }) => {},
    unwatch: (_, _params: { msg: BusMessage }) => {},
    stats: (_, _params: { msg: BusMessage }) => {},
    announce: () => {},
    heartbeat: () => {},
    bookmark: () => {},
    compact: () => {},
    reportFailure: (_, _params: { error: unknown }) => {},
  },
  actors: {
    bootstrap: fromPromise<void>(async () => {}),
    /** Answers each API request it receives (one per request; no transition of the machine each). */
    requests: fromCallback<ApiRequested>(() => {}),
  },
  delays: {
    heartbeat: ({ context }) => context.heartbeatMs,
    bookmark: ({ context }) => context.bookmarkMs,
    compaction: ({ context }) => context.compactMs,
  },
}).createMachine({
  id: 'apiserver',
  context: ({ input }) => timingsOf(input),
  initial: 'starting',
  states: {
    starting: {
      invoke: {
        src: 'bootstrap',
        onDone: 'serving',
        onError: { target: 'failed', actions: { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) } },
      },
      on: {
        'api.requested': {
          actions: { type: 'refuse', params: ({ event }) => ({ msg: event.msg, why: 'the API server is starting' }) },
        },
      },
    },
    serving: {
      type: 'parallel',
      entry: 'announce',
      invoke: { src: 'requests', systemId: REQUESTS_ACTOR },
      on: {
        'watch.stop.requested': { actions: { type: 'unwatch', params: ({ event }) => ({ msg: event.msg }) } },
        'stats.requested': { actions: { type: 'stats', params: ({ event }) => ({ msg: event.msg }) } },
      },
      states: {
        heartbeats: {
          initial: 'waiting',
          states: { waiting: { after: { heartbeat: { target: 'waiting', reenter: true, actions: 'heartbeat' } } } },
        },
        bookmarks: {
          initial: 'waiting',
          states: { waiting: { after: { bookmark: { target: 'waiting', reenter: true, actions: 'bookmark' } } } },
        },
        compaction: {
          initial: 'waiting',
          states: { waiting: { after: { compaction: { target: 'waiting', reenter: true, actions: 'compact' } } } },
        },
      },
    },
    failed: { type: 'final' },
  },
});
