// `kubus get all` shows what `kubectl get all` shows: the resources the gateway's discovery puts in the
// "all" category, in upstream's discovery order (core, apps, autoscaling, batch; each by resource name).
import test from 'ava';
import { categoriesOf } from '../actors/gateway/discovery.ts';
import { servedResources } from '../api/resources.ts';
import { ALL } from '../cli/commands/get.ts';

test('cli get all - the kinds of the "all" category that discovery serves, in upstream order', (t) => {
  const inAll = servedResources().filter((d) => categoriesOf(d)?.includes('all')).map((d) => d.plural);
  t.deepEqual([...ALL].sort(), [...inAll].sort());
  t.deepEqual(ALL, ['pods', 'replicationcontrollers', 'services', 'daemonsets', 'deployments', 'replicasets', 'statefulsets', 'horizontalpodautoscalers', 'cronjobs', 'jobs']);
});
