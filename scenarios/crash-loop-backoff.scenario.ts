// A container that exits at once, over and over: the kubelet restarts it after 10 s, 20 s, 40 s …
// (doubling, capped at 5 minutes), showing CrashLoopBackOff between the attempts.
import { scenario } from './dsl.ts';
import { pod } from './objects.ts';
import type { Pod } from '../api/kinds/pod.ts';

export default scenario('crash-loop backoff', { nodes: 1, tags: ['pods', 'kubelet'], description: 'restarts after 10s, 20s, 40s, 80s, 160s, then every 5m' }, async (s) => {
  // Each run of the container (by container id) and when it started, from the statuses the kubelet writes.
  const runs = new Map<string, number>();
  const backoffs: string[] = [];
  s.on<Pod>('pods', {
    update: (_, p) => {
      const c = p.status?.containerStatuses?.[0];
      for (const t of [c?.state?.terminated, c?.lastState?.terminated]) if (t?.containerID && t.startedAt) runs.set(t.containerID, Date.parse(t.startedAt));
      const m = /^back-off (\S+) restarting/.exec(c?.state?.waiting?.message ?? '');
      if (m && backoffs.at(-1) !== m[1]) backoffs.push(m[1]);
    },
  });
  const gaps = () => {
    const starts = [...runs.values()].sort((a, b) => a - b);
    return starts.slice(1).map((t, i) => (t - starts[i]) / 1000);
  };

  s.step('a pod that crashes at once');
  await s.apply(pod('crasher', { annotations: { 'sim.kubus.io/crash-loop': 'true' }, spec: { restartPolicy: 'Always' } }));
  await s.until('CrashLoopBackOff shown', () => s.pods({ name: 'crasher' }).waiting('CrashLoopBackOff').count() === 1, { within: '30s' });

  s.step('restarts back off: 10s, 20s, 40s … 5m');
  await s.until('7 runs', () => runs.size >= 7 || { ok: false, seen: `${runs.size} runs` }, { within: '15m' });
  await s.expect('the runs started 10s, 20s, 40s, 80s, 160s, 300s apart', () => ({ ok: gaps().slice(0, 6).join() === '10,20,40,80,160,300', seen: `gaps ${gaps().join(', ')} s` }));
  await s.expect('the kubelet said so in each back-off message', () => ({ ok: backoffs.slice(0, 6).join() === '10s,20s,40s,1m20s,2m40s,5m0s', seen: backoffs.join(', ') }));
  s.always('never sooner than 5m apart from now on', () => gaps().slice(5).every((g) => g >= 300));
  await s.advance('11m');
  await s.expect('two more runs in 11 minutes', () => ({ ok: runs.size === 9, seen: `${runs.size} runs` }));
});
