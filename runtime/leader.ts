// Running actors only while this process leads: a leader elector per component, which starts
// the component's actors when it acquires the lock and stops them at once when it loses it.
import { hostname } from 'node:os';
import { electorActor } from '../actors/lib/leader-election/elector.actor.ts';
import type { ElectionTimings } from '../actors/lib/leader-election/leader-election.machine.ts';
import type { ActorDefinition } from '../actors/lib/actor.ts';
import type { Host } from './host.ts';

export type ElectedActor = [def: ActorDefinition<any>, id: string, input: unknown];

export interface ElectedComponent {
  /** e.g. kube-scheduler: the Lease kube-system/<name>. */
  name: string;
  actors: ElectedActor[];
  timings?: Partial<ElectionTimings>;
  /** Unique among the candidates (default hostname_<random>, as upstream). */
  identity?: string;
}

/** What `kubus status` reports of an elected component. */
export interface Leadership {
  component: string;
  identity: string;
  leading: boolean;
}

/** Starts the elector of a component; returns a live view of whether this process leads. */
export function runElected(host: Host, c: ElectedComponent): Leadership {
  const state: Leadership = {
    component: c.name,
    identity: c.identity ?? `${hostname()}_${host.env.rng.uuid()}`,
    leading: false,
  };
  let stopping: Promise<void> = Promise.resolve();
  host.start(electorActor, `leader-elector/${c.name}`, {
    lock: { namespace: 'kube-system', name: c.name },
    identity: state.identity,
    ...c.timings,
    onStartedLeading: () => {
      state.leading = true;
      // A new term starts only once the previous one's actors are gone.
      void stopping.then(() => {
        if (state.leading) for (const [def, id, input] of c.actors) if (!host.get(id)) host.start(def, id, input);
      });
    },
    onStoppedLeading: () => {
      state.leading = false;
      stopping = Promise.all(c.actors.map(([, id]) => host.stop(id))).then(() => undefined);
    },
  });
  return state;
}
