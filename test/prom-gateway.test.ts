// The gateway's /metrics with the real kubectl over HTTPS: the API server's exposition for a user the
// non-resource URL `get /metrics` is granted to (system:monitoring, cluster-admin), 403 for anyone
// else; counts move by the requests kubectl made; a kubelet's metrics at the node proxy path.
import test from 'ava';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { secureGateway } from './helpers/secure-gateway.ts';
import { parseExposition, valueOf } from './helpers/prom-text.ts';
import { waitFor } from './helpers/wait.ts';

test('prom gateway - kubectl get --raw /metrics: 200 for system:monitoring with exact request counts, 403 without the right; a node proxy path', async (t) => {
  const g = await secureGateway(t);
  g.env.process('node/prom-n1').start(kubeletActor, 'kubelet/prom-n1', { nodeName: 'prom-n1' });
  await waitFor(() => g.env.client.get('nodes', 'prom-n1').catch(() => undefined), 'node prom-n1 registered');
  const admin = g.kubeconfig('root', ['system:masters']);
  const monitor = g.kubeconfig('prometheus', ['system:monitoring']);
  const alice = g.kubeconfig('alice');

  const scrape = async () => {
    const r = await g.kubectl(monitor, ['get', '--raw', '/metrics']);
    t.is(r.code, 0, r.stderr);
    return parseExposition(r.stdout).samples;
  };
  const created = { verb: 'POST', resource: 'configmaps', code: '201', scope: 'namespace' };
  const conflicts = { verb: 'POST', resource: 'configmaps', code: '409' };
  const before = await scrape();
  t.is((await g.kubectl(admin, ['create', 'configmap', 'prom-a'])).code, 0);
  t.is((await g.kubectl(admin, ['create', 'configmap', 'prom-b'])).code, 0);
  t.not((await g.kubectl(admin, ['create', 'configmap', 'prom-a'])).code, 0, 'the second create of prom-a is refused');
  const after = await scrape();
  t.is(valueOf(after, 'apiserver_request_total', created) - valueOf(before, 'apiserver_request_total', created), 2);
  t.is(valueOf(after, 'apiserver_request_total', conflicts) - valueOf(before, 'apiserver_request_total', conflicts), 1);
  t.true(after.some((s) => s.name === 'process_resident_memory_bytes'));

  const denied = await g.kubectl(alice, ['get', '--raw', '/metrics']);
  t.not(denied.code, 0);
  t.regex(denied.stderr, /Forbidden|forbidden/);
  t.regex(denied.stderr, /"\/metrics"/);
  const asAdmin = await g.kubectl(admin, ['get', '--raw', '/metrics']);
  t.is(asAdmin.code, 0, 'cluster-admin holds every non-resource URL');

  const node = await g.kubectl(admin, ['get', '--raw', '/api/v1/nodes/prom-n1/proxy/metrics']);
  t.is(node.code, 0, node.stderr);
  t.is(valueOf(parseExposition(node.stdout).samples, 'kubelet_node_name', { node: 'prom-n1' }), 1);
  const nodeDenied = await g.kubectl(monitor, ['get', '--raw', '/api/v1/nodes/prom-n1/proxy/metrics']);
  t.not(nodeDenied.code, 0, 'system:monitoring holds no nodes/proxy');
  t.regex(nodeDenied.stderr, /nodes\/proxy|forbidden/i);
  const missing = await g.kubectl(admin, ['get', '--raw', '/api/v1/nodes/no-such/proxy/metrics']);
  t.not(missing.code, 0);
  t.regex(missing.stderr, /not answering/);
});
