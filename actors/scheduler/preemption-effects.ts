// Carrying out a preemption (upstream prepareCandidate): each victim gets the DisruptionTarget
// condition, is deleted gracefully and gets a Preempted event; lower-priority pods nominated to
// the node lose their nomination.
import type { Condition } from '../../api/kinds/common.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { rfc3339 } from '../../api/names.ts';
import { isNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Informer } from '../../bus/informer.ts';
import type { Logger } from '../../bus/types.ts';
import type { EventRecorder } from '../lib/events.ts';
import { DISRUPTION_TARGET, PREEMPTION_BY_SCHEDULER } from './preemption.ts';
import type { Preemption } from './scheduler.machine.ts';

/** What evicting needs from the scheduler's runtime. */
export interface EvictDeps {
  client: ApiClient;
  log: Logger;
  events: EventRecorder;
  pods: Informer<Pod>;
  now: () => number;
  schedulerName: string;
}

/** Returns the victim's conditions with DisruptionTarget=True (PreemptionByScheduler), or undefined when it has it already. */
export function withDisruptionTarget(pod: Pod, schedulerName: string, now: number): Condition[] | undefined {
  const conds = pod.status?.conditions ?? [];
  if (conds.some((c) => c.type === DISRUPTION_TARGET && c.status === 'True' && c.reason === PREEMPTION_BY_SCHEDULER)) return undefined;
  const cond: Condition = {
    type: DISRUPTION_TARGET,
    status: 'True',
    reason: PREEMPTION_BY_SCHEDULER,
    message: `${schedulerName}: preempting to accommodate a higher priority pod`,
    lastTransitionTime: rfc3339(now),
  };
  return [...conds.filter((c) => c.type !== DISRUPTION_TARGET), cond];
}

async function evictOne(v: Preemption['victims'][number], p: Preemption, d: EvictDeps): Promise<void> {
  const pod = d.pods.get(v.key);
  if (!pod || pod.metadata.deletionTimestamp) return;
  const conditions = withDisruptionTarget(pod, d.schedulerName, d.now());
  if (conditions) await d.client.patch('pods', v.name, { status: { conditions } }, { namespace: v.namespace, status: true });
  await d.client.delete('pods', v.name, { namespace: v.namespace });
  d.events.record(pod, 'Normal', 'Preempted', `Preempted by pod ${p.preemptor.uid} on node ${p.node}`);
}

/** Evicts a preemption's victims and clears the nominations it took over; failures are logged (the next cycle tries again). */
export function evictVictims(p: Preemption, d: EvictDeps): void {
  for (const v of p.victims)
    evictOne(v, p, d).catch((err: unknown) => {
      if (isNotFound(err)) d.log.debug({ victim: v.key }, 'preemption victim already gone');
      else d.log.warn({ victim: v.key, preemptor: p.preemptor.key, err: (err as Error).message }, 'could not preempt pod');
    });
  for (const key of p.unnominated) {
    const [namespace, name] = key.split('/');
    d.client
      .patch('pods', name, { status: { nominatedNodeName: null } }, { namespace, status: true })
      .catch((err: Error) => d.log.debug({ pod: key, err: err.message }, 'could not clear nominatedNodeName'));
  }
}
