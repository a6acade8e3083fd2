// The real kubectl over the gateway sees metadata.generation only where upstream keeps one: none on a
// ConfigMap, 1 on a new Deployment and 2 once `kubectl scale` changed its spec.
import test from 'ava';
import { startGateway } from './helpers/gateway.ts';

test('gateway kubectl generation - a ConfigMap has none; a Deployment starts at 1 and a scale bumps it', async (t) => {
  const g = await startGateway(t);
  t.is((await g.kubectl(['create', 'configmap', 'cfg', '--from-literal=a=1'])).code, 0);
  t.is((await g.kubectl(['create', 'deployment', 'web', '--image=app:1'])).code, 0);
  const path = ['-o', 'jsonpath={.metadata.generation}'];
  t.is((await g.kubectl(['get', 'configmap', 'cfg', ...path])).stdout, '');
  t.is((await g.kubectl(['get', 'deployment', 'web', ...path])).stdout, '1');
  t.is((await g.kubectl(['label', 'configmap', 'cfg', 'x=y'])).code, 0);
  t.is((await g.kubectl(['get', 'configmap', 'cfg', ...path])).stdout, '', 'an update gives it none either');
  t.is((await g.kubectl(['scale', 'deployment', 'web', '--replicas=3'])).code, 0);
  t.is((await g.kubectl(['get', 'deployment', 'web', ...path])).stdout, '2');
});
