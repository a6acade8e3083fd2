// kube-proxy's sync loop as a machine (upstream's BoundedFrequencyRunner in spirit): wait until
// the Service and Endpoints caches are synced, then apply the rules; on any change apply again
// after a short debounce (changes during an apply queue one more); a failed apply is retried
// with exponential backoff. The effects (informers, nft) are given by proxy.actor.ts.
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import { backoffDelay, type BackoffPolicy } from '../../bus/backoff.ts';

export interface ProxyTimings {
  /** How long to gather changes before applying (bounds how fast rules follow a change). */
  debounceMs: number;
  /** Backoff between failed applies. */
  retry: BackoffPolicy;
}

export const DEFAULT_PROXY_TIMINGS: ProxyTimings = { debounceMs: 100, retry: { initialMs: 500, maxMs: 30_000, factor: 2 } };

/** Events: facts from the informers. */
export type ProxyEvent = { type: 'proxy.synced' } | { type: 'proxy.changed' };

/** What one apply did: the script now in the kernel (unchanged scripts are not re-sent). */
export interface ApplyResult {
  script: string;
}

export const proxyMachine = setup({
  types: {
    context: {} as ProxyTimings & { failures: number; dirty: boolean; applied: string },
    input: {} as Partial<ProxyTimings>,
    events: {} as ProxyEvent,
  },
  actions: {
    applied: (_, _result: ApplyResult) => {},
    failed: (_, _err: { error: unknown; retryInMs: number }) => {},
  },
  actors: {
    watch: fromCallback<ProxyEvent>(() => () => {}),
    apply: fromPromise<ApplyResult, { applied: string }>(async ({ input }) => ({ script: input.applied })),
  },
  delays: {
    debounce: ({ context }) => context.debounceMs,
    retry: ({ context }) => backoffDelay(context.failures, context.retry),
  },
}).createMachine({
  id: 'kube-proxy',
  context: ({ input }) => ({
    debounceMs: input.debounceMs ?? DEFAULT_PROXY_TIMINGS.debounceMs,
    retry: input.retry ?? DEFAULT_PROXY_TIMINGS.retry,
    failures: 0,
    dirty: false,
    applied: '',
  }),
  invoke: { src: 'watch' },
  initial: 'syncing',
  states: {
    syncing: { on: { 'proxy.synced': 'applying' } },
    idle: { on: { 'proxy.changed': 'pending' } },
    pending: { after: { debounce: 'applying' } },
    applying: {
      entry: assign({ dirty: false }),
      on: { 'proxy.changed': { actions: assign({ dirty: true }) } },
      invoke: {
        src: 'apply',
        input: ({ context }) => ({ applied: context.applied }),
        onDone: [
          {
            guard: ({ context }) => context.dirty,
            target: 'pending',
            actions: [assign({ applied: ({ event }) => event.output.script, failures: 0 }), { type: 'applied', params: ({ event }) => event.output }],
          },
          {
            target: 'idle',
            actions: [assign({ applied: ({ event }) => event.output.script, failures: 0 }), { type: 'applied', params: ({ event }) => event.output }],
          },
        ],
        onError: {
          target: 'retrying',
          actions: [
            assign({ failures: ({ context }) => context.failures + 1 }),
            { type: 'failed', params: ({ context, event }) => ({ error: event.error, retryInMs: backoffDelay(context.failures, context.retry) }) },
          ],
        },
      },
    },
    // Changes while waiting are picked up by the retry, which plans from the current caches.
    retrying: { after: { retry: 'applying' } },
  },
});
