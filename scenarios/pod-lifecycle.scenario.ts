// One pod's life: Pending → ContainerCreating (the image pull and start take time) → Running →
// Ready once its readiness probe passes → graceful deletion (Terminating, then gone).
import { scenario } from './dsl.ts';
import { pod } from './objects.ts';
import type { Pod } from '../api/kinds/pod.ts';

/** Returns what a person would call the pod's state right now. */
function stateOf(p: Pod): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  const waiting = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
  if (p.status?.phase === 'Pending') return waiting ?? (p.spec.nodeName ? 'Pending (bound)' : 'Pending');
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return `${p.status?.phase}${ready ? ' Ready' : ''}`;
}

export default scenario('pod lifecycle', { nodes: 1, tags: ['pods'], description: 'one pod: Pending, ContainerCreating, Running, Ready, graceful delete' }, async (s) => {
  const states: Array<[string, number]> = [];
  const note = (p: Pod) => {
    const st = stateOf(p);
    if (states.at(-1)?.[0] !== st) states.push([st, s.now()]);
  };
  s.on<Pod>('pods', { add: note, update: (_, p) => note(p), delete: () => states.push(['Deleted', s.now()]) });
  const at = (st: string) => states.find(([x]) => x === st)?.[1];

  s.step('create the pod');
  await s.apply(
    pod('web', {
      annotations: { 'sim.kubus.io/pull-delay': '2s', 'sim.kubus.io/start-delay': '3s', 'sim.kubus.io/ready-delay': '10s', 'sim.kubus.io/stop-delay': '4s' },
      spec: { containers: [{ name: 'app', image: 'nginx:1.27', readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 } }], terminationGracePeriodSeconds: 30 },
    }),
  );
  await s.until('web Running', () => s.pods({ name: 'web' }).running().count() === 1, { within: '1m' });
  await s.until('web Ready', () => s.pods({ name: 'web' }).ready().count() === 1, { within: '1m' });
  const created = states[0][1];
  await s.expect('it went Pending → ContainerCreating → Running → Running Ready', () => {
    const seq = states.map(([x]) => x).filter((x) => x !== 'Pending (bound)');
    return { ok: JSON.stringify(seq) === JSON.stringify(['Pending', 'ContainerCreating', 'Running', 'Running Ready']), seen: seq.join(' → ') };
  });
  await s.expect('pull (2s) and start (3s) took 5s', () => {
    const d = at('Running')! - created;
    return { ok: d >= 5000 && d < 7000, seen: `Running ${d} ms after creation` };
  });
  await s.expect('Ready 10s after the start (readiness probe every 1s)', () => {
    const d = at('Running Ready')! - at('Running')!;
    return { ok: d >= 10_000 && d <= 12_000, seen: `Ready ${d} ms after Running` };
  });

  s.step('delete it');
  await s.delete('pod', 'web');
  await s.until('web is gone', () => s.pods({ name: 'web' }).count() === 0, { within: '1m' });
  await s.expect('Terminating for the 4s the container takes to stop', () => {
    const d = at('Deleted')! - at('Terminating')!;
    return { ok: d >= 4000 && d < 6000, seen: `Terminating for ${d} ms` };
  });
  await s.eventually('the kubelet recorded Killing', () => s.events({ reason: 'Killing' }).count() === 1, { within: '10s' });
});
