// Leader election (client-go's LeaderElector) as a machine: a follower tries to acquire the lock
// every retry period; a leader renews it every retry period and stops leading at once when it
// could not renew within the renew deadline (before its lease can run out for the others).
import { assign, fromPromise, setup } from 'xstate';

export interface ElectionTimings {
  /** How long others wait on a lease before taking it over (upstream 15 s). */
  leaseDurationMs: number;
  /** A leader that could not renew for this long stops leading (upstream 10 s; < leaseDuration). */
  renewDeadlineMs: number;
  /** How often to try (upstream 2 s). */
  retryPeriodMs: number;
}

export const DEFAULT_ELECTION: ElectionTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** The result of one attempt: whether we hold the lock, and when (the effect's clock). */
export interface Attempt {
  held: boolean;
  at: number;
}

export const leaderElectionMachine = setup({
  types: {
    context: {} as ElectionTimings & { renewedAt: number },
    input: {} as Partial<ElectionTimings>,
  },
  actions: {
    startedLeading: () => {},
    stoppedLeading: () => {},
  },
  actors: {
    attempt: fromPromise<Attempt>(async () => ({ held: false, at: 0 })),
  },
  delays: {
    retry: ({ context }) => context.retryPeriodMs,
  },
  guards: {
    held: (_, a: Attempt) => a.held,
    pastDeadline: ({ context }, a: Attempt) => a.at - context.renewedAt >= context.renewDeadlineMs,
  },
}).createMachine({
  id: 'leader-election',
  context: ({ input }) => ({
    leaseDurationMs: input.leaseDurationMs ?? DEFAULT_ELECTION.leaseDurationMs,
    renewDeadlineMs: input.renewDeadlineMs ?? DEFAULT_ELECTION.renewDeadlineMs,
    retryPeriodMs: input.retryPeriodMs ?? DEFAULT_ELECTION.retryPeriodMs,
    renewedAt: 0,
  }),
  initial: 'acquiring',
  states: {
    following: { after: { retry: 'acquiring' } },
    acquiring: {
      invoke: {
        src: 'attempt',
        onDone: [
          { guard: { type: 'held', params: ({ event }) => event.output }, target: 'leading', actions: assign({ renewedAt: ({ event }) => event.output.at }) },
          { target: 'following' },
        ],
        onError: 'following',
      },
    },
    leading: {
      entry: 'startedLeading',
      exit: 'stoppedLeading',
      initial: 'waiting',
      states: {
        waiting: { after: { retry: 'renewing' } },
        renewing: {
          invoke: {
            src: 'attempt',
            onDone: [
              { guard: { type: 'held', params: ({ event }) => event.output }, target: 'waiting', actions: assign({ renewedAt: ({ event }) => event.output.at }) },
              { guard: { type: 'pastDeadline', params: ({ event }) => event.output }, target: '#leader-election.following' },
              { target: 'waiting' },
            ],
            onError: 'waiting',
          },
        },
      },
    },
  },
});
