// The gateway's route table as a pure function: which paths name which resource, and which are 404.
import test from 'ava';
import { resourceRoute } from '../actors/gateway/routes.ts';
import { StatusError } from '../api/status.ts';

const names = test.macro((t, path: string, want: { plural: string; namespace?: string; name?: string; subresource?: string }) => {
  const r = resourceRoute(path);
  t.deepEqual({ plural: r.def.plural, namespace: r.namespace, name: r.name, subresource: r.subresource }, { namespace: undefined, name: undefined, subresource: undefined, ...want });
});

test('gateway routes - core collection across namespaces', names, '/api/v1/pods', { plural: 'pods' });
test('gateway routes - core collection in a namespace', names, '/api/v1/namespaces/default/pods', { plural: 'pods', namespace: 'default' });
test('gateway routes - one object', names, '/api/v1/namespaces/default/pods/web', { plural: 'pods', namespace: 'default', name: 'web' });
test('gateway routes - a subresource', names, '/apis/apps/v1/namespaces/d/deployments/web/scale', { plural: 'deployments', namespace: 'd', name: 'web', subresource: 'scale' });
test('gateway routes - pods/log, pods/exec, pods/attach and pods/portforward', (t) => {
  t.is(resourceRoute('/api/v1/namespaces/default/pods/web/portforward').subresource, 'portforward');
  t.is(resourceRoute('/api/v1/namespaces/default/pods/web/attach').subresource, 'attach');
  t.is(resourceRoute('/api/v1/namespaces/default/pods/web/log').subresource, 'log');
  t.is(resourceRoute('/api/v1/namespaces/default/pods/web/exec').subresource, 'exec');
});
test('gateway routes - a namespace is a cluster-scoped object', names, '/api/v1/namespaces/demo', { plural: 'namespaces', name: 'demo' });
test('gateway routes - a namespace status is its subresource, not a collection', names, '/api/v1/namespaces/demo/status', { plural: 'namespaces', name: 'demo', subresource: 'status' });
test('gateway routes - cluster-scoped object', names, '/api/v1/nodes/node-0', { plural: 'nodes', name: 'node-0' });
test('gateway routes - escaped names are decoded', names, '/api/v1/namespaces/default/configmaps/a%3Ab', { plural: 'configmaps', namespace: 'default', name: 'a:b' });

const notFound = test.macro((t, path: string) => {
  const err = t.throws(() => resourceRoute(path), { instanceOf: StatusError }) as StatusError;
  t.is(err.code, 404);
  t.is(err.message, 'the server could not find the requested resource');
});
for (const p of [
  '/api/v1/widgets',
  '/apis/apps/v1/pods',
  '/api/v1/deployments',
  '/apis/apps/v2/deployments',
  '/api/v1/pods/web',
  '/api/v1/namespaces/default/nodes',
  '/api/v1/namespaces/default/configmaps/x/status',
  '/api/v1/namespaces/default/pods/x/proxy',
  '/api/v1/namespaces/default/configmaps/x/log',
  '/api/v1/namespaces/default/pods/x/status/extra',
  '/api/v1/namespaces/x/finalize',
])
  test(`gateway routes - 404: ${p}`, notFound, p);
