// The gateway's lifecycle: starting (bind the HTTP address) → listening, or failed when the
// address cannot be bound. While listening, a gateway that advertises itself announces itself as
// an endpoint of the `kubernetes` Service at once and every interval; a failed announcement is
// retried sooner. Pure: the effects are provided by gateway.actor.ts.
import { assign, fromPromise, setup } from 'xstate';

/** How often the gateway announces itself, and how soon a failed announcement is retried. */
export interface AnnounceTimings {
  announceMs: number;
  retryMs: number;
}

export const gatewayMachine = setup({
  types: {
    context: {} as AnnounceTimings & { address: string; advertise: boolean; url?: string; error?: string; announceFailures: number },
    input: {} as Partial<AnnounceTimings> & { address: string; advertise?: boolean },
  },
  actions: {
    listening: (_, _params: { url: string }) => {},
    failed: (_, _params: { error: string }) => {},
    announceFailed: (_, _params: { error: string }) => {},
  },
  actors: {
    listen: fromPromise<string, { address: string }>(async () => ''),
    announce: fromPromise<number, { url: string }>(async () => 0),
  },
  guards: {
    advertises: ({ context }) => context.advertise,
  },
  delays: {
    announce: ({ context }) => context.announceMs,
    retry: ({ context }) => Math.min(context.announceMs, context.retryMs * 2 ** Math.max(0, context.announceFailures - 1)),
  },
}).createMachine({
  id: 'gateway',
  context: ({ input }) => ({
    address: input.address,
    advertise: input.advertise ?? false,
    announceMs: input.announceMs ?? 10_000,
    retryMs: input.retryMs ?? 1_000,
    announceFailures: 0,
  }),
  initial: 'starting',
  states: {
    starting: {
      invoke: {
        src: 'listen',
        input: ({ context }) => ({ address: context.address }),
        onDone: { target: 'listening', actions: [assign({ url: ({ event }) => event.output }), { type: 'listening', params: ({ event }) => ({ url: event.output }) }] },
        onError: {
          target: 'failed',
          actions: [assign({ error: ({ event }) => String((event.error as Error)?.message ?? event.error) }), { type: 'failed', params: ({ event }) => ({ error: String((event.error as Error)?.message ?? event.error) }) }],
        },
      },
    },
    listening: {
      initial: 'deciding',
      states: {
        deciding: { always: [{ guard: 'advertises', target: 'announcing' }, { target: 'quiet' }] },
        quiet: {},
        announcing: {
          invoke: {
            src: 'announce',
            input: ({ context }) => ({ url: context.url! }),
            onDone: { target: 'announced', actions: assign({ announceFailures: 0 }) },
            onError: {
              target: 'backingOff',
              actions: [assign({ announceFailures: ({ context }) => context.announceFailures + 1 }), { type: 'announceFailed', params: ({ event }) => ({ error: String((event.error as Error)?.message ?? event.error) }) }],
            },
          },
        },
        announced: { after: { announce: 'announcing' } },
        backingOff: { after: { retry: 'announcing' } },
      },
    },
    failed: { type: 'final' },
  },
});
