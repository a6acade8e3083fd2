import test from 'ava';
import { realClock } from '../bus/clock.ts';
import type { ApiClient } from '../bus/client.ts';
import { silentLogger } from '../bus/types.ts';
import { ClusterView, UnwatchedKindError } from '../scenarios/view/cluster-view.ts';

// The runner watches Leases in kube-system only (the leader-election ones): a script asking for
// another namespace's (the nodes' heartbeats) is told so, rather than seeing none.
test('scenario view - Leases are watched in kube-system only; asking for kube-node-lease says so', (t) => {
  const view = new ClusterView({} as ApiClient, realClock, silentLogger);
  t.is(view.get('lease', 'kube-scheduler', 'kube-system'), undefined);
  t.is([...view.objects('leases', { namespace: 'kube-system' })()].length, 0);
  const err = t.throws(() => view.get('lease', 'node-1', 'kube-node-lease'), { instanceOf: UnwatchedKindError });
  t.regex(err!.message, /does not watch "lease in namespace kube-node-lease"; watched: leases only in kube-system/);
  t.throws(() => view.objects('leases', { namespace: 'kube-node-lease' }), { instanceOf: UnwatchedKindError });
  t.is([...view.objects('pods', { namespace: 'kube-node-lease' })()].length, 0, 'other kinds: any namespace');
});
