// The cluster DNS actor's lifecycle: syncing (the caches' first lists, as CoreDNS waits for its
// informers) → starting (bind UDP and TCP) → serving, where it keeps the kube-dns Service and
// Endpoints: at once, when they change, and every resync period; a failed write is retried.
// Pure: the effects are provided by dns.actor.ts.
import { assign, fromCallback, fromPromise, setup } from 'xstate';

/** The addon-keeping periods (shortened in tests). */
export interface DnsTimings {
  /** How often this server's Lease is renewed and the addon objects checked, even when nothing was seen to change. */
  resyncMs: number;
  /** How soon a failed addon write is tried again (doubling per failure, up to the resync period). */
  retryMs: number;
}

/** Resync every 10 s (the Lease lives 30 s); first retry after a second. */
export const DEFAULT_DNS_TIMINGS: DnsTimings = { resyncMs: 10_000, retryMs: 1_000 };

/** Where the server listens, once bound. */
export interface Listening {
  host: string;
  port: number;
}

/** The dns actor's lifecycle; effects (sync, listen, ensureAddon, watchAddon) are provided by dns.actor.ts. */
export const dnsMachine = setup({
  types: {
    context: {} as DnsTimings & { address: string; host?: string; port?: number; error?: string; addonWrites: number; addonFailures: number },
    input: {} as Partial<DnsTimings> & { address: string },
    events: {} as { type: 'addon.changed' },
  },
  actions: {
    listening: (_, _params: Listening) => {},
    failed: (_, _params: { error: string }) => {},
    addonFailed: (_, _params: { error: string }) => {},
  },
  actors: {
    sync: fromPromise<void>(async () => {}),
    listen: fromPromise<Listening, { address: string }>(async () => ({ host: '', port: 0 })),
    ensureAddon: fromPromise<number, Listening>(async () => 0),
    watchAddon: fromCallback(() => {}),
  },
  delays: {
    resync: ({ context }) => context.resyncMs,
    retry: ({ context }) => Math.min(context.resyncMs, context.retryMs * 2 ** Math.max(0, context.addonFailures - 1)),
  },
}).createMachine({
  id: 'dns',
  context: ({ input }) => ({
    address: input.address,
    resyncMs: input.resyncMs ?? DEFAULT_DNS_TIMINGS.resyncMs,
    retryMs: input.retryMs ?? DEFAULT_DNS_TIMINGS.retryMs,
    addonWrites: 0,
    addonFailures: 0,
  }),
  initial: 'syncing',
  states: {
    syncing: { invoke: { src: 'sync', onDone: 'starting' } },
    starting: {
      invoke: {
        src: 'listen',
        input: ({ context }) => ({ address: context.address }),
        onDone: {
          target: 'serving',
          actions: [
            assign({ host: ({ event }) => event.output.host, port: ({ event }) => event.output.port }),
            { type: 'listening', params: ({ event }) => event.output },
          ],
        },
        onError: {
          target: 'failed',
          actions: [
            assign({ error: ({ event }) => String((event.error as Error)?.message ?? event.error) }),
            { type: 'failed', params: ({ event }) => ({ error: String((event.error as Error)?.message ?? event.error) }) },
          ],
        },
      },
    },
    serving: {
      invoke: { src: 'watchAddon' },
      initial: 'ensuring',
      states: {
        ensuring: {
          invoke: {
            src: 'ensureAddon',
            input: ({ context }) => ({ host: context.host!, port: context.port! }),
            onDone: { target: 'idle', actions: assign({ addonWrites: ({ context, event }) => context.addonWrites + event.output, addonFailures: 0 }) },
            onError: {
              target: 'backingOff',
              actions: [
                assign({ addonFailures: ({ context }) => context.addonFailures + 1 }),
                { type: 'addonFailed', params: ({ event }) => ({ error: String((event.error as Error)?.message ?? event.error) }) },
              ],
            },
          },
        },
        idle: { after: { resync: 'ensuring' }, on: { 'addon.changed': 'ensuring' } },
        backingOff: { after: { retry: 'ensuring' } },
      },
    },
    failed: { type: 'final' },
  },
});
