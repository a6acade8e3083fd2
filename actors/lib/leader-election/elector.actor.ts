// The leader-elector actor: runs the election machine against a Lease and calls back when this
// process starts or stops leading (the runtime then starts or stops the elected actors).
import { fromPromise } from 'xstate';
import { ApiClient } from '../../../bus/client.ts';
import { defineActor } from '../actor.ts';
import { withDefaults } from '../options.ts';
import { LeaseLock, type LockRef } from './lease-lock.ts';
import { DEFAULT_ELECTION, leaderElectionMachine, type ElectionTimings } from './leader-election.machine.ts';

export interface ElectorInput extends Partial<ElectionTimings> {
  lock: LockRef;
  /** Unique among candidates (upstream: hostname_uuid). */
  identity: string;
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

export const electorActor = defineActor<ElectorInput>({
  kind: 'leader-elector',
  logic(deps, input) {
    const timings = withDefaults(DEFAULT_ELECTION, input);
    // A lock request that takes longer than a retry period is as good as failed.
    const client = new ApiClient(deps.bus, { clock: deps.clock, timeoutMs: timings.retryPeriodMs });
    const lock = new LeaseLock(client, deps.clock, input.lock, input.identity, timings.leaseDurationMs);
    deps.onStop(() =>
      lock.release().catch((err: Error) => deps.log.warn({ err: err.message }, 'could not release the leader lease')),
    );
    return leaderElectionMachine.provide({
      actors: { attempt: fromPromise(async () => ({ held: await lock.tryAcquireOrRenew(), at: deps.clock.now() })) },
      actions: {
        startedLeading: () => {
          deps.log.info({ lock: `${input.lock.namespace}/${input.lock.name}`, identity: input.identity }, 'started leading');
          input.onStartedLeading();
        },
        stoppedLeading: () => {
          deps.log.warn({ lock: `${input.lock.namespace}/${input.lock.name}`, identity: input.identity }, 'stopped leading');
          input.onStoppedLeading();
        },
      },
    });
  },
});
