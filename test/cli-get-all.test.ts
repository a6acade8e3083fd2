// `kubus get all` shows what `kubectl get all` shows: the resources the gateway's discovery puts in the
// "all" category, in discovery order (groups by upstream priority: core, apps, autoscaling, batch; each by resource name).
import test from 'ava';
import { categoriesOf, groups } from '../actors/gateway/discovery.ts';
import { ALL } from '../cli/commands/get.ts';

test('cli get all - the kinds discovery puts in the "all" category, in discovery order', (t) => {
  // A resource served in several versions (HPAs: autoscaling/v2 and v1) counts once, as kubectl takes the preferred one.
  const inAll = [...new Set([...groups().values()].flat().filter((d) => categoriesOf(d)?.includes('all')).map((d) => d.plural))];
  t.deepEqual(ALL, inAll);
  t.deepEqual(ALL, ['pods', 'replicationcontrollers', 'services', 'daemonsets', 'deployments', 'replicasets', 'statefulsets', 'horizontalpodautoscalers', 'cronjobs', 'jobs']);
});
