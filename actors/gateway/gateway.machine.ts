// The gateway's lifecycle: starting (bind the HTTP address) → listening, or failed when the
// address cannot be bound. Pure: the listen effect is provided by gateway.actor.ts.
import { assign, fromPromise, setup } from 'xstate';

export const gatewayMachine = setup({
  types: {
    context: {} as { address: string; url?: string; error?: string },
    input: {} as { address: string },
  },
  actions: {
    listening: (_, _params: { url: string }) => {},
    failed: (_, _params: { error: string }) => {},
  },
  actors: {
    listen: fromPromise<string, { address: string }>(async () => ''),
  },
}).createMachine({
  id: 'gateway',
  context: ({ input }) => ({ address: input.address }),
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
    listening: {},
    failed: { type: 'final' },
  },
});
